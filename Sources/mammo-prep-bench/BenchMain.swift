import ArgumentParser

/// `mammo-prep-bench`: benchmark binary of this package, not part of the `mammo-prep` product
/// (`swift build -c release --product mammo-prep-bench`); documented in bench/README.md.
/// `stats` (the default) times the stats kernels, `decode` a file's frame decoding.
@main
struct MammoPrepBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mammo-prep-bench",
        abstract: "Benchmarks of mammo-prep's kernels and decoders; each prints one JSON line.",
        subcommands: [BenchStats.self, DecodeCommand.self],
        defaultSubcommand: BenchStats.self
    )
}
