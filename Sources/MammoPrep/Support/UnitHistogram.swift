/// Histograms of values in [0, 1] with equal bins over [0, 1]: the
/// stats histogram (4096 bins) and the foreground mask's Otsu histogram (256 bins) bin alike.
enum UnitHistogram {
    /// Bin of `x` among `last + 1` bins, `scale` = the bin count: ⌊x · scale⌋ clamped to
    /// [0, last]. NaN goes to bin 0 (callers that care check their moments for NaN).
    @inline(__always)
    static func bin(_ x: Float, scale: Float, last: Int) -> Int {
        // IEEE maximum/minimum return the number when the other operand is NaN, so NaN lands in
        // bin 0 and the conversion below is always in range (branch-free clamps).
        Int(Float.minimum(Float.maximum(x * scale, 0), Float(last)))
    }
}
