import ArgumentParser
import MammoPrep

extension MammoPrepCommand {
    /// Diagnostic: the stored values of every frame as one `.npy` (frames, rows, columns), int32
    /// for integer samples (masked and sign-extended), float32 for float TIFF. Used by the oracle
    /// tests that compare ingestion with pydicom and tifffile; documented in docs/cli.md.
    struct DumpStored: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dump-stored",
            abstract: "Write the stored values of a DICOM or TIFF file as .npy (diagnostic).",
            shouldDisplay: false
        )

        @Argument(help: "A DICOM or TIFF file.")
        var file: String

        @Option(help: "Output .npy path.")
        var out: String

        @OptionGroup(title: "Limits")
        var limits: LimitOptions

        func run() throws {
            do {
                let image = try InputImage.open(path: file, limits: limits.limits)
                var ints: [Int32] = []
                var floats: [Float] = []
                var shape: (Int, Int)?
                for index in 0..<image.frameCount {
                    let frame = try image.readFrame(index)
                    if let shape, shape != (frame.rows, frame.columns) {
                        throw MammoPrepError(path: file, stage: .decode, code: .invalidAttribute,
                                             detail: "frame \(index) is \(frame.rows)x\(frame.columns), frame 0 is \(shape.0)x\(shape.1)")
                    }
                    shape = (frame.rows, frame.columns)
                    switch frame {
                    case .integer(let f): ints += f.values()
                    case .float(let f): floats += f.values
                    }
                }
                let dims = [image.frameCount, shape?.0 ?? 0, shape?.1 ?? 0]
                if floats.isEmpty { try NPYWriter.write(ints, shape: dims, to: out) }
                else { try NPYWriter.write(floats, shape: dims, to: out) }
            } catch let error as MammoPrepError {
                print(error.description)
                throw ExitCode(1)
            }
        }
    }
}
