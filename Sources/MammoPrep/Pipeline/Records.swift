/// JSON of the records the pipeline writes (manifest lines, failure lines), in one place, with
/// the keys in the order docs/cli.md lists them.
extension FrameRecord {
    /// One `manifest.jsonl` line's members for the output at `output` (relative to the folder).
    func manifestPairs(output: String, dtype: String, adapter: AdapterOptions, configurationHash: String) -> [(String, JSONValue)] {
        let normalization = adapter.normalization
        return [
            ("source", .string(source)), ("output", .string(output)), ("frame", .int(frame)),
            ("frames", .int(frameCount)),
            ("rows", .int(shape[1])), ("columns", .int(shape[2])),
            ("shape", .array(shape.map(JSONValue.int))),
            ("dtype", .string(dtype)), ("format", .string(format.rawValue)),
            ("windowing", windowing.json),
            ("geometry", geometry.json),
            ("adapter", .object([("normalize", .string(normalization.kind.rawValue)),
                                 ("channels", .int(shape[0])),
                                 ("mean", .array(normalization.mean.map(JSONValue.double))),
                                 ("std", .array(normalization.std.map(JSONValue.double))),
                                 ("model", adapter.preset.map { .string($0.tag) } ?? .null)])),
            ("configurationHash", .string(configurationHash)),
        ]
    }
}

extension MammoPrepError {
    /// The one JSON form of a failure: `{PATHKEY, error, stage, code}` (`failures.jsonl` uses
    /// "source", `inspect --json` "path").
    public func record(pathKey: String) -> JSONValue {
        .object([(pathKey, .string(path)), ("error", .string(description)),
                 ("stage", .string(stage.rawValue)), ("code", .string(code.rawValue))])
    }
}
