import Testing
@testable import MammoPrep

/// The TIFF scaling step (docs/pipeline.md §2): unsigned samples ÷ (2^bits − 1) over every value,
/// float samples passed through, refused or clamped, and MinIsWhite inversion.
@Suite struct TIFFScalingTests {
    static let keep = Polarity(inverted: false, reason: "MinIsBlack")
    static let invert = Polarity(inverted: true, reason: "MinIsWhite")

    static func page(bits: Int = 16, format: TIFFPage.SampleFormat = .uint,
                     photometric: TIFFPage.Photometric = .minIsBlack, columns: Int = 3) -> TIFFPage {
        TIFFPage(rows: 1, columns: columns, bitsPerSample: bits, sampleFormat: format, photometric: photometric,
                 compression: 1, isTiled: false)
    }

    @Test(arguments: [8, 12, 16])
    func tableOverEveryValue(bits: Int) {
        let top = (1 << bits) - 1
        let table = TIFFScaling.table(bitsPerSample: bits, polarity: Self.keep)
        let inverted = TIFFScaling.table(bitsPerSample: bits, polarity: Self.invert)
        #expect(table.count == 65536 && TIFFScaling.maximum(bitsPerSample: bits) == top)
        for value in 0...top {
            #expect(table[value] == Float(Double(value) / Double(top)))
            #expect(inverted[value] == Float(1 - Double(value) / Double(top)))
        }
        #expect(table[0] == 0 && table[top] == 1 && inverted[0] == 1 && inverted[top] == 0)
        #expect(zip(table, table.dropFirst()).prefix(top).allSatisfy { $0 < $1 })
        #expect(table[(top + 1)...].allSatisfy { $0 == 0 })
    }

    @Test func integerPageEveryTwelveBitValue() throws {
        let words = (0..<4096).map { UInt16($0) }
        let frame = DecodedFrame.integer(StoredFrame(rows: 64, columns: 64, bitsStored: 12, isSigned: false, words: words))
        let out = try TIFFScaling.apply(frame, page: Self.page(bits: 12, photometric: .minIsWhite, columns: 64),
                                        options: WindowingOptions(), path: "x.tif")
        #expect(out.pixels == words.map { Float(1 - Double($0) / 4095) })
        #expect(out.decision.voiSource == .tiff && out.decision.range == [0, 4095])
        #expect(out.decision.inverted && out.decision.inversionReason == "MinIsWhite")
        #expect(out.decision.warnings.isEmpty)
    }

    @Test func floatsPassThroughAndInvertInFloat() throws {
        let values: [Float] = [0, 0.25, 1e-30, 0.999_999_9, 1]
        let (kept, clamped) = try TIFFScaling.floats(values, clip: false, polarity: Self.keep, path: "")
        #expect(kept == values && clamped == 0)
        let (inverted, _) = try TIFFScaling.floats(values, clip: false, polarity: Self.invert, path: "")
        #expect(inverted == values.map { 1 - $0 })
    }

    /// Outside 0…1 fails unless clip (which clamps and counts); NaN always fails. The messages
    /// name the library's option, never a command-line flag.
    @Test func outOfRangeAndClip() throws {
        let wide: [Float] = [0, 1.5, -0.25, 0.5]
        let error = #expect(throws: MammoPrepError.self) {
            try TIFFScaling.floats(wide, clip: false, polarity: Self.keep, path: "x.tif")
        }
        #expect(error?.code == .outOfRange && error?.stage == .window)
        #expect(error?.detail == "float sample 1.5 at index 1 outside 0…1" && error?.remedy == .clip)
        let (clipped, count) = try TIFFScaling.floats(wide, clip: true, polarity: Self.keep, path: "")
        #expect(clipped == [0, 1, 0, 0.5] && count == 2)
        let nan = #expect(throws: MammoPrepError.self) {
            try TIFFScaling.floats([0.5, .nan], clip: true, polarity: Self.keep, path: "")
        }
        #expect(nan?.detail == "NaN sample at index 1")
        let frame = DecodedFrame.float(FloatFrame(rows: 1, columns: 4, values: wide))
        let out = try TIFFScaling.apply(frame, page: Self.page(format: .float, columns: 4),
                                        options: WindowingOptions(clip: true), path: "")
        #expect(out.decision.warnings == ["2 float samples outside 0…1 clamped (clip)"])
        #expect(out.decision.range == [0, 1])
        #expect(!out.decision.warnings[0].contains("--"))
    }

    /// The public entry point is this step.
    @Test(arguments: WindowingOptions.Inversion.allCases)
    func windowingApplyIsThisStep(rule: WindowingOptions.Inversion) throws {
        let frame = DecodedFrame.integer(StoredFrame(rows: 1, columns: 3, bitsStored: 16, isSigned: false, words: [0, 32768, 65535]))
        let options = WindowingOptions(invert: rule)
        let page = Self.page(photometric: .minIsWhite)
        #expect(try Windowing.apply(tiff: frame, page: page, options: options)
                == TIFFScaling.apply(frame, page: page, options: options, path: ""))
    }
}
