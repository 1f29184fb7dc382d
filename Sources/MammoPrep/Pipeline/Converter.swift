import Foundation

/// Runs the frame pipeline over many inputs into one folder, resumably (`mammo-prep convert`).
///
/// Files in the output folder: the outputs, `manifest.jsonl` (one line per output written, in
/// input order), `failures.jsonl` (one line per failed input), `convert.json` (the configuration
/// and its hash) and `preprocess.json`. Lines are appended with one `write(2)` each on an
/// `O_APPEND` descriptor, so concurrent shards of a job array can share the folder on a local
/// file system.
public final class Converter: @unchecked Sendable {
    public let options: ConvertOptions
    public let configuration: JSONValue
    public let configurationHash: String
    public let toolVersion: String
    /// Called once per failed input (serialised, in input order), e.g. to print its one-line error.
    public var onFailure: (@Sendable (MammoPrepError) -> Void)?
    /// Other processes (shards of one job array) write into the same folder: failures.jsonl keeps
    /// their lines when this run rewrites it.
    public var folderShared = false
    /// Set when publishing the stack failed (the run's outputs are then incomplete).
    public internal(set) var stackError: MammoPrepError?

    let pipeline: FramePipeline
    let folder: OutputFolder
    /// Sources complete from an earlier run (read by `prepare`, then only read).
    private var done: Set<String> = []
    /// `npy-stack`: the stack and its bookkeeping (nil for other formats).
    var stack: StackOutput?

    public init(options: ConvertOptions, toolVersion: String) {
        self.toolVersion = toolVersion
        self.options = options
        self.configuration = options.configuration(toolVersion: toolVersion)
        self.configurationHash = options.configurationHash(toolVersion: toolVersion)
        self.pipeline = FramePipeline(options.framePipelineOptions)
        self.folder = OutputFolder(path: options.outputDirectory)
    }

    /// Creates or checks the output folder. The same configuration resumes (outputs listed in
    /// manifest.jsonl and present on disk are kept); a different one, or a non-empty folder
    /// mammo-prep did not write, is refused unless `overwrite`. Throws before any work starts.
    public func prepare() throws {
        let record = JSONValue.object([("configurationHash", .string(configurationHash)), ("configuration", configuration)])
        try folder.prepare(configuration: record.serialized() + "\n", overwrite: options.overwrite)
        // npy-stack is rebuilt on every run (its rows are not separate files).
        done = options.format == .npyStack ? [] : OutputFolder.completedSources(
            manifestPath: folder.path + "/manifest.jsonl", directory: folder.path, hash: configurationHash,
            singleFrame: options.frame != nil)
        try folder.writeIfChanged("preprocess.json", options.preprocessSpecification(toolVersion: toolVersion).serialized() + "\n")
        try folder.openLogs()
    }

    /// Converts `inputs` with `options.jobs` workers; `progress` is called after each input
    /// (serialised, in input order). Returns the counts; never throws (failures are recorded).
    /// Once `cancellation` is cancelled no input is started: the outputs of those finished are
    /// kept (a re-run resumes), an npy-stack is not published (`counts.notStarted` > 0).
    /// `discoveryFailures` (unreadable folders, broken links: `InputDiscovery`) are recorded as
    /// failures and counted. At the end failures.jsonl is rewritten atomically for the folder's
    /// current state and manifest.jsonl keeps one line per output (`OutputFolder.rewriteLogs`).
    public func run(_ inputs: [InputFile], discoveryFailures: [MammoPrepError] = [],
                    cancellation: BatchCancellation? = nil,
                    progress: @escaping @Sendable (BatchProgress) -> Void = { _ in }) -> BatchProgress {
        let runner = BatchRunner(jobs: options.jobs)
        let failed = FailureList()
        for error in discoveryFailures {
            let line = failureLine(error, realPath: InputDiscovery.realPath(error.path) ?? error.path)
            failed.add(line)
            folder.appendFailure(line.serialized())
            onFailure?(error)
        }
        var counts = runner.run(
            inputs, path: \.path, stage: .write, cancellation: cancellation,
            makeWorker: { FramePipeline.Workspace(jpeg2000Threads: 1) },
            work: { workspace, input, threads in
                workspace.jpeg2000Threads = threads
                return try convert(input, workspace: workspace)
            },
            deliver: { index, outcome in
                switch outcome {
                case .succeeded(let records, _):
                    if let stack, let row = stack.row(of: inputs[index].path) {
                        // Stack rows move when failed rows are dropped: lines are written by `finishStack`.
                        stack.records[row] = records
                    } else {
                        // Written once every output of the input exists: a listed source is complete.
                        for pairs in records { folder.appendManifest(JSONValue.object(pairs).serialized()) }
                    }
                case .failed(let error):
                    let line = failureLine(error, realPath: inputs[index].realPath)
                    failed.add(line)
                    folder.appendFailure(line.serialized())
                    onFailure?(error)
                case .alreadyDone, .notImage: break
                }
            },
            progress: progress)
        counts.failed += discoveryFailures.count
        let owned = Set(inputs.map(\.realPath) + discoveryFailures.map { InputDiscovery.realPath($0.path) ?? $0.path })
        folder.rewriteLogs(current: failed.lines, owned: { line in
            (line["sourceRealPath"]?.stringValue ?? line["source"]?.stringValue).map(owned.contains) ?? false
        }, keepOthers: folderShared)
        if let output = stack {
            if counts.interrupted {
                output.stack.abandon()
                stack = nil
            } else {
                finishStack()
            }
        }
        return counts
    }

