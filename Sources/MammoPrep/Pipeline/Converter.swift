import Dispatch
import Foundation

/// Options of `mammo-prep convert` that the library needs (design.md §2).
public struct ConvertOptions: Sendable {
    /// Output file formats (design.md §2).
    public enum Format: String, Sendable, CaseIterable, Codable {
        /// NumPy 1.0, '<f4', C order, (1, H, W).
        case npy
        /// 16-bit grayscale PNG of the 0…1 image, q = round(v·65535), for viewing.
        case png16
        /// 8-bit grayscale PNG, q = round(v·255), for viewing.
        case png8
        /// 32-bit float grayscale TIFF.
        case tiff
        /// One (N, C, H, W) float32 .npy for the whole run plus an index (needs a fixed size).
        case npyStack = "npy-stack"
        /// One safetensors file per image: tensor "image", F32 (C, H, W), metadata with the source.
        case safetensors

        public var fileExtension: String {
            switch self {
            case .npy, .npyStack: return "npy"
            case .png16, .png8: return "png"
            case .tiff: return "tiff"
            case .safetensors: return "safetensors"
            }
        }

        var dtype: String {
            switch self { case .npy, .tiff, .npyStack, .safetensors: return "float32"; case .png16: return "uint16"; case .png8: return "uint8" }
        }

        /// PNG and TIFF hold the 0…1 image after geometry, before normalization (for viewing).
        var storesTensor: Bool { self == .npy || self == .npyStack || self == .safetensors }
    }

    public var outputDirectory: String
    public var format: Format
    /// 0-based frame to convert; nil converts every frame.
    public var frame: Int?
    public var windowing: WindowingOptions
    public var limits: ReadLimits
    /// Images converted in parallel.
    public var jobs: Int
    /// Allow a different configuration into a non-empty output folder (outputs are replaced).
    public var overwrite: Bool
    /// Geometry and normalization (design.md §4).
    public var adapter: AdapterOptions
    /// File name (without extension) of the `npy-stack` output and its index.
    public var stackName: String

    public init(outputDirectory: String, format: Format = .npy, frame: Int? = nil,
                windowing: WindowingOptions = WindowingOptions(), limits: ReadLimits = .standard,
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount, overwrite: Bool = false,
                adapter: AdapterOptions = AdapterOptions(), stackName: String = "stack") {
        self.outputDirectory = outputDirectory
        self.adapter = adapter
        self.stackName = stackName
        self.format = format
        self.frame = frame
        self.windowing = windowing
        self.limits = limits
        self.jobs = max(1, jobs)
        self.overwrite = overwrite
    }

    /// Every option that changes output values or names, plus the tool version: two runs with the
    /// same configuration produce byte-identical outputs, so a re-run may resume.
    public func configuration(toolVersion: String) -> JSONValue {
        .object([
            ("tool", .string("mammo-prep \(toolVersion)")),
            ("format", .string(format.rawValue)),
            ("frame", JSONValue(frame)),
        ] + windowing.jsonPairs + [
            ("adapter", adapter.json),
        ])
    }

    /// The pixel pipeline in stats.json's terms (windowing, frame, geometry, tool), to check that a
    /// `--stats` file was computed on the pixels this configuration normalizes.
    public func pixelPipeline(toolVersion: String) -> JSONValue {
        PixelPipeline.json(windowing: windowing, frame: frame, geometry: adapter.geometry, mask: nil, toolVersion: toolVersion)
    }

