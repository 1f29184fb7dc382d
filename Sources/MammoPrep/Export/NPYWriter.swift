/// NumPy `.npy` format version 1.0 (numpy.lib.format): magic, version, a little-endian uint16
/// header length, a Python-literal header dict padded with spaces to a multiple of 64 bytes and
/// ending in a newline, then the raw C-order data. `np.load` reads the result as is.
package enum NPYWriter {
    /// Element types written by mammo-prep, with their NumPy `descr`.
    package enum DType: String, Sendable {
        case float32 = "<f4"
        case int32 = "<i4"

        var size: Int { 4 }
    }

    /// The complete header (magic through padding newline) for `shape` and `dtype`.
    package static func header(dtype: DType, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let preamble = 10 // magic (6) + version (2) + header length (2)
        let total = preamble + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        let length = UInt16(dict.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dict.utf8)
    }

    /// Writes `values` (row-major, `shape.reduce(1, *)` elements) atomically to `path`.
    package static func write(_ values: [Float], shape: [Int], to path: String) throws {
        precondition(values.count == shape.reduce(1, *), "NPYWriter: \(values.count) values for shape \(shape)")
        try AtomicFile.write(to: path) { file in
            try file.write(header(dtype: .float32, shape: shape))
            // x86-64 and arm64 are little-endian, as '<f4' requires.
            try values.withUnsafeBytes { try file.write($0) }
        }
    }

    /// Writes `values` as `<i4` atomically to `path`.
    package static func write(_ values: [Int32], shape: [Int], to path: String) throws {
        precondition(values.count == shape.reduce(1, *), "NPYWriter: \(values.count) values for shape \(shape)")
        try AtomicFile.write(to: path) { file in
            try file.write(header(dtype: .int32, shape: shape))
            try values.withUnsafeBytes { try file.write($0) }
        }
    }
}
