import Testing
@testable import MammoPrep

/// `PixelStatistics` percentiles from the 4096-bin histogram: within one bin of the exact
/// value, and the edge cases.
extension PixelStatisticsTests {
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
}