    /// preprocess.json: the complete specification, and the mean/std lists for torchvision's
    /// `Normalize` that reproduce the normalization from the 0…1 image.
    public func preprocessSpecification(toolVersion: String) -> JSONValue {
        let n = adapter.normalization
        return .object([
            ("tool", .string("mammo-prep \(toolVersion)")),
            ("input", .string("windowed image in [0, 1] (docs/pipeline.md), then geometry, then normalization")),
            ("windowing", .object(windowing.jsonPairs + [("frame", JSONValue(frame))])),
            ("geometry", adapter.geometry.json),
            ("normalization", n.json),
            ("model", adapter.preset?.json ?? .null),
            ("modelInput", JSONValue(adapter.modelInput?.rawValue)),
            ("stats", JSONValue(adapter.statsSource)),
            ("format", .string(format.rawValue)),
            ("outputShape", adapter.geometry.size.map { .array([.int(format.storesTensor ? n.channels : 1), .int($0.rows), .int($0.columns)]) } ?? .null),
            ("normalize", .object([("mean", .array(n.mean.map(JSONValue.double))), ("std", .array(n.std.map(JSONValue.double)))])),
        ])
    }
}

/// Counts of a finished (or interrupted) conversion.
public struct ConvertSummary: Sendable, Equatable {
    public var total = 0
    public var converted = 0
    /// Outputs already complete from an earlier run with the same configuration.
    public var skippedDone = 0
    /// Neither DICOM nor TIFF (by content): skipped, not failed.
    public var skippedNotImage = 0
    public var failed = 0
    public var framesWritten = 0
    public var seconds = 0.0

    public var finished: Int { converted + skippedDone + skippedNotImage + failed }
}

/// Runs the pipeline (ingest → window → export) over many inputs into one folder, resumably.
///
/// Files in the output folder: the outputs, `manifest.jsonl` (one line per output written),
/// `failures.jsonl` (one line per failed input) and `convert.json` (the configuration and its
/// hash). Lines are appended with one `write(2)` each on an `O_APPEND` descriptor, so concurrent
/// shards of a job array can share the folder on a local file system.
public final class Converter: @unchecked Sendable {
    public let options: ConvertOptions
    public let configuration: JSONValue
    public let configurationHash: String
    public let toolVersion: String
    private let lock = NSLock()
    private var summary = ConvertSummary()
    private var done: Set<String> = []
    /// Called once per failed input (from worker threads), e.g. to print its one-line error.
    public var onFailure: (@Sendable (MammoPrepError) -> Void)?
    /// Next input to hand to a worker (guarded by `lock`).
    private var cursor = 0
    private var manifest: Int32 = -1
    private var failures: Int32 = -1
    /// `npy-stack`: the stack, the row of each input path, and each row's manifest lines.
    private var stack: NPYStack?
    private var stackRows: [String: Int] = [:]
    private var stackSources: [String] = []
    /// Each row's manifest members; the row number is added when the stack is published.
    private var stackRecords: [Int: [[(String, JSONValue)]]] = [:]
    /// Set when publishing the stack failed (the run's outputs are then incomplete).
    public private(set) var stackError: MammoPrepError?

    public init(options: ConvertOptions, toolVersion: String) {
        self.toolVersion = toolVersion
        self.options = options
        self.configuration = options.configuration(toolVersion: toolVersion)
        self.configurationHash = FNV1a.hex(configuration.serialized())
    }

    deinit {
        if manifest >= 0 { close(manifest) }
        if failures >= 0 { close(failures) }
    }

