import ArgumentParser
import Foundation
import MammoPrep

extension ShardArgument: ExpressibleByArgument {}

/// `--shard I/N` or `--shard slurm`.
struct ShardArgument {
    let shard: Shard
    init?(argument: String) {
        guard let shard = Shard(argument: argument) else { return nil }
        self.shard = shard
    }
}

extension MammoPrepCommand {
    /// `mammo-prep convert INPUT… --out DIR` (design.md §2).
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert DICOM and TIFF images to windowed 0…1 float32 tensors (.npy, shape (1, H, W)).",
            discussion: """
            Inputs are files or folders (recursive); DICOM and TIFF are recognised by content, other files are \
            skipped. Re-running the same command resumes; a different configuration into a non-empty folder is \
            refused unless --overwrite. Exit status: 0 all converted or skipped, 1 some inputs failed, 2 usage \
            error or nothing could start.
            """
        )

        @Argument(help: "Input files or folders.")
        var inputs: [String]

        @Option(help: "Output folder (created if needed).")
        var out: String

        @Option(help: "Output format: npy (NumPy 1.0, <f4, C order, (1, H, W)), png16 / png8 (the 0…1 image for viewing, round(v·(2^n−1))), tiff (float32).")
        var format: ConvertOptions.Format = .npy

        @Option(help: "Convert only this 0-based frame of multi-frame inputs (default: every frame, as NAME.fNNNN).")
        var frame: Int?

        @OptionGroup(title: "Windowing")
        var window: WindowOptions

        @Option(name: [.short, .customLong("jobs")], help: "Images converted in parallel (default: all cores).")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: ArgumentHelp("Process the I-th of N deterministic parts of the sorted inputs, or 'slurm' to take them from a Slurm job array.", valueName: "I/N|slurm"))
        var shard: ShardArgument?

        @Flag(help: "Replace outputs of a different configuration in the output folder.")
        var overwrite = false

        @Flag(name: [.short, .long], help: "No progress bar and no summary.")
        var quiet = false

        @OptionGroup(title: "Limits")
        var limits: LimitOptions

        func validate() throws {
            guard jobs >= 1 else { throw ValidationError("'--jobs' must be at least 1.") }
            if let frame, frame < 0 { throw ValidationError("'--frame' must be 0 or more.") }
        }

        func run() throws {
            let options = ConvertOptions(outputDirectory: out, format: format, frame: frame, windowing: window.options,
                                         limits: limits.limits, jobs: jobs, overwrite: overwrite)
            let converter = Converter(options: options, toolVersion: MammoPrepVersion.string)
            var inputs: [InputFile]
            do {
                inputs = try InputDiscovery.collect(self.inputs)
                if let shard { inputs = shard.shard.select(inputs) }
                try converter.prepare()
            } catch let error as MammoPrepError {
                Console.error(error.description)
                throw ExitCode(2)
            }
            let bar = ProgressBar(quiet: quiet)
            converter.onFailure = { error in bar.interrupt { Console.error(error.description) } }
            let summary = converter.run(inputs) { bar.update($0) }
            bar.finish()
            if !quiet {
                let rate = summary.seconds > 0 ? Double(summary.converted) / summary.seconds : 0
                print("converted \(summary.converted), skipped \(summary.skippedDone + summary.skippedNotImage) "
                      + "(\(summary.skippedDone) already done, \(summary.skippedNotImage) not DICOM/TIFF), failed \(summary.failed); "
                      + "\(summary.framesWritten) frames in \(String(format: "%.1f", summary.seconds)) s "
                      + "(\(String(format: "%.2f", rate)) images/s)"
                      + (summary.failed > 0 ? "; see \(out)/failures.jsonl" : ""))
            }
            if summary.failed > 0 { throw ExitCode(1) }
        }
    }
}
