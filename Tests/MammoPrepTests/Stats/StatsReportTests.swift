import Foundation
import Testing
@testable import MammoPrep

/// stats.json (`StatsReport.json()` / `init(json:path:)`), `StatsReport.merge`,
/// `JSONValue.memberDifferences` and `Shard.missing(among:)` (docs/stats.md, "stats.json" and
/// "On a cluster").
@Suite struct StatsReportTests {

    static func pipeline(_ windowing: WindowingOptions = WindowingOptions(), frame: Int? = nil,
                         geometry: GeometryOptions = GeometryOptions(), mask: StatsMask? = StatsMask.none,
                         tool: String = "0.1.0") -> JSONValue {
        PixelPipeline.json(windowing: windowing, frame: frame, geometry: geometry, mask: mask, toolVersion: tool)
    }

    static func report(seed: UInt64, count: Int = 5000, mask: StatsMask = .none, pipeline: JSONValue? = nil,
                       shards: [String] = []) -> StatsReport {
        var rng = StatsTestRandom(seed: seed)
        var r = StatsReport(mask: mask, pipeline: pipeline ?? Self.pipeline(mask: mask))
        var s = PixelStatistics()
        s.add((0..<count).map { _ in Float.random(in: 0...1, using: &rng) })
        r.statistics = s
        r.images = 1 + Int(rng.next() % 20)
        r.files = r.images - Int(rng.next() % UInt64(r.images))
        r.failed = Int(rng.next() % 3)
        r.skipped = Int(rng.next() % 4)
        r.pixelsSeen = count + Int(rng.next() % 1000)
        r.shards = shards
        r.failures = (0..<r.failed).map { StatsFailure(source: "/data/bad \($0) \"é\".dcm", error: "truncated file\n(at \($0))") }
        return r
    }

    /// json() → text → parse → init(json:path:).
    static func reread(_ report: StatsReport, path: String = "part.json") throws -> StatsReport {
        try StatsReport(json: try JSONValue.parse(report.json().serialized()), path: path)
    }

    func assertBitExact(_ a: PixelStatistics, _ b: PixelStatistics, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        #expect(a.mean.bitPattern == b.mean.bitPattern, "mean \(a.mean) vs \(b.mean)", sourceLocation: sourceLocation)
        #expect(a.m2.bitPattern == b.m2.bitPattern, "m2 \(a.m2) vs \(b.m2)", sourceLocation: sourceLocation)
        #expect(a.min.bitPattern == b.min.bitPattern, "min", sourceLocation: sourceLocation)
        #expect(a.max.bitPattern == b.max.bitPattern, "max", sourceLocation: sourceLocation)
        #expect(a.histogram == b.histogram, "histogram", sourceLocation: sourceLocation)
    }

    // MARK: - stats.json

    @Test func jsonRoundTripIsBitExact() throws {
        for seed in 0..<20 as Range<UInt64> {
            let mask: StatsMask = seed % 2 == 0 ? .none : .foreground
            let original = Self.report(seed: seed, count: Int(seed) * 997, mask: mask,
                                       shards: seed % 3 == 0 ? [] : ["\(seed % 3)/3"])
            let back = try Self.reread(original)
            #expect(back == original, "seed \(seed)")
            assertBitExact(back.statistics, original.statistics)
            #expect(back.json().serialized() == original.json().serialized(), "seed \(seed)")
        }
        // A merged report (several parts and shards) too.
        var a = Self.report(seed: 100, shards: ["1/2"]), b = Self.report(seed: 101, shards: ["2/2"])
        a.parts = 1; b.parts = 1
        let merged = try StatsReport.merge([a, b], names: ["a", "b"])
        let back = try Self.reread(merged)
        #expect(back == merged)
        #expect(back.parts == 2)
        #expect(back.shards == ["1/2", "2/2"])
        assertBitExact(back.statistics, merged.statistics)
    }

