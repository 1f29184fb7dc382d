import ArgumentParser
import Foundation
import MammoPrep
import Testing
@testable import MammoPrepCLI

/// Every `validate()` rule of the commands and option groups (and `GeometryArguments.check(limits:)`,
/// which the commands' `validate()` calls), both ways: arguments it accepts, and arguments it
/// rejects as a usage error (exit status 2) with its message. Option-group rules run on every
/// command that has the group.
@Suite struct ValidationTests {
    /// One rule: argument arrays (without the command) it accepts and rejects, the commands it
    /// applies to, and the substrings the rejection message must contain.
    struct Rule: Sendable, CustomTestStringConvertible {
        let name: String
        let commands: [[String]]
        let accepted: [[String]]
        let rejected: [[String]]
        let message: [String]
        var testDescription: String { name }
    }

    // The smallest valid command lines; nothing is read at parse time.
    static let convert = ["convert", "a.dcm", "--out", "o"]
    static let stats = ["stats", "a.dcm", "--out", "s.json"]               // the default subcommand, compute
    static let statsCompute = ["stats", "compute", "a.dcm", "--out", "s.json"]
    static let inspect = ["inspect", "a.dcm"]
    static let dumpStored = ["dump-stored", "a.dcm", "--out", "x.npy"]
    static let windowed = [convert, stats, statsCompute]                   // WindowOptions, GeometryArguments, BatchOptions
    static let reading = [convert, stats, inspect, dumpStored]             // LimitOptions

