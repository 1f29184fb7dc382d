import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `STACK.part.json`, written by a sharded npy-stack run once its stack, manifest and index are
/// complete: which shard of which input list it is, with which configuration, and the position
/// of each of its rows in the run's sorted input list.
struct StackPart: Equatable {
    let shard: Shard
    let inputs: Int
    let inputsHash: String
    let configurationHash: String
    let rowShape: [Int]
    /// Per row, in row order.
    let ordinals: [Int]

    var json: JSONValue {
        .object([("shard", .string(shard.description)), ("inputs", .int(inputs)), ("inputsHash", .string(inputsHash)),
                 ("configurationHash", .string(configurationHash)), ("rowShape", .array(rowShape.map(JSONValue.int))),
                 ("rows", .array(ordinals.map(JSONValue.int)))])
    }

    init(shard: Shard, inputs: Int, inputsHash: String, configurationHash: String, rowShape: [Int], ordinals: [Int]) {
        self.shard = shard
        self.inputs = inputs
        self.inputsHash = inputsHash
        self.configurationHash = configurationHash
        self.rowShape = rowShape
        self.ordinals = ordinals
    }

    init(path: String) throws {
        func bad(_ why: String) -> MammoPrepError {
            MammoPrepError(path: path, stage: .read, code: .invalidAttribute, detail: "not a stack part record: \(why)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MammoPrepError(path: path, stage: .read, code: .io, detail: "cannot read the file")
        }
        let json: JSONValue
        do { json = try JSONValue.parse(String(decoding: data, as: UTF8.self)) } catch { throw bad("\(error)") }
        guard let shard = json["shard"]?.stringValue.flatMap(Shard.fixed), let inputs = json["inputs"]?.intValue,
              let hash = json["inputsHash"]?.stringValue, let configuration = json["configurationHash"]?.stringValue,
              let shape = json["rowShape"]?.arrayValue?.compactMap(\.intValue), shape.count == 3, shape.allSatisfy({ $0 > 0 }),
              let rows = json["rows"]?.arrayValue else { throw bad("shard, inputs, inputsHash, configurationHash, rowShape or rows missing") }
        let ordinals = rows.compactMap(\.intValue)
        guard ordinals.count == rows.count, ordinals.allSatisfy({ $0 >= 0 && $0 < inputs && $0 % shard.count == shard.index - 1 }),
              zip(ordinals, ordinals.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw bad("rows are not increasing positions of shard \(shard) among \(inputs) inputs")
        }
        self.init(shard: shard, inputs: inputs, inputsHash: hash, configurationHash: configuration, rowShape: shape, ordinals: ordinals)
    }
}

/// `mammo-prep stack merge`: the npy-stack shards of one run, in one output folder, into the stack
/// an unsharded run writes (`STACK.npy`, `STACK.index.csv`, `STACK.manifest.jsonl`; rows in the
/// order of the run's sorted inputs), byte for byte. Every shard must be present, complete (its
/// part record written) and of the run: same shard count, input list and the folder's configuration.
package enum StackMerge {
    package struct Summary: Sendable, Equatable {
        package let rows: Int
        package let shards: Int
    }

    package static func merge(folder: String, name: String = "stack") throws -> Summary {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let prefix = name + ".shard-"
        func shard(of entry: String, suffix: String) -> Shard? {
            guard entry.hasPrefix(prefix), entry.hasSuffix(suffix) else { return nil }
            let middle = entry.dropFirst(prefix.count).dropLast(suffix.count)
            guard let of = middle.range(of: "-of-") else { return nil }
            return Shard.fixed("\(middle[..<of.lowerBound])/\(middle[of.upperBound...])")
        }
        func base(_ s: Shard) -> String { folder + "/" + prefix + "\(s.index)-of-\(s.count)" }
        let stacks = entries.compactMap { shard(of: $0, suffix: ".npy") }
        let records = entries.compactMap { shard(of: $0, suffix: ".part.json") }
        guard !stacks.isEmpty || !records.isEmpty else {
            throw MammoPrepError(path: folder, stage: .read, code: .io,
                                 detail: "no \(prefix)I-of-N.npy here: not the output folder of a sharded npy-stack run")
        }
        let expected = try configurationHash(folder: folder)
        var parts: [StackPart] = []
        for s in records.sorted(by: { ($0.count, $0.index) < ($1.count, $1.index) }) {
            let path = base(s) + ".part.json"
            let part = try StackPart(path: path)
            guard part.shard == s else {
                throw MammoPrepError(path: path, stage: .read, code: .incompatible, detail: "records shard \(part.shard), not \(s)")
            }
            if part.configurationHash != expected {
                throw MammoPrepError(path: path, stage: .read, code: .incompatible,
                                     detail: "foreign shard \(s): made with another configuration than convert.json records "
                                         + "(configurationHash \(part.configurationHash), not \(expected))")
            }
            parts.append(part)
        }
        let runs = try ShardRun.runs(of: parts.map {
            ShardedPart(name: base($0.shard) + ".part.json", shards: [$0.shard], inputs: $0.inputs, inputsHash: $0.inputsHash)
        } + stacks.filter { !records.contains($0) }.map {
            // A stack without its part record: its run did not finish (or it is another run's).
            ShardedPart(name: base($0) + ".npy", shards: [$0], inputs: nil, inputsHash: nil)
        })
        guard runs.count == 1, let run = runs.first else {
            throw MammoPrepError(path: folder, stage: .read, code: .incompatible,
                                 detail: "shards of \(runs.count) runs: " + runs.map(\.label).joined(separator: "; ") + "; remove the stale ones")
        }
        let incomplete = stacks.filter { !records.contains($0) && $0.count == run.count }
        if !run.missing.isEmpty || !incomplete.isEmpty {
            throw MammoPrepError(path: folder, stage: .read, code: .incompatible, detail: "incomplete run: "
                + (run.missing.isEmpty ? "" : "shards \(run.missing.map(\.description).joined(separator: ", ")) missing")
                + (run.missing.isEmpty || incomplete.isEmpty ? "" : "; ")
                + (incomplete.isEmpty ? "" : "shards \(incomplete.map(\.description).joined(separator: ", ")) unfinished (no part record)")
                + " (\(run.label)); resubmit their tasks (docs/cluster.md)")
        }
        return try write(parts, folder: folder, name: name, base: base)
    }

    /// convert.json's configurationHash.
    static func configurationHash(folder: String) throws -> String {
        let path = folder + "/convert.json"
        guard let data = FileManager.default.contents(atPath: path),
              let hash = (try? JSONValue.parse(String(decoding: data, as: UTF8.self)))?["configurationHash"]?.stringValue else {
            throw MammoPrepError(path: path, stage: .read, code: .io, detail: "cannot read the folder's configurationHash")
        }
        return hash
    }

    private static func write(_ parts: [StackPart], folder: String, name: String, base: (Shard) -> String) throws -> Summary {
        let rowShape = parts[0].rowShape
        if let odd = parts.first(where: { $0.rowShape != rowShape }) {
            throw MammoPrepError(path: base(odd.shard) + ".part.json", stage: .read, code: .incompatible,
                                 detail: "rows of shape \(odd.rowShape), not \(rowShape)")
        }
        // Every row with its shard, its row there and its manifest line, in the run's input order.
        var rows: [(ordinal: Int, part: Int, row: Int, line: [(String, JSONValue)])] = []
        for (p, part) in parts.enumerated() {
            let lines = try manifestLines(base(part.shard) + ".manifest.jsonl", rows: part.ordinals.count)
            for (row, ordinal) in part.ordinals.enumerated() { rows.append((ordinal, p, row, lines[row])) }
        }
        rows.sort { $0.ordinal < $1.ordinal }
        let files = try parts.map { try ShardFile(path: base($0.shard) + ".npy", rows: $0.ordinals.count, rowShape: rowShape) }
        AtomicFile.removeStaleTemporaries(in: folder)
        let stack = try NPYStack(path: folder + "/" + name + ".npy", rows: rows.count, rowShape: rowShape)
        var buffer = [UInt8](repeating: 0, count: rowShape.reduce(4, *))
        var index = "row,source,frame\n"
        var manifest = ""
        do {
            for (new, entry) in rows.enumerated() {
                try files[entry.part].read(row: entry.row, into: &buffer)
                try buffer.withUnsafeBytes { try stack.write(row: new, bytes: $0) }
                let line = entry.line.map { key, value -> (String, JSONValue) in
                    key == "output" ? (key, .string(name + ".npy")) : key == "row" ? (key, .int(new)) : (key, value)
                }
                manifest += JSONValue.object(line).serialized() + "\n"
                let source = entry.line.first { $0.0 == "source" }?.1.stringValue ?? ""
                let frame = entry.line.first { $0.0 == "frame" }?.1.intValue ?? 0
                index += "\(new),\(CSV.field(source)),\(frame)\n"
            }
            _ = try stack.finish()
        } catch {
            stack.abandon()
            throw error
        }
        try AtomicFile.write(to: folder + "/" + name + ".manifest.jsonl") { try $0.write(manifest) }
        try AtomicFile.write(to: folder + "/" + name + ".index.csv") { try $0.write(index) }
        return Summary(rows: rows.count, shards: parts.count)
    }

    /// A shard's manifest lines (as member lists), one per row, in row order.
    private static func manifestLines(_ path: String, rows: Int) throws -> [[(String, JSONValue)]] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MammoPrepError(path: path, stage: .read, code: .io, detail: "cannot read the file")
        }
        var lines = [[(String, JSONValue)]?](repeating: nil, count: rows)
        for text in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard case .object(let pairs)? = try? JSONValue.parse(String(text)),
                  let row = pairs.first(where: { $0.0 == "row" })?.1.intValue, row >= 0, row < rows, lines[row] == nil else {
                throw MammoPrepError(path: path, stage: .read, code: .invalidAttribute,
                                     detail: "a line that is not one row's manifest line (rows 0…\(rows - 1), one line each)")
            }
            lines[row] = pairs
        }
        guard lines.allSatisfy({ $0 != nil }) else {
            throw MammoPrepError(path: path, stage: .read, code: .invalidAttribute, detail: "fewer lines than the \(rows) rows")
        }
        return lines.map { $0! }
    }
}

