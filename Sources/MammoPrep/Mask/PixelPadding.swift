/// Pixel padding of a DICOM frame (PS3.3 C.7.5.1.1.2): the stored values that mark pixels outside
/// the image proper, excluded from the foreground mask (docs/stats.md, "Foreground").
package enum PixelPadding {
    /// 1 where the stored value of `words` equals (0028,0120) Pixel Padding Value `value`, or lies
    /// between it and (0028,0121) Pixel Padding Range Limit `rangeLimit` (inclusive, in either
    /// order); 0 elsewhere. Both attributes are read as stored values in the image's Pixel
    /// Representation (US or SS), as `layout` decodes the words.
    package static func mask(words: [UInt16], layout: StoredValueLayout, value: UInt16, rangeLimit: UInt16?) -> [UInt8] {
        func stored(_ word: UInt16) -> Int32 { layout.isSigned ? Int32(Int16(bitPattern: word)) : Int32(word) }
        let a = stored(value), b = stored(rangeLimit ?? value)
        let range = Swift.min(a, b)...Swift.max(a, b)
        var isPadding = [UInt8](repeating: 0, count: 65536)
        for raw in 0..<65536 where range.contains(layout.storedValue(UInt16(raw))) { isPadding[raw] = 1 }
        return words.map { isPadding[Int($0)] }
    }
}