    static let rules: [Rule] = [
        // LimitOptions
        Rule(name: "limits are positive", commands: reading,
             accepted: [[], ["--max-frame-pixels", "1000", "--max-total-pixels", "1000"]],
             rejected: [["--max-frame-pixels", "0"], ["--max-total-pixels", "0"], ["--max-total-pixels=-1"]],
             message: ["'--max-frame-pixels' and '--max-total-pixels' must be positive."]),
        // BatchOptions
        Rule(name: "--jobs at least 1", commands: windowed,
             accepted: [[], ["-j", "1"], ["--jobs", "3"]],
             rejected: [["--jobs", "0"], ["-j", "0"], ["--jobs=-2"]],
             message: ["'--jobs' must be at least 1."]),
        // BatchOptions: --shard, resolved when parsed (Shard(argument:environment:); every message in
        // Tests/MammoPrepTests/Pipeline/ShardTests). These expect no SLURM_ARRAY_* in the environment.
        Rule(name: "--shard I/N with 1 <= I <= N", commands: windowed,
             accepted: [["--shard", "1/1"], ["--shard", "2/3"], ["--shard=3/3"]],
             rejected: [["--shard", "4/3"], ["--shard", "0/2"], ["--shard", "1/0"], ["--shard", "x"]],
             message: ["is not I/N with 1 ≤ I ≤ N, 'slurm' or 'slurm:ARRAY'"]),
        Rule(name: "--shard slurm outside a job array names the variables", commands: windowed,
             accepted: [["--shard", "1/2"]],
             rejected: [["--shard", "slurm"]],
             message: ["invalid for '--shard <I/N|slurm[:ARRAY]>': not a Slurm job array task: SLURM_ARRAY_TASK_ID, "
                       + "SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_MAX, SLURM_ARRAY_TASK_STEP, SLURM_ARRAY_TASK_COUNT are not set"]),
        Rule(name: "--shard slurm:ARRAY needs a task ID and an index list", commands: windowed,
             accepted: [["--shard", "2/2"]],
             rejected: [["--shard", "slurm:1-3"], ["--shard", "slurm:3"]],
             message: ["not a Slurm job array task: SLURM_ARRAY_TASK_ID is not set"]),
        Rule(name: "--shard slurm:ARRAY syntax", commands: windowed,
             accepted: [["--shard", "1/3"]],
             rejected: [["--shard", "slurm:1-"], ["--shard", "slurm:5-3"], ["--shard", "slurm:0"], ["--shard", "slurm:1,,2"]],
             message: ["is not a job array's indices (", "write them as for sbatch --array"]),
        // WindowOptions
        Rule(name: "--window-index 0 or more", commands: windowed,
             accepted: [["--window-index", "0"], ["--window-index", "2"]],
             rejected: [["--window-index=-1"]],
             message: ["'--window-index' must be 0 or more."]),
        Rule(name: "--window width positive without --voi-function", commands: windowed,
             accepted: [["--window", "2048:0.5"], ["--window", "2048:4096"]],
             rejected: [["--window=2048:0"], ["--window=2048:-10"]],
             message: ["'--window' width must be positive."]),
        Rule(name: "--window width >= 1 for --voi-function linear", commands: windowed,
             accepted: [["--window", "2048:1", "--voi-function", "linear"],
                        ["--window", "2048:0.5", "--voi-function", "linear-exact"]],
             rejected: [["--window", "2048:0.5", "--voi-function", "linear"]],
             message: ["'--window' width 0.5 is invalid for LINEAR (LINEAR needs width >= 1, the others > 0)."]),
        Rule(name: "--window width > 0 for --voi-function sigmoid", commands: windowed,
             accepted: [["--window", "2048:0.5", "--voi-function", "sigmoid"]],
             rejected: [["--window=2048:0", "--voi-function", "sigmoid"]],
             message: ["'--window' width 0.0 is invalid for SIGMOID"]),
        // GeometryArguments
        Rule(name: "--model must be a known preset", commands: windowed,
             accepted: [["--model", "resnet50d"]],
             rejected: [["--model", "nope"]],
             message: ["Unknown model 'nope'. Known presets: \(ModelPreset.names.joined(separator: ", "))."]),
        Rule(name: "--crop-pct in [0.1, 1]", commands: windowed,
             accepted: [["--crop-pct", "0.1"], ["--crop-pct", "0.875"], ["--crop-pct", "1"]],
             rejected: [["--crop-pct", "0.09"], ["--crop-pct", "1.5"], ["--crop-pct", "nan"]],
             message: ["'--crop-pct' must be in [0.1, 1]."]),
        Rule(name: "--crop-margin 0 or more", commands: windowed,
             accepted: [["--crop-margin", "0"], ["--crop-breast", "--crop-margin", "64"]],
             rejected: [["--crop-margin=-1"]],
             message: ["'--crop-margin' must be 0 or more."]),
        Rule(name: "--fit crop needs --size or --model", commands: windowed,
             accepted: [["--fit", "crop", "--size", "224"], ["--fit", "crop", "--model", "resnet50d"], ["--fit", "stretch"]],
             rejected: [["--fit", "crop"]],
             message: ["'--fit crop' needs '--size' or '--model'."]),
        Rule(name: "--reduce auto needs --size or --model", commands: windowed,
             accepted: [["--reduce", "auto", "--size", "224"], ["--reduce", "auto", "--model", "resnet50d"],
                        ["--reduce", "3"], ["--reduce", "0"], ["--reduce", "16"]],
             rejected: [["--reduce", "auto"]],
             message: ["'--reduce auto' needs '--size' or '--model'."]),
        // GeometryArguments.check(limits:), from Convert.validate and Stats.Compute.validate
        Rule(name: "--size within --max-frame-pixels", commands: windowed,
             accepted: [["--size", "16384x16384"], ["--max-frame-pixels", "1024", "--size", "32"]],
             rejected: [["--size", "16385x16384"]],
             message: ["'--size 16385x16384' needs 268451840 pixels per frame, beyond '--max-frame-pixels' 268435456."]),
        Rule(name: "--size within a lowered --max-frame-pixels", commands: windowed,
             accepted: [["--max-frame-pixels", "1024", "--size", "32x32"]],
             rejected: [["--max-frame-pixels", "1023", "--size", "32x32"]],
             message: ["'--size 32x32' needs 1024 pixels per frame, beyond '--max-frame-pixels' 1023."]),
        Rule(name: "--size with --fit crop counts the size before the crop", commands: windowed,
             accepted: [["--fit", "crop", "--crop-pct", "1", "--size", "16384x16384"],
                        ["--fit", "crop", "--crop-pct", "0.5", "--size", "8192x8192"]],
             rejected: [["--fit", "crop", "--size", "16384x16384"], ["--fit", "crop", "--crop-pct", "0.5", "--size", "8193x8192"]],
             message: ["pixels per frame, beyond '--max-frame-pixels' 268435456."]),
        // Convert.validate and Stats.Compute.validate
        Rule(name: "--frame 0 or more", commands: windowed,
             accepted: [["--frame", "0"], ["--frame", "3"]],
             rejected: [["--frame=-1"]],
             message: ["'--frame' must be 0 or more."]),
        Rule(name: "--model and --model-config exclude each other", commands: windowed,
             accepted: [["--model-config", #"{"input_size": [3, 64, 64]}"#]],
             rejected: [["--model", "resnet50d", "--model-config", #"{"input_size": [3, 64, 64]}"#]],
             message: ["'--model' and '--model-config' exclude each other."]),
        Rule(name: "--model-config must be readable and valid", commands: windowed,
             accepted: [["--model-config", #"{"pretrained_cfg": {"input_size": [1, 32, 48], "crop_mode": "squash"}}"#]],
             rejected: [["--model-config", "no-such-config.json"], ["--model-config", #"{"input_size": [3, 0, 64]}"#]],
             message: ["'--model-config' "]),
        Rule(name: "--crop-mode only with --fit crop", commands: windowed,
             accepted: [["--fit", "crop", "--size", "64", "--crop-mode", "squash"], ["--model", "resnet50d", "--fit", "crop", "--crop-mode", "center"]],
             rejected: [["--crop-mode", "squash"], ["--model", "resnet50d", "--crop-mode", "center"]],
             message: ["'--crop-mode' is only used with '--fit crop'."]),
        // NormalizationArguments (convert only)
        Rule(name: "--channels 1 or 3", commands: [convert],
             accepted: [["--channels", "1"], ["--channels", "3"]],
             rejected: [["--channels", "2"], ["--channels", "0"]],
             message: ["'--channels' must be 1 or 3."]),
        Rule(name: "--normalize model is implied", commands: [convert],
             accepted: [["--normalize", "none"], ["--normalize", "imagenet"], ["--model", "resnet50d"]],
             rejected: [["--normalize", "model"], ["--model", "resnet50d", "--normalize", "model"]],
             message: ["'--normalize model' is implied by '--model'; use none, custom, imagenet, minmax or zscore."]),
        Rule(name: "--normalize imagenet is 3 channels", commands: [convert],
             accepted: [["--normalize", "imagenet", "--channels", "3"]],
             rejected: [["--normalize", "imagenet", "--channels", "1"]],
             message: ["'--normalize imagenet' produces 3 channels; drop '--channels 1'."]),
        Rule(name: "--norm-region only with minmax/zscore", commands: [convert],
             accepted: [["--normalize", "minmax", "--norm-region", "breast"], ["--normalize", "zscore", "--norm-region", "image"],
                        ["--normalize", "zscore", "--channels", "3"], ["--model", "resnet50d", "--normalize", "minmax"]],
             rejected: [["--norm-region", "breast"], ["--normalize", "imagenet", "--norm-region", "image"]],
             message: ["'--norm-region' is only used with '--normalize minmax' or '--normalize zscore'."]),
        Rule(name: "--mean/--std only with custom", commands: [convert],
             accepted: [["--normalize", "custom", "--mean", "0.2", "--std", "0.3"]],
             rejected: [["--mean", "0.2", "--std", "0.3"], ["--normalize", "zscore", "--mean", "0.2", "--std", "0.3"]],
             message: ["'--mean' and '--std' are only used with '--normalize custom'."]),
        Rule(name: "--mean and --std go together", commands: [convert],
             accepted: [["--normalize", "custom", "--mean", "0.2,0.3,0.4", "--std", "0.1,0.2,0.3"]],
             rejected: [["--normalize", "custom", "--mean", "0.2"], ["--normalize", "custom", "--std", "0.2"]],
             message: ["'--mean' and '--std' go together."]),
        Rule(name: "--mean/--std or --stats", commands: [convert],
             accepted: [["--normalize", "custom", "--stats", "s.json"]],
             rejected: [["--normalize", "custom", "--stats", "s.json", "--mean", "0.2", "--std", "0.3"]],
             message: ["'--normalize custom' takes '--stats' or '--mean/--std', not both."]),
        Rule(name: "--mean/--std counts agree", commands: [convert],
             accepted: [["--normalize", "custom", "--mean", "0.2", "--std", "0.3", "--channels", "3"]],
             rejected: [["--normalize", "custom", "--mean", "0.2,0.3,0.4", "--std", "0.3"]],
             message: ["'--mean' and '--std' must give as many figures (1 or 3)."]),
        Rule(name: "--std positive", commands: [convert],
             accepted: [["--normalize", "custom", "--mean=-0.5", "--std", "2"]],
             rejected: [["--normalize", "custom", "--mean", "0.2", "--std", "0"],
                        ["--normalize", "custom", "--mean", "0.1,0.2,0.3", "--std=0.1,-0.2,0.3"]],
             message: ["'--std' must be greater than 0."]),
        Rule(name: "three means need 3 channels", commands: [convert],
             accepted: [["--normalize", "custom", "--mean", "0.1,0.2,0.3", "--std", "0.1,0.2,0.3", "--channels", "3"]],
             rejected: [["--normalize", "custom", "--mean", "0.1,0.2,0.3", "--std", "0.1,0.2,0.3", "--channels", "1"]],
             message: ["three '--mean' figures need 3 channels; drop '--channels 1'."]),
        Rule(name: "--normalize custom needs --stats or figures", commands: [convert],
             accepted: [["--normalize", "custom", "--stats", "s.json"], ["--normalize", "custom", "--mean", "0", "--std", "1"]],
             rejected: [["--normalize", "custom"]],
             message: ["'--normalize custom' needs '--stats FILE' (from `mammo-prep stats`) or '--mean M --std S'."]),
        Rule(name: "--stats only with --normalize custom", commands: [convert],
             accepted: [["--stats", "s.json", "--normalize", "custom", "--force-stats"]],
             rejected: [["--stats", "s.json"], ["--stats", "s.json", "--normalize", "imagenet"]],
             message: ["'--stats' is only used with '--normalize custom'."]),
        // Convert.validate
        Rule(name: "--format npy-stack needs a fixed size", commands: [convert],
             accepted: [["--format", "npy-stack", "--size", "224"], ["--format", "npy-stack", "--model", "resnet50d"]],
             rejected: [["--format", "npy-stack"]],
             message: ["'--format npy-stack' needs a fixed size: give '--size' or '--model'."]),
    ]

    @Test func everyRuleHasCasesBothWays() throws {
        try #require(!Self.rules.isEmpty)
        for rule in Self.rules {
            #expect(!rule.commands.isEmpty && !rule.accepted.isEmpty && !rule.rejected.isEmpty && !rule.message.isEmpty,
                    "\(rule.name)")
        }
    }

    @Test(arguments: rules)
    func accepts(_ rule: Rule) throws {
        try #require(!rule.commands.isEmpty && !rule.accepted.isEmpty)
        for command in rule.commands {
            for extra in rule.accepted {
                let arguments = command + extra
                #expect(throws: Never.self, "\(arguments)") { _ = try MammoPrepCommand.parseAsRoot(arguments) }
            }
        }
    }

    @Test(arguments: rules)
    func rejects(_ rule: Rule) throws {
        try #require(!rule.commands.isEmpty && !rule.rejected.isEmpty && !rule.message.isEmpty)
        for command in rule.commands {
            for extra in rule.rejected {
                let arguments = command + extra
                do {
                    _ = try MammoPrepCommand.parseAsRoot(arguments)
                    Issue.record("\(arguments) parsed")
                } catch {
                    // mainWithDesignExitCodes maps validation failures to exit status 2.
                    #expect(MammoPrepCommand.exitCode(for: error) == .validationFailure, "\(arguments)")
                    let message = MammoPrepCommand.message(for: error)
                    for part in rule.message {
                        #expect(message.contains(part), "\(arguments): \(message)")
                    }
                }
            }
        }
    }

    /// The default subcommand form and `stats compute` are the same command.
    @Test func statsWithoutSubcommandIsCompute() throws {
        #expect(try MammoPrepCommand.parseAsRoot(Self.stats) is MammoPrepCommand.Stats.Compute)
        #expect(try MammoPrepCommand.parseAsRoot(Self.statsCompute) is MammoPrepCommand.Stats.Compute)
    }

    /// Every `ValidationError("…")` written in Sources/MammoPrepCLI has a rule above whose message
    /// starts the same way (up to the first interpolation): a new rule without a test fails here.
    @Test func everyValidationMessageInTheSourcesIsTested() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/MammoPrepCLI")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        try #require(!files.isEmpty, "no sources under \(sources.path)")
        var prefixes: [String] = []
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            var rest = text[...]
            while let start = rest.range(of: "ValidationError(\"") {
                let literal = rest[start.upperBound...]
                let end = literal.firstIndex(where: { $0 == "\"" || $0 == "\\" }) ?? literal.endIndex
                prefixes.append(String(literal[..<end]))
                rest = literal[end...]
            }
        }
        try #require(prefixes.count >= 10, "found only \(prefixes)")
        let tested = Self.rules.flatMap(\.message)
        for prefix in prefixes {
            #expect(tested.contains { $0.contains(prefix) },
                    "ValidationError(\"\(prefix)…\") has no rule in ValidationTests.rules")
        }
    }
}
