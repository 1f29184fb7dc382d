extension JSONValue {
    /// The options on which two pipelines differ, as "name: A vs B" (keys of either side, in A's
    /// order then B's extra ones), skipping `ignoring`. Empty when they agree.
    public func memberDifferences(_ other: JSONValue, ignoring: Set<String> = []) -> [String] {
        let a = self, b = other
        guard case .object(let pa) = a, case .object(let pb) = b else {
            return a == b ? [] : ["pipeline: \(a.serialized()) vs \(b.serialized())"]
        }
        var keys = pa.map(\.0)
        for (k, _) in pb where !keys.contains(k) { keys.append(k) }
        var out: [String] = []
        for key in keys where !ignoring.contains(key) {
            let va = a[key] ?? .null, vb = b[key] ?? .null
            if va != vb { out.append("\(key): \(va.serialized()) vs \(vb.serialized())") }
        }
        return out
    }
}

