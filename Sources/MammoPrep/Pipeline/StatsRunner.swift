import Foundation

/// Options of `mammo-prep stats` (docs/design.md §2).
public struct StatsOptions: Sendable, Equatable {
    public var windowing: WindowingOptions
    public var frame: Int?
    /// Geometry applied before pooling (as convert would), no normalization.
    public var geometry: GeometryOptions
    public var mask: StatsMask
    public var limits: ReadLimits
    public var jobs: Int
    public var shard: Shard?
    /// Wavelet reduction before windowing (`--reduce`), as convert's.
    public var reduction: ReductionRequest

    public init(windowing: WindowingOptions = WindowingOptions(), frame: Int? = nil,
                geometry: GeometryOptions = GeometryOptions(), mask: StatsMask = .none,
                limits: ReadLimits = .standard, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                shard: Shard? = nil, reduction: ReductionRequest = .none) {
        self.reduction = reduction
        self.windowing = windowing
        self.frame = frame
        self.geometry = geometry
        self.mask = mask
        self.limits = limits
        self.jobs = max(1, jobs)
        self.shard = shard
    }

    public func pipeline(toolVersion: String) -> JSONValue {
        PixelPipeline.json(windowing: windowing, frame: frame, reduction: reduction, geometry: geometry, mask: mask,
                           toolVersion: toolVersion)
    }
}

/// One frame's figures, for `--per-image`.
public struct ImageStatistics: Sendable, Equatable {
    public let source: String
    public let frame: Int
    /// Pixels pooled (after the mask).
    public let pixels: Int
    /// Pixels of the frame.
    public let total: Int
    public let mean: Double
    public let std: Double
    public let min: Double
    public let max: Double

    public var maskFraction: Double { total == 0 ? 0 : Double(pixels) / Double(total) }

    /// The CSV header and a row (RFC 4180 quoting for the path).
    public static let csvHeader = "path,frame,pixels,mean,std,min,max,mask_fraction"
    public var csvRow: String {
        func f(_ d: Double) -> String { pixels == 0 ? "" : "\(d)" }
        return "\(CSV.field(source)),\(frame),\(pixels),\(f(mean)),\(f(std)),\(f(min)),\(f(max)),\(maskFraction)"
    }
}

/// Pools the windowed pixels of many inputs (docs/design.md §2–3): the frame pipeline exactly as
/// `convert` runs it (same windowing and geometry, no normalization), an optional foreground mask,
/// and `PixelStatistics`.
///
/// Determinism: each frame is accumulated alone, and frames are merged into the total in input
/// order (the batch runner delivers in input order), so the figures do not depend on `-j` or
/// timing; histograms (integer counts) are added per worker. Memory does not grow with the number
/// of inputs: only frames finished out of order are held, as small summaries.
public final class StatsRunner: @unchecked Sendable {
    public let options: StatsOptions
    public let pipeline: JSONValue
    /// Called once per failed input (serialised, in input order).
    public var onFailure: (@Sendable (MammoPrepError) -> Void)?
    /// Called for every frame pooled, in input order (serialised).
    public var onImage: ((ImageStatistics) -> Void)?

    private let frames: FramePipeline
    private let lock = NSLock()
    private var report: StatsReport

    public init(options: StatsOptions, toolVersion: String) {
        self.options = options
        pipeline = options.pipeline(toolVersion: toolVersion)
        frames = FramePipeline(FramePipelineOptions(windowing: options.windowing,
                                                    adapter: AdapterOptions(geometry: options.geometry),
                                                    limits: options.limits, reduction: options.reduction))
        report = StatsReport(mask: options.mask, pipeline: pipeline)
        if let shard = options.shard { report.shards = [shard.description] }
    }

    private struct Worker {
        let workspace: FramePipeline.Workspace
        var histogram = PixelStatistics()
    }

    /// The counts of the last `run` (`notStarted` > 0: it was cancelled, and its report is partial).
    public private(set) var counts = BatchProgress()

