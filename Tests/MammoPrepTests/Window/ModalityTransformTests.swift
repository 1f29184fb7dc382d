import Testing
@testable import MammoPrep

/// The Modality LUT step (PS3.3 C.11.1; docs/windowing.md §2): identity, rescale and LUT over
/// every 12-bit stored value, the output range of §3, precedence and each fallback's warning.
@Suite struct ModalityTransformTests {
    static let unsigned12 = StoredValueLayout.range(bitsStored: 12, isSigned: false)
    static let signed12 = StoredValueLayout.range(bitsStored: 12, isSigned: true)

    static func transforms(slope: Double? = nil, intercept: Double? = nil, lut: LookupTableItem? = nil) -> GrayscaleTransforms {
        var t = GrayscaleTransforms()
        t.rescaleSlope = slope
        t.rescaleIntercept = intercept
        t.modalityLUT = lut
        return t
    }

    static func resolve(_ t: GrayscaleTransforms, stored: ClosedRange<Int32> = unsigned12,
                        signed: Bool = false) -> ModalityTransform {
        ModalityTransform.resolve(t, stored: stored, signedStored: signed)
    }

    static func kind(_ m: ModalityTransform) -> WindowingDecision.ModalityKind {
        var d = WindowingDecision()
        m.record(into: &d)
        return d.modality
    }

    /// A ramp LUT: entry i = 4095 − i, 16-bit, first mapped 0.
    static let reversed = LookupTableItem(descriptor: [4096, 0, 16], data: (0..<4096).map { UInt16(4095 - $0) })

    @Test func identityOverEveryValue() {
        for (range, signed) in [(Self.unsigned12, false), (Self.signed12, true)] {
            let m = Self.resolve(Self.transforms(), stored: range, signed: signed)
            #expect(m.mapping == .identity && m.warnings.isEmpty)
            #expect(m.outputRange == (Double(range.lowerBound), Double(range.upperBound)))
            #expect(m.canBeNegative == signed)
            #expect(range.allSatisfy { m($0) == Double($0) })
        }
    }

    @Test func rescaleOverEveryValueIsExact() {
        let m = Self.resolve(Self.transforms(slope: 0.5, intercept: -1024))
        #expect(m.mapping == .rescale(slope: 0.5, intercept: -1024))
        #expect(m.outputRange == (-1024, 1023.5))
        #expect(m.canBeNegative)
        #expect(Self.unsigned12.allSatisfy { m($0) == Double($0) * 0.5 - 1024 })
        var d = WindowingDecision()
        m.record(into: &d)
        #expect(d.modality == .rescale && d.rescaleSlope == 0.5 && d.rescaleIntercept == -1024)
        #expect(d.modalityLUTDescriptor == nil)
    }

    /// One of the pair is enough; the other takes its default (slope 1, intercept 0).
    @Test func halfARescaleTakesTheDefaultForTheOther() {
        #expect(Self.resolve(Self.transforms(intercept: 7)).mapping == .rescale(slope: 1, intercept: 7))
        #expect(Self.resolve(Self.transforms(slope: 3)).mapping == .rescale(slope: 3, intercept: 0))
    }

    /// pydicom's range: the stored range through the rescale, so a negative slope gives
    /// ymin > ymax (docs/windowing.md §3), and the map is decreasing.
    @Test func negativeSlopeKeepsThePassedThroughRangeOrder() {
        let m = Self.resolve(Self.transforms(slope: -1, intercept: 4095))
        #expect(m.outputRange == (4095, 0))
        #expect(!m.canBeNegative)
        #expect(zip(Self.unsigned12, Self.unsigned12.dropFirst()).allSatisfy { m($0) > m($1) })
    }

    @Test(arguments: [0.0, .nan, .infinity, -.infinity])
    func unusableSlopeIsIdentityWithAWarning(slope: Double) {
        let m = Self.resolve(Self.transforms(slope: slope, intercept: 5))
        #expect(m.mapping == .identity)
        #expect(m.outputRange == (0, 4095))
        #expect(m.warnings == ["(0028,1053) Rescale Slope \(slope) unusable: identity used"])
    }

