import Foundation

/// One file given to a merge (`stats merge`, `stack merge`): the shards it holds (none for an
/// unsharded part) and the key of the input list they were cut from (`Shard.inputListKey`; nil when
/// the part does not record it).
package struct ShardedPart: Sendable {
    package let name: String
    package let shards: [Shard]
    package let inputs: Int?
    package let inputsHash: String?

    package init(name: String, shards: [Shard], inputs: Int?, inputsHash: String?) {
        self.name = name
        self.shards = shards
        self.inputs = inputs
        self.inputsHash = inputsHash
    }
}

/// The sharded runs a set of parts holds: parts with the same shard count N and input list are
/// the shards of one run. A part that shares its input list with a run of another N (a task
/// resubmitted as `1/1`), or its N with a run of another input list (the inputs changed between
/// the tasks), is foreign: refused, naming it. What is left is checked for missing shards.
package struct ShardRun: Sendable, Equatable {
    /// N.
    package let count: Int
    package let inputs: Int?
    package let inputsHash: String?
    /// The parts of the run, in the order given.
    package let names: [String]
    /// Shards 1…N not among the parts.
    package let missing: [Shard]

    /// "the 3-shard run of a.json, b.json (1200 inputs)".
    package var label: String {
        let listed = names.count <= 3 ? names.joined(separator: ", ") : names.prefix(2).joined(separator: ", ") + ", … (\(names.count) parts)"
        return "the \(count)-shard run of \(listed)" + (inputs.map { " (\($0) inputs)" } ?? "")
    }

    /// Groups the sharded parts (unsharded ones are ignored) into runs; throws for a foreign part.
    package static func runs(of parts: [ShardedPart]) throws -> [ShardRun] {
        struct Entry { let name: String; let shard: Shard; let inputs: Int?; let hash: String? }
        let entries = parts.flatMap { part in
            part.shards.map { Entry(name: part.name, shard: $0, inputs: part.inputs, hash: part.inputsHash) }
        }
        func foreign(_ entry: Entry, _ why: String) -> MammoPrepError {
            MammoPrepError(path: entry.name, stage: .read, code: .incompatible, detail: "foreign shard \(entry.shard): \(why)")
        }
        func inputs(_ n: Int?) -> String { n.map { "\($0) inputs" } ?? "its inputs" }
        // Runs by N, first appearance first. Within one N, every recorded input list must agree:
        // the list most parts have is the run's, a part of another list is foreign.
        let counts = entries.map(\.shard.count).reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        var groups: [(count: Int, entries: [Entry], hash: String?)] = []
        for n in counts {
            let members = entries.filter { $0.shard.count == n }
            let hashes = members.compactMap(\.hash)
            let tally = Dictionary(hashes.map { ($0, 1) }, uniquingKeysWith: +)
            let winner = hashes.first { tally[$0] == tally.values.max() }
            if let winner, let odd = members.first(where: { $0.hash != nil && $0.hash != winner }) {
                let other = members.first { $0.hash == winner }!
                throw foreign(odd, "cut from another input list (\(inputs(odd.inputs))) than the other \(n)-shard parts, "
                              + "e.g. \(other.name) (\(inputs(other.inputs))): the inputs changed between the tasks")
            }
            groups.append((n, members, winner))
        }
        // One input list sharded two ways: the run with fewer parts is foreign (a later one on a tie).
        for (i, a) in groups.enumerated() {
            for b in groups[(i + 1)...] where a.hash != nil && a.hash == b.hash {
                let (odd, run) = b.entries.count <= a.entries.count ? (b, a) : (a, b)
                throw foreign(odd.entries[0], "the other parts, e.g. \(run.entries[0].name), are shards of \(run.count) of the "
                              + "same \(inputs(run.entries[0].inputs)) (a task resubmitted without the array's indices? docs/cluster.md)")
            }
        }
        return groups.map { group in
            let have = Set(group.entries.map(\.shard.index))
            let names = group.entries.map(\.name).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            return ShardRun(count: group.count, inputs: group.entries.first { $0.hash == group.hash }?.inputs,
                            inputsHash: group.hash, names: names,
                            missing: (1...group.count).filter { !have.contains($0) }.map { Shard(index: $0, count: group.count)! })
        }
    }
}
