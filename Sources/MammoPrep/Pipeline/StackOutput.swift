import Foundation

/// The `npy-stack` output of a `convert` run: one row per DICOM/TIFF input (in input order; other
/// files are skipped) in a file of (N, C, H, W) created at full size before the run, and the
/// manifest lines of each row, written with the final row numbers when the stack is published.
final class StackOutput: @unchecked Sendable {
    let stack: NPYStack
    let sources: [String]
    /// For a shard: which one, each source's position in the run's input list, and the list's key
    /// (written to `STACK.part.json` for `stack merge`).
    let shard: ShardInputs?
    let ordinals: [Int]
    private let rows: [String: Int]
    /// Each row's manifest members (set under the batch runner's delivery lock).
    var records: [Int: [[(String, JSONValue)]]] = [:]

    init(stack: NPYStack, sources: [String], shard: ShardInputs? = nil, ordinals: [Int] = []) {
        self.stack = stack
        self.sources = sources
        self.shard = shard
        self.ordinals = ordinals
        var rows: [String: Int] = [:]
        for (row, source) in sources.enumerated() { rows[source] = row }
        self.rows = rows
    }

    func row(of source: String) -> Int? { rows[source] }

    func write(row: Int, _ tensor: [Float], shape: [Int], source: String) throws {
        guard shape == stack.rowShape else {
            throw MammoPrepError(path: source, stage: .write, code: .internalError,
                                 detail: "adapted shape \(shape) differs from the stack's \(stack.rowShape)")
        }
        try stack.write(row: row, tensor)
    }
}

extension Converter {
    /// `npy-stack`: creates the stack for `inputs` (needs a fixed size). Call after `prepare()`,
    /// before `run`; does nothing for other formats.
    public func prepareStack(for inputs: [InputFile]) throws {
        try prepareStack(inputs, shard: nil)
    }

    /// `npy-stack` of one shard (`shard.inputs` are then the inputs to `run`): as `prepareStack(for:)`,
    /// and `STACK.part.json` records the shard, the run's input list and each row's position in it,
    /// so that `StackMerge` can rebuild the whole run's stack.
    public func prepareStack(for shard: ShardInputs) throws {
        try prepareStack(shard.inputs, shard: shard)
    }

    private func prepareStack(_ inputs: [InputFile], shard: ShardInputs?) throws {
        guard options.format == .npyStack else { return }
        guard let size = options.adapter.geometry.size else {
            throw MammoPrepError(path: options.outputDirectory, stage: .write, code: .configurationMismatch,
                                 detail: "an npy-stack needs a fixed output size (or a model preset)")
        }
        let kept = inputs.indices.filter { (try? ImageFormat.detect(path: inputs[$0].path)) != nil }
        let file = try NPYStack(path: options.outputDirectory + "/" + options.stackName + ".npy", rows: kept.count,
                                rowShape: [options.adapter.channels, size.rows, size.columns])
        stack = StackOutput(stack: file, sources: kept.map { inputs[$0].path }, shard: shard,
                            ordinals: shard.map { s in kept.map { s.ordinals[$0] } } ?? [])
    }

    /// Drops failed rows, publishes the stack, then writes `STACK.manifest.jsonl` (its rows'
    /// manifest lines, final row numbers) and the index `STACK.index.csv` (row, source, frame),
    /// both whole and atomically: a re-run replaces them.
    func finishStack() {
        guard let output = stack else { return }
        let base = options.outputDirectory + "/" + options.stackName
        do {
            // An earlier part record would describe the stack this one replaces.
            if output.shard != nil { unlink(base + ".part.json") }
            let mapping = try output.stack.finish()
            var index = "row,source,frame\n"
            var manifestText = ""
            var ordinals: [Int] = []
            for (old, new) in mapping.enumerated() {
                guard let new, let records = output.records[old] else { continue }
                for var pairs in records {
                    pairs.insert(("row", .int(new)), at: 2)
                    manifestText += JSONValue.object(pairs).serialized() + "\n"
                }
                index += "\(new),\(CSV.field(output.sources[old])),\(options.frame ?? 0)\n"
                if output.shard != nil { ordinals.append(output.ordinals[old]) }
            }
            try AtomicFile.write(to: base + ".manifest.jsonl") { try $0.write(manifestText) }
            try AtomicFile.write(to: base + ".index.csv") { try $0.write(index) }
            if let shard = output.shard {
                // Last: a part record means the shard's stack, manifest and index are complete.
                let record = StackPart(shard: shard.shard, inputs: shard.runInputs, inputsHash: shard.runInputsHash,
                                       configurationHash: configurationHash, rowShape: output.stack.rowShape,
                                       ordinals: ordinals)
                try AtomicFile.write(to: base + ".part.json") { try $0.write(record.json.serialized() + "\n") }
            }
        } catch let error as MammoPrepError {
            output.stack.abandon()
            stackError = error
        } catch {
            output.stack.abandon()
            stackError = MammoPrepError(path: output.stack.path, stage: .write, code: .io, detail: "\(error)")
        }
        stack = nil
    }
}
