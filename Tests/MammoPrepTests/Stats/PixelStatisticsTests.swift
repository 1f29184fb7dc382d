import Testing
@testable import MammoPrep

/// `PixelStatistics` (docs/stats.md, "How the figures are computed"): blocked two-pass moments,
/// Chan et al. merging, histogram and percentiles, checked against formulas written here
/// independently of the library.
@Suite struct PixelStatisticsTests {

    // MARK: - Independent reference

    /// Float64, two plain passes over all values (compensated sums, so the reference itself is
    /// accurate to a few ulps whatever the count), plus the documented bin rule.
    struct Reference {
        var count: Int
        var mean: Double
        var m2: Double
        var min: Double
        var max: Double
        var histogram: [UInt64]

        init(_ values: [Float]) {
            count = values.count
            let xs = values.map(Double.init)
            mean = count == 0 ? 0 : Self.neumaierSum(xs) / Double(count)
            let centre = mean
            m2 = Self.neumaierSum(xs.map { ($0 - centre) * ($0 - centre) })
            min = xs.min() ?? .infinity
            max = xs.max() ?? -.infinity
            histogram = [UInt64](repeating: 0, count: 4096)
            for x in xs { histogram[Self.bin(x)] += 1 }
        }

        /// Bin i holds [i/4096, (i+1)/4096); 1.0 and above in the last bin, below 0 in the first.
        static func bin(_ x: Double) -> Int {
            guard x > 0 else { return 0 }
            return Swift.min(4095, Int((x * 4096).rounded(.down)))
        }

        static func neumaierSum(_ xs: [Double]) -> Double {
            var sum = 0.0, compensation = 0.0
            for x in xs {
                let t = sum + x
                if abs(sum) >= abs(x) { compensation += (sum - t) + x } else { compensation += (x - t) + sum }
                sum = t
            }
            return sum + compensation
        }
    }

    static func statistics(_ values: [Float]) -> PixelStatistics {
        var s = PixelStatistics()
        s.add(values)
        return s
    }

    static func randomValues(_ n: Int, _ rng: inout StatsTestRandom) -> [Float] {
        (0..<n).map { _ in
            switch rng.next() % 16 {
            case 0: return 0
            case 1: return 1
            default: return Float.random(in: 0..<1, using: &rng)
            }
        }
    }

