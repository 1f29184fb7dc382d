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

    // MARK: - Merging

    static func split(_ values: [Float], parts: Int, _ rng: inout StatsTestRandom) -> [[Float]] {
        var cuts = (0..<(parts - 1)).map { _ in Int(rng.next() % UInt64(values.count + 1)) }
        cuts.sort()
        var out: [[Float]] = []
        var start = 0
        for cut in cuts + [values.count] {
            out.append(Array(values[start..<cut]))
            start = cut
        }
        return out
    }

    @Test func mergeEqualsSinglePassForRandomSplits() {
        var rng = StatsTestRandom(seed: 5)
        for trial in 0..<60 {
            let n = Int(rng.next() % 20000)
            let values = Self.randomValues(n, &rng)
            let parts = [1, 2, 3, 7, 1 + Int(rng.next() % 12)][trial % 5]
            var merged = PixelStatistics()
            for part in Self.split(values, parts: parts, &rng) { merged.merge(Self.statistics(part)) }
            let single = Self.statistics(values)
            #expect(merged.count == single.count)
            #expect(merged.histogram == single.histogram)
            #expect(merged.min == single.min)
            #expect(merged.max == single.max)
            assertRelative(merged.mean, single.mean, 1e-12, "trial \(trial): n \(n), \(parts) parts")
            assertRelative(merged.m2, single.m2, 1e-12, "trial \(trial): n \(n), \(parts) parts")
            assertMatches(merged, Reference(values), "trial \(trial)")
        }
    }

    @Test func mergeOrderIndependence() {
        var rng = StatsTestRandom(seed: 6)
        for trial in 0..<10 {
            // Parts with different sizes and different centres, so the between-part term matters.
            let parts: [[Float]] = (0..<7).map { k in
                let n = Int(rng.next() % 6000)
                let centre = Float(k) / 8
                return (0..<n).map { _ in centre + Float.random(in: 0..<0.2, using: &rng) }
            }
            let stats = parts.map(Self.statistics)
            var baseline = PixelStatistics()
            for s in stats { baseline.merge(s) }
            for _ in 0..<20 {
                var order = PixelStatistics()
                for s in stats.shuffled(using: &rng) { order.merge(s) }
                #expect(order.count == baseline.count)
                #expect(order.histogram == baseline.histogram)
                #expect(order.min == baseline.min)
                #expect(order.max == baseline.max)
                assertRelative(order.mean, baseline.mean, 1e-12, "trial \(trial)")
                assertRelative(order.m2, baseline.m2, 1e-12, "trial \(trial)")
            }
            // A tree ((0 1)(2 3))((4 5) 6) instead of a chain.
            func pair(_ a: PixelStatistics, _ b: PixelStatistics) -> PixelStatistics { var c = a; c.merge(b); return c }
            let tree = pair(pair(pair(stats[0], stats[1]), pair(stats[2], stats[3])), pair(pair(stats[4], stats[5]), stats[6]))
            #expect(tree.count == baseline.count)
            assertRelative(tree.mean, baseline.mean, 1e-12, "tree, trial \(trial)")
            assertRelative(tree.m2, baseline.m2, 1e-12, "tree, trial \(trial)")
            assertMatches(tree, Reference(parts.flatMap { $0 }), "tree, trial \(trial)")
        }
    }

    @Test func emptyIsIdentity() {
        var rng = StatsTestRandom(seed: 7)
        let s = Self.statistics(Self.randomValues(3000, &rng))
        var right = s
        right.merge(PixelStatistics())
        #expect(right == s)
        var left = PixelStatistics()
        left.merge(s)
        #expect(left == s)
        #expect(left.mean.bitPattern == s.mean.bitPattern)
        #expect(left.m2.bitPattern == s.m2.bitPattern)
        var empty = PixelStatistics()
        empty.merge(PixelStatistics())
        #expect(empty == PixelStatistics())
        empty.add([Float]())
        empty.add([Float](), mask: [])
        #expect(empty == PixelStatistics())
        // A restored empty state is the same identity whatever mean/m2 it was given.
        let restored = PixelStatistics(count: 0, mean: 0.7, m2: 5, min: 0, max: 1,
                                       histogram: [UInt64](repeating: 0, count: 4096))
        #expect(restored == PixelStatistics())
    }

    // MARK: - Constant and nearly constant input

    @Test func constantInputHasZeroM2Exactly() throws {
        var rng = StatsTestRandom(seed: 8)
        let constants: [Float] = [0, 1, 0.3, 0.7071, 1e-30, 0.99999994, Float.random(in: 0..<1, using: &rng)]
        try #require(!constants.isEmpty)
        for c in constants {
            var merged = PixelStatistics()
            for n in [1, 2, 3, 5, 2047, 2048, 2049, 4099, 10001] {
                let s = Self.statistics([Float](repeating: c, count: n))
                #expect(s.m2 == 0, "constant \(c), n \(n)")
                #expect(s.variance == 0, "constant \(c), n \(n)")
                #expect(s.standardDeviation == 0, "constant \(c), n \(n)")
                #expect(s.mean == Double(c), "constant \(c), n \(n)")
                #expect(s.min == Double(c))
                #expect(s.max == Double(c))
                merged.merge(s)
                var masked = PixelStatistics()
                masked.add([Float](repeating: c, count: n), mask: (0..<n).map { UInt8($0 % 2) })
                #expect(masked.m2 == 0, "masked constant \(c), n \(n)")
            }
            #expect(merged.m2 == 0, "merged constant \(c)")
            #expect(merged.mean == Double(c), "merged constant \(c)")
        }
    }

    /// Values 1 − k·1e-7 (as Float): a tiny spread on a large offset, where a one-pass Σx² − n·mean²
    /// would cancel catastrophically.
    @Test func valuesNearOneWithTinyVariance() {
        var rng = StatsTestRandom(seed: 9)
        for n in [2, 3, 100, 2048, 2049, 10000] {
            var values = (0..<n).map { Float(1 - Double($0) * 1e-7) }
            for order in 0..<2 {
                if order == 1 { values.shuffle(using: &rng) }
                let s = Self.statistics(values)
                let r = Reference(values)
                #expect(s.m2 > 0)
                #expect(s.variance >= 0)
                assertMatches(s, r, tolerance: 1e-12, "n \(n), order \(order)")
                assertRelative(s.variance, r.m2 / Double(n), 1e-12)
            }
        }
        // Alternating 1 and the float just below it: every block mean is 1 − 2^-25 exactly and every
        // deviation ±2^-25, so M2 = n · 2^-50 and the variance is 2^-50, exactly.
        for n in [2, 4, 2048, 4096, 10000] {
            let values = (0..<n).map { $0 % 2 == 0 ? Float(1) : Float(1).nextDown }
            let s = Self.statistics(values)
            #expect(s.mean == 1 - 0x1p-25, "n \(n)")
            #expect(s.m2 == Double(n) * 0x1p-50, "n \(n)")
            #expect(s.variance == 0x1p-50, "n \(n)")
            #expect(s.standardDeviation == 0x1p-25, "n \(n)")
        }
        // Random perturbations of 1 by 0…3 float ulps (σ/mean ≈ 7e-8, condition number ≈ 1.5e7):
        // never negative, and accurate to well within the first-order bound ε·mean/(σ·√n) of
        // merging rounded block means (illConditionedMultiBlockM2 asks for more).
        var worst = 0.0
        for trial in 0..<300 {
            let n = 2 + Int(rng.next() % 5000)
            let values = (0..<n).map { _ in Float(1) - Float(rng.next() % 4) * 0x1p-24 }
            let s = Self.statistics(values)
            #expect(s.m2 >= 0, "trial \(trial)")
            #expect(s.variance >= 0, "trial \(trial)")
            let r = Reference(values)
            if r.m2 == 0 { #expect(s.m2 == 0, "trial \(trial)"); continue }
            assertMatches(s, r, tolerance: 1e-9, "trial \(trial)")
            if n <= PixelStatistics.blockSize { assertMatches(s, r, tolerance: 1e-12, "one block, trial \(trial)") }
            worst = Swift.max(worst, abs(s.m2 - r.m2) / r.m2)
        }
        #expect(worst < 1e-9)
    }

    /// Two blocks of values within 4 float ulps of 1: M2 has an exact integer form, and the
    /// documented accuracy ("one pass to float64 rounding", 1e-12) should hold.
    @Test func illConditionedMultiBlockM2() throws {
        // x_i = 1 − k_i·2^-24, k_i = i mod 3 (+1 from the second block on), n = 3000.
        let n = 3000
        let k = (0..<n).map { $0 % 3 + ($0 >= 2048 ? 1 : 0) }
        let values = k.map { Float(1) - Float($0) * 0x1p-24 }
        let sk = k.reduce(0, +), skk = k.reduce(0) { $0 + $1 * $1 }
        // M2 = 2^-48 · (n·Σk² − (Σk)²) / n, all in integers but the last division.
        let exact = Double(n * skk - sk * sk) / Double(n) * 0x1p-48
        let s = Self.statistics(values)
        let r = Reference(values)
        assertRelative(r.m2, exact, 1e-14, "the reference itself")
        #expect(s.m2 > 0)
        assertRelative(s.m2, exact, 1e-9)
        let relative = abs(s.m2 - exact) / exact
        // Was a bug (fixed): blocks are merged through their means rounded to float64 (absolute
        // error ≈ 1e-16 near 1), and the Chan term δ²·nA·nB/n is first-order in that error, so for
        // σ/mean ≈ 5e-8 the result is off by ~3e-11 relative although every block is exact.
        // Centring on a pivot (e.g. the first value) before the two passes would remove it.
        #expect(!(relative > 1e-12), "M2 of 3000 values 1 − (i mod 3 + [i ≥ 2048])·2^-24: expected \(exact), got \(s.m2) (relative error \(relative) > 1e-12)")
    }

    // MARK: - 10^9 simulated pixels

    /// 10^9 pixels as K restored summaries (`init(count:mean:m2:…)`) of n pixels each, merged in
    /// sequence and as a balanced tree. Part i has mean a_i/4096 and M2 = n·b_i/2^24 (a_i, b_i
    /// integers), so with S1 = Σa_i, S2 = Σa_i², B = Σb_i the pooled figures are exactly
    ///     mean = S1 / (4096 K),   M2 = n (K·B + K·S2 − S1²) / (K · 2^24),
    /// computed here in integers (every term below 2^63) with a final rounding or two to Double.
    /// The means drift across the sequence, so the running mean keeps moving.
    ///
    /// Run twice: K = 100,000 × n = 10,000 through `mergeMoments` (the same Chan update as `merge`,
    /// without the 4096-bin histogram sum, which a debug build makes slow), and K = 10,000 ×
    /// n = 100,000 through the public `merge`. A prefix checks that the two agree bit for bit.
    @Test func billionSimulatedPixelsMergeWithoutDrift() throws {
        // A pool of distinct summaries (restoring one sums its histogram: slow in a debug build),
        // indexed by a drifting, noisy sequence.
        let pool = 512
        var rng = StatsTestRandom(seed: 10)
        let a = (0..<pool).map { 8 * $0 }                          // 0 … 4088
        let b = (0..<pool).map { _ in Int(rng.next() % (1 << 20)) }

        func run(parts: Int, n: Int, useMerge: Bool) throws {
            let summaries: [PixelStatistics] = try (0..<pool).map { j in
                var h = [UInt64](repeating: 0, count: 4096)
                h[a[j]] = UInt64(n)
                return try #require(PixelStatistics(count: n, mean: Double(a[j]) / 4096,
                                                    m2: Double(n) * Double(b[j]) / 0x1p24, min: 0, max: 1, histogram: h))
            }
            let sequence = (0..<parts).map { i in Int((UInt64(i) * UInt64(pool) / UInt64(parts) + rng.next() % 64) % UInt64(pool)) }
            var s1 = 0, s2 = 0, sb = 0
            for j in sequence { s1 += a[j]; s2 += a[j] * a[j]; sb += b[j] }
            let k = parts
            let numerator = k * sb + k * s2 - s1 * s1                  // < 2^63
            let exactMean = Double(s1) / (4096 * Double(k))
            let exactM2 = Double(n) * (Double(numerator) / Double(k)) / 0x1p24
            let exactVariance = Double(numerator) / (Double(k) * Double(k)) / 0x1p24

            func add(_ target: inout PixelStatistics, _ other: PixelStatistics) {
                if useMerge { target.merge(other) } else { target.mergeMoments(other) }
            }
            var sequential = PixelStatistics()
            for j in sequence { add(&sequential, summaries[j]) }
            // Balanced tree through a binary counter: at most log2(K) pending sums.
            var pending: [(level: Int, stats: PixelStatistics)] = []
            for j in sequence {
                var item = (level: 0, stats: summaries[j])
                while let last = pending.last, last.level == item.level {
                    pending.removeLast()
                    var merged = last.stats
                    add(&merged, item.stats)
                    item = (level: item.level + 1, stats: merged)
                }
                pending.append(item)
            }
            var pairwise = pending.removeLast().stats
            while let last = pending.popLast() {
                var merged = last.stats
                add(&merged, pairwise)
                pairwise = merged
            }

            let label = "\(parts) × \(n) via \(useMerge ? "merge" : "mergeMoments")"
            for (name, s) in [("sequential", sequential), ("pairwise", pairwise)] {
                #expect(s.count == 1_000_000_000, "\(label), \(name)")
                if useMerge { #expect(s.histogram.reduce(0, +) == 1_000_000_000, "\(label), \(name)") }
                #expect(s.min == 0)
                #expect(s.max == 1)
                assertRelative(s.mean, exactMean, 1e-12, "\(label), \(name): mean")
                assertRelative(s.m2, exactM2, 1e-12, "\(label), \(name): M2")
                assertRelative(s.variance, exactVariance, 1e-12, "\(label), \(name): variance")
                assertRelative(s.standardDeviation, exactVariance.squareRoot(), 1e-12, "\(label), \(name): std")
            }

            // merge and mergeMoments are the same update on the moments.
            var viaMerge = PixelStatistics(), viaMoments = PixelStatistics()
            for j in sequence.prefix(500) {
                viaMerge.merge(summaries[j])
                viaMoments.mergeMoments(summaries[j])
            }
            #expect(viaMerge.count == viaMoments.count)
            #expect(viaMerge.mean.bitPattern == viaMoments.mean.bitPattern)
            #expect(viaMerge.m2.bitPattern == viaMoments.m2.bitPattern)
        }
        try run(parts: 100_000, n: 10_000, useMerge: false)
        try run(parts: 10_000, n: 100_000, useMerge: true)
    }

    // MARK: - Percentiles

    @Test func percentilesOnUniformGridWithinOneBin() {
        let n = 100_000
        let values = (0..<n).map { Float((Double($0) + 0.5) / Double(n)) }
        let s = Self.statistics(values)
        let sorted = values.map(Double.init)   // already ascending
        var previous = -Double.infinity
        for p in stride(from: 0.0, through: 100.0, by: 0.25) + PixelStatistics.reportedPercentiles {
            guard let got = s.percentile(p) else { Issue.record("no percentile \(p)"); return }
            // Exact percentile: the value of rank ⌈p/100 · n⌉ (the smallest x with F(x) ≥ p/100).
            let rank = Swift.max(1, Int((p / 100 * Double(n)).rounded(.up)))
            let exact = sorted[rank - 1]
            #expect(abs(got - exact) <= 1.0 / 4096, "p \(p): \(got) vs \(exact)")
            if p >= 0.25 && PixelStatistics.reportedPercentiles.contains(p) == false {
                #expect(got >= previous, "percentiles decrease at p \(p)")
                previous = got
            }
        }
    }

    @Test func percentilesOnSkewedDistributionWithinOneBin() throws {
        // x = u² for a uniform grid u: exact quantile at p is (p/100)².
        let n = 50_000
        let values = (0..<n).map { i -> Float in let u = (Double(i) + 0.5) / Double(n); return Float(u * u) }
        var rng = StatsTestRandom(seed: 11)
        var s = PixelStatistics()
        s.add(values.shuffled(using: &rng))
        for p in PixelStatistics.reportedPercentiles + [10, 25, 75, 90] {
            let rank = Swift.max(1, Int((p / 100 * Double(n)).rounded(.up)))
            let exact = Double(values[rank - 1])
            let got = try #require(s.percentile(p))
            #expect(abs(got - exact) <= 1.0 / 4096, "p \(p): \(got) vs \(exact)")
        }
    }

    @Test func percentileEdgeCases() throws {
        #expect(PixelStatistics().percentile(50) == nil)
        var rng = StatsTestRandom(seed: 12)
        let s = Self.statistics(Self.randomValues(5000, &rng).map { 0.1 + 0.8 * $0 })
        #expect(s.percentile(-0.01) == nil)
        #expect(s.percentile(100.01) == nil)
        #expect(s.percentile(.nan) == nil)
        #expect(s.percentile(0) == s.min)
        #expect(s.percentile(100) == s.max)
        try #require(!PixelStatistics.reportedPercentiles.isEmpty)
        for p in PixelStatistics.reportedPercentiles {
            let v = s.percentile(p)!
            #expect(v >= s.min && v <= s.max, "p \(p): \(v) outside [\(s.min), \(s.max)]")
        }
        // A point mass reads back exactly (clamped to [min, max]).
        let constant = Self.statistics([Float](repeating: 0.3, count: 777))
        for p in [0.0, 0.5, 50, 99.5, 100] { #expect(constant.percentile(p) == Double(Float(0.3))) }
        let ones = Self.statistics([Float](repeating: 1, count: 10))
        for p in [0.0, 50, 100] { #expect(ones.percentile(p) == 1) }
        let zeros = Self.statistics([Float](repeating: 0, count: 10))
        for p in [0.0, 50, 100] { #expect(zeros.percentile(p) == 0) }
        // Two point masses: the median lies within one bin of the lower one.
        let bimodal = Self.statistics([Float](repeating: 0.2, count: 500) + [Float](repeating: 0.8, count: 500))
        #expect(abs(bimodal.percentile(50)! - Double(Float(0.2))) <= 1.0 / 4096)
        #expect(abs(bimodal.percentile(50.2)! - Double(Float(0.8))) <= 1.0 / 4096)
    }

    // MARK: - Non-finite values

    @Test func nanMakesMeanNonFiniteWithoutCrashing() {
        var rng = StatsTestRandom(seed: 13)
        for n in [1, 2, 5, 2048, 2049, 3000] {
            for position in Set([0, n / 2, n - 1]) {
                var values = Self.randomValues(n, &rng)
                values[position] = .nan
                let s = Self.statistics(values)
                #expect(s.count == n)
                #expect(!s.mean.isFinite, "n \(n), NaN at \(position)")
                #expect(!s.m2.isFinite, "n \(n), NaN at \(position)")
                #expect(s.histogram.reduce(0, +) == UInt64(n))
                #expect(s.histogram[0] >= 1, "NaN goes to bin 0")
                _ = s.percentile(50)
                _ = s.variance
                _ = s.standardDeviation
                // NaN poisons whatever it is merged into.
                var merged = Self.statistics([0.5, 0.25])
                merged.merge(s)
                #expect(!merged.mean.isFinite)
                // A NaN under a zero mask byte is not seen.
                var masked = PixelStatistics()
                masked.add(values, mask: (0..<n).map { UInt8($0 == position ? 0 : 1) })
                #expect(masked.count == n - 1)
                #expect(masked.mean.isFinite && masked.m2.isFinite)
            }
        }
        for value in [Float.infinity, -Float.infinity] {
            let s = Self.statistics([0.5, value, 0.25])
            #expect(!s.mean.isFinite, "\(value)")
            #expect(!s.m2.isFinite, "\(value)")
        }
    }

    /// As documented on `PixelStatistics.bin`: NaN makes the mean and M2 NaN (what StatsRunner
    /// checks); min and max ignore it.
    @Test func nanMinMaxAsDocumented() throws {
        let s = Self.statistics([.nan])
        #expect(s.mean.isNaN)
        #expect(s.m2.isNaN)
        let t = Self.statistics([0.5, .nan, 0.25])
        #expect(t.min == 0.25)
        #expect(t.max == 0.5)
    }

    /// `variance` hides a NaN M2: Swift.max(0, .nan) is 0.
    @Test func varianceOfNaNInputIsNotFinite() throws {
        let s = Self.statistics([0.5, .nan, 0.25])
        #expect(s.m2.isNaN)
        // Was a bug (fixed): variance = Swift.max(0, m2 / n) turns a NaN M2 into 0, so standardDeviation reports
        // 0 for non-finite input (e.g. the per-image std if a caller did not check m2 first).
        #expect(!(s.variance.isFinite || s.standardDeviation.isFinite), "PixelStatistics.add([0.5, .nan, 0.25]): m2 NaN but variance \(s.variance), standardDeviation \(s.standardDeviation) (expected NaN)")
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
