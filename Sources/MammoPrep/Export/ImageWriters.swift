internal import CPNG
internal import CTIFF

/// PNG writers for viewing (docs/design.md §2: png16/png8 store the 0…1 image before normalization).
/// Quantization: q = round(v · (2^n − 1)), n = 16 or 8, half away from zero; v is clamped to [0, 1]
/// first (windowed values already are). Grayscale, no gamma or colour chunks.
package enum PNGWriter {
    package static func quantize16(_ pixels: [Float]) -> [UInt16] {
        pixels.map { UInt16((Double(min(max($0, 0), 1)) * 65535).rounded()) }
    }

    package static func quantize8(_ pixels: [Float]) -> [UInt8] {
        pixels.map { UInt8((Double(min(max($0, 0), 1)) * 255).rounded()) }
    }

    /// Writes `pixels` (row-major, rows × columns) as a `bitDepth`-bit PNG atomically to `path`.
    package static func write(_ pixels: [Float], rows: Int, columns: Int, bitDepth: Int, to path: String) throws {
        precondition(bitDepth == 8 || bitDepth == 16)
        precondition(pixels.count == rows * columns)
        var buffer = CPNG_Buffer()
        var message = CPNG_Message()
        let status: Int32
        if bitDepth == 16 {
            let samples = quantize16(pixels)
            status = samples.withUnsafeBytes {
                CPNG_encodeGray($0.baseAddress, UInt32(columns), UInt32(rows), 16, 3, &buffer, &message)
            }
        } else {
            let samples = quantize8(pixels)
            status = samples.withUnsafeBytes {
                CPNG_encodeGray($0.baseAddress, UInt32(columns), UInt32(rows), 8, 3, &buffer, &message)
            }
        }
        defer { CPNG_freeBuffer(&buffer) }
        guard status == 0, let data = buffer.data else {
            let text = withUnsafeBytes(of: &message.text) { String(cBuffer: $0) }
            throw MammoPrepError(path: path, stage: .write, code: .io, detail: "PNG encoder: \(text)")
        }
        let bytes = UnsafeRawBufferPointer(start: data, count: buffer.size)
        try AtomicFile.write(to: path) { try $0.write(bytes) }
    }
}

/// 32-bit float grayscale TIFF (MinIsBlack, uncompressed) through libtiff, written atomically.
package enum TIFFWriter {
    package static func write(_ pixels: [Float], rows: Int, columns: Int, to path: String) throws {
        precondition(pixels.count == rows * columns)
        try AtomicFile.publish(to: path) { temporary in
            var sink = CTIFF_ErrorSink()
            let status = pixels.withUnsafeBufferPointer {
                CTIFF_writeFloatGray(temporary, $0.baseAddress, UInt32(columns), UInt32(rows), &sink)
            }
            guard status == 0 else {
                let text = withUnsafeBytes(of: &sink.message) { String(cBuffer: $0) }
                throw MammoPrepError(path: path, stage: .write, code: .io, detail: "libtiff: \(text)")
            }
        }
    }
}
