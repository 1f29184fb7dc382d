import Testing
@testable import MammoPrep

/// CLAHE's rules on cases small enough to follow by hand (docs/adapter.md "CLAHE"); bit-for-bit
/// agreement with OpenCV on every fixture is Tests/oracle/test_clahe.py.
@Suite struct CLAHETests {
    @Test func parsesTheOptionText() throws {
        #expect(CLAHEOptions(text: "2") == CLAHEOptions(clip: 2, rows: 8, columns: 8))
        #expect(CLAHEOptions(text: "2.5:4x6") == CLAHEOptions(clip: 2.5, rows: 4, columns: 6))
        #expect(CLAHEOptions(text: "40:16") == CLAHEOptions(clip: 40, rows: 16, columns: 16))
        for bad in ["0", "-1", "x", "nan", "inf", "2:", "2:0x8", "2:8x0", "2:65x8", "2:8x8x8", "2:axb", ""] {
            #expect(CLAHEOptions(text: bad) == nil, "\(bad)")
        }
        for text in ["2:8x8", "0.5:3x7", "40:64x1"] { #expect(CLAHEOptions(text: text)?.text == text) }
    }

    @Test func quantizesHalfToEven() {
        #expect(CLAHE.quantize(0) == 0 && CLAHE.quantize(1) == 65535 && CLAHE.quantize(-0.5) == 0 && CLAHE.quantize(2) == 65535)
        // 0.5 · 65535 = 32767.5 → 32768 (even); v for 2.5 → 2.
        #expect(CLAHE.quantize(0.5) == 32768)
        #expect(CLAHE.quantize(Float(2.5 / 65535)) == UInt16((Double(Float(2.5 / 65535)) * 65535).rounded(.toNearestOrEven)))
    }

    @Test func reflect101() {
        #expect((0..<7).map { CLAHE.reflect101($0, 4) } == [0, 1, 2, 3, 2, 1, 0])
        #expect((0..<9).map { CLAHE.reflect101($0, 2) } == [0, 1, 0, 1, 0, 1, 0, 1, 0])
        #expect((0..<3).map { CLAHE.reflect101($0, 1) } == [0, 0, 0])
    }

    /// One tile, clip so high nothing is clipped: plain histogram equalization,
    /// lut(v) = round(cdf(v) · 65535 / N), the same for every pixel (no interpolation weight).
    @Test func oneTileWithoutClippingIsEqualization() {
        let src: [UInt16] = [10, 10, 20, 30, 30, 30, 40, 50]
        let out = CLAHE.equalize(src, rows: 2, columns: 4, options: CLAHEOptions(clip: 1e9, rows: 1, columns: 1))
        let scale = Float(65535) / 8
        let cdf = [10: 2, 20: 3, 30: 6, 40: 7, 50: 8]
        #expect(out == src.map { CLAHE.saturate(Float(cdf[Int($0)]!) * scale) })
    }

    /// Clipping at its floor (1 per bin) on one tile: every bin of the 8 pixels is clipped to 1,
    /// the 3 excess go to bins 0, 21845, 43690 (step 65536 / 3).
    @Test func clippedExcessIsRedistributed() {
        let src: [UInt16] = [100, 100, 100, 100, 200, 200, 300, 300]
        let out = CLAHE.equalize(src, rows: 1, columns: 8, options: CLAHEOptions(clip: 0.01, rows: 1, columns: 1))
        let scale = Float(65535) / 8
        // cumulative at v: (bins ≤ v holding a pixel, clipped to 1) + (residual bins ≤ v)
        func lut(_ v: Int, _ present: Int) -> UInt16 { CLAHE.saturate(Float(present + min(3, v / 21845 + 1)) * scale) }
        #expect(out == [lut(100, 1), lut(100, 1), lut(100, 1), lut(100, 1), lut(200, 2), lut(200, 2), lut(300, 3), lut(300, 3)])
    }

    @Test(arguments: [(1, 1), (2, 2), (8, 8), (3, 5)])
    func constantImageMapsToOneValue(grid: (Int, Int)) {
        let src = [UInt16](repeating: 1234, count: 37 * 23)
        let out = CLAHE.equalize(src, rows: 37, columns: 23, options: CLAHEOptions(clip: 2, rows: grid.0, columns: grid.1))
        #expect(Set(out).count == 1)
    }

    /// With one tile there is one LUT and no interpolation: a larger value never maps lower.
    @Test func monotoneWithinATile() {
        var src = [UInt16](repeating: 0, count: 64 * 64)
        var state: UInt32 = 12345
        for i in src.indices { state = state &* 1664525 &+ 1013904223; src[i] = UInt16(state >> 20) }
        let out = CLAHE.equalize(src, rows: 64, columns: 64, options: CLAHEOptions(clip: 3, rows: 1, columns: 1))
        let pairs = src.indices.map { (src[$0], out[$0]) }.sorted { $0.0 < $1.0 }
        #expect(zip(pairs, pairs.dropFirst()).allSatisfy { $0.1 <= $1.1 })
        #expect(Set(out).count > 100)
    }

    @Test func sizesNotMultiplesOfTheGridAndSmallerThanIt() {
        for (rows, columns) in [(13, 9), (1, 40), (5, 3), (97, 61)] {
            let src = (0..<(rows * columns)).map { UInt16(($0 * 7919) % 4096) }
            let out = CLAHE.equalize(src, rows: rows, columns: columns, options: CLAHEOptions(clip: 2, rows: 16, columns: 16))
            #expect(out.count == rows * columns)
        }
    }

    @Test func geometryAppliesItBeforeTheFlip() {
        let plane = (0..<(20 * 30)).map { Float(($0 * 37) % 101) / 100 }
        let o = GeometryOptions(clahe: CLAHEOptions(clip: 2, rows: 2, columns: 3))
        #expect(!o.isIdentity && o != GeometryOptions())
        let (out, _) = Geometry.apply(plane, rows: 20, columns: 30, options: o, laterality: "L", mask: nil)
        #expect(out == CLAHE.apply(plane, rows: 20, columns: 30, options: CLAHEOptions(clip: 2, rows: 2, columns: 3)))
        var flip = o
        flip.flipTo = .right
        let (flipped, record) = Geometry.apply(plane, rows: 20, columns: 30, options: flip, laterality: "L", mask: nil)
        #expect(record.flipped)
        var mirrored = [Float](repeating: 0, count: out.count)
        for r in 0..<20 { for c in 0..<30 { mirrored[r * 30 + c] = out[r * 30 + 29 - c] } }
        #expect(flipped == mirrored)
    }
}
