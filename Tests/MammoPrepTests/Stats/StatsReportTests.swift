import Foundation
import XCTest
@testable import MammoPrep

/// stats.json (`StatsReport.json()` / `init(json:path:)`), `StatsReport.merge`,
/// `PixelPipeline.differences` and `StatsReport.missingShards` (docs/stats.md, "stats.json" and
/// "On a cluster").
final class StatsReportTests: XCTestCase {

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

    func assertBitExact(_ a: PixelStatistics, _ b: PixelStatistics, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        XCTAssertEqual(a.mean.bitPattern, b.mean.bitPattern, "mean \(a.mean) vs \(b.mean)", file: file, line: line)
        XCTAssertEqual(a.m2.bitPattern, b.m2.bitPattern, "m2 \(a.m2) vs \(b.m2)", file: file, line: line)
        XCTAssertEqual(a.min.bitPattern, b.min.bitPattern, "min", file: file, line: line)
        XCTAssertEqual(a.max.bitPattern, b.max.bitPattern, "max", file: file, line: line)
        XCTAssert(a.histogram == b.histogram, "histogram", file: file, line: line)
    }

    // MARK: - stats.json

    func testJSONRoundTripIsBitExact() throws {
        for seed in 0..<20 as Range<UInt64> {
            let mask: StatsMask = seed % 2 == 0 ? .none : .foreground
            let original = Self.report(seed: seed, count: Int(seed) * 997, mask: mask,
                                       shards: seed % 3 == 0 ? [] : ["\(seed % 3)/3"])
            let back = try Self.reread(original)
            XCTAssertEqual(back, original, "seed \(seed)")
            assertBitExact(back.statistics, original.statistics)
            XCTAssertEqual(back.json().serialized(), original.json().serialized(), "seed \(seed)")
        }
        // A merged report (several parts and shards) too.
        var a = Self.report(seed: 100, shards: ["1/2"]), b = Self.report(seed: 101, shards: ["2/2"])
        a.parts = 1; b.parts = 1
        let merged = try StatsReport.merge([a, b], names: ["a", "b"])
        let back = try Self.reread(merged)
        XCTAssertEqual(back, merged)
        XCTAssertEqual(back.parts, 2)
        XCTAssertEqual(back.shards, ["1/2", "2/2"])
        assertBitExact(back.statistics, merged.statistics)
    }

    func testJSONLayout() throws {
        let r = Self.report(seed: 1)
        let json = r.json()
        guard case .object(let pairs) = json else { return XCTFail("not an object") }
        XCTAssertEqual(pairs.map(\.0), ["mean", "std", "count", "images", "files", "failed", "skipped", "min", "max",
                                        "mask", "maskFraction", "ddof", "percentiles", "pipeline", "failures", "partial"])
        XCTAssertEqual(json["mean"]?.arrayValue?.first?.doubleValue, r.statistics.mean)
        XCTAssertEqual(json["std"]?.arrayValue?.first?.doubleValue, r.statistics.standardDeviation)
        XCTAssertEqual(json["count"]?.intValue, 5000)
        XCTAssertEqual(json["ddof"]?.intValue, 0)
        XCTAssertEqual(json["maskFraction"]?.doubleValue, Double(5000) / Double(r.pixelsSeen))
        guard case .object(let percentiles) = try XCTUnwrap(json["percentiles"]) else { return XCTFail("percentiles") }
        XCTAssertEqual(percentiles.map(\.0), ["0.5", "1", "5", "50", "95", "99", "99.5"])
        XCTAssertEqual(percentiles[3].1.doubleValue, r.statistics.percentile(50))
        XCTAssertEqual(json["partial"]?["histogramBins"]?.intValue, 4096)
        XCTAssertEqual(json["partial"]?["histogram"]?.arrayValue?.count, 4096)
        XCTAssertEqual(json["failures"]?.arrayValue?.count, r.failed)

        // No pixels: empty mean/std lists, null min/max and percentiles; reads back as empty.
        let empty = StatsReport(mask: .foreground, pipeline: Self.pipeline(mask: .foreground))
        let e = empty.json()
        XCTAssertEqual(e["mean"]?.serialized(), "[]")
        XCTAssertEqual(e["std"]?.serialized(), "[]")
        XCTAssertEqual(e["min"]?.serialized(), "null")
        XCTAssertEqual(e["percentiles"]?["50"]?.serialized(), "null")
        XCTAssertEqual(e["maskFraction"]?.doubleValue, 0)
        let back = try Self.reread(empty)
        XCTAssertEqual(back, empty)
        XCTAssertEqual(back.statistics, PixelStatistics())
    }

