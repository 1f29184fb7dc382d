import Testing
@testable import MammoPrep

/// `PixelStatistics` merging (docs/stats.md, "How the figures are computed"): Chan et al.
/// merges of random splits, order independence, the empty identity and 10^9 simulated pixels.
extension PixelStatisticsTests {
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
}
