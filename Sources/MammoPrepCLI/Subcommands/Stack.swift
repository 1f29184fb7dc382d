import ArgumentParser
import Foundation
import MammoPrep

extension MammoPrepCommand {
    /// `mammo-prep stack merge DIR` (docs/cli.md, docs/cluster.md).
    struct Stack: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Operations on npy-stack outputs.",
            subcommands: [Merge.self]
        )
    }
}

extension MammoPrepCommand.Stack {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge the npy-stack shards of one run (convert --format npy-stack --shard …) into one stack.",
            discussion: """
            Reads DIR/NAME.shard-I-of-N.npy with their manifests, indexes and part records and writes DIR/NAME.npy, \
            NAME.index.csv and NAME.manifest.jsonl: the files an unsharded run writes, byte for byte (rows in the \
            order of the sorted inputs). Refused, naming the shard, when one is missing or unfinished, or is foreign \
            (another shard count of the same inputs, another input list, another configuration than DIR/convert.json). \
            The shard files are left in place.
            """
        )

        @Argument(help: "The output folder of the sharded convert run.")
        var folder: String

        @Option(help: "The stack's name.")
        var name = "stack"

        @Flag(name: [.short, .long], help: "No summary.")
        var quiet = false

        func run() throws {
            do {
                let summary = try StackMerge.merge(folder: folder, name: name)
                if !quiet {
                    print("merged \(summary.shards) shards: \(summary.rows) rows -> \(folder)/\(name).npy")
                }
            } catch let error as MammoPrepError {
                Console.error(error)
                throw ExitCode(2)
            }
        }
    }
}
