/// The description of everything that changes the pixel values a stage sees, plus the tool version:
/// stats.json's `pipeline`, and what `convert --stats` compares with its own options.
package enum PixelPipeline {
    /// The pipeline object: windowing options, frame selection, reduction, geometry, mask, tool.
    package static func json(windowing w: WindowingOptions, frame: Int?, reduction: ReductionRequest = .none,
                            geometry: GeometryOptions = GeometryOptions(),
                            mask: StatsMask?, toolVersion: String) -> JSONValue {
        var pairs = w.jsonPairs + [
            ("frame", JSONValue(frame)),
            ("reduce", reduction.json),
            ("geometry", geometry.isIdentity ? .null : geometry.json),
        ]
        if let mask { pairs.append(("mask", .string(mask.rawValue))) }
        pairs.append(("tool", .string("mammo-prep \(toolVersion)")))
        return .object(pairs)
    }
}
