import Foundation
import Testing
@testable import MammoPrep

/// `ShardRun.runs` (which parts form whole runs, which are foreign) and `StackMerge` over real
/// sharded npy-stack runs of `Converter`: the merged stack is the unsharded run's, byte for byte,
/// and every refusal names the shard.
@Suite struct ShardMergeTests {
    static func part(_ name: String, _ shards: [(Int, Int)], inputs: Int? = 10, hash: String? = "h") -> ShardedPart {
        ShardedPart(name: name, shards: shards.map { Shard(index: $0.0, count: $0.1)! }, inputs: inputs, inputsHash: hash)
    }

    func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func wholeAndIncompleteRuns() throws {
        let runs = try ShardRun.runs(of: [Self.part("a", [(1, 3)]), Self.part("u", []), Self.part("c", [(3, 3)]),
                                          Self.part("x", [(1, 2)], hash: "other"), Self.part("y", [(2, 2)], hash: "other")])
        #expect(runs.count == 2)
        #expect(runs[0].count == 3 && runs[0].names == ["a", "c"] && runs[0].missing == [Shard(index: 2, count: 3)])
        #expect(runs[0].label == "the 3-shard run of a, c (10 inputs)")
        #expect(runs[1].missing.isEmpty && runs[1].inputsHash == "other")
        // A merged part holds several shards; parts that record no input list group by N alone.
        let merged = try ShardRun.runs(of: [Self.part("m", [(1, 3), (2, 3)]), Self.part("old", [(3, 3)], inputs: nil, hash: nil)])
        #expect(merged.count == 1 && merged[0].missing.isEmpty && merged[0].names == ["m", "old"])
        #expect(StatsMerge.missingShards(runs)?.description == "a: read: cannot be combined (shard 2/3 of the 3-shard run "
            + "of a, c (10 inputs) missing: the merge would cover part of the inputs)")
    }

    @Test func aShardOfAnotherCountOfTheSameInputsIsForeign() {
        // Task 2 of a 3-task array resubmitted as `--array=2` with bare `--shard slurm` became 1/1.
        #expect(message { _ = try ShardRun.runs(of: [Self.part("p1", [(1, 3)]), Self.part("p2", [(1, 1)]), Self.part("p3", [(3, 3)])]) }
            == "p2: read: cannot be combined (foreign shard 1/1: the other parts, e.g. p1, are shards of 3 of the same "
            + "10 inputs (a task resubmitted without the array's indices? docs/cluster.md))")
    }

    @Test func aShardOfAnotherInputListIsForeign() {
        #expect(message { _ = try ShardRun.runs(of: [Self.part("p1", [(1, 3)]), Self.part("p2", [(2, 3)], inputs: 11, hash: "new"),
                                                     Self.part("p3", [(3, 3)])]) }
            == "p2: read: cannot be combined (foreign shard 2/3: cut from another input list (11 inputs) than the other "
            + "3-shard parts, e.g. p1 (10 inputs): the inputs changed between the tasks)")
    }

    // MARK: - npy-stack shards of real runs

    static let sources = ["dicom/mg12_mono2_explicit_le.dcm", "dicom/mg12_mono1_explicit_le.dcm", "dicom/mg12_mono2_jpegls_lossless.dcm",
                          "dicom/mf3_classic_explicit_le.dcm", "dicom/mask12_unsigned.dcm", "tiff/mg8_minisblack.tif",
                          "bad/corrupt_jpegls.dcm"].map { Fixtures.root.appendingPathComponent($0).path }

    /// Converts `inputs` (npy-stack, 16×12) into `folder`, as shard `shard` when given.
    static func convert(_ folder: String, shard: Shard?, inputs: [String] = sources, size: Int = 16) throws {
        var adapter = AdapterOptions()
        adapter.geometry.size = (rows: size, columns: 12)
        let options = ConvertOptions(outputDirectory: folder, format: .npyStack, jobs: 2, adapter: adapter,
                                     stackName: shard.map { "stack.shard-\($0.index)-of-\($0.count)" } ?? "stack")
        let converter = Converter(options: options, toolVersion: "test")
        let all = try InputDiscovery.collect(inputs)
        try converter.prepare()
        if let shard {
            let part = ShardInputs(shard, of: all)
            try converter.prepareStack(for: part)
            _ = converter.run(part.inputs)
        } else {
            try converter.prepareStack(for: all)
            _ = converter.run(all)
        }
        #expect(converter.stackError == nil)
    }

    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shard-merge-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test(arguments: [1, 2, 3, 8])
    func mergedShardsAreTheUnshardedStack(count: Int) throws {
        let whole = try Self.folder(), parts = try Self.folder()
        defer { for d in [whole, parts] { try? FileManager.default.removeItem(atPath: d) } }
        try Self.convert(whole, shard: nil)
        for i in (1...count).reversed() { try Self.convert(parts, shard: Shard(index: i, count: count)) }
        let summary = try StackMerge.merge(folder: parts)
        #expect(summary == StackMerge.Summary(rows: 5, shards: count))  // 7 inputs: one corrupt, one multi-frame
        for name in ["stack.npy", "stack.index.csv", "stack.manifest.jsonl"] {
            #expect(Self.bytes(parts + "/" + name) == Self.bytes(whole + "/" + name), "\(name)")
        }
        // Merging again gives the same files.
        _ = try StackMerge.merge(folder: parts)
        #expect(Self.bytes(parts + "/stack.npy") == Self.bytes(whole + "/stack.npy"))
    }

    @Test func incompleteOrForeignShardsAreRefused() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        try Self.convert(dir, shard: Shard(index: 1, count: 3))
        try Self.convert(dir, shard: Shard(index: 3, count: 3))
        #expect(message { _ = try StackMerge.merge(folder: dir) } == "\(dir): read: cannot be combined (incomplete run: shards 2/3 "
            + "missing (the 3-shard run of \(dir)/stack.shard-1-of-3.part.json, \(dir)/stack.shard-3-of-3.part.json "
            + "(7 inputs)); resubmit their tasks (docs/cluster.md))")
        try Self.convert(dir, shard: Shard(index: 2, count: 3))
        // A task killed after its stack was published but before its part record.
        try fm.moveItem(atPath: dir + "/stack.shard-2-of-3.part.json", toPath: dir + "/saved.json")
        #expect(message { _ = try StackMerge.merge(folder: dir) }.contains("incomplete run: shards 2/3 unfinished (no part record)"))
        try fm.moveItem(atPath: dir + "/saved.json", toPath: dir + "/stack.shard-2-of-3.part.json")
        // A resubmitted task that became 1/1.
        try Self.convert(dir, shard: Shard(index: 1, count: 1))
        #expect(message { _ = try StackMerge.merge(folder: dir) } == "\(dir)/stack.shard-1-of-1.part.json: read: cannot be "
            + "combined (foreign shard 1/1: the other parts, e.g. \(dir)/stack.shard-1-of-3.part.json, are shards of 3 of the "
            + "same 7 inputs (a task resubmitted without the array's indices? docs/cluster.md))")
        for suffix in ["npy", "part.json", "index.csv", "manifest.jsonl"] { try fm.removeItem(atPath: dir + "/stack.shard-1-of-1." + suffix) }
        // A shard cut from another input list.
        try Self.convert(dir, shard: Shard(index: 2, count: 3), inputs: Array(Self.sources.dropLast()))
        #expect(message { _ = try StackMerge.merge(folder: dir) }.hasPrefix("\(dir)/stack.shard-2-of-3.part.json: read: cannot be "
            + "combined (foreign shard 2/3: cut from another input list (6 inputs) than the other 3-shard parts"))
        try Self.convert(dir, shard: Shard(index: 2, count: 3))
        #expect(try StackMerge.merge(folder: dir).rows == 5)
        // A shard's stack edited behind its record.
        let path = dir + "/stack.shard-3-of-3.npy"
        try (Self.bytes(path)! + Data([0, 0, 0, 0])).write(to: URL(fileURLWithPath: path))
        #expect(message { _ = try StackMerge.merge(folder: dir) } == "\(path): read: cannot be combined (not the (1, 1, 16, 12) "
            + "stack its part record describes)")
    }

    @Test func aShardOfAnotherConfigurationIsForeign() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.convert(dir, shard: Shard(index: 1, count: 2))
        try Self.convert(dir, shard: Shard(index: 2, count: 2))
        // convert.json now records another size (as after --overwrite with new options).
        var adapter = AdapterOptions()
        adapter.geometry.size = (rows: 20, columns: 12)
        try Converter(options: ConvertOptions(outputDirectory: dir, format: .npyStack, overwrite: true, adapter: adapter),
                      toolVersion: "test").prepare()
        let text = message { _ = try StackMerge.merge(folder: dir) }
        #expect(text.hasPrefix("\(dir)/stack.shard-1-of-2.part.json: read: cannot be combined (foreign shard 1/2: made with "
            + "another configuration than convert.json records (configurationHash "), "\(text)")
        #expect(message { _ = try StackMerge.merge(folder: dir + "/nothing") }.hasSuffix("(no stack.shard-I-of-N.npy here: not "
            + "the output folder of a sharded npy-stack run)"))
    }
}