    /// Pools `inputs`, the run's whole input list: with `options.shard`, only that shard's inputs
    /// (the report records which shard of which list it is). Once `cancellation` is cancelled no
    /// input is started; `counts.notStarted` then says how many were not (the report covers the rest).
    public func run(_ inputs: [InputFile], cancellation: BatchCancellation? = nil,
                    progress: @escaping @Sendable (BatchProgress) -> Void = { _ in }) -> StatsReport {
        var inputs = inputs
        if let shard = options.shard {
            let part = ShardInputs(shard, of: inputs)
            inputs = part.inputs
            (report.runInputs, report.runInputsHash) = (part.runInputs, part.runInputsHash)
        }
        // Which inputs this part covers, so that `stats merge` can refuse overlapping parts.
        report.sources = inputs.map { StatsReport.sourceKey($0.path) }.sorted()
        let runner = BatchRunner(jobs: options.jobs)
        counts = runner.run(
            inputs, path: \.path, stage: .read, cancellation: cancellation,
            makeWorker: { Worker(workspace: FramePipeline.Workspace(jpeg2000Threads: 1)) },
            work: { worker, input, threads in
                worker.workspace.jpeg2000Threads = threads
                return try measure(input, worker: &worker)
            },
            finishWorker: { worker in
                let histogram = worker.histogram
                lock.withLock { report.statistics.mergeHistogram(histogram) }
            },
            deliver: { _, outcome in
                lock.withLock { merge(outcome) }
            },
            progress: progress)
        return lock.withLock { report }
    }

    /// Adds one input's outcome to the report (in input order).
    private func merge(_ outcome: BatchOutcome<[(ImageStatistics, PixelStatistics)]>) {
        switch outcome {
        case .succeeded(let frames, _):
            report.files += 1
            for (image, stats) in frames {
                report.statistics.mergeMoments(stats)
                report.images += 1
                report.pixelsSeen += image.total
                onImage?(image)
            }
        case .alreadyDone, .notImage:
            report.skipped += 1
        case .failed(let error):
            report.failed += 1
            report.failures.append(StatsFailure(source: error.path, error: error.description))
            onFailure?(error)
        }
    }

    private func measure(_ input: InputFile, worker: inout Worker) throws -> BatchOutcome<[(ImageStatistics, PixelStatistics)]> {
        let probe = try InputImage.probe(path: input.path, limits: options.limits)
        guard case .image(let image) = probe else { return .notImage(probe.skipReason ?? "") }
        let selected = try image.frames(selecting: options.frame)
        var results: [(ImageStatistics, PixelStatistics)] = []
        for frame in selected {
            let (stats, total) = try frames.process(image, frame: frame, workspace: worker.workspace) { processed in
                try accumulate(processed, image: image, workspace: worker.workspace, path: input.path)
            }
            worker.histogram.mergeHistogram(stats)
            results.append((ImageStatistics(source: input.path, frame: frame, pixels: stats.count,
                                             total: total, mean: stats.mean, std: stats.standardDeviation,
                                             min: stats.min, max: stats.max), stats))
        }
        return .succeeded(results, frames: selected.count)
    }

    /// The frame's figures over the pixels convert writes before normalization (the windowed
    /// frame itself without geometry), masked when asked; and the frame's pixel count.
    private func accumulate(_ processed: ProcessedFrame, image: InputImage, workspace: FramePipeline.Workspace,
                            path: String) throws -> (PixelStatistics, Int) {
        let adapted = processed.adapted
        var stats = PixelStatistics()
        switch options.mask {
        case .none:
            stats.add(adapted.plane)
        case .foreground:
            // Pixel padding is known for the frame as decoded, not for a resampled one.
            let padding = options.geometry.isIdentity ? frames.paddingMask(of: image, workspace: workspace) : nil
            let mask = ForegroundMask.compute(pixels: adapted.plane, rows: adapted.rows, columns: adapted.columns,
                                              padding: padding)
            stats.add(adapted.plane, mask: mask.bits)
        }
        guard stats.count == 0 || (stats.mean.isFinite && stats.m2.isFinite) else {
            throw MammoPrepError(path: path, stage: .window, code: .internalError, detail: "non-finite pixel values")
        }
        return (stats, adapted.plane.count)
    }
}