    @Test func jsonLayout() throws {
        let r = Self.report(seed: 1)
        let json = r.json()
        guard case .object(let pairs) = json else { Issue.record("not an object"); return }
        #expect(pairs.map(\.0) == ["mean", "std", "count", "images", "files", "failed", "skipped", "min", "max",
                                   "mask", "maskFraction", "ddof", "percentiles", "pipeline", "failures", "partial"])
        #expect(json["mean"]?.arrayValue?.first?.doubleValue == r.statistics.mean)
        #expect(json["std"]?.arrayValue?.first?.doubleValue == r.statistics.standardDeviation)
        #expect(json["count"]?.intValue == 5000)
        #expect(json["ddof"]?.intValue == 0)
        #expect(json["maskFraction"]?.doubleValue == Double(5000) / Double(r.pixelsSeen))
        guard case .object(let percentiles) = try #require(json["percentiles"]) else { Issue.record("percentiles"); return }
        #expect(percentiles.map(\.0) == ["0.5", "1", "5", "50", "95", "99", "99.5"])
        #expect(percentiles[3].1.doubleValue == r.statistics.percentile(50))
        #expect(json["partial"]?["histogramBins"]?.intValue == 4096)
        #expect(json["partial"]?["histogram"]?.arrayValue?.count == 4096)
        #expect(json["failures"]?.arrayValue?.count == r.failed)

        // No pixels: empty mean/std lists, null min/max and percentiles; reads back as empty.
        let empty = StatsReport(mask: .foreground, pipeline: Self.pipeline(mask: .foreground))
        let e = empty.json()
        #expect(e["mean"]?.serialized() == "[]")
        #expect(e["std"]?.serialized() == "[]")
        #expect(e["min"]?.serialized() == "null")
        #expect(e["percentiles"]?["50"]?.serialized() == "null")
        #expect(e["maskFraction"]?.doubleValue == 0)
        let back = try Self.reread(empty)
        #expect(back == empty)
        #expect(back.statistics == PixelStatistics())
    }

    @Test func readFromFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("StatsReportTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = Self.report(seed: 7, shards: ["3/5"])
        let path = dir.appendingPathComponent("stats.json").path
        try Data(original.json().serialized().utf8).write(to: URL(fileURLWithPath: path))
        #expect(try StatsReport.read(path: path) == original)

        let broken = dir.appendingPathComponent("broken.json").path
        try Data(#"{"partial": {"n": 1,}}"#.utf8).write(to: URL(fileURLWithPath: broken))
        if let error = #expect(throws: (any Error).self, performing: { _ = try StatsReport.read(path: broken) }) {
            #expect((error as? MammoPrepError)?.path == broken)
            #expect((error as? MammoPrepError)?.code == .invalidAttribute)
        }
        if let error = #expect(throws: (any Error).self, performing: {
            _ = try StatsReport.read(path: dir.appendingPathComponent("missing.json").path)
        }) {
            #expect((error as? MammoPrepError)?.code == .io)
        }
    }

    @Test func unmergeableJSONIsRefused() throws {
        let good = Self.report(seed: 3).json()
        func edited(_ edit: (inout [(String, JSONValue)]) -> Void) -> JSONValue {
            guard case .object(var pairs) = good else { fatalError() }
            edit(&pairs)
            return .object(pairs)
        }
        func editedPartial(_ key: String, _ value: JSONValue?) -> JSONValue {
            edited { pairs in
                let i = pairs.firstIndex { $0.0 == "partial" }!
                guard case .object(var partial) = pairs[i].1 else { fatalError() }
                if let value { partial[partial.firstIndex { $0.0 == key }!].1 = value } else { partial.removeAll { $0.0 == key } }
                pairs[i].1 = .object(partial)
            }
        }
        var histogram = good["partial"]!["histogram"]!.arrayValue!
        histogram[10] = .int(-1)
        let bad: [(String, JSONValue)] = [
            ("no partial", edited { $0.removeAll { $0.0 == "partial" } }),
            ("no n", editedPartial("n", nil)),
            ("no m2", editedPartial("m2", nil)),
            ("n ≠ histogram total", editedPartial("n", .int(4999))),
            ("negative m2", editedPartial("m2", .double(-1))),
            ("null mean", editedPartial("mean", .null)),
            ("other bin count", editedPartial("histogramBins", .int(256))),
            ("short histogram", editedPartial("histogram", .array(Array(histogram.prefix(100))))),
            ("negative bin", editedPartial("histogram", .array(histogram))),
            ("min > max", editedPartial("min", .double(2))),
            ("no mask", edited { $0.removeAll { $0.0 == "mask" } }),
            ("unknown mask", edited { $0[$0.firstIndex { $0.0 == "mask" }!].1 = .string("breast") }),
            ("pipeline not an object", edited { $0[$0.firstIndex { $0.0 == "pipeline" }!].1 = .string("x") }),
            ("not an object", .array([])),
        ]
        try #require(!bad.isEmpty)
        for (why, json) in bad {
            if let error = #expect(throws: (any Error).self, "\(why)", performing: { _ = try StatsReport(json: json, path: "/parts/p1.json") }) {
                let e = error as? MammoPrepError
                #expect(e?.path == "/parts/p1.json", "\(why)")
                #expect(e?.description.contains("not a mergeable stats.json") == true, "\(why): \(error)")
            }
        }
        #expect(throws: Never.self) { _ = try StatsReport(json: good, path: "ok") }
    }

    // MARK: - Merge

    @Test func mergeEqualsMergingTheStatistics() throws {
        let parts = (0..<5).map { Self.report(seed: 200 + UInt64($0), count: 1000 * ($0 + 1), shards: ["\($0 + 1)/5"]) }
        let merged = try StatsReport.merge(parts, names: (1...5).map { "p\($0).json" })
        var expected = PixelStatistics()
        try #require(!parts.isEmpty)
        for p in parts { expected.merge(p.statistics) }
        assertBitExact(merged.statistics, expected)
        #expect(merged.images == parts.map(\.images).reduce(0, +))
        #expect(merged.files == parts.map(\.files).reduce(0, +))
        #expect(merged.failed == parts.map(\.failed).reduce(0, +))
        #expect(merged.skipped == parts.map(\.skipped).reduce(0, +))
        #expect(merged.pixelsSeen == parts.map(\.pixelsSeen).reduce(0, +))
        #expect(merged.parts == 5)
        #expect(merged.shards == ["1/5", "2/5", "3/5", "4/5", "5/5"])
        #expect(merged.failures == parts.flatMap(\.failures))
        #expect(merged.pipeline == parts[0].pipeline)
        #expect(merged.mask == .none)
        // Merging parts read back from their stats.json gives the same figures, bit for bit.
        let reread = try StatsReport.merge(parts.map { try Self.reread($0) }, names: (1...5).map { "p\($0).json" })
        #expect(reread == merged)
        assertBitExact(reread.statistics, merged.statistics)
        // Merging merged reports: parts add up.
        let twice = try StatsReport.merge([try StatsReport.merge(Array(parts[0..<2]), names: ["a", "b"]),
                                           try StatsReport.merge(Array(parts[2...]), names: ["c", "d", "e"])],
                                          names: ["ab", "cde"])
        #expect(twice.parts == 5)
        #expect(twice.statistics.count == merged.statistics.count)
        #expect(abs(twice.statistics.mean - merged.statistics.mean) <= 1e-12 * merged.statistics.mean)
    }

    @Test func mergeRefusesAnotherPipelineNamingTheOption() throws {
        let base = Self.report(seed: 1)
        let variants: [(String, JSONValue)] = [
            ("invert", Self.pipeline(WindowingOptions(invert: .never))),
            ("voiSource", Self.pipeline(WindowingOptions(voiSource: .none))),
            ("windowIndex", Self.pipeline(WindowingOptions(windowIndex: 1))),
            ("window", Self.pipeline(WindowingOptions(explicitWindow: WindowSetting(center: 1000, width: 300)))),
            ("voiFunction", Self.pipeline(WindowingOptions(functionOverride: .sigmoid))),
            ("noVOI", Self.pipeline(WindowingOptions(noVOI: .minmax))),
            ("clip", Self.pipeline(WindowingOptions(clip: true))),
            ("frame", Self.pipeline(frame: 0)),
            ("geometry", Self.pipeline(geometry: GeometryOptions(size: (512, 512)))),
            ("tool", Self.pipeline(tool: "0.2.0")),
        ]
        try #require(!variants.isEmpty)
        for (key, pipeline) in variants {
            var other = Self.report(seed: 2)
            other.pipeline = pipeline
            if let error = #expect(throws: (any Error).self, "\(key)", performing: {
                _ = try StatsReport.merge([base, other], names: ["first.json", "second.json"])
            }) {
                let e = error as? MammoPrepError
                #expect(e?.code == .incompatible, "\(key)")
                #expect(e?.path == "second.json", "\(key)")
                let text = "\(error)"
                #expect(text.contains("\(key): "), "\(key) not named in: \(text)")
                #expect(text.contains("first.json"), "the reference part is not named in: \(text)")
                // Only the differing option is named.
                for (otherKey, _) in variants where otherKey != key && !(key == "window" && otherKey == "windowIndex") {
                    #expect(!(text.contains(" \(otherKey): ") || text.contains(": \(otherKey): ")), "\(otherKey) named for \(key): \(text)")
                }
            }
        }
        // Two options at once: both named.
        var two = Self.report(seed: 2)
        two.pipeline = Self.pipeline(WindowingOptions(invert: .dcmtk, clip: true))
        if let error = #expect(throws: (any Error).self, performing: { _ = try StatsReport.merge([base, two], names: ["a", "b"]) }) {
            #expect("\(error)".contains("invert: \"auto\" vs \"dcmtk\""), "\(error)")
            #expect("\(error)".contains("clip: false vs true"), "\(error)")
        }
        // The mask alone (pipeline identical, mask field different) is refused and named too.
        var masked = Self.report(seed: 2)
        masked.mask = .foreground
        if let error = #expect(throws: (any Error).self, performing: { _ = try StatsReport.merge([base, masked], names: ["a", "b"]) }) {
            #expect("\(error)".contains("mask: \"none\" vs \"foreground\""), "\(error)")
        }
        // Mask in the pipeline as well as the field: named once.
        let foreground = Self.report(seed: 2, mask: .foreground)
        if let error = #expect(throws: (any Error).self, performing: { _ = try StatsReport.merge([base, foreground], names: ["a", "b"]) }) {
            #expect("\(error)".components(separatedBy: "mask: ").count - 1 == 1, "\(error)")
        }
        // A difference in a later part is found as well.
        var third = Self.report(seed: 3)
        third.pipeline = Self.pipeline(frame: 2)
        if let error = #expect(throws: (any Error).self, performing: {
            _ = try StatsReport.merge([base, Self.report(seed: 4), third], names: ["a", "b", "c"])
        }) {
            #expect((error as? MammoPrepError)?.path == "c")
            #expect("\(error)".contains("frame: null vs 2"), "\(error)")
        }
    }

    @Test func mergeRefusesADuplicateShard() {
        let a = Self.report(seed: 1, shards: ["1/3"]), b = Self.report(seed: 2, shards: ["2/3"])
        let again = Self.report(seed: 3, shards: ["1/3"])
        if let error = #expect(throws: (any Error).self, performing: {
            _ = try StatsReport.merge([a, b, again], names: ["p1.json", "p2.json", "p1-again.json"])
        }) {
            let e = error as? MammoPrepError
            #expect(e?.code == .incompatible)
            #expect(e?.path == "p1-again.json")
            #expect("\(error)".contains("1/3"), "\(error)")
            #expect("\(error)".contains("p1.json"), "the first holder is not named: \(error)")
        }
        // Inside a merged part too.
        let ab = try! StatsReport.merge([a, b], names: ["p1", "p2"])
        #expect(throws: (any Error).self) { _ = try StatsReport.merge([ab, Self.report(seed: 4, shards: ["2/3"])], names: ["ab", "x"]) }
        #expect(throws: (any Error).self) { _ = try StatsReport.merge([a, a], names: ["p1", "p1 copy"]) }
        #expect(throws: Never.self) { _ = try StatsReport.merge([a, b, Self.report(seed: 5, shards: ["3/3"])], names: ["1", "2", "3"]) }
    }

    @Test func emptyPartsAreTheIdentity() throws {
        let full = Self.report(seed: 9, shards: ["1/3"])
        var empty = StatsReport(mask: .none, pipeline: Self.pipeline())
        empty.shards = ["2/3"]
        empty.files = 2
        empty.skipped = 1
        var emptyReread = try Self.reread(empty)
        emptyReread.shards = ["3/3"]
        for order in [[full, empty, emptyReread], [empty, full, emptyReread], [emptyReread, empty, full]] {
            let merged = try StatsReport.merge(order, names: ["x", "y", "z"])
            assertBitExact(merged.statistics, full.statistics)
            #expect(merged.images == full.images)
            #expect(merged.pixelsSeen == full.pixelsSeen)
            #expect(merged.files == full.files + 4)
            #expect(merged.skipped == full.skipped + 2)
            #expect(merged.parts == 3)
            #expect(merged.json()["mean"]?.serialized() == full.json()["mean"]?.serialized())
            #expect(merged.json()["percentiles"]?.serialized() == full.json()["percentiles"]?.serialized())
        }
        let nothing = try StatsReport.merge([empty, emptyReread], names: ["a", "b"])
        #expect(nothing.statistics == PixelStatistics())
        #expect(nothing.json()["mean"]?.serialized() == "[]")
        // One part alone is reproduced.
        let single = try StatsReport.merge([full], names: ["only"])
        #expect(single == full)
    }

    // MARK: - Pipelines

    @Test func differencesListExactlyTheDifferingKeys() {
        let a = Self.pipeline()
        #expect(a.memberDifferences(a) == [])
        #expect(a.memberDifferences(Self.pipeline()) == [])
        let b = Self.pipeline(WindowingOptions(explicitWindow: WindowSetting(center: 1000, width: 300), invert: .never),
                              frame: 2, mask: .foreground, tool: "0.2.0")
        #expect(a.memberDifferences(b) == [
            #"window: null vs [1000.0, 300.0]"#,
            #"invert: "auto" vs "never""#,
            #"frame: null vs 2"#,
            #"mask: "none" vs "foreground""#,
            #"tool: "mammo-prep 0.1.0" vs "mammo-prep 0.2.0""#,
        ])
        #expect(a.memberDifferences(b, ignoring: ["tool", "mask"]) == [
            #"window: null vs [1000.0, 300.0]"#, #"invert: "auto" vs "never""#, #"frame: null vs 2"#,
        ])
        #expect(a.memberDifferences(b, ignoring: ["window", "invert", "frame", "mask", "tool"]) == [])
        // Symmetric wording: B's side on the right.
        #expect(b.memberDifferences(a, ignoring: ["window", "invert", "mask", "tool"]) == ["frame: 2 vs null"])
        // Geometry: one entry for the nested object.
        let g = Self.pipeline(geometry: GeometryOptions(size: (224, 224), fit: .stretch))
        let diff = a.memberDifferences(g)
        #expect(diff.count == 1)
        #expect(diff.first?.hasPrefix("geometry: null vs {\"size\": [224, 224]") == true, "\(diff)")
        // Keys only in B come after A's keys; a missing key reads as null.
        let noMask = Self.pipeline(mask: nil)
        #expect(noMask.memberDifferences(a) == [#"mask: null vs "none""#])
        #expect(a.memberDifferences(noMask) == [#"mask: "none" vs null"#])
        #expect(noMask.memberDifferences(a, ignoring: ["mask"]) == [])
        let extra = JSONValue.object([("tool", .string("mammo-prep 0.1.0")), ("zeta", .int(1)), ("alpha", .int(2))])
        #expect(JSONValue.object([("tool", .string("mammo-prep 0.1.0"))]).memberDifferences(extra)
                == ["zeta: null vs 1", "alpha: null vs 2"])
        #expect(JSONValue.object([("k", .null)]).memberDifferences(.object([])) == [], "explicit null = missing")
        // An int and a double are different values.
        #expect(JSONValue.object([("k", .int(1))]).memberDifferences(.object([("k", .double(1))])) == ["k: 1 vs 1.0"])
        // Not objects.
        #expect(JSONValue.int(1).memberDifferences(.int(1)) == [])
        #expect(JSONValue.int(1).memberDifferences(.string("x")) == [#"pipeline: 1 vs "x""#])
        #expect(JSONValue.null.memberDifferences(a).count == 1)
        // A pipeline read back from stats.json equals the one computed.
        #expect(b.memberDifferences(try! JSONValue.parse(b.serialized())) == [])
    }

    @Test func missingShards() {
        #expect(Shard.missing(among: ["1/4", "3/4"]) == ["2/4", "4/4"])
        #expect(Shard.missing(among: ["3/4", "1/4", "4/4", "2/4"]) == [])
        #expect(Shard.missing(among: ["2/2", "2/2"]) == ["1/2"])
        #expect(Shard.missing(among: ["1/1"]) == [])
        #expect(Shard.missing(among: ["7/7"]) == (1...6).map { "\($0)/7" })
        #expect(Shard.missing(among: []) == nil)
        #expect(Shard.missing(among: ["1/2", "1/3"]) == nil, "different N")
        #expect(Shard.missing(among: ["1/2", "all"]) == nil, "not I/N")
        #expect(Shard.missing(among: ["slurm"]) == nil, "not I/N")
        #expect(Shard.missing(among: ["0/2"]) == nil, "index out of range")
        #expect(Shard.missing(among: ["3/2"]) == nil, "index out of range")
    }
}
