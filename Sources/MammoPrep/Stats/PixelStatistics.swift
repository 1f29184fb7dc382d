/// Pooled statistics of pixel values: count, mean, M2 (sum of squared deviations from the mean),
/// min, max and a fixed-bin histogram over [0, 1], all mergeable.
///
/// Accuracy (docs/stats.md): values are first shifted by a pivot (the first value the accumulator
/// saw), so that nearly constant data keep their digits; then taken in blocks of `blockSize`, each
/// block's mean and M2 computed in Float64 by two passes over the block (centring, no
/// cancellation); blocks, images, threads and shards are combined with the pairwise update of
/// Chan, Golub & LeVeque (1979):
///
///     n = nA + nB,  δ = meanB − meanA,
///     mean = meanA + δ · nB / n,   M2 = M2A + M2B + δ² · nA · nB / n.
///
/// The population variance (ddof 0) is M2 / n. M2 is a sum of non-negative terms, so it never goes
/// negative; constant input gives exactly 0.
public struct PixelStatistics: Sendable, Equatable {
    /// Histogram bins over [0, 1]: bin i holds [i/4096, (i+1)/4096), 1.0 falls in the last bin,
    /// values below 0 in the first and above 1 in the last.
    public static let binCount = 4096
    /// Pixels per block of the two-pass kernel (fits in L1 with its Float64 work).
    public static let blockSize = 2048

    public private(set) var count: Int = 0
    /// Mean = pivot + shiftedMean; the pivot is the first value added (or a restored mean).
    private var pivot: Double = 0
    private var shiftedMean: Double = 0
    public var mean: Double { count == 0 ? 0 : pivot + shiftedMean }
    public private(set) var m2: Double = 0
    public private(set) var min: Double = .infinity
    public private(set) var max: Double = -.infinity
    public private(set) var histogram: [UInt64]

    public init() {
        histogram = [UInt64](repeating: 0, count: PixelStatistics.binCount)
    }

    /// Restores a state written by `partial` (for merging shards). Nil when inconsistent.
    public init?(count: Int, mean: Double, m2: Double, min: Double, max: Double, histogram: [UInt64]) {
        guard count >= 0, histogram.count == PixelStatistics.binCount, m2 >= 0 || count == 0,
              histogram.reduce(0, &+) == UInt64(count), mean.isFinite, m2.isFinite else { return nil }
        if count > 0 { guard min <= max, min.isFinite, max.isFinite else { return nil } }
        self.count = count
        self.pivot = count == 0 ? 0 : mean
        self.shiftedMean = 0
        self.m2 = count == 0 ? 0 : m2
        self.min = count == 0 ? .infinity : min
        self.max = count == 0 ? -.infinity : max
        self.histogram = histogram
    }

    /// Population variance (ddof 0); 0 for no pixels, NaN when a value was NaN.
    public var variance: Double { count > 0 ? (m2.isNaN ? .nan : Swift.max(0, m2 / Double(count))) : 0 }

    /// Equal figures (count, mean, M2, min, max, histogram), whatever the internal pivot.
    public static func == (a: PixelStatistics, b: PixelStatistics) -> Bool {
        a.count == b.count && a.mean.bitPattern == b.mean.bitPattern && a.m2.bitPattern == b.m2.bitPattern
            && a.min == b.min && a.max == b.max && a.histogram == b.histogram
    }
    /// Population standard deviation (ddof 0).
    public var standardDeviation: Double { variance.squareRoot() }

    // MARK: - Accumulation

    /// Adds every value.
    public mutating func add(_ values: UnsafeBufferPointer<Float>) {
        var start = 0
        while start < values.count {
            let end = Swift.min(start + PixelStatistics.blockSize, values.count)
            addBlock(UnsafeBufferPointer(rebasing: values[start..<end]))
            start = end
        }
    }

