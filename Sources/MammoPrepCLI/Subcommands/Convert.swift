import ArgumentParser
import Foundation
import MammoPrep

extension MammoPrepCommand {
    /// `mammo-prep convert INPUT… --out DIR` (docs/design.md §2).
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert DICOM and TIFF images to windowed 0…1 float32 tensors (.npy, shape (1, H, W)).",
            discussion: """
            Inputs are files or folders (recursive); DICOM and TIFF are recognised by content, other files are \
            skipped. Re-running the same command resumes; a different configuration into a non-empty folder is \
            refused unless --overwrite. Exit status: 0 all converted or skipped, 1 some inputs failed (0 with \
            --allow-failures), 2 usage error or nothing could start, 143 / 130 stopped by SIGTERM / SIGINT \
            (finished outputs are kept: re-run to resume).
            """
        )

        @Argument(help: "Input files or folders.")
        var inputs: [String]

        @Option(help: "Output folder (created if needed).")
        var out: String

        @Option(help: "Output format: npy (NumPy 1.0, <f4, C order, (C, H, W)), npy-stack (one (N, C, H, W) .npy + index; needs a fixed size), safetensors (one file per image), png16 / png8 (the 0…1 image after geometry, for viewing, round(v·(2^n−1))), tiff (float32).")
        var format: ConvertOptions.Format = .npy

        @Option(help: "Convert only this 0-based frame of multi-frame inputs (default: every frame, as NAME.fNNNN).")
        var frame: Int?

        @OptionGroup(title: "Windowing")
        var window: WindowOptions

        @OptionGroup(title: "Geometry and model preset")
        var geometry: GeometryArguments

        @OptionGroup(title: "Normalization")
        var normalization: NormalizationArguments



        @Flag(help: "Replace outputs of a different configuration in the output folder.")
        var overwrite = false

        @OptionGroup(title: "Batch")
        var batch: BatchOptions

        @OptionGroup(title: "Limits")
        var limits: LimitOptions

        func validate() throws {
            if let frame, frame < 0 { throw ValidationError("'--frame' must be 0 or more.") }
            try geometry.check(limits: limits.limits)
            if format == .npyStack && geometry.size == nil && geometry.model == nil {
                throw ValidationError("'--format npy-stack' needs a fixed size: give '--size' or '--model'.")
            }

        }

        /// Resolves the adapter: preset defaults, then explicit options; reads and checks --stats.
        func adapterOptions(windowing: WindowingOptions) throws -> AdapterOptions {
            let preset = geometry.preset
            let geometryOptions = geometry.geometry
            let kind = normalization.normalize ?? (preset != nil ? .model : Normalization.Kind.none)
            let explicitChannels = normalization.mean.map { $0.values.count == 3 ? 3 : nil } ?? nil
            let defaultChannels = kind == .imagenet ? 3 : (explicitChannels ?? preset?.channels ?? 1)
            let channels = normalization.channels ?? defaultChannels
            let n: Normalization
            var statsSource: String?
            switch kind {
            case .none: n = .none(channels: channels)
            case .imagenet: n = .imagenet
            case .model: n = Normalization.model(mean: preset!.mean, std: preset!.std, channels: channels)
            case .minmax, .zscore: n = .perImage(kind, region: normalization.normRegion ?? .image, channels: channels)
            case .custom:
                if let mean = normalization.mean?.values, let std = normalization.std?.values {
                    n = Normalization(kind: .custom, mean: mean.count == channels ? mean : Array(repeating: mean[0], count: channels),
                                      std: std.count == channels ? std : Array(repeating: std[0], count: channels))
                    break
                }
                let path = normalization.stats!
                let report = try StatsReport.read(path: path)
                guard report.statistics.count > 0, report.standardDeviation > 0 else {
                    throw MammoPrepError(path: path, stage: .read, code: .invalidAttribute,
                                         detail: "no pixels or a zero std: cannot normalize with it")
                }
                if let partial = Convert.partialShards(report), !normalization.forceStats {
                    throw MammoPrepError(path: path, stage: .read, code: .incompatible,
                                         detail: "a partial stats file (shards \(partial) only): merge the shards with "
                                             + "`mammo-prep stats merge`, or use --force-stats to use it anyway")
                }
                let mine = ConvertOptions(outputDirectory: out, frame: frame, windowing: windowing,
                                          adapter: AdapterOptions(geometry: geometryOptions), reduction: geometry.reduce)
                    .pixelPipeline(toolVersion: MammoPrepVersion.string)
                let differences = report.pipeline.memberDifferences(mine, ignoring: ["mask"])
                if !differences.isEmpty && !normalization.forceStats {
                    throw MammoPrepError(path: path, stage: .read, code: .incompatible,
                                         detail: "computed with other options than this command (stats vs convert): "
                                             + differences.joined(separator: "; ") + "; use --force-stats to use it anyway")
                }
                n = .custom(mean: report.mean, std: report.standardDeviation, channels: channels)
                statsSource = path
            }
            return AdapterOptions(geometry: geometryOptions, normalization: n, preset: preset,
                                  modelInput: preset == nil ? nil : geometry.modelInput, statsSource: statsSource)
        }

        /// The shards ("I/N", sorted) a stats file covers when it does not cover all N of its run.
        static func partialShards(_ report: StatsReport) -> String? {
            let shards = report.shards.compactMap { text -> (index: Int, count: Int)? in
                let parts = text.split(separator: "/").compactMap { Int($0) }
                return parts.count == 2 && parts[1] >= 1 ? (parts[0], parts[1]) : nil
            }
            guard let count = shards.first?.count else { return nil }
            let indices = Set(shards.filter { $0.count == count }.map(\.index))
            guard indices != Set(1...count) else { return nil }
            return shards.sorted { $0.index < $1.index }.map { "\($0.index)/\($0.count)" }.joined(separator: ", ")
        }

        func run() throws {
            let interruption = Interruption(temporariesIn: [out])
            let converter: Converter
            var inputs: [InputFile]
            var discovery = InputDiscoveryResult()
            do {
                let adapter = try adapterOptions(windowing: window.options)
                let stackName = batch.shard.map { "stack.shard-\($0.shard.index)-of-\($0.shard.count)" } ?? "stack"
                let options = ConvertOptions(outputDirectory: out, format: format, frame: frame, windowing: window.options,
                                             limits: limits.limits, jobs: batch.jobs, overwrite: overwrite, adapter: adapter,
                                             stackName: stackName, reduction: geometry.reduce)
                converter = Converter(options: options, toolVersion: MammoPrepVersion.string)
                discovery = try InputDiscovery.discover(self.inputs)
                inputs = discovery.inputs
                let part = batch.shard.map { ShardInputs($0.shard, of: inputs) }
                inputs = part?.inputs ?? inputs
                try converter.prepare()
                try part.map(converter.prepareStack(for:)) ?? converter.prepareStack(for: inputs)
            } catch let error as MammoPrepError {
                Console.error(error)
                throw ExitCode(2)
            }
            let bar = ProgressBar(quiet: batch.quiet)
            converter.onFailure = { error in bar.interrupt { Console.error(error) } }
            converter.folderShared = batch.shard != nil
            for loop in discovery.loops { Console.error("mammo-prep: warning: " + loop) }
            // Discovery failures belong to the first shard only (every shard walks the same folders).
            let walkFailures = (batch.shard?.shard.index ?? 0) <= 1 ? discovery.failures : []
            let summary = converter.run(inputs, discoveryFailures: walkFailures,
                                        cancellation: interruption.cancellation) { bar.update($0, succeeded: "ok") }
            bar.finish()
            if let error = converter.stackError {
                Console.error(error)
                throw ExitCode(2)
            }
            if !batch.quiet {
                let rate = summary.seconds > 0 ? Double(summary.succeeded) / summary.seconds : 0
                let counts: String = "converted \(summary.succeeded), skipped \(summary.skipped) "
                    + "(\(summary.alreadyDone) already done, \(summary.skipReasons)), failed \(summary.failed); "
                let timing: String = "\(summary.frames) frames in \(String(format: "%.1f", summary.seconds)) s "
                    + "(\(String(format: "%.2f", rate)) images/s)"
                let see: String = summary.failed > 0 ? "; see \(out)/failures.jsonl" : ""
                print(batch.summaryPrefix + counts + timing + see)
            }
            if summary.interrupted {
                try interruption.stop(summary, format == .npyStack
                    ? "the stack is not written (it is rebuilt on every run): run the same command again"
                    : "finished outputs are kept: run the same command again to resume")
            }
            try BatchOptions.checkFoundImages(summary, inputs: self.inputs)
            try batch.checkFailures(summary.failed)
        }
    }
}
