import Foundation

/// Which pixels the statistics pool.
public enum StatsMask: String, Sendable, CaseIterable {
    /// Every pixel of every frame.
    case none
    /// The breast only (`ForegroundMask`).
    case foreground
}

/// One failed input, as recorded in stats.json.
public struct StatsFailure: Sendable, Equatable {
    public let source: String
    public let error: String
}

/// The result of `stats` or `stats merge`: pooled statistics plus the counts and pipeline that
/// produced them (docs/design.md §3). `json()` is stats.json; `init(json:)` reads one back.
public struct StatsReport: Sendable, Equatable {
    public var statistics = PixelStatistics()
    /// Frames that contributed (a multi-frame input counts each frame it gave).
    public var images = 0
    /// Inputs read successfully.
    public var files = 0
    public var failed = 0
    /// Inputs neither DICOM nor TIFF (not counted as failures).
    public var skipped = 0
    /// Pixels of the contributing frames before masking.
    public var pixelsSeen = 0
    public var mask: StatsMask
    public var pipeline: JSONValue
    /// "I/N" of each shard merged into this report ([] for an unsharded run).
    public var shards: [String] = []
    /// Number of stats runs merged into this report (1 for a run).
    public var parts = 1
    /// For shards: the number of inputs of the whole run and a hash of their paths (the same in every
    /// shard of one run, so that `stats merge` can tell a foreign part); nil for an unsharded run, or
    /// a merge of several runs.
    public var runInputs: Int?
    public var runInputsHash: String?
    public var failures: [StatsFailure] = []
    /// `sourceKey` of every input of the part (used, failed or skipped), sorted: two parts that
    /// share one are refused by `merge` (their images would count twice).
    public var sources: [String] = []

    /// A 64-bit FNV-1a of the input path, in hex: compact, and never the path itself.
    public static func sourceKey(_ path: String) -> String {
        FNV1a.hex((path as NSString).standardizingPath)
    }

    public init(mask: StatsMask, pipeline: JSONValue) {
        self.mask = mask
        self.pipeline = pipeline
    }

    public var mean: Double { statistics.mean }
    public var standardDeviation: Double { statistics.standardDeviation }
    /// Kept pixels ÷ pixels seen (1 without a mask).
    public var maskFraction: Double { pixelsSeen == 0 ? 0 : Double(statistics.count) / Double(pixelsSeen) }

    public func json() -> JSONValue {
        let s = statistics
        let empty = s.count == 0
        let percentiles: JSONValue = .object(PixelStatistics.reportedPercentiles.map { p in
            (PixelStatistics.percentileKey(p), JSONValue(s.percentile(p)))
        })
        return .object([
            ("mean", empty ? .array([]) : .array([.double(s.mean)])),
            ("std", empty ? .array([]) : .array([.double(s.standardDeviation)])),
            ("count", .int(s.count)),
            ("images", .int(images)),
            ("files", .int(files)),
            ("failed", .int(failed)),
            ("skipped", .int(skipped)),
            ("min", empty ? .null : .double(s.min)),
            ("max", empty ? .null : .double(s.max)),
            ("mask", .string(mask.rawValue)),
            ("maskFraction", .double(maskFraction)),
            ("ddof", .int(0)),
            ("percentiles", percentiles),
            ("pipeline", pipeline),
            ("failures", .array(failures.map { .object([("source", .string($0.source)), ("error", .string($0.error))]) })),
            ("partial", .object([
                ("n", .int(s.count)), ("mean", .double(s.mean)), ("m2", .double(s.m2)),
                ("min", empty ? .null : .double(s.min)), ("max", empty ? .null : .double(s.max)),
                ("pixelsSeen", .int(pixelsSeen)), ("parts", .int(parts)),
                ("shards", .array(shards.map(JSONValue.string))),
                ("run", runInputs.map { n in .object([("inputs", .int(n)), ("inputsHash", JSONValue(runInputsHash))]) } ?? .null),
                ("sources", .array(sources.sorted().map(JSONValue.string))),
                ("histogramBins", .int(PixelStatistics.binCount)),
                ("histogram", .array(s.histogram.map { .int(Int($0)) })),
            ])),
        ])
    }