    func assertRelative(_ got: Double, _ expected: Double, _ tolerance: Double, _ message: @autoclosure () -> String = "",
                        sourceLocation: SourceLocation = #_sourceLocation) {
        let scale = Swift.max(abs(got), abs(expected))
        #expect(abs(got - expected) <= tolerance * scale,
                "\(got) vs \(expected): relative error \(scale == 0 ? 0 : abs(got - expected) / scale) > \(tolerance). \(message())",
                sourceLocation: sourceLocation)
    }

    func assertMatches(_ s: PixelStatistics, _ r: Reference, tolerance: Double = 1e-12, _ message: String = "",
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(s.count == r.count, "count. \(message)", sourceLocation: sourceLocation)
        #expect(s.min == r.min, "min. \(message)", sourceLocation: sourceLocation)
        #expect(s.max == r.max, "max. \(message)", sourceLocation: sourceLocation)
        #expect(s.histogram == r.histogram, "histogram. \(message)", sourceLocation: sourceLocation)
        assertRelative(s.mean, r.mean, tolerance, "mean. \(message)", sourceLocation: sourceLocation)
        assertRelative(s.m2, r.m2, tolerance, "m2. \(message)", sourceLocation: sourceLocation)
        #expect(s.m2 >= 0, "\(message)", sourceLocation: sourceLocation)
    }

    // MARK: - Exact values on small inputs

    @Test func smallInputsExact() {
        let s = Self.statistics([0.25, 0.5, 0.75, 1.0])
        #expect(s.count == 4)
        #expect(s.mean == 0.625)
        // (−0.375)² + (−0.125)² + 0.125² + 0.375² = 0.3125
        #expect(s.m2 == 0.3125)
        #expect(s.variance == 0.078125)
        #expect(s.standardDeviation == 0.078125.squareRoot())
        #expect(s.min == 0.25)
        #expect(s.max == 1.0)
        var bins = [UInt64](repeating: 0, count: 4096)
        bins[1024] = 1; bins[2048] = 1; bins[3072] = 1; bins[4095] = 1
        #expect(s.histogram == bins)

        let two = Self.statistics([0, 1])
        #expect(two.mean == 0.5)
        #expect(two.m2 == 0.5)
        #expect(two.variance == 0.25)
        #expect(two.standardDeviation == 0.5)

        let one = Self.statistics([0.3])
        #expect(one.count == 1)
        #expect(one.mean == Double(Float(0.3)))
        #expect(one.m2 == 0)
        #expect(one.variance == 0)
        #expect(one.min == Double(Float(0.3)))
        #expect(one.max == Double(Float(0.3)))

        // Five values (one group of four plus a tail of one): 1/8, 2/8, …, 5/8 → mean 3/8,
        // M2 = (4 + 1 + 0 + 1 + 4)/64 = 10/64.
        let five = Self.statistics([0.125, 0.25, 0.375, 0.5, 0.625])
        #expect(five.mean == 0.375)
        #expect(five.m2 == 10.0 / 64)
        #expect(five.variance == 2.0 / 64)
    }

    /// Dyadic values with few bits: every sum is exact, so the mean must equal the reference bit
    /// for bit; M2 differs only by the order of rounded squares.
    @Test func smallDyadicInputsAgainstReference() {
        var rng = StatsTestRandom(seed: 1)
        for trial in 0..<200 {
            let n = 1 + Int(rng.next() % 60)
            let values = (0..<n).map { _ in Float(rng.next() % 257) / 256 }
            let s = Self.statistics(values), r = Reference(values)
            // Sums are exact; the mean is pivot + (shifted sum / n): at most one extra rounding.
            #expect(abs(s.mean - r.mean) <= 2 * r.mean.ulp, "trial \(trial)")
            assertMatches(s, r, tolerance: 1e-14, "trial \(trial), n \(n)")
        }
    }

    @Test func histogramBinRule() {
        let values: [Float] = [-0.5, 0, 0.5, 1.0 / 4096, Float(1).nextDown, 1, 1.5, 4095.0 / 4096, 2047.9 / 4096]
        let s = Self.statistics(values)
        var bins = [UInt64](repeating: 0, count: 4096)
        bins[0] = 2          // −0.5 and 0
        bins[2048] = 1       // 0.5
        bins[1] = 1          // 1/4096 opens bin 1
        bins[4095] = 4       // 1 − ulp, 1, 1.5 (clamped) and 4095/4096
        bins[2047] = 1
        #expect(s.histogram == bins)
        #expect(s.min == -0.5)
        #expect(s.max == 1.5)
        #expect(s.histogram.reduce(0, +) == UInt64(values.count))
    }

    // MARK: - Block boundaries

    @Test func blockBoundaries() {
        #expect(PixelStatistics.blockSize == 2048)
        var rng = StatsTestRandom(seed: 2)
        for n in [0, 1, 2, 3, 4, 5, 7, 2047, 2048, 2049, 4095, 4096, 4097, 6143, 10000] {
            let values = Self.randomValues(n, &rng)
            let s = Self.statistics(values)
            assertMatches(s, Reference(values), "n = \(n)")
            if n == 0 {
                #expect(s == PixelStatistics())
                #expect(s.mean == 0)
                #expect(s.m2 == 0)
                #expect(s.variance == 0)
                #expect(s.min == .infinity)
                #expect(s.max == -.infinity)
                #expect(s.percentile(50) == nil)
            }
        }
    }

    /// A block boundary falling between two clusters: the between-block term of the Chan update
    /// carries all of the variance.
    @Test func blockBoundaryBetweenClusters() {
        for n in [2048 + 1, 2 * 2048, 2 * 2048 + 3, 10000] {
            let values = (0..<n).map { $0 < 2048 ? Float(0.25) : Float(0.75) }
            let s = Self.statistics(values)
            let na = 2048.0, nb = Double(n - 2048)
            #expect(abs(s.m2 - 0.25 * na * nb / Double(n)) <= 1e-12 * s.m2, "n = \(n)")
            assertMatches(s, Reference(values), "n = \(n)")
        }
    }

    @Test func addingInPiecesEqualsOnePass() {
        var rng = StatsTestRandom(seed: 3)
        let values = Self.randomValues(10000, &rng)
        let r = Reference(values)
        for piece in [1, 3, 1000, 2047, 2049, 5000] {
            var s = PixelStatistics()
            var start = 0
            while start < values.count {
                let end = min(start + piece, values.count)
                s.add(Array(values[start..<end]))
                start = end
            }
            assertMatches(s, r, "pieces of \(piece)")
        }
    }

    // MARK: - Masked accumulation

    @Test func maskedAddEqualsAddOfFilteredValues() {
        var rng = StatsTestRandom(seed: 4)
        for n in [0, 1, 5, 2047, 2048, 2049, 4096, 5000, 10000] {
            let values = Self.randomValues(n, &rng)
            for density in [0, 1, 2, 8, 15, 16] {   // kept when rng % 16 < density
                let mask: [UInt8] = (0..<n).map { _ in
                    rng.next() % 16 < UInt64(density) ? UInt8(1 + rng.next() % 255) : 0  // any non-zero byte keeps
                }
                let filtered = zip(values, mask).filter { $0.1 != 0 }.map(\.0)
                var masked = PixelStatistics()
                masked.add(values, mask: mask)
                let plain = Self.statistics(filtered)
                #expect(masked == plain, "n \(n), density \(density)/16")
                assertMatches(masked, Reference(filtered), "n \(n), density \(density)/16")
            }
        }
        // Exactly one block of kept values out of many, and a block plus one.
        for kept in [2048, 2049] {
            let values = Self.randomValues(3 * kept, &rng)
            let mask = (0..<(3 * kept)).map { UInt8($0 % 3 == 1 ? 1 : 0) }
            var masked = PixelStatistics()
            masked.add(values, mask: mask)
            #expect(masked.count == kept)
            #expect(masked == Self.statistics(stride(from: 1, to: 3 * kept, by: 3).map { values[$0] }))
        }
    }

    // MARK: - Restoring a state

    @Test func restoringStateValidates() {
        var h = [UInt64](repeating: 0, count: 4096)
        h[100] = 3
        #expect(PixelStatistics(count: 3, mean: 0.1, m2: 0.01, min: 0.02, max: 0.03, histogram: h) != nil)
        #expect(PixelStatistics(count: 4, mean: 0.1, m2: 0.01, min: 0.02, max: 0.03, histogram: h) == nil, "histogram sum ≠ count")
        #expect(PixelStatistics(count: 3, mean: 0.1, m2: -1e-20, min: 0.02, max: 0.03, histogram: h) == nil, "negative m2")
        #expect(PixelStatistics(count: 3, mean: .nan, m2: 0.01, min: 0.02, max: 0.03, histogram: h) == nil, "NaN mean")
        #expect(PixelStatistics(count: 3, mean: 0.1, m2: .infinity, min: 0.02, max: 0.03, histogram: h) == nil, "infinite m2")
        #expect(PixelStatistics(count: 3, mean: 0.1, m2: 0.01, min: 0.5, max: 0.03, histogram: h) == nil, "min > max")
        #expect(PixelStatistics(count: 3, mean: 0.1, m2: 0.01, min: -.infinity, max: 0.03, histogram: h) == nil, "infinite min")
        #expect(PixelStatistics(count: 3, mean: 0.1, m2: 0.01, min: 0, max: 1, histogram: Array(h.prefix(256))) == nil, "bins")
        #expect(PixelStatistics(count: -1, mean: 0, m2: 0, min: 0, max: 0, histogram: h) == nil, "negative count")
        // A state read back merges like the original.
        var rng = StatsTestRandom(seed: 14)
        let original = Self.statistics(Self.randomValues(4321, &rng))
        let restored = PixelStatistics(count: original.count, mean: original.mean, m2: original.m2, min: original.min,
                                       max: original.max, histogram: original.histogram)
        #expect(restored == original)
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a seeded generator, so every run sees the same data.
/// Shared by the Stats tests and JSONParserTests.
struct StatsTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
