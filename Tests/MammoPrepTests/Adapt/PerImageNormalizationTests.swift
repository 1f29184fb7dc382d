import Testing
@testable import MammoPrep

/// `Normalization.resolved(for:rows:columns:)`: the per-image rules' figures, computed by hand
/// here, and their application (docs/adapter.md "Normalization"). Against numpy on every fixture:
/// Tests/oracle/test_adapter_perimage.py.
@Suite struct PerImageNormalizationTests {
    static let plane: [Float] = [0, 0.25, 0.5, 1]

    @Test func minmaxMapsTheRangeToZeroOne() throws {
        let n = Normalization.perImage(.minmax, region: .image, channels: 1).resolved(for: [0.2, 0.4, 0.6, 1.0], rows: 2, columns: 2)
        let f = try #require(n.figures)
        #expect(f.min == Double(Float(0.2)) && f.max == 1 && !f.constant && f.warnings.isEmpty)
        let y = n.apply([0.2, 0.4, 0.6, 1.0])
        #expect(y.first == 0 && y.last == 1)
        #expect(y == [0.2, 0.4, 0.6, 1.0].map { Float((Double(Float($0)) - f.min) / (f.max - f.min)) })
    }

    @Test func zscoreUsesThePopulationStd() throws {
        // mean 0.4375, population variance ((0.4375² + 0.1875² + 0.0625² + 0.5625²) / 4).
        let n = Normalization.perImage(.zscore, region: .image, channels: 3).resolved(for: Self.plane, rows: 2, columns: 2)
        let f = try #require(n.figures)
        let variance = (0.4375 * 0.4375 + 0.1875 * 0.1875 + 0.0625 * 0.0625 + 0.5625 * 0.5625) / 4
        #expect(f.mean == 0.4375 && f.std == variance.squareRoot() && f.count == 4)
        #expect(n.mean == [0.4375, 0.4375, 0.4375] && n.std == Array(repeating: variance.squareRoot(), count: 3))
        let y = n.apply(Self.plane)
        #expect(y.count == 12 && Array(y[0..<4]) == Array(y[4..<8]) && Array(y[4..<8]) == Array(y[8..<12]))
        let mean = Double(y[0..<4].reduce(0, +)) / 4
        #expect(abs(mean) < 1e-6)
    }

    @Test(arguments: [Normalization.Kind.minmax, .zscore], [Normalization.Region.image, .breast])
    func constantRegionGivesZerosAndAWarning(kind: Normalization.Kind, region: Normalization.Region) throws {
        for value: Float in [0, 0.3, 1] {
            let plane = [Float](repeating: value, count: 1000 * 37)
            let n = Normalization.perImage(kind, region: region, channels: 1).resolved(for: plane, rows: 1000, columns: 37)
            let f = try #require(n.figures)
            #expect(f.constant && f.warnings.contains { $0.contains("constant") })
            let y = n.apply(plane)
            #expect(y.allSatisfy { $0 == 0 && $0.sign == .plus })
        }
    }

    @Test func breastRegionIgnoresTheBackground() throws {
        // A bright 8×8 square on a black 32×32 frame: the mask is the square.
        var plane = [Float](repeating: 0, count: 32 * 32)
        for r in 10..<18 { for c in 4..<12 { plane[r * 32 + c] = r % 2 == 0 ? 0.8 : 0.6 } }
        let whole = Normalization.perImage(.minmax, region: .image, channels: 1).resolved(for: plane, rows: 32, columns: 32)
        let breast = Normalization.perImage(.zscore, region: .breast, channels: 1).resolved(for: plane, rows: 32, columns: 32)
        #expect(whole.figures?.min == 0)
        let f = try #require(breast.figures)
        #expect(f.count == 64 && abs(f.mean - 0.7) < 1e-7 && abs(f.std - 0.1) < 1e-7 && f.min == Double(Float(0.6)))
        // Applied to every pixel: the background becomes (0 − mean)/std.
        #expect(breast.apply(plane)[0] == Float((0 - f.mean) / f.std))
    }

    @Test func fixedKindsAreUnchanged() {
        for n in [Normalization.imagenet, .custom(mean: 0.3, std: 0.2, channels: 3), .none(channels: 1)] {
            #expect(n.resolved(for: Self.plane, rows: 2, columns: 2) == n)
        }
    }

    @Test func oneChannelFromAThreeChannelPresetAverages() {
        let n = Normalization.model(mean: Normalization.imagenetMean, std: Normalization.imagenetStd, channels: 1)
        #expect(n.channels == 1 && abs(n.mean[0] - 0.449) < 1e-15 && abs(n.std[0] - 0.226) < 1e-15)
        #expect(Normalization.model(mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channels: 3).mean == [0.5, 0.5, 0.5])
    }
}