    /// Adds the values whose mask byte is non-zero (`mask.count == values.count`).
    public mutating func add(_ values: UnsafeBufferPointer<Float>, mask: UnsafeBufferPointer<UInt8>) {
        precondition(mask.count == values.count, "PixelStatistics: mask of \(mask.count) for \(values.count) values")
        // Kept values are gathered into a block buffer, then go through the same kernel.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: PixelStatistics.blockSize) { block in
            var filled = 0
            for i in 0..<values.count where mask[i] != 0 {
                block[filled] = values[i]
                filled += 1
                if filled == PixelStatistics.blockSize {
                    addBlock(UnsafeBufferPointer(block))
                    filled = 0
                }
            }
            if filled > 0 { addBlock(UnsafeBufferPointer(rebasing: block[0..<filled])) }
        }
    }

    public mutating func add(_ values: [Float]) {
        values.withUnsafeBufferPointer { add($0) }
    }

    public mutating func add(_ values: [Float], mask: [UInt8]) {
        values.withUnsafeBufferPointer { v in mask.withUnsafeBufferPointer { add(v, mask: $0) } }
    }

    /// One block: two passes in Float64 (sum, then squared deviations from the block mean), min,
    /// max and histogram, then a Chan merge into the running state.
    @inline(__always)
    private mutating func addBlock(_ block: UnsafeBufferPointer<Float>) {
        let n = block.count
        guard n > 0 else { return }
        if count == 0 {
            pivot = Double(block[0])
            shiftedMean = 0
        }
        let k = pivot
        // Pass 1: sum (four independent accumulators), min, max, histogram.
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var lo = block[0], hi = block[0]
        let scale = Float(PixelStatistics.binCount)
        let last = PixelStatistics.binCount - 1
        histogram.withUnsafeMutableBufferPointer { bins in
            var i = 0
            while i + 4 <= n {
                let a = block[i], b = block[i + 1], c = block[i + 2], d = block[i + 3]
                s0 += Double(a) - k; s1 += Double(b) - k; s2 += Double(c) - k; s3 += Double(d) - k
                lo = Swift.min(lo, Swift.min(Swift.min(a, b), Swift.min(c, d)))
                hi = Swift.max(hi, Swift.max(Swift.max(a, b), Swift.max(c, d)))
                bins[UnitHistogram.bin(a, scale: scale, last: last)] &+= 1
                bins[UnitHistogram.bin(b, scale: scale, last: last)] &+= 1
                bins[UnitHistogram.bin(c, scale: scale, last: last)] &+= 1
                bins[UnitHistogram.bin(d, scale: scale, last: last)] &+= 1
                i += 4
            }
            while i < n {
                let a = block[i]
                s0 += Double(a) - k
                lo = Swift.min(lo, a)
                hi = Swift.max(hi, a)
                bins[UnitHistogram.bin(a, scale: scale, last: last)] &+= 1
                i += 1
            }
        }
        let blockMean = ((s0 + s1) + (s2 + s3)) / Double(n)   // of the shifted values
        // Pass 2: squared deviations from the block mean.
        var q0 = 0.0, q1 = 0.0, q2 = 0.0, q3 = 0.0
        var i = 0
        while i + 4 <= n {
            let a = (Double(block[i]) - k) - blockMean, b = (Double(block[i + 1]) - k) - blockMean
            let c = (Double(block[i + 2]) - k) - blockMean, d = (Double(block[i + 3]) - k) - blockMean
            q0 += a * a; q1 += b * b; q2 += c * c; q3 += d * d
            i += 4
        }
        while i < n {
            let a = (Double(block[i]) - k) - blockMean
            q0 += a * a
            i += 1
        }
        let blockM2 = (q0 + q1) + (q2 + q3)
        combine(count: n, shiftedMean: blockMean, m2: blockM2)
        min = Swift.min(min, Double(lo))
        max = Swift.max(max, Double(hi))
    }

    /// Chan et al. update with a summary (n, mean − pivot, M2) of other values.
    private mutating func combine(count nB: Int, shiftedMean meanB: Double, m2 m2B: Double) {
        guard nB > 0 else { return }
        if count == 0 {
            count = nB
            shiftedMean = meanB
            m2 = m2B
            return
        }
        let nA = Double(count), nb = Double(nB)
        let n = nA + nb
        let delta = meanB - shiftedMean
        shiftedMean += delta * (nb / n)
        m2 += m2B + delta * delta * (nA * nb / n)
        count += nB
    }

    /// Another accumulator's mean relative to this one's pivot (adopting its pivot when empty).
    private mutating func shiftedMean(of other: PixelStatistics) -> Double {
        if count == 0 {
            pivot = other.pivot
            return other.shiftedMean
        }
        return (other.pivot - pivot) + other.shiftedMean
    }

    /// Merges another accumulator into this one (Chan et al.); merging an empty one is the identity.
    public mutating func merge(_ other: PixelStatistics) {
        guard other.count > 0 else { return }
        mergeMoments(other)
        mergeHistogram(other)
    }

    /// Merges only the moments and extremes of a summary whose histogram is accounted elsewhere.
    mutating func mergeMoments(_ other: PixelStatistics) {
        guard other.count > 0 else { return }
        combine(count: other.count, shiftedMean: shiftedMean(of: other), m2: other.m2)
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
    }

    /// Adds histogram counts only (the moments come through `mergeMoments`).
    mutating func mergeHistogram(_ other: PixelStatistics) {
        for i in 0..<PixelStatistics.binCount { histogram[i] &+= other.histogram[i] }
    }

    // MARK: - Percentiles

    /// The p-th percentile (0…100) from the histogram: the value at rank p/100 · count, linearly
    /// interpolated inside its bin and clamped to [min, max]; resolution 1/4096 of the [0, 1] range.
    /// Nil for no pixels.
    public func percentile(_ p: Double) -> Double? {
        guard count > 0, p >= 0, p <= 100 else { return nil }
        let rank = p / 100 * Double(count)
        var before: UInt64 = 0
        for (bin, n) in histogram.enumerated() where n > 0 {
            if Double(before + n) >= rank {
                let inside = n == 0 ? 0 : (rank - Double(before)) / Double(n)
                let value = (Double(bin) + Swift.max(0, Swift.min(1, inside))) / Double(PixelStatistics.binCount)
                return Swift.min(max, Swift.max(min, value))
            }
            before += n
        }
        return max
    }

    /// The percentiles reported in stats.json.
    public static let reportedPercentiles: [Double] = [0.5, 1, 5, 50, 95, 99, 99.5]
}
