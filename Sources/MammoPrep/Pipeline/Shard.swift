import Foundation

/// A deterministic part of the sorted input list (`--shard I/N`, 1 ≤ I ≤ N).
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init?(index: Int, count: Int) {
        guard count >= 1, (1...count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// Parses `I/N`, or `slurm` from a job array: I = SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN + 1,
    /// N = SLURM_ARRAY_TASK_COUNT (docs/design.md §2).
    public init?(argument: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if argument == "slurm" {
            guard let id = environment["SLURM_ARRAY_TASK_ID"].flatMap({ Int($0) }),
                  let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap({ Int($0) }),
                  let count = environment["SLURM_ARRAY_TASK_COUNT"].flatMap({ Int($0) }) else { return nil }
            self.init(index: id - minimum + 1, count: count)
            return
        }
        let parts = argument.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        self.init(index: i, count: n)
    }

    /// Round-robin over the sorted list: item k (0-based) belongs to shard (k mod N) + 1. Parts are
    /// disjoint, cover the list, and differ in size by at most one.
    public func select<T>(_ items: [T]) -> [T] {
        items.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }

    public var description: String { "\(index)/\(count)" }

    /// Shards missing from a set of "I/N" names that all share N (nil when they are not all I/N of one N).
    public static func missing(among shards: [String]) -> [String]? {
        let parsed = shards.compactMap { Shard(argument: $0, environment: [:]) }
        guard !parsed.isEmpty, parsed.count == shards.count, let n = parsed.first?.count,
              parsed.allSatisfy({ $0.count == n }) else { return nil }
        let have = Set(parsed.map(\.index))
        return (1...n).filter { !have.contains($0) }.map { "\($0)/\(n)" }
    }
}