    @Test func nonFiniteInterceptIsIdentityWithAWarning() {
        let m = Self.resolve(Self.transforms(slope: 1, intercept: .nan))
        #expect(m.mapping == .identity && m.warnings.count == 1)
    }

    @Test func lutOverEveryValueAndItsRecord() throws {
        let m = Self.resolve(Self.transforms(lut: Self.reversed))
        #expect(m.outputRange == (0, 65535))
        #expect(m.warnings.isEmpty)
        #expect(Self.unsigned12.allSatisfy { m($0) == Double(4095 - $0) })
        var d = WindowingDecision()
        m.record(into: &d)
        #expect(d.modality == .lut && d.modalityLUTDescriptor == [4096, 0, 16])
        #expect(d.rescaleSlope == nil && d.rescaleIntercept == nil)
    }

    /// Pixel Representation 1 reads the first mapped value as SS: 0xF800 is −2048.
    @Test func signedStoredReadsFirstMappedAsSS() {
        let item = LookupTableItem(descriptor: [4096, 0xF800, 16], data: (0..<4096).map { UInt16($0) })
        let m = Self.resolve(Self.transforms(lut: item), stored: Self.signed12, signed: true)
        #expect(Self.signed12.allSatisfy { m($0) == Double($0 + 2048) })
        var d = WindowingDecision()
        m.record(into: &d)
        #expect(d.modalityLUTDescriptor == [4096, -2048, 16])
    }

    @Test func lutWinsOverRescaleWithAWarning() {
        let m = Self.resolve(Self.transforms(slope: 2, intercept: -10, lut: Self.reversed))
        #expect(Self.kind(m) == .lut)
        #expect(m.warnings == ["Modality LUT Sequence and Rescale both present: the LUT is used"])
    }

    @Test func packedEightBitLUTIsUnpackedWithAWarning() {
        // 4 entries 1, 2, 3, 4 packed two per word, low byte first.
        let item = LookupTableItem(descriptor: [4, 0, 8], data: [0x0201, 0x0403])
        let m = Self.resolve(Self.transforms(lut: item))
        #expect([0, 1, 2, 3, 4095].map { m($0) } == [1, 2, 3, 4, 4])
        #expect(m.outputRange == (0, 255))
        #expect(m.warnings == ["Modality LUT: 8-bit entries packed in OW words were unpacked"])
    }

    /// An unusable LUT falls back to the rescale, or to identity, and says why first.
    @Test func unusableLUTFallsBack() {
        let bad = LookupTableItem(descriptor: [4096, 0, 16], data: [1, 2, 3])
        let rescale = Self.resolve(Self.transforms(slope: 2, intercept: 1, lut: bad))
        #expect(rescale.mapping == .rescale(slope: 2, intercept: 1))
        #expect(rescale.warnings.count == 1 && rescale.warnings[0].hasPrefix("Modality LUT Sequence unusable ("))
        let identity = Self.resolve(Self.transforms(slope: 0, lut: bad))
        #expect(identity.mapping == .identity)
        #expect(identity.warnings.count == 2 && identity.warnings[1].contains("Rescale Slope 0.0 unusable"))
    }

    /// Every kind of the record is reachable, with its raw word.
    @Test func everyKindIsReachable() throws {
        let cases: [(GrayscaleTransforms, WindowingDecision.ModalityKind, String)] = [
            (Self.transforms(), .identity, "identity"),
            (Self.transforms(slope: 1, intercept: 0), .rescale, "rescale"),
            (Self.transforms(lut: Self.reversed), .lut, "lut"),
        ]
        try #require(!cases.isEmpty)
        #expect(Set(cases.map(\.1)) == Set(WindowingDecision.ModalityKind.allCases))
        for (t, kind, word) in cases {
            #expect(Self.kind(Self.resolve(t)) == kind)
            #expect(kind.rawValue == word)
        }
    }
}
