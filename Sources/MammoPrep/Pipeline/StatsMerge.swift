import Foundation

/// `mammo-prep stats merge`: finds the parts, checks that they are the shards of whole runs of one
/// pipeline, and merges them (`StatsReport.merge`).
package enum StatsMerge {
    /// The stats.json files `arguments` name: files as given; for a folder, the `*.json` files
    /// directly in it (sorted by name), except `excluding` (the merge's own output).
    package static func partPaths(_ arguments: [String], excluding out: String) throws -> [String] {
        let fm = FileManager.default
        let own = (out as NSString).standardizingPath
        var paths: [String] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw MammoPrepError(path: argument, stage: .read, code: .io, detail: "no such file or folder")
            }
            guard isDirectory.boolValue else {
                paths.append(argument)
                continue
            }
            let folder = argument.hasSuffix("/") ? String(argument.dropLast()) : argument
            let found = ((try? fm.contentsOfDirectory(atPath: folder)) ?? [])
                .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
                .map { folder + "/" + $0 }.filter { ($0 as NSString).standardizingPath != own }
            guard !found.isEmpty else {
                throw MammoPrepError(path: argument, stage: .read, code: .io, detail: "no .json part in this folder")
            }
            paths += found
        }
        return paths
    }

    /// Reads and merges the parts at `paths`. Refused, naming the part: another pipeline, a foreign
    /// shard (`ShardRun.runs`), the same shard twice, shared inputs. Also returns the runs that
    /// lack shards (the caller decides whether that is an error).
    package static func merge(paths: [String]) throws -> (report: StatsReport, incomplete: [ShardRun]) {
        let reports = try paths.map { try StatsReport.read(path: $0) }
        try StatsReport.checkPipelines(reports, names: paths)
        let runs = try ShardRun.runs(of: zip(reports, paths).map { report, path in
            ShardedPart(name: path, shards: report.shards.compactMap(Shard.fixed),
                        inputs: report.runInputs, inputsHash: report.runInputsHash)
        })
        let merged = try StatsReport.merge(reports, names: paths)
        return (merged, runs.filter { !$0.missing.isEmpty })
    }

    /// The error (or, merging anyway, the warning) for runs that lack shards.
    package static func missingShards(_ runs: [ShardRun]) -> MammoPrepError? {
        let runs = runs.filter { !$0.missing.isEmpty }
        guard let first = runs.first else { return nil }
        let detail = runs.map { run in
            "shard" + (run.missing.count == 1 ? " " : "s ") + run.missing.map(\.description).joined(separator: ", ")
                + " of \(run.label) missing"
        }.joined(separator: "; ")
        return MammoPrepError(path: first.names[0], stage: .read, code: .incompatible,
                              detail: detail + ": the merge would cover part of the inputs")
    }
}