    /// Creates or checks the output folder. The same configuration resumes (outputs listed in
    /// manifest.jsonl and present on disk are kept); a different one, or a non-empty folder
    /// mammo-prep did not write, is refused unless `overwrite`. Throws before any work starts.
    public func prepare() throws {
        let fm = FileManager.default
        let dir = options.outputDirectory
        try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MammoPrepError(path: dir, stage: .write, code: .io, detail: "cannot create the output folder")
        }
        let configPath = dir + "/convert.json"
        let entries = (try? fm.contentsOfDirectory(atPath: dir))?.filter { !$0.hasPrefix(".") } ?? []
        let expected = JSONValue.object([("configurationHash", .string(configurationHash)), ("configuration", configuration)]).serialized() + "\n"
        if let existing = try? String(contentsOfFile: configPath, encoding: .utf8) {
            if existing != expected && !options.overwrite {
                throw MammoPrepError(path: dir, stage: .write, code: .configurationMismatch,
                                     detail: "convert.json records other options; use --overwrite to replace its outputs")
            }
        } else if !entries.isEmpty && !options.overwrite {
            throw MammoPrepError(path: dir, stage: .write, code: .configurationMismatch,
                                 detail: "the folder is not empty and has no convert.json; use --overwrite to write into it anyway")
        }
        if options.overwrite, let existing = try? String(contentsOfFile: configPath, encoding: .utf8), existing != expected {
            // A new configuration: earlier manifest lines no longer describe what will be written.
            for name in ["manifest.jsonl", "failures.jsonl"] { try? fm.removeItem(atPath: dir + "/" + name) }
        }
        if (try? String(contentsOfFile: configPath, encoding: .utf8)) != expected {
            try AtomicFile.write(to: configPath) { try $0.write(expected) }
        }
        AtomicFile.removeStaleTemporaries(in: dir)
        // npy-stack is rebuilt on every run (its rows are not separate files).
        done = options.format == .npyStack ? [] : Converter.completedSources(
            manifestPath: dir + "/manifest.jsonl", directory: dir, hash: configurationHash, singleFrame: options.frame != nil)
        let preprocess = options.preprocessSpecification(toolVersion: toolVersion).serialized() + "\n"
        if (try? String(contentsOfFile: dir + "/preprocess.json", encoding: .utf8)) != preprocess {
            try AtomicFile.write(to: dir + "/preprocess.json") { try $0.write(preprocess) }
        }
        manifest = open(dir + "/manifest.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        failures = open(dir + "/failures.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard manifest >= 0, failures >= 0 else {
            throw MammoPrepError(path: dir, stage: .write, code: .io, detail: "cannot open manifest.jsonl / failures.jsonl")
        }
    }