/// A shard's `.npy`, checked against the header its part record implies, read row by row.
private struct ShardFile {
    let path: String
    let handle: FileHandle
    let rowBytes: Int
    let headerBytes: Int

    init(path: String, rows: Int, rowShape: [Int]) throws {
        self.path = path
        let header = NPYStack.header(rows: rows, rowShape: rowShape)
        rowBytes = rowShape.reduce(4, *)
        headerBytes = header.count
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MammoPrepError(path: path, stage: .read, code: .io, detail: "cannot open the file")
        }
        self.handle = handle
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
        guard (try? handle.read(upToCount: header.count)).map({ Array($0) }) == header,
              size == header.count + rows * rowBytes else {
            throw MammoPrepError(path: path, stage: .read, code: .incompatible,
                                 detail: "not the (\(rows), \(rowShape.map(String.init).joined(separator: ", "))) stack its part record describes")
        }
    }

    func read(row: Int, into buffer: inout [UInt8]) throws {
        let got = buffer.withUnsafeMutableBytes { pread(handle.fileDescriptor, $0.baseAddress!, rowBytes, off_t(headerBytes + row * rowBytes)) }
        guard got == rowBytes else {
            throw MammoPrepError(path: path, stage: .read, code: .io, detail: "short read at row \(row)")
        }
    }
}
