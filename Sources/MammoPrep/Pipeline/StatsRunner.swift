import Foundation

/// Options of `mammo-prep stats` (design.md §2).
public struct StatsOptions: Sendable, Equatable {
    public var windowing: WindowingOptions
    public var frame: Int?
    /// Geometry applied before pooling (as convert would), no normalization.
    public var geometry: GeometryOptions
    public var mask: StatsMask
    public var limits: ReadLimits
    public var jobs: Int
    public var shard: Shard?

    public init(windowing: WindowingOptions = WindowingOptions(), frame: Int? = nil,
                geometry: GeometryOptions = GeometryOptions(), mask: StatsMask = .none,
                limits: ReadLimits = .standard, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                shard: Shard? = nil) {
        self.windowing = windowing
        self.frame = frame
        self.geometry = geometry
        self.mask = mask
        self.limits = limits
        self.jobs = max(1, jobs)
        self.shard = shard
    }

    public func pipeline(toolVersion: String) -> JSONValue {
        PixelPipeline.json(windowing: windowing, frame: frame, geometry: geometry, mask: mask, toolVersion: toolVersion)
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

/// Progress counts of a stats run.
public struct StatsProgress: Sendable, Equatable {
    public var total = 0
    public var finished = 0
    public var used = 0
    public var skipped = 0
    public var failed = 0
}

/// Pools the windowed pixels of many inputs (design.md §2–3): Ingest + Window exactly as `convert`
/// (the shared `FrameReader`), an optional foreground mask, and `PixelStatistics`.
///
/// Determinism: each frame is accumulated alone, and frames are merged into the total in input
/// order (frames finished out of order wait), so the figures do not depend on `-j` or timing;
/// histograms (integer counts) are added as they come. Memory does not grow with the number of
/// inputs: only frames finished out of order are held, as small summaries.
public final class StatsRunner: @unchecked Sendable {
    public let options: StatsOptions
    public let pipeline: JSONValue
    /// Called once per failed input (from worker threads, serialised).
    public var onFailure: (@Sendable (MammoPrepError) -> Void)?
    /// Called for every frame pooled, in input order (serialised).
    public var onImage: ((ImageStatistics) -> Void)?

    private let lock = NSLock()
    private var progress = StatsProgress()
    private var cursor = 0
    private var nextToMerge = 0
    private var pending: [Int: Outcome] = [:]
    private var report: StatsReport

    private enum Outcome {
        case frames([(ImageStatistics, PixelStatistics)])
        case skipped
        case failed(MammoPrepError)
    }

    public init(options: StatsOptions, toolVersion: String) {
        self.options = options
        pipeline = options.pipeline(toolVersion: toolVersion)
        report = StatsReport(mask: options.mask, pipeline: pipeline)
        if let shard = options.shard { report.shards = [shard.description] }
    }

    public func run(_ inputs: [InputFile], progress onProgress: @escaping @Sendable (StatsProgress) -> Void = { _ in }) -> StatsReport {
        lock.withLock {
            progress.total = inputs.count
            // Which inputs this part covers, so that `stats merge` can refuse overlapping parts.
            report.sources = inputs.map { StatsReport.sourceKey($0.path) }.sorted()
        }
        let workers = min(options.jobs, max(inputs.count, 1))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let reader = FrameReader(windowing: options.windowing, decoding: DecodeOptions(jpeg2000Threads: max(1, ProcessInfo.processInfo.activeProcessorCount / workers)))
            var histogram = PixelStatistics()
            while true {
                let index: Int? = lock.withLock {
                    guard cursor < inputs.count else { return nil }
                    defer { cursor += 1 }
                    return cursor
                }
                guard let index else { break }
                let outcome = measure(inputs[index], reader: reader, histogram: &histogram)
                if case .failed(let error) = outcome { onFailure?(error) }
                let snapshot: StatsProgress = lock.withLock {
                    pending[index] = outcome
                    drain()
                    return progress
                }
                onProgress(snapshot)
            }
            lock.withLock { report.statistics.mergeHistogram(histogram) }
        }
        return lock.withLock { report }
    }

    /// Merges finished inputs in input order (call with `lock` held).
    private func drain() {
        while let outcome = pending.removeValue(forKey: nextToMerge) {
            nextToMerge += 1
            progress.finished += 1
            switch outcome {
            case .frames(let frames):
                progress.used += 1
                report.files += 1
                for (image, stats) in frames {
                    report.statistics.mergeMoments(stats)
                    report.images += 1
                    report.pixelsSeen += image.total
                    onImage?(image)
                }
            case .skipped:
                progress.skipped += 1
                report.skipped += 1
            case .failed(let error):
                progress.failed += 1
                report.failed += 1
                report.failures.append(StatsFailure(source: error.path, error: error.description))
            }
        }
    }

    private func measure(_ input: InputFile, reader: FrameReader, histogram: inout PixelStatistics) -> Outcome {
        do {
            guard try ImageFormat.detect(path: input.path) != nil else { return .skipped }
            let image = try InputImage.open(path: input.path, limits: options.limits)
            let frames = try image.frames(selecting: options.frame)
            let laterality = image.laterality
            var results: [(ImageStatistics, PixelStatistics)] = []
            for frame in frames {
                let windowed = try reader.window(image, frame: frame, path: input.path)
                var pixels = windowed.pixels, rows = windowed.rows, columns = windowed.columns
                var padding: [UInt8]? = nil
                if options.geometry.isIdentity {
                    if options.mask == .foreground { padding = reader.paddingMask(of: image) }
                } else {
                    // The pixels convert writes before normalization (same geometry, same mask rule).
                    let adapted = Adapter.adapt(windowed, laterality: laterality,
                                                options: AdapterOptions(geometry: options.geometry)) {
                        ForegroundMask.compute(pixels: windowed.pixels, rows: windowed.rows, columns: windowed.columns,
                                               padding: reader.paddingMask(of: image))
                    }
                    pixels = adapted.plane
                    rows = adapted.rows
                    columns = adapted.columns
                }
                var stats = PixelStatistics()
                switch options.mask {
                case .none:
                    stats.add(pixels)
                case .foreground:
                    let mask = ForegroundMask.compute(pixels: pixels, rows: rows, columns: columns, padding: padding)
                    stats.add(pixels, mask: mask.bits)
                }
                guard stats.count == 0 || (stats.mean.isFinite && stats.m2.isFinite) else {
                    throw MammoPrepError(path: input.path, stage: .window, code: .internalError, detail: "non-finite pixel values")
                }
                histogram.mergeHistogram(stats)
                results.append((ImageStatistics(source: input.path, frame: frame, pixels: stats.count,
                                                 total: pixels.count, mean: stats.mean, std: stats.standardDeviation,
                                                 min: stats.min, max: stats.max), stats))
                reader.recycle(windowed)
            }
            return .frames(results)
        } catch let error as MammoPrepError {
            return .failed(error)
        } catch {
            return .failed(MammoPrepError(path: input.path, stage: .read, code: .internalError, detail: "\(error)"))
        }
    }
}
