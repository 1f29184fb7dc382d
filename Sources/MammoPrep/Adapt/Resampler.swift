/// Resampling of a single-channel float image, matching Pillow's `Image.resize` on mode "F"
/// images (libImaging/Resample.c), which torchvision's and timm's PIL transforms use.
///
/// Separable convolution. For an axis of `inSize` samples resized to `outSize` over the source
/// interval [in0, in1):
///
///     scale = (in1 − in0) / outSize,   filterscale = max(scale, 1)    (antialiasing when reducing)
///     support = filter.support · filterscale
///     output i: centre = in0 + (i + 0.5) · scale,
///               taps x ∈ [max(⌊centre − support + 0.5⌋, 0), min(⌊centre + support + 0.5⌋, inSize)),
///               w(x) = filter((x − centre + 0.5) / filterscale), normalised to sum 1.
///
/// Filters: bicubic (Keys, a = −0.5, support 2), bilinear (triangle, support 1), area (Pillow's
/// BOX: 1 on (−0.5, 0.5], support 0.5 — the pixel-area average when reducing).
/// Pillow runs the horizontal pass first, storing float32, then the vertical one, accumulating in
/// float64. The passes commute mathematically; this implementation picks the cheaper order and
/// accumulates in float32 over contiguous rows (vectorised), which differs from Pillow by float
/// rounding only (≈1e-6 on 0…1 data; the tests hold it to 1e-3 as the contract says, and report
/// the measured figure).
public enum Interpolation: String, Sendable, CaseIterable {
    case bicubic, bilinear, area

    var support: Double {
        switch self { case .bicubic: return 2; case .bilinear: return 1; case .area: return 0.5 }
    }

    func weight(_ x: Double) -> Double {
        switch self {
        case .area:
            return x > -0.5 && x <= 0.5 ? 1 : 0
        case .bilinear:
            let a = abs(x)
            return a < 1 ? 1 - a : 0
        case .bicubic:
            let a = -0.5, t = abs(x)
            if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
            if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
            return 0
        }
    }
}

package enum Resampler {
    /// Taps of one axis: for each output sample, the first input index and its weights.
    struct Taps {
        var first: [Int]
        var count: [Int]
        /// `outSize × width` weights, row i holding output i's.
        var weights: [Float]
        var width: Int

        init(inSize: Int, outSize: Int, in0: Double = 0, in1: Double? = nil, filter: Interpolation) {
            let in1 = in1 ?? Double(inSize)
            let scale = (in1 - in0) / Double(outSize)
            let filterscale = Swift.max(scale, 1)
            let support = filter.support * filterscale
            width = Int(support.rounded(.up)) * 2 + 1
            first = [Int](repeating: 0, count: outSize)
            count = [Int](repeating: 0, count: outSize)
            weights = [Float](repeating: 0, count: outSize * width)
            var w = [Double](repeating: 0, count: width)
            for i in 0..<outSize {
                let centre = in0 + (Double(i) + 0.5) * scale
                let lo = Swift.max(Int(centre - support + 0.5), 0)   // C's (int) truncation, as Pillow
                let hi = Swift.min(Int(centre + support + 0.5), inSize)
                let n = Swift.max(hi - lo, 0)
                var total = 0.0
                for x in 0..<n {
                    w[x] = filter.weight((Double(x + lo) - centre + 0.5) / filterscale)
                    total += w[x]
                }
                for x in 0..<n { weights[i * width + x] = Float(total != 0 ? w[x] / total : w[x]) }
                first[i] = lo
                count[i] = n
            }
        }
    }

    /// Resizes a row-major `rows × columns` image to `outRows × outColumns`.
    /// The intermediate pass and the result are written into `buffers` (taken from them; the
    /// intermediate is handed back, the result is the caller's to hand back as `buffers.scaled`).
    package static func resize(_ input: [Float], rows: Int, columns: Int, outRows: Int, outColumns: Int,
                              filter: Interpolation, buffers: GeometryBuffers = GeometryBuffers()) -> [Float] {
        precondition(input.count == rows * columns && rows > 0 && columns > 0 && outRows > 0 && outColumns > 0)
        if rows == outRows && columns == outColumns { return input }
        let vertical = Taps(inSize: rows, outSize: outRows, filter: filter)
        let horizontal = Taps(inSize: columns, outSize: outColumns, filter: filter)
        // Cost of each order in multiply-adds; both give the same values up to float rounding.
        let verticalFirst = outRows * columns * vertical.width + outRows * outColumns * horizontal.width
        let horizontalFirst = rows * outColumns * horizontal.width + outRows * outColumns * vertical.width
        let mid: [Float], out: [Float]
        if verticalFirst <= horizontalFirst {
            mid = resizeVertically(input, columns: columns, taps: vertical, outRows: outRows, reusing: &buffers.mid)
            out = resizeHorizontally(mid, rows: outRows, columns: columns, taps: horizontal, outColumns: outColumns,
                                     reusing: &buffers.scaled)
        } else {
            mid = resizeHorizontally(input, rows: rows, columns: columns, taps: horizontal, outColumns: outColumns,
                                     reusing: &buffers.mid)
            out = resizeVertically(mid, columns: outColumns, taps: vertical, outRows: outRows, reusing: &buffers.scaled)
        }
        buffers.mid = mid
        return out
    }

    /// out[i, :] = Σ_k w_k · in[first_i + k, :]: whole rows at a time (contiguous, vectorised).
    static func resizeVertically(_ input: [Float], columns: Int, taps: Taps, outRows: Int) -> [Float] {
        var storage: [Float] = []
        return resizeVertically(input, columns: columns, taps: taps, outRows: outRows, reusing: &storage)
    }

    /// `resizeVertically` into `storage`'s buffer when it is uniquely owned (taken).
    static func resizeVertically(_ input: [Float], columns: Int, taps: Taps, outRows: Int,
                                 reusing storage: inout [Float]) -> [Float] {
        var out = Scratch.take(&storage, count: outRows * columns, zero: 0)
        out.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }   // the rows accumulate
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                taps.weights.withUnsafeBufferPointer { w in
                    for i in 0..<outRows {
                        let row = dst.baseAddress! + i * columns
                        for k in 0..<taps.count[i] {
                            let weight = w[i * taps.width + k]
                            let from = src.baseAddress! + (taps.first[i] + k) * columns
                            for c in 0..<columns { row[c] += weight * from[c] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// out[:, j] = Σ_k w_k · in[:, first_j + k], row by row.
    static func resizeHorizontally(_ input: [Float], rows: Int, columns: Int, taps: Taps, outColumns: Int) -> [Float] {
        var storage: [Float] = []
        return resizeHorizontally(input, rows: rows, columns: columns, taps: taps, outColumns: outColumns, reusing: &storage)
    }

    /// `resizeHorizontally` into `storage`'s buffer when it is uniquely owned (taken); every
    /// element is written.
    static func resizeHorizontally(_ input: [Float], rows: Int, columns: Int, taps: Taps, outColumns: Int,
                                   reusing storage: inout [Float]) -> [Float] {
        var out = Scratch.take(&storage, count: rows * outColumns, zero: 0)
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                taps.weights.withUnsafeBufferPointer { w in
                    for r in 0..<rows {
                        let from = src.baseAddress! + r * columns
                        let to = dst.baseAddress! + r * outColumns
                        for j in 0..<outColumns {
                            let base = from + taps.first[j]
                            let weights = w.baseAddress! + j * taps.width
                            var s: Float = 0
                            for k in 0..<taps.count[j] { s += weights[k] * base[k] }
                            to[j] = s
                        }
                    }
                }
            }
        }
        return out
    }
}
