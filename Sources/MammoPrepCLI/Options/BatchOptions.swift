import ArgumentParser
import Foundation
import MammoPrep

/// `--shard I/N`, `slurm` or `slurm:ARRAY`, resolved when parsed: the Slurm forms read the job
/// array's environment, and a form it cannot resolve is a usage error saying why (docs/cluster.md).
struct ShardArgument {
    let text: String
    let shard: Shard
    init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.text = text
        shard = try Shard(argument: text, environment: environment)
    }
}

/// Options of every command that runs over many inputs (`convert`, `stats`).
struct BatchOptions: ParsableArguments {
    /// Optional so that `--help` shows no machine-dependent "(default: N)"; `jobs` resolves it.
    @Option(name: [.short, .customLong("jobs")], help: ArgumentHelp("Images processed in parallel (default: all cores).", valueName: "jobs"))
    var jobsOption: Int?

    /// `--jobs`, or all cores.
    var jobs: Int { jobsOption ?? ProcessInfo.processInfo.activeProcessorCount }

    @Option(help: ArgumentHelp("Process the I-th of N deterministic parts of the sorted inputs; 'slurm' takes I and N from a Slurm job array of one range, 'slurm:ARRAY' from the task ID among the array's indices as given to sbatch --array (slurm:N = 1-N; docs/cluster.md).", valueName: "I/N|slurm[:ARRAY]"),
            transform: { try ShardArgument($0) })
    var shard: ShardArgument?

    @Flag(help: "Exit 0 when the only problem is inputs that failed (still reported and recorded), e.g. for Slurm's afterok.")
    var allowFailures = false

    @Flag(name: [.short, .long], help: "No progress bar and no summary.")
    var quiet = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("'--jobs' must be at least 1.") }
    }

    /// Exit status 1 when inputs failed, unless `--allow-failures`.
    func checkFailures(_ failed: Int) throws {
        if failed > 0 && !allowFailures { throw ExitCode(1) }
    }

    /// "shard 2/3: " before a summary line, or "".
    var summaryPrefix: String { shard.map { "shard \($0.shard): " } ?? "" }
}
