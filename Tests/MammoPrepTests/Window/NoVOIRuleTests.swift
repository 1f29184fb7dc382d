import Testing
@testable import MammoPrep

/// The no-VOI rule step (docs/windowing.md §6): `range` over the modality output range of §3,
/// `minmax` over the frame's own modality outputs, a constant input, and the presence scan.
@Suite struct NoVOIRuleTests {
    static let unsigned12 = StoredValueLayout.range(bitsStored: 12, isSigned: false)
    static let signed12 = StoredValueLayout.range(bitsStored: 12, isSigned: true)

    static func modality(slope: Double? = nil, intercept: Double? = nil,
                         stored: ClosedRange<Int32> = unsigned12) -> ModalityTransform {
        var t = GrayscaleTransforms()
        t.rescaleSlope = slope
        t.rescaleIntercept = intercept
        return ModalityTransform.resolve(t, stored: stored, signedStored: stored.lowerBound < 0)
    }

    static func present(_ values: [Int32]) -> Windowing.Presence {
        Windowing.Presence(canonical: values.map { UInt16(truncatingIfNeeded: $0) })
    }

    /// `range` over every 12-bit value: exactly (x − ymin)/(ymax − ymin), 0 at the bottom, 1 at the top.
    @Test func rangeOverEveryValue() {
        for stored in [Self.unsigned12, Self.signed12] {
            let m = Self.modality(stored: stored)
            let s = NoVOIScaling.resolve(.range, modality: m, stored: stored, present: { fatalError("range reads no values") })
            #expect(s.low == Double(stored.lowerBound) && s.high == Double(stored.upperBound) && s.warning == nil)
            let low = Double(stored.lowerBound)
            #expect(stored.allSatisfy { s(m($0)) == (Double($0) - low) / 4095 })
            #expect(s(m(stored.lowerBound)) == 0 && s(m(stored.upperBound)) == 1)
        }
    }

    /// A negative slope gives ymin > ymax, so stored order is kept (docs/windowing.md §3).
    @Test func rangeThroughANegativeSlope() {
        let m = Self.modality(slope: -1, intercept: 4095)
        let s = NoVOIScaling.resolve(.range, modality: m, stored: Self.unsigned12, present: { fatalError() })
        #expect(s.low == 4095 && s.high == 0)
        #expect(Self.unsigned12.allSatisfy { s(m($0)) == Double($0) / 4095 })
    }

    /// `minmax` takes the extremes of the values present, through the modality transform.
    @Test func minmaxOverThePresentValues() {
        let values: [Int32] = [100, 200, 300, 200]
        let identity = Self.modality()
        let s = NoVOIScaling.resolve(.minmax, modality: identity, stored: Self.unsigned12, present: { Self.present(values) })
        #expect(s.low == 100 && s.high == 300)
        #expect(values.map { s(identity($0)) } == [0, 0.5, 1, 0.5])
        let rescaled = Self.modality(slope: -2, intercept: 10)
        let r = NoVOIScaling.resolve(.minmax, modality: rescaled, stored: Self.unsigned12, present: { Self.present(values) })
        #expect(r.low == -590 && r.high == -190)
        let signed = NoVOIScaling.resolve(.minmax, modality: Self.modality(stored: Self.signed12), stored: Self.signed12,
                                          present: { Self.present([-2048, -5, 17]) })
        #expect(signed.low == -2048 && signed.high == 17)
    }

    @Test(arguments: WindowingOptions.NoVOIRule.allCases)
    func constantInputIsZeroWithAWarning(rule: WindowingOptions.NoVOIRule) {
        let s = NoVOIScaling(rule: rule, low: 7, high: 7)
        #expect(s(7) == 0 && s(-1) == 0 && s(100) == 0)
        #expect(s.warning == "no-VOI \(rule.rawValue): constant input 7.0; output 0")
        var d = WindowingDecision()
        s.record(into: &d)
        #expect(d.voiSource == .none && d.noVOIRule == rule && d.range == [7, 7])
    }

    /// The raw-word scan folds masking and sign extension in: equal to the canonical scan.
    @Test func presenceFromRawWordsEqualsCanonical() throws {
        let layout = try #require(StoredValueLayout(bitsAllocated: 16, bitsStored: 12, highBit: 11, isSigned: true))
        let raw: [UInt16] = [0xF800, 0x07FF, 0x0800, 0xA005, 0x0000]   // garbage above bit 11
        let canonical = raw.map { layout.canonicalWord($0) }
        let fromRaw = Windowing.Presence(raw: raw, layout: layout)
        #expect(fromRaw.present == Windowing.Presence(canonical: canonical).present)
        try #require(!canonical.isEmpty)
        for word in canonical { #expect(fromRaw.contains(Int32(Int16(bitPattern: word)))) }
        #expect(!fromRaw.contains(1))
    }
}
