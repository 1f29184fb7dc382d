import Testing
@testable import MammoPrep

/// `--reduce`: the 5/3 LL band (ITU-T T.800 F.4.8.2 with F.3.7 extension) on hand-computed
/// vectors and properties, the codestream path against the computed one on every fixture, and
/// `auto`'s choice of N. The independent numpy oracle is Tests/oracle/dwt53_oracle.py.
@Suite struct WaveletReductionTests {
    /// floor(a / b) for b > 0, written out (not a shift), for the hand computations.
    static func floorDiv(_ a: Int32, _ b: Int32) -> Int32 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// One row of 1-D low-pass, by the equations of F.4.8.2 with explicit symmetric extension.
    static func lowPass1D(_ x: [Int32]) -> [Int32] {
        let n = x.count
        if n == 1 { return x }
        func X(_ i: Int) -> Int32 {
            var i = i
            while i < 0 || i >= n { i = i < 0 ? -i : 2 * (n - 1) - i }
            return x[i]
        }
        func Y(_ odd: Int) -> Int32 { X(odd) - floorDiv(X(odd - 1) + X(odd + 1), 2) }
        return stride(from: 0, to: n, by: 2).map { X($0) + floorDiv(Y($0 - 1) + Y($0 + 1) + 2, 4) }
    }

    @Test func handVectors() {
        // Length 1: passed unchanged. Length 2: Y(1) = x1 − x0, s0 = x0 + ⌊(2·Y(1) + 2)/4⌋.
        #expect(Wavelet53.lowPassRows([7], rows: 1, columns: 1) == [7])
        #expect(Wavelet53.lowPassRows([10, 3], rows: 1, columns: 2) == [10 + Self.floorDiv(2 * (3 - 10) + 2, 4)])
        // [1, 5, 2]: Y(1) = 5 − ⌊3/2⌋ = 4 = Y(−1) = Y(3); s0 = 1 + ⌊10/4⌋ = 3, s2 = 2 + 2 = 4.
        #expect(Wavelet53.lowPassRows([1, 5, 2], rows: 1, columns: 3) == [3, 4])
        // Negative values round toward −∞: [−3, 0]: Y(1) = 3, s0 = −3 + ⌊8/4⌋ = −1.
        #expect(Wavelet53.lowPassRows([-3, 0], rows: 1, columns: 2) == [-1])
        for x: [Int32] in [[0, 4095, 0, 4095, 0], [4095, 0, 0, 4095, 17, -5, 2, 9], [1, 2, 3, 4, 5, 6, 7], [-7, 3]] {
            #expect(Wavelet53.lowPassRows(x, rows: 1, columns: x.count) == Self.lowPass1D(x), "\(x)")
            #expect(Wavelet53.lowPassColumns(x, rows: x.count, columns: 1) == Self.lowPass1D(x), "\(x)")
        }
    }

