import Testing
@testable import MammoPrep

/// Masking and sign extension (PS3.5 8.1.1, PS3.3 C.7.6.3): exhaustive over every 16-bit raw word,
/// i.e. every stored code combined with every pattern of garbage in the unused high bits.
@Suite struct StoredValueLayoutTests {
    /// The rule written independently of the implementation: take the Bits Stored bits ending at
    /// High Bit; for Pixel Representation 1, values with the top stored bit set are negative
    /// (two's complement within Bits Stored).
    static func expected(_ raw: UInt16, bitsStored: Int, highBit: Int, signed: Bool) -> Int32 {
        let low = highBit + 1 - bitsStored
        var value = (Int32(raw) / (Int32(1) << low)) % (Int32(1) << bitsStored)
        if signed && value >= (Int32(1) << (bitsStored - 1)) { value -= Int32(1) << bitsStored }
        return value
    }

    @Test(arguments: [12, 14], [false, true])
    func everyRawWordMasksAndSignExtends(bitsStored: Int, signed: Bool) throws {
        let layout = try #require(StoredValueLayout(bitsAllocated: 16, bitsStored: bitsStored,
                                                    highBit: bitsStored - 1, isSigned: signed))
        var seen = [Int32: Int]()
        for raw in 0...0xFFFF {
            let word = UInt16(raw)
            let got = layout.storedValue(word)
            let want = Self.expected(word, bitsStored: bitsStored, highBit: bitsStored - 1, signed: signed)
            #expect(got == want, "raw 0x\(String(raw, radix: 16)) BS \(bitsStored) signed \(signed): \(got) != \(want)")
            seen[got, default: 0] += 1
        }
        // Every code appears once per garbage pattern, and nothing outside the representable range.
        let range = StoredValueLayout.range(bitsStored: bitsStored, isSigned: signed)
        #expect(seen.count == 1 << bitsStored)
        #expect(seen.keys.allSatisfy { range.contains($0) })
        #expect(Set(seen.values) == [1 << (16 - bitsStored)])
    }

    @Test(arguments: [12, 14], [false, true])
    func canonicalizeAgreesWithStoredValue(bitsStored: Int, signed: Bool) throws {
        let layout = try #require(StoredValueLayout(bitsAllocated: 16, bitsStored: bitsStored,
                                                    highBit: bitsStored - 1, isSigned: signed))
        var words = (0...0xFFFF).map { UInt16($0) }
        layout.canonicalize(&words)
        let frame = StoredFrame(rows: 256, columns: 256, bitsStored: bitsStored, isSigned: signed, words: words)
        for raw in 0...0xFFFF {
            #expect(frame[raw] == layout.storedValue(UInt16(raw)))
        }
    }

    @Test func knownValuesFromTheStandard() throws {
        // docs/windowing.md §1: BS 12 signed, 0x0800 → −2048, 0xF7FF → 2047 (garbage 0xF above bit 11).
        let s12 = try #require(StoredValueLayout(bitsAllocated: 16, bitsStored: 12, highBit: 11, isSigned: true))
        #expect(s12.storedValue(0x0800) == -2048)
        #expect(s12.storedValue(0xF7FF) == 2047)
        #expect(s12.storedValue(0xFFFF) == -1)
        #expect(s12.storedValue(0x0000) == 0)
        let u16 = try #require(StoredValueLayout(bitsAllocated: 16, bitsStored: 16, highBit: 15, isSigned: false))
        #expect(u16.storedValue(0xFFFF) == 65535)
        let s16 = try #require(StoredValueLayout(bitsAllocated: 16, bitsStored: 16, highBit: 15, isSigned: true))
        #expect(s16.storedValue(0x8000) == -32768)
        let u8 = try #require(StoredValueLayout(bitsAllocated: 8, bitsStored: 8, highBit: 7, isSigned: false))
        #expect(u8.storedValue(0x00FF) == 255)
    }

    /// High Bit above Bits Stored − 1 (legal outside DX/MG): DCMTK's rule, value = (word >> (HB+1−BS)) & mask.
    @Test(arguments: [(12, 15), (10, 13), (8, 11)])
    func highBitShiftsLikeDCMTK(bitsStored: Int, highBit: Int) throws {
        for signed in [false, true] {
            let layout = try #require(StoredValueLayout(bitsAllocated: 16, bitsStored: bitsStored, highBit: highBit, isSigned: signed))
            for raw in stride(from: 0, through: 0xFFFF, by: 7) {
                #expect(layout.storedValue(UInt16(raw)) == Self.expected(UInt16(raw), bitsStored: bitsStored, highBit: highBit, signed: signed))
            }
        }
    }

    @Test func invalidLayoutsAreRejected() {
        #expect(StoredValueLayout(bitsAllocated: 16, bitsStored: 0, highBit: 0, isSigned: false) == nil)
        #expect(StoredValueLayout(bitsAllocated: 16, bitsStored: 17, highBit: 16, isSigned: false) == nil)
        #expect(StoredValueLayout(bitsAllocated: 8, bitsStored: 12, highBit: 11, isSigned: false) == nil)
        #expect(StoredValueLayout(bitsAllocated: 16, bitsStored: 12, highBit: 10, isSigned: false) == nil)
        #expect(StoredValueLayout(bitsAllocated: 16, bitsStored: 12, highBit: 16, isSigned: false) == nil)
        #expect(StoredValueLayout(bitsAllocated: 32, bitsStored: 32, highBit: 31, isSigned: false) == nil)
    }
}