    func testReadFromFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("StatsReportTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = Self.report(seed: 7, shards: ["3/5"])
        let path = dir.appendingPathComponent("stats.json").path
        try Data(original.json().serialized().utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try StatsReport.read(path: path), original)

        let broken = dir.appendingPathComponent("broken.json").path
        try Data(#"{"partial": {"n": 1,}}"#.utf8).write(to: URL(fileURLWithPath: broken))
        XCTAssertThrowsError(try StatsReport.read(path: broken)) { error in
            XCTAssertEqual((error as? MammoPrepError)?.path, broken)
            XCTAssertEqual((error as? MammoPrepError)?.code, .invalidAttribute)
        }
        XCTAssertThrowsError(try StatsReport.read(path: dir.appendingPathComponent("missing.json").path)) { error in
            XCTAssertEqual((error as? MammoPrepError)?.code, .io)
        }
    }

    func testUnmergeableJSONIsRefused() throws {
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
        for (why, json) in bad {
            XCTAssertThrowsError(try StatsReport(json: json, path: "/parts/p1.json"), why) { error in
                let e = error as? MammoPrepError
                XCTAssertEqual(e?.path, "/parts/p1.json", why)
                XCTAssert(e?.description.contains("not a mergeable stats.json") == true, "\(why): \(error)")
            }
        }
        XCTAssertNoThrow(try StatsReport(json: good, path: "ok"))
    }

    // MARK: - Merge

    func testMergeEqualsMergingTheStatistics() throws {
        let parts = (0..<5).map { Self.report(seed: 200 + UInt64($0), count: 1000 * ($0 + 1), shards: ["\($0 + 1)/5"]) }
        let merged = try StatsReport.merge(parts, names: (1...5).map { "p\($0).json" })
        var expected = PixelStatistics()
        for p in parts { expected.merge(p.statistics) }
        assertBitExact(merged.statistics, expected)
        XCTAssertEqual(merged.images, parts.map(\.images).reduce(0, +))
        XCTAssertEqual(merged.files, parts.map(\.files).reduce(0, +))
        XCTAssertEqual(merged.failed, parts.map(\.failed).reduce(0, +))
        XCTAssertEqual(merged.skipped, parts.map(\.skipped).reduce(0, +))
        XCTAssertEqual(merged.pixelsSeen, parts.map(\.pixelsSeen).reduce(0, +))
        XCTAssertEqual(merged.parts, 5)
        XCTAssertEqual(merged.shards, ["1/5", "2/5", "3/5", "4/5", "5/5"])
        XCTAssertEqual(merged.failures, parts.flatMap(\.failures))
        XCTAssertEqual(merged.pipeline, parts[0].pipeline)
        XCTAssertEqual(merged.mask, .none)
        // Merging parts read back from their stats.json gives the same figures, bit for bit.
        let reread = try StatsReport.merge(parts.map { try Self.reread($0) }, names: (1...5).map { "p\($0).json" })
        XCTAssertEqual(reread, merged)
        assertBitExact(reread.statistics, merged.statistics)
        // Merging merged reports: parts add up.
        let twice = try StatsReport.merge([try StatsReport.merge(Array(parts[0..<2]), names: ["a", "b"]),
                                           try StatsReport.merge(Array(parts[2...]), names: ["c", "d", "e"])],
                                          names: ["ab", "cde"])
        XCTAssertEqual(twice.parts, 5)
        XCTAssertEqual(twice.statistics.count, merged.statistics.count)
        XCTAssertEqual(twice.statistics.mean, merged.statistics.mean, accuracy: 1e-12 * merged.statistics.mean)
    }

    func testMergeRefusesAnotherPipelineNamingTheOption() {
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
        for (key, pipeline) in variants {
            var other = Self.report(seed: 2)
            other.pipeline = pipeline
            XCTAssertThrowsError(try StatsReport.merge([base, other], names: ["first.json", "second.json"]), key) { error in
                let e = error as? MammoPrepError
                XCTAssertEqual(e?.code, .incompatible, key)
                XCTAssertEqual(e?.path, "second.json", key)
                let text = "\(error)"
                XCTAssert(text.contains("\(key): "), "\(key) not named in: \(text)")
                XCTAssert(text.contains("first.json"), "the reference part is not named in: \(text)")
                // Only the differing option is named.
                for (otherKey, _) in variants where otherKey != key && !(key == "window" && otherKey == "windowIndex") {
                    XCTAssertFalse(text.contains(" \(otherKey): ") || text.contains(": \(otherKey): "), "\(otherKey) named for \(key): \(text)")
                }
            }
        }
        // Two options at once: both named.
        var two = Self.report(seed: 2)
        two.pipeline = Self.pipeline(WindowingOptions(invert: .dcmtk, clip: true))
        XCTAssertThrowsError(try StatsReport.merge([base, two], names: ["a", "b"])) { error in
            XCTAssert("\(error)".contains("invert: \"auto\" vs \"dcmtk\""), "\(error)")
            XCTAssert("\(error)".contains("clip: false vs true"), "\(error)")
        }
        // The mask alone (pipeline identical, mask field different) is refused and named too.
        var masked = Self.report(seed: 2)
        masked.mask = .foreground
        XCTAssertThrowsError(try StatsReport.merge([base, masked], names: ["a", "b"])) { error in
            XCTAssert("\(error)".contains("mask: \"none\" vs \"foreground\""), "\(error)")
        }
        // Mask in the pipeline as well as the field: named once.
        let foreground = Self.report(seed: 2, mask: .foreground)
        XCTAssertThrowsError(try StatsReport.merge([base, foreground], names: ["a", "b"])) { error in
            XCTAssertEqual("\(error)".components(separatedBy: "mask: ").count - 1, 1, "\(error)")
        }
        // A difference in a later part is found as well.
        var third = Self.report(seed: 3)
        third.pipeline = Self.pipeline(frame: 2)
        XCTAssertThrowsError(try StatsReport.merge([base, Self.report(seed: 4), third], names: ["a", "b", "c"])) { error in
            XCTAssertEqual((error as? MammoPrepError)?.path, "c")
            XCTAssert("\(error)".contains("frame: null vs 2"), "\(error)")
        }
    }

    func testMergeRefusesADuplicateShard() {
        let a = Self.report(seed: 1, shards: ["1/3"]), b = Self.report(seed: 2, shards: ["2/3"])
        let again = Self.report(seed: 3, shards: ["1/3"])
        XCTAssertThrowsError(try StatsReport.merge([a, b, again], names: ["p1.json", "p2.json", "p1-again.json"])) { error in
            let e = error as? MammoPrepError
            XCTAssertEqual(e?.code, .incompatible)
            XCTAssertEqual(e?.path, "p1-again.json")
            XCTAssert("\(error)".contains("1/3"), "\(error)")
            XCTAssert("\(error)".contains("p1.json"), "the first holder is not named: \(error)")
        }
        // Inside a merged part too.
        let ab = try! StatsReport.merge([a, b], names: ["p1", "p2"])
        XCTAssertThrowsError(try StatsReport.merge([ab, Self.report(seed: 4, shards: ["2/3"])], names: ["ab", "x"]))
        XCTAssertThrowsError(try StatsReport.merge([a, a], names: ["p1", "p1 copy"]))
        XCTAssertNoThrow(try StatsReport.merge([a, b, Self.report(seed: 5, shards: ["3/3"])], names: ["1", "2", "3"]))
    }

    func testEmptyPartsAreTheIdentity() throws {
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
            XCTAssertEqual(merged.images, full.images)
            XCTAssertEqual(merged.pixelsSeen, full.pixelsSeen)
            XCTAssertEqual(merged.files, full.files + 4)
            XCTAssertEqual(merged.skipped, full.skipped + 2)
            XCTAssertEqual(merged.parts, 3)
            XCTAssertEqual(merged.json()["mean"]?.serialized(), full.json()["mean"]?.serialized())
            XCTAssertEqual(merged.json()["percentiles"]?.serialized(), full.json()["percentiles"]?.serialized())
        }
        let nothing = try StatsReport.merge([empty, emptyReread], names: ["a", "b"])
        XCTAssertEqual(nothing.statistics, PixelStatistics())
        XCTAssertEqual(nothing.json()["mean"]?.serialized(), "[]")
        // One part alone is reproduced.
        let single = try StatsReport.merge([full], names: ["only"])
        XCTAssertEqual(single, full)
    }

