import Testing
@testable import MammoPrep

/// LUT items (C.11.1.1.1, C.11.2.1.1): count 0, signed/unsigned first mapped value, clamping below
/// and above the table, 8- and 16-bit entries, packed OW, and an 8-bit LUT longer than 256 entries.
@Suite struct LookupTableTests {
    static func lut(_ descriptor: [UInt16], _ data: [UInt16], signed: Bool = false) throws -> LookupTable {
        try LookupTable.resolve(LookupTableItem(descriptor: descriptor, data: data), signedFirst: signed).get()
    }

    @Test func countZeroMeans65536() throws {
        let t = try Self.lut([0, 0, 16], (0...65535).map { UInt16($0) })
        #expect(t.entries.count == 65536)
        #expect(t.entry(for: 65535) == 65535)
        #expect(t.entry(for: 70000) == 65535)
    }

    @Test func firstMappedSignedAndUnsigned() throws {
        // Descriptor word 0xFC18 is −1000 as SS, 64536 as US.
        let data = (0..<2000).map { UInt16($0) }
        let signed = try Self.lut([2000, 0xFC18, 16], data, signed: true)
        #expect(signed.firstMapped == -1000)
        #expect(signed.entry(for: -1000) == 0)
        #expect(signed.entry(for: 0) == 1000)
        #expect(signed.entry(for: -5000) == 0)          // below: first entry
        #expect(signed.entry(for: 998) == 1998)
        #expect(signed.entry(for: 999) == 1999)         // first + n − 1: last entry
        #expect(signed.entry(for: 5000) == 1999)        // above: last entry
        let unsigned = try Self.lut([2000, 0xFC18, 16], data)
        #expect(unsigned.firstMapped == 64536)
        #expect(unsigned.entry(for: 0) == 0)
        let positive = try Self.lut([10, 100, 16], (0..<10).map { UInt16($0 * 7) })
        #expect(positive.entry(for: 99) == 0)
        #expect(positive.entry(for: 100) == 0)
        #expect(positive.entry(for: 105) == 35)
        #expect(positive.entry(for: 109) == 63)
        #expect(positive.entry(for: 110) == 63)
        #expect(positive.entry(for: 105.9) == 35)       // non-integer input truncates
        #expect(positive.entry(for: -0.5) == 0)
    }

    /// pydicom 3.0.2 indexes an 8-bit LUT through a uint8 array, so input 300 reads entry 44
    /// (docs/windowing.md §4). The correct answer is entry 300.
    @Test func eightBitLUTLongerThan256Entries() throws {
        let data = (0..<4096).map { UInt16(($0 * 255) / 4095) }
        let t = try Self.lut([4096, 0, 8], data)
        #expect(t.entry(for: 300) == data[300])
        #expect(t.entry(for: 300) != data[44])
        #expect(t.outputMaximum == 255)
        for x in 0..<4096 { #expect(t.entry(for: Double(x)) == data[x]) }
    }

    @Test func packedEightBitEntriesAreUnpacked() throws {
        // 5 entries 10, 20, 30, 40, 50 packed low byte first into 3 words.
        let t = try Self.lut([5, 0, 8], [20 << 8 | 10, 40 << 8 | 30, 50])
        #expect(t.unpacked)
        #expect(t.entries == [10, 20, 30, 40, 50])
    }

    @Test func unusableItemsSayWhy() {
        func problem(_ d: [UInt16], _ data: [UInt16]) -> LUTProblem? {
            if case .failure(let p) = LookupTable.resolve(LookupTableItem(descriptor: d, data: data), signedFirst: false) { return p }
            return nil
        }
        #expect(problem([4, 0], [1, 2, 3, 4]) != nil)
        #expect(problem([4, 0, 0], [1, 2, 3, 4]) != nil)
        #expect(problem([4, 0, 17], [1, 2, 3, 4]) != nil)
        #expect(problem([4, 0, 16], [1, 2]) != nil)
        #expect(problem([4, 0, 8], [1, 2, 3, 256]) != nil)
    }

    @Test func warnsWhenTopBitUnused() throws {
        #expect(try Self.lut([3, 0, 16], [0, 2000, 4095]).underuseWarning != nil)
        #expect(try Self.lut([3, 0, 16], [0, 2000, 40000]).underuseWarning == nil)
    }
}