    private func convert(_ input: InputFile, workspace: FramePipeline.Workspace) throws -> BatchOutcome<[[(String, JSONValue)]]> {
        if done.contains(input.realPath) { return .alreadyDone }
        let stamp = SourceStamp(of: input.realPath)
        let probe = try InputImage.probe(path: input.path, limits: options.limits)
        guard case .image(let image) = probe else { return .notImage(probe.skipReason ?? "") }
        let frames = try image.frames(selecting: options.frame)
        let row = stack?.row(of: input.path)
        if row != nil && frames.count != 1 {
            throw MammoPrepError(path: input.path, stage: .read, code: .invalidAttribute,
                                 detail: "an npy-stack takes one frame per input and this one has \(frames.count)",
                                 remedy: .selectFrame)
        }
        let multi = options.frame == nil && image.frameCount > 1
        var records: [[(String, JSONValue)]] = []
        for frame in frames {
            let stem = multi ? input.outputStem + ".f" + Converter.pad(frame) : input.outputStem
            let relative = row != nil ? options.stackName + ".npy" : stem + "." + options.format.fileExtension
            let record = try pipeline.process(image, frame: frame, workspace: workspace) { processed in
                try write(processed, to: relative, row: row, source: input.path)
            }
            var line = manifestLine(record, output: relative)
            line.insert(contentsOf: [("sourceRealPath", .string(input.realPath)),
                                     ("sourceSize", stamp.map { .int($0.size) } ?? .null),
                                     ("sourceModifiedNs", stamp.map { .int($0.modifiedNs) } ?? .null)]
                                    + image.joinKeys.jsonPairs, at: 1)
            records.append(line)
        }
        return .succeeded(records, frames: frames.count)
    }

    /// Writes one processed frame in the output format; returns its record with the shape written.
    private func write(_ processed: ProcessedFrame, to relative: String, row: Int?, source: String) throws -> FrameRecord {
        let adapted = processed.adapted
        var record = processed.record
        if !options.format.storesTensor { record.shape[0] = 1 }
        let target = folder.path + "/" + relative
        if row == nil {
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
        }
        switch options.format {
        case .npy: try NPYWriter.write(adapted.tensor, shape: record.shape, to: target)
        case .npyStack:
            guard let stack, let row else { preconditionFailure("npy-stack without a stack row") }
            try stack.write(row: row, adapted.tensor, shape: record.shape, source: source)
        case .safetensors:
            try SafetensorsWriter.write(adapted.tensor, shape: record.shape, metadata: [
                ("source", source), ("frame", String(record.frame)), ("tool", "mammo-prep"),
                ("configurationHash", configurationHash),
                // A per-image rule's metadata holds this image's figures (the manifest's adapter object).
                ("normalization", (record.normalization.isPerImage
                    ? JSONValue.object(record.normalization.manifestPairs(channels: record.shape[0]))
                    : record.normalization.json).serialized()),
                ("geometry", adapted.geometry.json.serialized()),
            ], to: target)
        case .png16: try PNGWriter.write(adapted.plane, rows: adapted.rows, columns: adapted.columns, bitDepth: 16, to: target)
        case .png8: try PNGWriter.write(adapted.plane, rows: adapted.rows, columns: adapted.columns, bitDepth: 8, to: target)
        case .tiff: try TIFFWriter.write(adapted.plane, rows: adapted.rows, columns: adapted.columns, to: target)
        }
        return record
    }

    /// The manifest line of one output (docs/cli.md, "manifest.jsonl").
    private func manifestLine(_ record: FrameRecord, output: String) -> [(String, JSONValue)] {
        record.manifestPairs(output: output, dtype: options.format.dtype, adapter: options.adapter,
                             configurationHash: configurationHash)
    }

    /// A failures.jsonl line: the failure record plus the source's real path (what a resume
    /// from another working folder recognises it by).
    private func failureLine(_ error: MammoPrepError, realPath: String) -> JSONValue {
        guard case .object(var pairs) = error.record(pathKey: "source") else { return error.record(pathKey: "source") }
        pairs.insert(("sourceRealPath", .string(realPath)), at: 1)
        return .object(pairs)
    }

    static func pad(_ frame: Int) -> String {
        let s = String(frame)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
}

/// This run's failure lines, in input order (delivery is serialised; the lock is for Sendable).
private final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [JSONValue] = []
    func add(_ line: JSONValue) { lock.withLock { items.append(line) } }
    var lines: [JSONValue] { lock.withLock { items } }
}
