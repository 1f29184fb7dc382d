import ArgumentParser
import MammoPrep

/// `convert`'s and `stats`' options given as JSON, for the C ABI (Sources/MammoPrepC; docs/python.md,
/// "The C ABI"). The JSON becomes a command line that the commands' own ArgumentParser definitions
/// parse and validate, so a bad option fails with the CLI's wording and the adapter is resolved
/// (presets, `--stats` read and checked) by `convert`'s own code.
///
/// JSON members are long flags without "--": a string is the flag's text, a number its decimal
/// form, `true` a flag without value, `false` and `null` leave it out.
package enum EmbeddedOptions {
    /// An invalid, unknown or contradictory option: the one line the CLI prints after "Error: ".
    package struct UsageError: Error, Equatable {
        package let message: String
        package init(_ message: String) { self.message = message }
    }

    /// ArgumentParser's own options, which print text or exit instead of configuring anything.
    static let parserOptions: Set<String> = ["help", "version", "experimental-dump-help", "generate-completion-script"]

    /// Options of `convert` that describe an output folder or a batch, not the pixels; `frame` is
    /// chosen per call.
    package static let folderOptions: Set<String> = ["out", "format", "frame", "jobs", "shard", "quiet", "overwrite"]

    /// Options of `stats compute` that write files or talk to a terminal.
    package static let statsFileOptions: Set<String> = ["out", "per-image", "quiet"]

    /// The pipeline of `convert` with the options of `json`: format npy, every frame (the caller
    /// picks one), the output folder empty. Throws `UsageError`, or the `MammoPrepError` of a
    /// `--stats` file that cannot be used (as the command does before reading any image).
    package static func convertOptions(json: String) throws -> ConvertOptions {
        let arguments = try commandLine(json: json, refused: folderOptions.union(parserOptions))
        return try convertOptions(arguments: arguments, normalization: nil)
    }

    /// `stats compute` over `inputs` (files or folders, as the command takes them) with the options
    /// of `json`, and the inputs it finds in them (all of them: `StatsRunner.run` takes the shard's).
    package static func statsOptions(json: String, inputs: [String]) throws -> (StatsOptions, [InputFile]) {
        let arguments = try commandLine(json: json, refused: statsFileOptions.union(parserOptions))
        let compute: MammoPrepCommand.Stats.Compute = try parse(["stats", "compute"] + arguments + ["--out=stats.json", "--"] + inputs)
        let options = StatsOptions(windowing: compute.window.options, frame: compute.frame, geometry: compute.geometry.geometry,
                                   mask: compute.mask, limits: compute.limits.limits, jobs: compute.batch.jobs,
                                   shard: compute.batch.shard?.shard, reduction: compute.geometry.reduce)
        return (options, try InputDiscovery.collect(inputs, checkCollisions: false))
    }

    /// The one line the CLI prints for a library error (its remedy named by the CLI's flag).
    package static func line(_ error: MammoPrepError) -> String {
        error.description(remedy: Console.flagText)
    }

    /// `convert` parsed from `arguments` (the input and output folder are placeholders), its
    /// adapter resolved; `normalization` replaces the resolved normalization (a specification's
    /// custom mean/std, whose stats.json need not exist any more).
    static func convertOptions(arguments: [String], normalization: (Normalization, String)?) throws -> ConvertOptions {
        let convert: MammoPrepCommand.Convert = try parse(["convert"] + arguments + ["--out=.", "--", "input"])
        let windowing = convert.window.options
        var adapter = try convert.adapterOptions(windowing: windowing)
        if let (custom, source) = normalization {
            adapter.normalization = custom
            adapter.statsSource = source
        }
        return ConvertOptions(outputDirectory: "", format: convert.format, frame: convert.frame, windowing: windowing,
                              limits: convert.limits.limits, jobs: 1, adapter: adapter, reduction: convert.geometry.reduce)
    }

    /// Parses a command line as `mammo-prep` does; errors as the CLI words them.
    static func parse<Command: ParsableCommand>(_ arguments: [String]) throws -> Command {
        let command: ParsableCommand
        do {
            command = try MammoPrepCommand.parseAsRoot(arguments)
        } catch {
            throw UsageError(MammoPrepCommand.message(for: error))
        }
        guard let parsed = command as? Command else { throw UsageError("internal error: not a \(Command.self) command line") }
        return parsed
    }

    /// The flags of a JSON options object, in its order.
    static func commandLine(json: String, refused: Set<String>) throws -> [String] {
        let value: JSONValue
        do { value = try JSONValue.parse(json) } catch { throw UsageError("options: \(error)") }
        guard case .object(let members) = value else { throw UsageError("options: expected a JSON object") }
        var arguments: [String] = []
        for (key, value) in members {
            guard !refused.contains(key), !key.isEmpty, !key.hasPrefix("-"), !key.contains("="),
                  !key.contains(where: \.isWhitespace) else { throw unknownOption(key) }
            switch value {
            case .null, .bool(false): continue
            case .bool(true): arguments.append("--" + key)
            case .string(let text): arguments.append("--\(key)=\(text)")
            case .int(let n): arguments.append("--\(key)=\(n)")
            case .double(let d): arguments.append("--\(key)=\(d)")
            case .array, .object:
                throw UsageError("The value of '--\(key)' must be a string, a number, true, false or null.")
            }
        }
        return arguments
    }

    /// ArgumentParser's message for an option no command declares.
    static func unknownOption(_ key: String) -> UsageError {
        // ArgumentParser's own options would print help or a version instead of failing.
        guard !parserOptions.contains(key) else { return UsageError("Unknown option '--\(key)'") }
        do {
            _ = try NoOptions.parse(["--" + key])
        } catch {
            return UsageError(NoOptions.message(for: error))
        }
        return UsageError("Unknown option '--\(key)'")
    }

    private struct NoOptions: ParsableArguments {}
}
