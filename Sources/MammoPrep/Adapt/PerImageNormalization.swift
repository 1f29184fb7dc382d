extension Normalization {
    /// This normalization for one image: a per-image rule gets the figures of `plane` (rows ×
    /// columns, after geometry) over its region; the fixed kinds are returned as they are.
    /// `region` breast uses the foreground mask of the plane (docs/stats.md); an empty mask takes
    /// the whole image, with a warning.
    package func resolved(for plane: [Float], rows: Int, columns: Int) -> Normalization {
        guard isPerImage else { return self }
        precondition(plane.count == rows * columns)
        var warnings: [String] = []
        var selection: [UInt8]?
        if region == .breast {
            let mask = ForegroundMask.compute(pixels: plane, rows: rows, columns: columns)
            if mask.kept > 0 {
                selection = mask.bits
            } else {
                warnings.append("the breast mask is empty: \(kind.rawValue) figures over the whole image")
            }
        }
        let f = Self.figures(of: plane, selection: selection)
        // Constant when every value is the same (for zscore too: a rounded mean of equal values
        // would give a tiny non-zero std instead of 0).
        let constant = !(f.max > f.min) || (kind == .zscore && !(f.std > 0))
        if constant {
            let what = region == .breast && selection != nil ? "the breast" : "the image"
            warnings.append("\(what) is constant (\(f.min)): \(kind.rawValue) gives 0 everywhere")
        }
        let (m, s) = kind == .minmax ? (f.min, f.max - f.min) : (f.mean, f.std)
        return Normalization(kind: kind, mean: Array(repeating: m, count: channels),
                             std: Array(repeating: constant ? 1 : s, count: channels), region: region,
                             figures: Figures(min: f.min, max: f.max, mean: f.mean, std: f.std, count: f.count,
                                              constant: constant, warnings: warnings))
    }

    /// Min, max, mean and population std (two passes, in Double) of the selected pixels (all when
    /// `selection` is nil; non-zero = selected). No pixel: zeros.
    static func figures(of plane: [Float], selection: [UInt8]?) -> (min: Double, max: Double, mean: Double, std: Double, count: Int) {
        var lo = Float.infinity, hi = -Float.infinity, sum = 0.0, count = 0
        plane.withUnsafeBufferPointer { x in
            if let selection {
                for i in x.indices where selection[i] != 0 {
                    let v = x[i]
                    lo = Swift.min(lo, v); hi = Swift.max(hi, v); sum += Double(v); count += 1
                }
            } else {
                for v in x { lo = Swift.min(lo, v); hi = Swift.max(hi, v); sum += Double(v) }
                count = x.count
            }
        }
        guard count > 0 else { return (0, 0, 0, 0, 0) }
        let mean = sum / Double(count)
        var squares = 0.0
        plane.withUnsafeBufferPointer { x in
            if let selection {
                for i in x.indices where selection[i] != 0 { let d = Double(x[i]) - mean; squares += d * d }
            } else {
                for v in x { let d = Double(v) - mean; squares += d * d }
            }
        }
        return (Double(lo), Double(hi), mean, (squares / Double(count)).squareRoot(), count)
    }
}
