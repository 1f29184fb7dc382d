/// A Modality or VOI LUT resolved from its raw item (PS3.3 C.11.1.1.1, C.11.2.1.1): the first
/// stored/modality value mapped, the entries, and their bit depth.
package struct LookupTable: Sendable, Equatable {
    /// Input value mapped to `entries[0]`.
    package let firstMapped: Int
    /// Output values, each in 0…2^bits − 1.
    package let entries: [UInt16]
    /// Bits per entry (third descriptor value).
    package let bits: Int
    /// Whether 8-bit entries were found packed two per OW word (unpacked here, low byte first).
    package let unpacked: Bool

    /// Resolves a raw item. `signedFirst`: read the descriptor's second value as SS (Pixel
    /// Representation 1 for a Modality LUT; modality output that can be negative for a VOI LUT),
    /// else US. Count 0 means 65,536 entries. Returns a reason instead when the item is unusable.
    package static func resolve(_ item: LookupTableItem, signedFirst: Bool) -> Result<LookupTable, LUTProblem> {
        guard item.descriptor.count == 3 else { return .failure(.descriptor("LUT Descriptor has \(item.descriptor.count) values, not 3")) }
        let count = item.entryCount
        let bits = item.bitsPerEntry
        guard (1...16).contains(bits) else { return .failure(.descriptor("LUT Descriptor bits \(bits) outside 1…16")) }
        let first = signedFirst ? Int(Int16(bitPattern: item.descriptor[1])) : Int(item.descriptor[1])
        var entries: [UInt16]
        var unpacked = false
        if item.data.count >= count {
            entries = Array(item.data.prefix(count))
        } else if bits <= 8 && item.data.count == (count + 1) / 2 {
            // 8-bit entries packed two per 16-bit OW word, entry 2k in the low byte (DCMTK
            // diluptab.cc does the same; pydicom 3.0.2 does not, docs/windowing.md §4).
            entries = (0..<count).map { i in i % 2 == 0 ? item.data[i / 2] & 0xFF : item.data[i / 2] >> 8 }
            unpacked = true
        } else {
            return .failure(.data("LUT Data holds \(item.data.count) words, the descriptor declares \(count) entries"))
        }
        let top = bits == 16 ? 0xFFFF : (1 << bits) - 1
        if let bad = entries.first(where: { Int($0) > top }) {
            return .failure(.data("LUT entry \(bad) exceeds \(bits)-bit range"))
        }
        return .success(LookupTable(firstMapped: first, entries: entries, bits: bits, unpacked: unpacked))
    }

    /// Largest output value the entries' bit depth allows: 2^bits − 1.
    package var outputMaximum: Double { Double((1 << bits) - 1) }

    /// The entry for input `x`: inputs below `firstMapped` take the first entry, inputs at or above
    /// `firstMapped + count − 1` the last (C.11.1.1.1, C.11.2.1.1). Non-integer inputs (after a
    /// rescale) are truncated toward zero first, as pydicom does and DCMTK's integer pipeline implies.
    @inlinable
    package func entry(for x: Double) -> UInt16 {
        let index = Int(x.rounded(.towardZero)) - firstMapped
        if index <= 0 { return entries[0] }
        if index >= entries.count - 1 { return entries[entries.count - 1] }
        return entries[index]
    }

    /// Warning text when a LUT declared with `bits` never uses its top bit (e.g. 12-bit data in a
    /// 16-bit LUT): the image will look dark under the descriptor rule (docs/windowing.md §4).
    package var underuseWarning: String? {
        guard bits > 1, let maximum = entries.max(), Int(maximum) < 1 << (bits - 1) else { return nil }
        return "LUT entries reach \(maximum), below half of the declared \(bits)-bit range"
    }
}

/// Why a LUT item could not be used.
package enum LUTProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case descriptor(String)
    case data(String)

    package var description: String {
        switch self { case .descriptor(let s), .data(let s): return s }
    }
}
