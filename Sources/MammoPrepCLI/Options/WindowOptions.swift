import ArgumentParser
import MammoPrep

extension WindowingOptions.VOISource: ExpressibleByArgument {}
extension WindowingOptions.NoVOIRule: ExpressibleByArgument {}
extension WindowingOptions.Inversion: ExpressibleByArgument {}

/// `--voi-function linear|linear-exact|sigmoid`.
enum VOIFunctionArgument: String, ExpressibleByArgument, CaseIterable {
    case linear, linearExact = "linear-exact", sigmoid
    var function: VOIFunction {
        switch self { case .linear: return .linear; case .linearExact: return .linearExact; case .sigmoid: return .sigmoid }
    }
}

/// `CENTER:WIDTH`, parsed in one place (swift-format's `Range` pattern).
struct WindowArgument: ExpressibleByArgument {
    let center: Double
    let width: Double
    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let c = Double(parts[0]), let w = Double(parts[1]), c.isFinite, w.isFinite else { return nil }
        center = c
        width = w
    }
}

/// The windowing options shared by `convert` and `stats` (docs/pipeline.md, docs/windowing.md).
struct WindowOptions: ParsableArguments {
    @Option(help: "Where the VOI comes from: auto (VOI LUT item N, else window N, else the no-VOI rule), lut, window, none.")
    var voiSource: WindowingOptions.VOISource = .auto

    @Option(help: "0-based index of the window pair and of the VOI LUT item.")
    var windowIndex: Int = 0

    @Option(help: ArgumentHelp("Explicit window, overriding the file.", valueName: "center:width"))
    var window: WindowArgument?

    @Option(help: "Override (0028,1056) VOI LUT Function: linear, linear-exact, sigmoid.")
    var voiFunction: VOIFunctionArgument?

    @Option(help: "Without a VOI: range (full modality-output range of Bits Stored) or minmax (the frame's own min/max).")
    var noVoi: WindowingOptions.NoVOIRule = .range

    @Option(help: "Polarity: auto (MONOCHROME1 or Presentation LUT Shape INVERSE, never twice), never, dcmtk.")
    var invert: WindowingOptions.Inversion = .auto

    @Flag(help: "Float TIFF: clamp values outside 0…1 instead of refusing the image.")
    var clip = false

    var options: WindowingOptions {
        WindowingOptions(voiSource: voiSource, windowIndex: windowIndex,
                         explicitWindow: window.map { WindowSetting(center: $0.center, width: $0.width) },
                         functionOverride: voiFunction?.function, noVOI: noVoi, invert: invert, clip: clip)
    }

    func validate() throws {
        guard windowIndex >= 0 else { throw ValidationError("'--window-index' must be 0 or more.") }
        if let window {
            // With --voi-function the function is known now; otherwise each file's own function
            // decides, and an input whose function rejects the width fails (voiUnavailable).
            if let function = voiFunction?.function {
                guard function.accepts(width: window.width) else {
                    throw ValidationError("'--window' width \(window.width) is invalid for \(function.rawValue) (LINEAR needs width >= 1, the others > 0).")
                }
            } else if !(window.width > 0) {
                throw ValidationError("'--window' width must be positive.")
            }
        }
    }
}

extension ConvertOptions.Format: ExpressibleByArgument {}