    /// Deterministic pseudo-random stored values.
    static func values(_ count: Int, seed: UInt64, range: ClosedRange<Int32>) -> [Int32] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let span = UInt64(range.upperBound - range.lowerBound + 1)
            return range.lowerBound + Int32((state >> 33) % span)
        }
    }

    @Test(arguments: [(1, 1), (1, 7), (7, 1), (2, 3), (5, 4), (17, 12), (33, 64)])
    func twoDimensionalIsVerticalThenHorizontal(size: (Int, Int)) {
        let (rows, columns) = size
        let x = Self.values(rows * columns, seed: UInt64(rows * 100 + columns), range: -2048...2047)
        // F.4.2: VER_SD on every column, then HOR_SD on every row; keep the even rows and columns.
        var vertical: [[Int32]] = (0..<columns).map { c in Self.lowPass1D((0..<rows).map { x[$0 * columns + c] }) }
        let outRows = (rows + 1) / 2
        vertical = (0..<outRows).map { r in (0..<columns).map { vertical[$0][r] } }   // back to rows
        let expected = vertical.flatMap(Self.lowPass1D)
        let band = Wavelet53.lowBand(x, rows: rows, columns: columns, levels: 1)
        #expect(band.rows == outRows && band.columns == (columns + 1) / 2)
        #expect(band.values == expected)
    }

    @Test func propertiesOverLevels() {
        let (rows, columns) = (45, 38)
        let x = Self.values(rows * columns, seed: 7, range: 0...4095)
        for levels in 1...7 {
            let band = Wavelet53.lowBand(x, rows: rows, columns: columns, levels: levels)
            #expect(band.rows == reducedLength(rows, levels: levels) && band.columns == reducedLength(columns, levels: levels))
            // LL(x + c) = LL(x) + c, and a constant image is its own LL band.
            let shifted = Wavelet53.lowBand(x.map { $0 + 1000 }, rows: rows, columns: columns, levels: levels)
            #expect(shifted.values == band.values.map { $0 + 1000 })
            let constant = Wavelet53.lowBand([Int32](repeating: 321, count: x.count), rows: rows, columns: columns, levels: levels)
            #expect(constant.values.allSatisfy { $0 == 321 })
        }
    }

    @Test func clampedToTheStoredRange() {
        // A step 0 | 4095 overshoots on both sides of the edge; the result stays in 0…4095.
        let row: [UInt16] = [0, 0, 0, 4095, 4095, 4095, 0, 0, 4095, 0, 4095, 0]
        let frame = StoredFrame(rows: 1, columns: row.count, bitsStored: 12, isSigned: false, words: row)
        let raw = Wavelet53.lowBand(frame.values(), rows: 1, columns: row.count, levels: 2).values
        #expect(raw.contains { $0 < 0 || $0 > 4095 }, "the test must exercise the clamp")
        let reduced = frame.reduced(levels: 2)
        #expect(reduced.values() == raw.map { min(max($0, 0), 4095) })
        let signed = StoredFrame(rows: 1, columns: 4, bitsStored: 12, isSigned: true,
                                 words: [StoredFrame.word(-2048), StoredFrame.word(2047), StoredFrame.word(-2048), 0])
        #expect(signed.reduced(levels: 1).values().allSatisfy { (-2048...2047).contains($0) })
    }

    /// Every JPEG 2000 / HTJ2K fixture at N = 1…6: the frame a decoder reduced equals the frame
    /// computed from the full decode, bit for bit, and the source says which path ran.
    @Test(arguments: Fixtures.good.filter { ($0.transferSyntaxUID ?? "").hasPrefix("1.2.840.10008.1.2.4.9")
                                            || ($0.transferSyntaxUID ?? "").hasPrefix("1.2.840.10008.1.2.4.20") })
    func codestreamEqualsComputed(entry: Fixtures.Entry) throws {
        let file = try DICOMFile(path: entry.url.path)
        for levels in 1...6 {
            for frame in 0..<file.frameCount {
                var storage: [UInt16] = []
                let reduced = try file.readFrame(frame, options: .standard, reduce: levels, reusing: &storage)
                let full = try file.readFrame(frame, options: .standard).reduced(levels: levels)
                #expect(reduced.frame.canonical() == full, "\(entry.path) N=\(levels) frame \(frame)")
                let lossless = TransferSyntax.losslessWavelet.contains(entry.transferSyntaxUID ?? "")
                if !lossless || entry.path.contains("unsigned_cs") {
                    #expect(reduced.source == .computed, "\(entry.path) N=\(levels)")
                } else if levels <= 5 {
                    // The fixtures are coded with 5 decomposition levels (opj_compress and ojph_compress defaults).
                    #expect(reduced.source == .codestream, "\(entry.path) N=\(levels)")
                }
            }
        }
    }

    @Test func automaticLevels() {
        func n(_ rows: Int, _ columns: Int, _ size: (Int, Int)?, _ fit: GeometryOptions.Fit = .pad) -> Int {
            GeometryOptions(size: size, fit: fit, cropPct: 0.875).automaticReduction(rows: rows, columns: columns)
        }
        // resnet50d eval: shorter side to ⌊224 / 0.875⌋ = 256 → 315×256; 1024×832 ≥ 630×512, 512×416 is not.
        #expect(n(4096, 3328, (224, 224), .crop) == 2)
        // pad 1024: resized 1024×832, so N = 1 (2048×1664 is exactly twice).
        #expect(n(4096, 3328, (1024, 1024)) == 1)
        #expect(n(4096, 3328, (512, 512)) == 2)
        #expect(n(4096, 3328, (512, 512), .stretch) == 1)   // 2048×1664 ≥ 1024×1024; 1024×832 is not
        #expect(n(3062, 2394, (224, 224), .crop) == 2)
        #expect(n(2294, 1914, (224, 224), .crop) == 1)      // resized 306×256; N = 2 gives 574×479, 479 < 512
        #expect(n(160, 128, (40, 32)) == 1)
        #expect(n(160, 128, (80, 64)) == 0)
        #expect(n(160, 128, (400, 320)) == 0)               // upsampling
        #expect(n(4096, 3328, nil) == 0)
        #expect(n(65536, 65536, (1, 1), .stretch) == 15)    // 2^16 / 2^15 = 2 ≥ 2·1
    }
}
