import ArgumentParser
import Foundation
import MammoPrep

extension MammoPrepCommand.Stats {
    /// `mammo-prep stats merge PART.json|FOLDER… --out stats.json`.
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Combine stats.json parts (from --shard runs) into one, exactly as a single pass would give.",
            discussion: """
            A folder stands for the .json files directly in it (except --out). Refused, naming the part: another \
            pipeline (windowing, frame, mask, tool version: the option is named), a foreign shard (of another shard \
            count of the same inputs, or of another input list), the same shard twice, parts sharing inputs, and \
            missing shards (exit 1, naming them, unless --allow-partial; --allow-missing is its older name).
            """
        )

        @Argument(help: "stats.json files written by `mammo-prep stats`, or folders of them.")
        var parts: [String]

        @Option(help: "Where to write the merged stats.json (its folder is created if needed).")
        var out: String

        @Flag(name: [.customLong("allow-partial"), .customLong("allow-missing")],
              help: "Merge even when shards of a run are missing (a warning names them).")
        var allowMissing = false

        @Flag(name: [.short, .long], help: "No summary.")
        var quiet = false

        func run() throws {
            do {
                let paths = try StatsMerge.partPaths(parts, excluding: out)
                let (merged, incomplete) = try StatsMerge.merge(paths: paths)
                if let missing = StatsMerge.missingShards(incomplete) {
                    guard allowMissing else {
                        Console.error(missing.description + "; resubmit their tasks, or use --allow-partial")
                        throw ExitCode(1)
                    }
                    Console.error("warning: " + missing.description)
                }
                try StatsOutput.checkWritable(out)
                try AtomicFile.write(to: out) { try $0.write(merged.json().serialized() + "\n") }
                if !quiet {
                    print("merged \(paths.count) parts: \(merged.images) images, "
                          + (merged.statistics.count > 0
                             ? String(format: "mean %.6f, std %.6f over %d pixels", merged.mean, merged.standardDeviation, merged.statistics.count)
                             : "no pixels")
                          + (merged.failed > 0 ? "; \(merged.failed) inputs failed in the parts" : "") + " -> \(out)")
                }
            } catch let error as MammoPrepError {
                Console.error(error)
                throw ExitCode(2)
            }
        }
    }
}
