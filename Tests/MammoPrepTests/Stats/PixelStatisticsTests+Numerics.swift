import Testing
@testable import MammoPrep

/// `PixelStatistics` on numerically hard input: constant and nearly constant values,
/// ill-conditioned M2, and non-finite (NaN) samples.
extension PixelStatisticsTests {
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
}