    // MARK: - Pipelines

    func testDifferencesListExactlyTheDifferingKeys() {
        let a = Self.pipeline()
        XCTAssertEqual(PixelPipeline.differences(a, a), [])
        XCTAssertEqual(PixelPipeline.differences(a, Self.pipeline()), [])
        let b = Self.pipeline(WindowingOptions(explicitWindow: WindowSetting(center: 1000, width: 300), invert: .never),
                              frame: 2, mask: .foreground, tool: "0.2.0")
        XCTAssertEqual(PixelPipeline.differences(a, b), [
            #"window: null vs [1000.0, 300.0]"#,
            #"invert: "auto" vs "never""#,
            #"frame: null vs 2"#,
            #"mask: "none" vs "foreground""#,
            #"tool: "mammo-prep 0.1.0" vs "mammo-prep 0.2.0""#,
        ])
        XCTAssertEqual(PixelPipeline.differences(a, b, ignoring: ["tool", "mask"]), [
            #"window: null vs [1000.0, 300.0]"#, #"invert: "auto" vs "never""#, #"frame: null vs 2"#,
        ])
        XCTAssertEqual(PixelPipeline.differences(a, b, ignoring: ["window", "invert", "frame", "mask", "tool"]), [])
        // Symmetric wording: B's side on the right.
        XCTAssertEqual(PixelPipeline.differences(b, a, ignoring: ["window", "invert", "mask", "tool"]), ["frame: 2 vs null"])
        // Geometry: one entry for the nested object.
        let g = Self.pipeline(geometry: GeometryOptions(size: (224, 224), fit: .stretch))
        let diff = PixelPipeline.differences(a, g)
        XCTAssertEqual(diff.count, 1)
        XCTAssert(diff.first?.hasPrefix("geometry: null vs {\"size\": [224, 224]") == true, "\(diff)")
        // Keys only in B come after A's keys; a missing key reads as null.
        let noMask = Self.pipeline(mask: nil)
        XCTAssertEqual(PixelPipeline.differences(noMask, a), [#"mask: null vs "none""#])
        XCTAssertEqual(PixelPipeline.differences(a, noMask), [#"mask: "none" vs null"#])
        XCTAssertEqual(PixelPipeline.differences(noMask, a, ignoring: ["mask"]), [])
        let extra = JSONValue.object([("tool", .string("mammo-prep 0.1.0")), ("zeta", .int(1)), ("alpha", .int(2))])
        XCTAssertEqual(PixelPipeline.differences(.object([("tool", .string("mammo-prep 0.1.0"))]), extra),
                       ["zeta: null vs 1", "alpha: null vs 2"])
        XCTAssertEqual(PixelPipeline.differences(.object([("k", .null)]), .object([])), [], "explicit null = missing")
        // An int and a double are different values.
        XCTAssertEqual(PixelPipeline.differences(.object([("k", .int(1))]), .object([("k", .double(1))])), ["k: 1 vs 1.0"])
        // Not objects.
        XCTAssertEqual(PixelPipeline.differences(.int(1), .int(1)), [])
        XCTAssertEqual(PixelPipeline.differences(.int(1), .string("x")), [#"pipeline: 1 vs "x""#])
        XCTAssertEqual(PixelPipeline.differences(.null, a).count, 1)
        // A pipeline read back from stats.json equals the one computed.
        XCTAssertEqual(PixelPipeline.differences(b, try! JSONValue.parse(b.serialized())), [])
    }

    func testMissingShards() {
        XCTAssertEqual(StatsReport.missingShards(["1/4", "3/4"]), ["2/4", "4/4"])
        XCTAssertEqual(StatsReport.missingShards(["3/4", "1/4", "4/4", "2/4"]), [])
        XCTAssertEqual(StatsReport.missingShards(["2/2", "2/2"]), ["1/2"])
        XCTAssertEqual(StatsReport.missingShards(["1/1"]), [])
        XCTAssertEqual(StatsReport.missingShards(["7/7"]), (1...6).map { "\($0)/7" })
        XCTAssertNil(StatsReport.missingShards([]))
        XCTAssertNil(StatsReport.missingShards(["1/2", "1/3"]), "different N")
        XCTAssertNil(StatsReport.missingShards(["1/2", "all"]), "not I/N")
        XCTAssertNil(StatsReport.missingShards(["slurm"]), "not I/N")
        XCTAssertNil(StatsReport.missingShards(["0/2"]), "index out of range")
        XCTAssertNil(StatsReport.missingShards(["3/2"]), "index out of range")
    }
}
