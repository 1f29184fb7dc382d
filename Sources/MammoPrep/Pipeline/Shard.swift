import Foundation

/// A deterministic part of the sorted input list (`--shard I/N`, 1 ≤ I ≤ N).
///
/// The argument is `I/N`, `slurm` (I and N from the job array's environment, when it describes the
/// whole array) or `slurm:ARRAY` (I = the position of `SLURM_ARRAY_TASK_ID` among ARRAY, the
/// array's indices as written for `sbatch --array`; N = their number). docs/cluster.md.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init?(index: Int, count: Int) {
        guard count >= 1, (1...count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// Why an argument does not name a shard: its syntax, or what the environment lacks. One line.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Parses `I/N`, `slurm` or `slurm:ARRAY` and resolves the Slurm forms against `environment`.
    public init(argument: String, environment: [String: String]) throws {
        if argument == "slurm" {
            self = try SlurmEnvironment(environment).wholeArrayShard()
        } else if argument.hasPrefix("slurm:") {
            let array = try SlurmArrayIndices(String(argument.dropFirst(6)))
            self = try array.shard(for: SlurmEnvironment(environment), argument: argument)
        } else if let shard = Shard.fixed(argument) {
            self = shard
        } else {
            throw Failure(description: "'\(argument)' is not I/N with 1 ≤ I ≤ N, 'slurm' or 'slurm:ARRAY'")
        }
    }

    /// `I/N` only (nil otherwise).
    static func fixed(_ text: String) -> Shard? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        return Shard(index: i, count: n)
    }

    /// Round-robin over the sorted list: item k (0-based) belongs to shard (k mod N) + 1. Parts are
    /// disjoint, cover the list, and differ in size by at most one.
    public func select<T>(_ items: [T]) -> [T] {
        items.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }

    /// The positions (0-based) in a list of `total` items of the items `select` keeps.
    public func ordinals(total: Int) -> [Int] {
        Array(stride(from: index - 1, to: total, by: count))
    }

    public var description: String { "\(index)/\(count)" }

    /// Shards missing from a set of "I/N" names that all share N (nil when they are not all I/N of one N).
    public static func missing(among shards: [String]) -> [String]? {
        let parsed = shards.compactMap(Shard.fixed)
        guard !parsed.isEmpty, parsed.count == shards.count, let n = parsed.first?.count,
              parsed.allSatisfy({ $0.count == n }) else { return nil }
        let have = Set(parsed.map(\.index))
        return (1...n).filter { !have.contains($0) }.map { "\($0)/\(n)" }
    }

    /// What identifies the input list a run was sharded from (recorded by every part, compared by
    /// the merges): the number of inputs and a hash of their paths, in order.
    public static func inputListKey(_ paths: [String]) -> (count: Int, hash: String) {
        (paths.count, FNV1a.hex(paths.map { ($0 as NSString).standardizingPath }.joined(separator: "\n")))
    }
}

/// One shard's inputs, each one's position in the run's sorted list, and what identifies that list:
/// what a part records so that merging can put rows back in order and tell foreign parts.
public struct ShardInputs: Sendable {
    public let shard: Shard
    public let inputs: [InputFile]
    /// 0-based positions of `inputs` in the run's list.
    public let ordinals: [Int]
    /// `Shard.inputListKey` of the run's list.
    public let runInputs: Int
    public let runInputsHash: String

    public init(_ shard: Shard, of all: [InputFile]) {
        self.shard = shard
        ordinals = shard.ordinals(total: all.count)
        inputs = ordinals.map { all[$0] }
        (runInputs, runInputsHash) = Shard.inputListKey(all.map(\.path))
    }
}

/// The `SLURM_ARRAY_TASK_*` variables of a job array task.
struct SlurmEnvironment {
    static let names = ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
                        "SLURM_ARRAY_TASK_STEP", "SLURM_ARRAY_TASK_COUNT"]
    let values: [String: String]

    init(_ environment: [String: String]) {
        values = environment.filter { Self.names.contains($0.key) }
    }

    /// The variable as a task index (nil when it is not set); throws naming it when it is not a number.
    func number(_ name: String) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text) else {
            throw Shard.Failure(description: "\(name)='\(text)' is not a task index")
        }
        return value
    }

    /// "NAME=value, …" of the variables set, in a fixed order.
    var seen: String {
        Self.names.compactMap { name in values[name].map { "\(name)=\($0)" } }.joined(separator: ", ")
    }

    /// `slurm`: I = (ID − MIN) / STEP + 1, N = COUNT, when these describe a range of more than one
    /// task (`A-B`, `A-B:S`, with or without `%K`). A list, or a single task (a resubmitted one),
    /// does not tell which part of the run the task is: refused, asking for `slurm:ARRAY`.
    func wholeArrayShard() throws -> Shard {
        let absent = Self.names.filter { values[$0] == nil }
        if !absent.isEmpty {
            let what = absent.count == Self.names.count ? "not a Slurm job array task" : "an incomplete Slurm job array environment"
            throw Shard.Failure(description: "\(what): \(absent.joined(separator: ", ")) "
                + (absent.count == 1 ? "is" : "are") + " not set"
                + (values.isEmpty ? "" : " (\(seen))") + "; submit with sbatch --array, or give I/N")
        }
        let numbers = try Self.names.map { try number($0)! }
        let (id, low, high, step, count) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4])
        if count == 1 {
            throw Shard.Failure(description: "a one-task array (\(seen)), e.g. a resubmitted task, "
                + "does not tell which part of the run it is; give the array as first submitted, "
                + "e.g. 'slurm:0-9' for --array=0-9 (docs/cluster.md)")
        }
        guard step >= 1, high >= low, high - low == step * (count - 1), id >= low, id <= high,
              (id - low) % step == 0 else {
            throw Shard.Failure(description: "the array is not one range (\(seen)): a list such as "
                + "--array=1,3,5, or a resubmitted part of an array, does not tell which part of the run this "
                + "task is; give the array's indices as first submitted, e.g. 'slurm:1,3,5' (docs/cluster.md)")
        }
        return Shard(index: (id - low) / step + 1, count: count)!
    }
}