    /// Converts `inputs` with `options.jobs` workers; `progress` is called after each input (from
    /// worker threads, serialised). Returns the counts; never throws (failures are recorded).
    public func run(_ inputs: [InputFile], progress: @escaping @Sendable (ConvertSummary) -> Void = { _ in }) -> ConvertSummary {
        let start = DispatchTime.now()
        lock.withLock { summary.total = inputs.count }
        let workers = min(options.jobs, max(inputs.count, 1))
        lock.withLock { cursor = 0 }
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            // Cores not used by parallel images go to OpenJPEG inside one image (a lone J2K volume).
            let reader = FrameReader(windowing: options.windowing, decoding: DecodeOptions(jpeg2000Threads: max(1, ProcessInfo.processInfo.activeProcessorCount / workers)))
            while true {
                let index: Int? = lock.withLock {
                    guard cursor < inputs.count else { return nil }
                    defer { cursor += 1 }
                    return cursor
                }
                guard let index else { return }
                process(inputs[index], reader: reader, row: stackRows[inputs[index].path])
                let snapshot = lock.withLock { summary }
                progress(snapshot)
            }
        }
        if stack != nil { finishStack() }
        return lock.withLock {
            summary.seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            return summary
        }
    }

    private enum Outcome { case converted(frames: Int), done, notImage, failed }

    private func process(_ input: InputFile, reader: FrameReader, row: Int?) {
        let outcome: Outcome
        do {
            outcome = try convert(input, reader: reader, row: row)
        } catch let error as MammoPrepError {
            record(failure: error, source: input.path)
            outcome = .failed
        } catch {
            record(failure: MammoPrepError(path: input.path, stage: .write, code: .internalError, detail: "\(error)"), source: input.path)
            outcome = .failed
        }
        lock.withLock {
            switch outcome {
            case .converted(let frames): summary.converted += 1; summary.framesWritten += frames
            case .done: summary.skippedDone += 1
            case .notImage: summary.skippedNotImage += 1
            case .failed: summary.failed += 1
            }
        }
    }

    private func convert(_ input: InputFile, reader: FrameReader, row: Int?) throws -> Outcome {
        if lock.withLock({ done.contains(input.path) }) { return .done }
        guard try ImageFormat.detect(path: input.path) != nil else { return .notImage }
        let image = try InputImage.open(path: input.path, limits: options.limits)
        let frames = try image.frames(selecting: options.frame)
        if options.format == .npyStack && frames.count != 1 {
            throw MammoPrepError(path: input.path, stage: .read, code: .invalidAttribute,
                                 detail: "--format npy-stack takes one frame per input and this one has \(frames.count); choose one with --frame")
        }
        let multi = options.frame == nil && image.frameCount > 1
        let laterality = image.laterality
        var records: [[(String, JSONValue)]] = []
        for frame in frames {
            let windowed = try reader.window(image, frame: frame, path: input.path)
            let adapted = Adapter.adapt(windowed, laterality: laterality, options: options.adapter) {
                ForegroundMask.compute(pixels: windowed.pixels, rows: windowed.rows, columns: windowed.columns,
                                       padding: reader.paddingMask(of: image))
            }
            let stem = multi ? input.outputStem + ".f" + Converter.pad(frame) : input.outputStem
            let relative = options.format == .npyStack ? options.stackName + ".npy" : stem + "." + options.format.fileExtension
            let target = options.outputDirectory + "/" + relative
            let channels = options.format.storesTensor ? adapted.channels : 1
            let shape = [channels, adapted.rows, adapted.columns]
            if options.format != .npyStack {
                let folder = (target as NSString).deletingLastPathComponent
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            switch options.format {
            case .npy: try NPYWriter.write(adapted.tensor, shape: shape, to: target)
            case .npyStack:
                guard let stack, let row else { preconditionFailure("npy-stack without a stack") }
                guard shape == stack.rowShape else {
                    throw MammoPrepError(path: input.path, stage: .write, code: .internalError,
                                         detail: "adapted shape \(shape) differs from the stack's \(stack.rowShape)")
                }
                try stack.write(row: row, adapted.tensor)
            case .safetensors:
                try SafetensorsWriter.write(adapted.tensor, shape: shape, metadata: [
                    ("source", input.path), ("frame", String(frame)), ("tool", "mammo-prep"),
                    ("configurationHash", configurationHash),
                    ("normalization", options.adapter.normalization.json.serialized()),
                    ("geometry", adapted.geometry.json.serialized()),
                ], to: target)
            case .png16: try PNGWriter.write(adapted.plane, rows: adapted.rows, columns: adapted.columns, bitDepth: 16, to: target)
            case .png8: try PNGWriter.write(adapted.plane, rows: adapted.rows, columns: adapted.columns, bitDepth: 8, to: target)
            case .tiff: try TIFFWriter.write(adapted.plane, rows: adapted.rows, columns: adapted.columns, to: target)
            }
            let pairs: [(String, JSONValue)] = [
                ("source", .string(input.path)), ("output", .string(relative)), ("frame", .int(frame)),
                ("frames", .int(image.frameCount)),
                ("rows", .int(adapted.rows)), ("columns", .int(adapted.columns)),
                ("shape", .array(shape.map(JSONValue.int))),
                ("dtype", .string(options.format.dtype)), ("format", .string(image.format.rawValue)),
                ("windowing", windowed.decision.json),
                ("geometry", adapted.geometry.json),
                ("adapter", .object([("normalize", .string(options.adapter.normalization.kind.rawValue)),
                                     ("channels", .int(channels)),
                                     ("mean", .array(options.adapter.normalization.mean.map(JSONValue.double))),
                                     ("std", .array(options.adapter.normalization.std.map(JSONValue.double))),
                                     ("model", options.adapter.preset.map { .string($0.tag) } ?? .null)])),
                ("configurationHash", .string(configurationHash)),
            ]
            records.append(pairs)
            reader.recycle(windowed)
        }
        if let row {
            // Stack rows move when failed rows are dropped: lines are written by `finishStack`.
            lock.withLock { stackRecords[row] = records }
        } else {
            // Lines are written after every output of the input exists: a listed source is complete.
            for pairs in records { append(JSONValue.object(pairs).serialized(), to: manifest) }
        }
        return .converted(frames: frames.count)
    }

    /// `npy-stack`: one row per DICOM/TIFF input (in input order; other files are skipped), in a
    /// file of (N, C, H, W) created now at full size. Call after `prepare()`, before `run`.
    public func prepareStack(for inputs: [InputFile]) throws {
        guard options.format == .npyStack else { return }
        guard let size = options.adapter.geometry.size else {
            throw MammoPrepError(path: options.outputDirectory, stage: .write, code: .configurationMismatch,
                                 detail: "--format npy-stack needs a fixed --size (or --model)")
        }
        for input in inputs where (try? ImageFormat.detect(path: input.path)) != nil {
            stackRows[input.path] = stackSources.count
            stackSources.append(input.path)
        }
        stack = try NPYStack(path: options.outputDirectory + "/" + options.stackName + ".npy", rows: stackSources.count,
                             rowShape: [options.adapter.channels, size.rows, size.columns])
    }

    /// Drops failed rows, publishes the stack, then writes `STACK.manifest.jsonl` (its rows'
    /// manifest lines, final row numbers) and the index `STACK.index.csv` (row, source, frame),
    /// both whole and atomically: a re-run replaces them.
    private func finishStack() {
        guard let stack else { return }
        do {
            let mapping = try stack.finish()
            var index = "row,source,frame\n"
            var manifestText = ""
            for (old, new) in mapping.enumerated() {
                guard let new, let records = stackRecords[old] else { continue }
                for var pairs in records {
                    pairs.insert(("row", .int(new)), at: 2)
                    manifestText += JSONValue.object(pairs).serialized() + "\n"
                }
                index += "\(new),\(CSV.field(stackSources[old])),\(options.frame ?? 0)\n"
            }
            try AtomicFile.write(to: options.outputDirectory + "/" + options.stackName + ".manifest.jsonl") { try $0.write(manifestText) }
            try AtomicFile.write(to: options.outputDirectory + "/" + options.stackName + ".index.csv") { try $0.write(index) }
        } catch let error as MammoPrepError {
            stack.abandon()
            stackError = error
        } catch {
            stack.abandon()
            stackError = MammoPrepError(path: stack.path, stage: .write, code: .io, detail: "\(error)")
        }
        self.stack = nil
    }

    private func record(failure error: MammoPrepError, source: String) {
        let line = JSONValue.object([("source", .string(source)), ("error", .string(error.description)),
                                     ("stage", .string(error.stage.rawValue)), ("code", .string(error.code.rawValue))]).serialized()
        append(line, to: failures)
        onFailure?(error)
    }

    /// One write(2) per line on an O_APPEND descriptor: lines never interleave.
    private func append(_ line: String, to fd: Int32) {
        let bytes = Array((line + "\n").utf8)
        lock.withLock {
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
    }

    /// Sources whose manifest lines (this configuration) cover all their outputs, all present.
    static func completedSources(manifestPath: String, directory: String, hash: String, singleFrame: Bool) -> Set<String> {
        guard let text = try? String(contentsOfFile: manifestPath, encoding: .utf8) else { return [] }
        var outputs: [String: (expected: Int, present: Set<Int>)] = [:]
        for line in text.split(separator: "\n") {
            guard let data = line.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  object["configurationHash"] as? String == hash,
                  let source = object["source"] as? String, let output = object["output"] as? String,
                  let frame = object["frame"] as? Int, let frames = object["frames"] as? Int,
                  FileManager.default.fileExists(atPath: directory + "/" + output) else { continue }
            var entry = outputs[source] ?? (expected: frames, present: [])
            entry.present.insert(frame)
            outputs[source] = entry
        }
        return Set(outputs.filter { $0.value.present.count >= (singleFrame ? 1 : $0.value.expected) }.keys)
    }

    static func pad(_ frame: Int) -> String {
        let s = String(frame)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
}
