/// Stored pixel values: the integers of PS3.5 8.1.1 / PS3.3 C.7.6.3, masked to Bits Stored and,
/// for Pixel Representation 1, sign-extended from bit Bits Stored − 1.
///
/// Words are kept in one canonical 16-bit form: unsigned values as themselves, signed values as the
/// bit pattern of their `Int16`. Every value of every supported depth (Bits Stored ≤ 16) fits, and
/// the windowing stage can map any frame through a 65,536-entry table indexed by the word.
package struct StoredFrame: Sendable, Equatable {
    package let rows: Int
    package let columns: Int
    package let bitsStored: Int
    package let isSigned: Bool
    /// Row-major canonical words (see the type's documentation); `rows × columns` of them.
    package var words: [UInt16]

    package init(rows: Int, columns: Int, bitsStored: Int, isSigned: Bool, words: [UInt16]) {
        precondition(words.count == rows * columns, "StoredFrame: \(words.count) words for \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        self.bitsStored = bitsStored
        self.isSigned = isSigned
        self.words = words
    }

    /// The stored value at a row-major index.
    @inlinable
    package subscript(index: Int) -> Int32 {
        isSigned ? Int32(Int16(bitPattern: words[index])) : Int32(words[index])
    }

    /// All stored values, row-major, widened to `Int32`.
    package func values() -> [Int32] {
        isSigned ? words.map { Int32(Int16(bitPattern: $0)) } : words.map { Int32($0) }
    }

    /// Smallest and largest value Bits Stored and Pixel Representation allow (PS3.3 C.7.6.3.1).
    package var representableRange: ClosedRange<Int32> {
        StoredValueLayout.range(bitsStored: bitsStored, isSigned: isSigned)
    }
}

/// A frame of allocated words as the decoder produced them (host order), not yet masked to Bits
/// Stored or sign-extended: `layout` says how (PS3.5 8.1.1).
package struct RawFrame: Sendable, Equatable {
    package let rows: Int
    package let columns: Int
    package let layout: StoredValueLayout
    package var words: [UInt16]

    package init(rows: Int, columns: Int, layout: StoredValueLayout, words: [UInt16]) {
        precondition(words.count == rows * columns, "RawFrame: \(words.count) words for \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        self.layout = layout
        self.words = words
    }

    /// The stored values, masked and sign-extended.
    package func canonical() -> StoredFrame {
        var words = self.words
        layout.canonicalize(&words)
        return StoredFrame(rows: rows, columns: columns, bitsStored: layout.bitsStored, isSigned: layout.isSigned,
                           words: words)
    }
}

/// Where the stored value sits in an allocated word, and how to get it out (PS3.5 8.1.1).
///
/// Corresponds to DCMTK `DiInputPixelTemplate` (`diinpxt.h`): value = (word >> (HB + 1 − BS)) & mask,
/// then sign extension; this honours High Bit, which pydicom ignores (it assumes HB = BS − 1; the two
/// agree on every conformant DX/MG object, C.8.11.3).
package struct StoredValueLayout: Sendable, Equatable {
    package let bitsAllocated: Int
    package let bitsStored: Int
    package let highBit: Int
    package let isSigned: Bool

    /// Validates the layout: 1 ≤ Bits Stored ≤ 16, Bits Stored ≤ Bits Allocated, and
    /// Bits Stored − 1 ≤ High Bit < Bits Allocated (PS3.5 8.1.1).
    package init?(bitsAllocated: Int, bitsStored: Int, highBit: Int, isSigned: Bool) {
        guard (1...16).contains(bitsStored), bitsStored <= bitsAllocated,
              highBit >= bitsStored - 1, highBit < bitsAllocated, bitsAllocated <= 16 else { return nil }
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored
        self.highBit = highBit
        self.isSigned = isSigned
    }

    @usableFromInline var shift: UInt16 { UInt16(highBit + 1 - bitsStored) }
    @usableFromInline var mask: UInt16 { bitsStored == 16 ? 0xFFFF : UInt16((1 << bitsStored) - 1) }

    /// The canonical word (see `StoredFrame`) of one raw allocated word.
    @inlinable
    package func canonicalWord(_ raw: UInt16) -> UInt16 {
        let value = (raw >> shift) & mask
        guard isSigned, bitsStored < 16 else { return value }
        let signBit = UInt16(1) << UInt16(bitsStored - 1)
        return value & signBit != 0 ? value | ~mask : value
    }

    /// The stored value of one raw allocated word.
    @inlinable
    package func storedValue(_ raw: UInt16) -> Int32 {
        let word = canonicalWord(raw)
        return isSigned ? Int32(Int16(bitPattern: word)) : Int32(word)
    }

    /// Masks and sign-extends a whole frame of raw words in place. The common conformant layouts
    /// (unsigned with HB = BS − 1 and nothing to mask) cost nothing.
    package func canonicalize(_ words: inout [UInt16]) {
        if !isSigned && shift == 0 && mask == 0xFFFF { return }
        if !isSigned && shift == 0 {
            let m = mask
            words.withUnsafeMutableBufferPointer { buffer in
                for i in buffer.indices { buffer[i] &= m }
            }
            return
        }
        words.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = canonicalWord(buffer[i]) }
        }
    }

    package static func range(bitsStored: Int, isSigned: Bool) -> ClosedRange<Int32> {
        isSigned ? (-(Int32(1) << (bitsStored - 1)))...((Int32(1) << (bitsStored - 1)) - 1)
                 : 0...((Int32(1) << bitsStored) - 1)
    }
}
