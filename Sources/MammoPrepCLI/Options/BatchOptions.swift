import ArgumentParser
import Foundation
import MammoPrep

extension ShardArgument: ExpressibleByArgument {}

/// `--shard I/N` or `--shard slurm`.
struct ShardArgument {
    let shard: Shard
    init?(argument: String) {
        guard let shard = Shard(argument: argument) else { return nil }
        self.shard = shard
    }
}

/// Options of every command that runs over many inputs (`convert`, `stats`).
struct BatchOptions: ParsableArguments {
    /// Optional so that `--help` shows no machine-dependent "(default: N)"; `jobs` resolves it.
    @Option(name: [.short, .customLong("jobs")], help: ArgumentHelp("Images processed in parallel (default: all cores).", valueName: "jobs"))
    var jobsOption: Int?

    /// `--jobs`, or all cores.
    var jobs: Int { jobsOption ?? ProcessInfo.processInfo.activeProcessorCount }

    @Option(help: ArgumentHelp("Process the I-th of N deterministic parts of the sorted inputs, or 'slurm' to take them from a Slurm job array.", valueName: "I/N|slurm"))
    var shard: ShardArgument?

    @Flag(name: [.short, .long], help: "No progress bar and no summary.")
    var quiet = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("'--jobs' must be at least 1.") }
    }
}
