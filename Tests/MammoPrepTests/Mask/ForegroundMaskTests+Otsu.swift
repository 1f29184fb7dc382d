import Testing
@testable import MammoPrep

/// `ForegroundMask`'s Otsu threshold against an independent brute-force between-class variance.
extension ForegroundMaskTests {
    // MARK: - Otsu

    /// Independent Otsu: every cut k (classes: bins < k and bins ≥ k, bin centres as values),
    /// between-class variance w0·w1·(μ0 − μ1)².
    static func betweenClassVariances(_ values: [Float]) -> [Int: Double] {
        var histogram = [Double](repeating: 0, count: 256)
        for v in values { histogram[v >= 1 ? 255 : (v > 0 ? Int(Double(v) * 256) : 0)] += 1 }
        var out: [Int: Double] = [:]
        for k in 1..<256 {
            var w0 = 0.0, s0 = 0.0, w1 = 0.0, s1 = 0.0
            for b in 0..<k { w0 += histogram[b]; s0 += histogram[b] * (Double(b) + 0.5) }
            for b in k..<256 { w1 += histogram[b]; s1 += histogram[b] * (Double(b) + 0.5) }
            guard w0 > 0, w1 > 0 else { continue }
            out[k] = w0 * w1 * (s0 / w0 - s1 / w1) * (s0 / w0 - s1 / w1)
        }
        return out
    }

    @Test func otsuThresholdOfBimodalHistogramsLiesBetweenTheModes() throws {
        var rng = StatsTestRandom(seed: 21)
        for (low, high) in [(0.2, 0.7), (0.05, 0.35), (0.6, 0.9)] {
            for fractionHigh in [0.5, 0.2, 0.8, 0.05] {
                let n = 4000
                let values: [Float] = (0..<n).map { _ in
                    let centre = Double.random(in: 0..<1, using: &rng) < fractionHigh ? high : low
                    return Float(centre + Double.random(in: -0.02...0.02, using: &rng))
                }
                let t = try #require(ForegroundMask.otsu(values, padding: nil))
                #expect(t > low + 0.02 && t < high - 0.02 + 1.0 / 256,
                        "modes \(low), \(high) (\(fractionHigh) high): threshold \(t)")
                // The library's cut achieves the maximum between-class variance.
                let between = Self.betweenClassVariances(values)
                let best = try #require(between.values.max())
                let cut = Int((t * 256).rounded())
                #expect(t * 256 == Double(cut), "threshold is a bin edge")
                let mine = try #require(between[cut])
                #expect(mine >= best * (1 - 1e-12), "modes \(low), \(high)")
                // The first maximising cut (an empty gap gives many equal ones): the one just
                // above the highest low-mode bin.
                let lowTop = values.filter { Double($0) < (low + high) / 2 }.map { Int(Double($0) * 256) }.max()!
                #expect(cut == lowTop + 1, "modes \(low), \(high)")
                // And the mask of such an image splits it there.
                let image = Canvas(rows: 40, columns: 100, pixels: values)
                let mask = image.mask()
                #expect(mask.threshold == t)
            }
        }
    }

    @Test func otsuAgreesWithBruteForceOnRandomHistograms() throws {
        var rng = StatsTestRandom(seed: 22)
        for trial in 0..<40 {
            let modes = 1 + Int(rng.next() % 4)
            let centres = (0..<modes).map { _ in Double.random(in: 0.05...0.95, using: &rng) }
            let widths = (0..<modes).map { _ in Double.random(in: 0.005...0.2, using: &rng) }
            let values: [Float] = (0..<3000).map { _ in
                let m = Int(rng.next() % UInt64(modes))
                return Float(min(1, max(0, centres[m] + widths[m] * (Double.random(in: -1...1, using: &rng)))))
            }
            let between = Self.betweenClassVariances(values)
            guard let best = between.values.max() else {
                #expect(ForegroundMask.otsu(values, padding: nil) == nil)
                continue
            }
            let t = try #require(ForegroundMask.otsu(values, padding: nil), "trial \(trial)")
            let mine = try #require(between[Int((t * 256).rounded())], "trial \(trial): threshold \(t)")
            #expect(mine >= best * (1 - 1e-12), "trial \(trial)")
        }
    }

    @Test func otsuNeedsTwoOccupiedBins() {
        #expect(ForegroundMask.otsu([], padding: nil) == nil)
        #expect(ForegroundMask.otsu([0.5, 0.5, 0.5], padding: nil) == nil)
        #expect(ForegroundMask.otsu([0.5, 0.501, 0.5029], padding: nil) == nil, "one bin: [128/256, 129/256)")
        #expect(ForegroundMask.otsu([0.5, 0.51], padding: nil) == 129.0 / 256)
        #expect(ForegroundMask.otsu([0.2, 0.9], padding: [0, 1]) == nil)
        #expect(ForegroundMask.otsu([0, 1], padding: nil) == 1.0 / 256)
    }

    /// Otsu's classes are bins (a value on the edge k/256 is in the upper class), but the mask
    /// rule is v > t with t = k/256: a bright level lying exactly on that edge falls on the wrong side.
    @Test func brightLevelOnTheThresholdEdgeIsForeground() throws {
        var image = Canvas(16, 16, 0.25)                        // bin 64
        image.paint(65.0 / 256, rows: 4...11, columns: 4...11) // bin 65, exactly its lower edge
        let mask = image.mask()
        #expect(mask.threshold == 65.0 / 256)
        // Was a bug (fixed): Otsu puts the 64 pixels at 65/256 in the upper class (bin 65), then the rule v > t
        // rejects them all: the mask is empty although the image has two levels.
        #expect(!(mask.kept != 64), "16×16 image of 0.25 with an 8×8 square of 65/256 (= 0.25390625): threshold \(mask.threshold!), kept \(mask.kept), expected the 64 square pixels")
        assertMask(mask, equals: image.bits { r, c in (4...11).contains(r) && (4...11).contains(c) })
    }
}
