import ArgumentParser
import Foundation
import MammoPrep

extension StatsMask: ExpressibleByArgument {}

extension MammoPrepCommand {
    /// `mammo-prep stats INPUT… --out stats.json` and `mammo-prep stats merge PART.json… --out stats.json`.
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cohort mean/std pooled over every (masked) pixel of the windowed images, and merging of shards.",
            discussion: "`mammo-prep stats INPUT… --out stats.json` runs `compute` (see `mammo-prep stats compute --help` for its options).",
            subcommands: [Compute.self, Merge.self],
            defaultSubcommand: Compute.self
        )
    }
}

extension MammoPrepCommand.Stats {
    struct Compute: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compute",
            abstract: "Pool the windowed pixels of the inputs into stats.json (the default: `mammo-prep stats INPUT… --out F`).",
            discussion: """
            Mean and std are the population figures (ddof 0) over every pixel that convert would write (or every \
            breast pixel with --mask foreground), in float64: never the mean of per-image stds. Parts made with \
            --shard are combined exactly by `mammo-prep stats merge`. Exit status: 0 all inputs used or skipped, \
            1 some failed (listed in stats.json; 0 with --allow-failures), 2 usage error or nothing could start, \
            143 / 130 stopped by SIGTERM / SIGINT (nothing written).
            """
        )

        @Argument(help: "Input files or folders.")
        var inputs: [String]

        @Option(help: "Where to write stats.json.")
        var out: String

        @Option(help: "Pixels pooled: none (every pixel) or foreground (the breast; docs/stats.md).")
        var mask: StatsMask = .none

        @Option(name: .customLong("per-image"), help: ArgumentHelp("Also write one CSV row per image (path, frame, pixels, mean, std, min, max, mask_fraction).", valueName: "file.csv"))
        var perImage: String?

        @Option(help: "Use only this 0-based frame of multi-frame inputs (default: every frame).")
        var frame: Int?

        @OptionGroup(title: "Windowing")
        var window: WindowOptions

        @OptionGroup(title: "Geometry (the pixels convert would write with the same options)")
        var geometry: GeometryArguments


        @OptionGroup(title: "Batch")
        var batch: BatchOptions

        @OptionGroup(title: "Limits")
        var limits: LimitOptions

        func validate() throws {
            if let frame, frame < 0 { throw ValidationError("'--frame' must be 0 or more.") }
            try geometry.check(limits: limits.limits)
        }

        func run() throws {
            let options = StatsOptions(windowing: window.options, frame: frame, geometry: geometry.geometry, mask: mask,
                                       limits: limits.limits, jobs: batch.jobs, shard: batch.shard?.shard,
                                       reduction: geometry.reduce)
            let runner = StatsRunner(options: options, toolVersion: MammoPrepVersion.string)
            let interruption = Interruption(temporariesIn: [out, perImage].compactMap { $0 }.map(StatsOutput.folder(of:)))
            let inputs: [InputFile]
            do {
                inputs = try InputDiscovery.collect(self.inputs, checkCollisions: false)  // the runner takes the shard's
                try StatsOutput.checkWritable(out)
                if let perImage { try StatsOutput.checkWritable(perImage) }
            } catch let error as MammoPrepError {
                Console.error(error)
                throw ExitCode(2)
            }
            let bar = ProgressBar(quiet: batch.quiet)
            runner.onFailure = { error in bar.interrupt { Console.error(error) } }
            let start = Date()
            let report: StatsReport
            do {
                if let perImage {
                    // Rows stream to a temporary file in input order; it appears complete or not at all.
                    var result: StatsReport?
                    do { try AtomicFile.publish(to: perImage) { temporary in
                        guard let stream = fopen(temporary, "w") else {
                            throw MammoPrepError(path: perImage, stage: .write, code: .io, detail: "cannot create the file")
                        }
                        defer { fclose(stream) }
                        fputs(ImageStatistics.csvHeader + "\n", stream)
                        runner.onImage = { fputs($0.csvRow + "\n", stream) }
                        result = runner.run(inputs, cancellation: interruption.cancellation) { bar.update($0, succeeded: "used") }
                        if runner.counts.interrupted { throw StatsOutput.Interrupted() }  // the partial file is removed
                        guard ferror(stream) == 0, fflush(stream) == 0 else {
                            throw MammoPrepError(path: perImage, stage: .write, code: .io, detail: "write failed")
                        }
                    } } catch is StatsOutput.Interrupted {}
                    report = result!
                } else {
                    report = runner.run(inputs, cancellation: interruption.cancellation) { bar.update($0, succeeded: "used") }
                }
                bar.finish()
                if runner.counts.interrupted {
                    try interruption.stop(runner.counts, "\(out) is not written: run the same command again (stats starts over)")
                }
                try AtomicFile.write(to: out) { try $0.write(report.json().serialized() + "\n") }
            } catch let error as MammoPrepError {
                bar.finish()
                Console.error(error)
                throw ExitCode(2)
            }
            if !batch.quiet {
                let seconds = Date().timeIntervalSince(start)
                let figures = report.statistics.count > 0
                    ? String(format: "mean %.6f, std %.6f over %d pixels", report.mean, report.standardDeviation, report.statistics.count)
                    : "no pixels"
                let kept = mask == .none ? "" : String(format: " (%.1f%% kept by the mask)", report.maskFraction * 100)
                print(batch.summaryPrefix + "used \(report.files), skipped \(report.skipped), failed \(report.failed); \(report.images) images, "
                      + figures + kept + String(format: "; %.1f s", seconds) + " -> \(out)")
            }
            try batch.checkFailures(report.failed)
        }
    }
}

/// Checks made before any image is read, so that a long run cannot end unable to write its result.
enum StatsOutput {
    struct Interrupted: Error {}

    static func folder(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    /// Creates the file's folder if needed (the shards of a job array may race to: that is fine).
    static func checkWritable(_ path: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw MammoPrepError(path: path, stage: .write, code: .io,
                                 detail: "is a folder: --out takes the path of the stats.json file to write")
        }
        let dir = folder(of: path)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue,
              FileManager.default.isWritableFile(atPath: dir) else {
            throw MammoPrepError(path: path, stage: .write, code: .io, detail: "the folder \(dir) does not exist or is not writable")
        }
    }
}