    /// Reads a stats.json written by `json()`. `path` names the file in errors.
    public init(json: JSONValue, path: String) throws {
        func bad(_ why: String) -> MammoPrepError {
            MammoPrepError(path: path, stage: .read, code: .invalidAttribute, detail: "not a mergeable stats.json: \(why)")
        }
        guard let partial = json["partial"] else { throw bad("no 'partial' object") }
        guard let n = partial["n"]?.intValue, let mean = partial["mean"]?.doubleValue,
              let m2 = partial["m2"]?.doubleValue else { throw bad("'partial' lacks n, mean or m2") }
        guard partial["histogramBins"]?.intValue == PixelStatistics.binCount,
              let bins = partial["histogram"]?.arrayValue else { throw bad("histogram of another size") }
        var histogram: [UInt64] = []
        histogram.reserveCapacity(bins.count)
        for b in bins {
            guard let v = b.intValue, v >= 0 else { throw bad("negative or non-integer histogram count") }
            histogram.append(UInt64(v))
        }
        let lo = partial["min"]?.doubleValue ?? .infinity, hi = partial["max"]?.doubleValue ?? -.infinity
        guard let statistics = PixelStatistics(count: n, mean: mean, m2: m2, min: lo, max: hi, histogram: histogram) else {
            throw bad("inconsistent partial state (count, histogram, min/max or m2)")
        }
        guard let maskName = json["mask"]?.stringValue, let mask = StatsMask(rawValue: maskName) else { throw bad("no 'mask'") }
        guard let pipeline = json["pipeline"], case .object = pipeline else { throw bad("no 'pipeline'") }
        self.init(mask: mask, pipeline: pipeline)
        self.statistics = statistics
        images = json["images"]?.intValue ?? 0
        files = json["files"]?.intValue ?? 0
        failed = json["failed"]?.intValue ?? 0
        skipped = json["skipped"]?.intValue ?? 0
        pixelsSeen = partial["pixelsSeen"]?.intValue ?? n
        parts = partial["parts"]?.intValue ?? 1
        shards = (partial["shards"]?.arrayValue ?? []).compactMap(\.stringValue)
        runInputs = partial["run"]?["inputs"]?.intValue
        runInputsHash = partial["run"]?["inputsHash"]?.stringValue
        sources = (partial["sources"]?.arrayValue ?? []).compactMap(\.stringValue)
        failures = (json["failures"]?.arrayValue ?? []).compactMap { f in
            guard let s = f["source"]?.stringValue, let e = f["error"]?.stringValue else { return nil }
            return StatsFailure(source: s, error: e)
        }
    }

    /// Reads and parses a stats.json file.
    public static func read(path: String) throws -> StatsReport {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MammoPrepError(path: path, stage: .read, code: .io, detail: "cannot read the file")
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(String(decoding: data, as: UTF8.self))
        } catch {
            throw MammoPrepError(path: path, stage: .read, code: .invalidAttribute, detail: "\(error)")
        }
        return try StatsReport(json: value, path: path)
    }

    /// Throws, naming the option, when a report's pipeline or mask is not the first one's.
    public static func checkPipelines(_ reports: [StatsReport], names: [String]) throws {
        guard let first = reports.first else { return }
        for (report, name) in zip(reports, names) {
            var differences = first.pipeline.memberDifferences(report.pipeline)
            if report.mask != first.mask && !differences.contains(where: { $0.hasPrefix("mask:") }) {
                differences.append("mask: \"\(first.mask.rawValue)\" vs \"\(report.mask.rawValue)\"")
            }
            if !differences.isEmpty {
                throw MammoPrepError(path: name, stage: .read, code: .incompatible,
                                     detail: "made with a different pipeline than \(names[0]): " + differences.joined(separator: "; "))
            }
        }
    }

    /// Merges reports of the same pipeline (Chan et al. for the moments; histograms and counts add).
    /// Refuses parts whose pipelines or masks differ, naming the option, and a shard given twice.
    /// `names` label the parts in errors. An empty part is the identity.
    public static func merge(_ reports: [StatsReport], names: [String]) throws -> StatsReport {
        precondition(reports.count == names.count && !reports.isEmpty)
        let first = reports[0]
        var merged = StatsReport(mask: first.mask, pipeline: first.pipeline)
        merged.parts = 0
        var seenShards: [String: String] = [:]
        var seenSources: [String: String] = [:]
        try checkPipelines(reports, names: names)
        for (report, name) in zip(reports, names) {
            for shard in report.shards {
                if let other = seenShards[shard] {
                    throw MammoPrepError(path: name, stage: .read, code: .incompatible,
                                         detail: "shard \(shard) is also in \(other): merging it twice would count its images twice")
                }
                seenShards[shard] = name
            }
            if !report.sources.isEmpty {
                let mine = Set(report.sources)
                if let overlap = seenSources.first(where: { mine.contains($0.key) }) {
                    throw MammoPrepError(path: name, stage: .read, code: .incompatible,
                                         detail: "shares inputs with \(overlap.value) (\(mine.filter { seenSources[$0] != nil }.count) of them): merging would count their images twice")
                }
                for key in mine { seenSources[key] = name }
            }
            merged.statistics.merge(report.statistics)
            merged.images += report.images
            merged.files += report.files
            merged.failed += report.failed
            merged.skipped += report.skipped
            merged.pixelsSeen += report.pixelsSeen
            merged.parts += report.parts
            merged.shards += report.shards
            merged.failures += report.failures
            merged.sources += report.sources
        }
        merged.sources.sort()
        if reports.allSatisfy({ $0.runInputs == first.runInputs && $0.runInputsHash == first.runInputsHash }) {
            (merged.runInputs, merged.runInputsHash) = (first.runInputs, first.runInputsHash)
        }
        return merged
    }
}

extension PixelStatistics {
    /// "0.5", "1", "99.5": the key of a percentile in stats.json.
    static func percentileKey(_ p: Double) -> String {
        p == p.rounded() ? String(Int(p)) : String(p)
    }
}