/// The indices of a job array as `sbatch --array` takes them: `A`, `A-B` or `A-B:S`, separated by
/// commas, optionally followed by `%K` (the throttle, ignored here). `N` alone means `1-N`.
struct SlurmArrayIndices {
    /// Slurm's largest MaxArraySize is 4000001: task indices are below it.
    static let limit = 4_000_001
    let text: String
    /// Sorted, distinct.
    let indices: [Int]

    init(_ text: String) throws {
        self.text = text
        func bad(_ why: String) -> Shard.Failure {
            Shard.Failure(description: "'slurm:\(text)' is not a job array's indices (\(why)); write them as for "
                + "sbatch --array: A, A-B or A-B:S separated by commas, e.g. slurm:0-9, slurm:0-10:2, slurm:1,3,5; slurm:N is 1-N")
        }
        var body = Substring(text)
        if let percent = body.firstIndex(of: "%") {
            let throttle = body[body.index(after: percent)...]
            guard throttle.allSatisfy({ $0.isASCII && $0.isNumber }), Int(throttle).map({ $0 >= 1 }) == true else {
                throw bad("a throttle %K needs K ≥ 1")
            }
            body = body[..<percent]
        }
        func index(_ s: Substring) throws -> Int {
            guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(s), v < Self.limit else {
                throw bad("'\(s)' is not an index from 0 to \(Self.limit - 1)")
            }
            return v
        }
        let items = body.split(separator: ",", omittingEmptySubsequences: false)
        if items.count == 1, !body.contains("-"), !body.contains(":") {
            let n = try index(body)
            guard n >= 1 else { throw bad("slurm:N needs N ≥ 1") }
            indices = Array(1...n)
            return
        }
        var members = Set<Int>()
        for item in items {
            let rangeAndStep = item.split(separator: ":", omittingEmptySubsequences: false)
            guard rangeAndStep.count <= 2 else { throw bad("'\(item)' has two steps") }
            let step = rangeAndStep.count == 2 ? try index(rangeAndStep[1]) : 1
            guard step >= 1 else { throw bad("a step must be at least 1") }
            let ends = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count <= 2 else { throw bad("'\(item)' is not A-B") }
            let low = try index(ends[0]), high = ends.count == 2 ? try index(ends[1]) : low
            guard low <= high else { throw bad("'\(item)' ends before it starts") }
            guard ends.count == 2 || rangeAndStep.count == 1 else { throw bad("a step needs a range A-B:S") }
            members.formUnion(stride(from: low, through: high, by: step))
        }
        indices = members.sorted()
    }

    /// `slurm:ARRAY`: this task's position among the indices. Only SLURM_ARRAY_TASK_ID is read, so
    /// a resubmitted task (any `--array` that is part of ARRAY) gets the shard it had at first.
    func shard(for environment: SlurmEnvironment, argument: String) throws -> Shard {
        guard let id = try environment.number("SLURM_ARRAY_TASK_ID") else {
            throw Shard.Failure(description: "not a Slurm job array task: SLURM_ARRAY_TASK_ID is not set; "
                + "submit with sbatch --array, or give I/N")
        }
        guard let position = position(of: id) else {
            let hint = environment.values["SLURM_ARRAY_TASK_MIN"].flatMap { low in
                environment.values["SLURM_ARRAY_TASK_MAX"].map { " (this array runs \(low)-\($0))" } } ?? ""
            throw Shard.Failure(description: "SLURM_ARRAY_TASK_ID=\(id) is not among the array's indices "
                + "\(Self.summary(indices)) of '\(argument)'\(hint); give the indices of --array as first submitted (docs/cluster.md)")
        }
        return Shard(index: position + 1, count: indices.count)!
    }

    func position(of id: Int) -> Int? {
        var low = 0, high = indices.count
        while low < high {
            let mid = (low + high) / 2
            if indices[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low < indices.count && indices[low] == id ? low : nil
    }

    /// "0-9", "1,3,5", "0,2,…,10 (6 indices)".
    static func summary(_ indices: [Int]) -> String {
        guard let first = indices.first, let last = indices.last else { return "(none)" }
        if last - first + 1 == indices.count { return first == last ? "\(first)" : "\(first)-\(last)" }
        if indices.count <= 6 { return indices.map(String.init).joined(separator: ",") }
        return "\(indices[0]),\(indices[1]),…,\(last) (\(indices.count) indices)"
    }
}
