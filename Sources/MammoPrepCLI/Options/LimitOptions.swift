import ArgumentParser
import MammoPrep

/// Bounds checked before allocating, shared by every command that reads images.
struct LimitOptions: ParsableArguments {
    /// ReadLimits.maxFramePixels.
    @Option(name: .customLong("max-frame-pixels"),
            help: "Refuse frames with more pixels than this (rows x columns), before allocating.")
    var maxFramePixels: Int = ReadLimits.standard.maxFramePixels

    /// ReadLimits.maxTotalPixels.
    @Option(name: .customLong("max-total-pixels"),
            help: "Refuse objects with more pixels than this over all frames, before allocating.")
    var maxTotalPixels: Int = ReadLimits.standard.maxTotalPixels

    var limits: ReadLimits { ReadLimits(maxFramePixels: maxFramePixels, maxTotalPixels: maxTotalPixels) }

    func validate() throws {
        guard maxFramePixels > 0, maxTotalPixels > 0 else {
            throw ValidationError("'--max-frame-pixels' and '--max-total-pixels' must be positive.")
        }
    }
}
