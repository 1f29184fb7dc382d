/// safetensors files (huggingface/safetensors format): an 8-byte little-endian header length N,
/// N bytes of JSON (`{"NAME": {"dtype": "F32", "shape": […], "data_offsets": [0, bytes]},
/// "__metadata__": {string: string}}`, padded with spaces to a multiple of 8), then the raw
/// little-endian data. One tensor per file; `safetensors.numpy.load_file` reads it as is.
package enum SafetensorsWriter {
    package static func header(name: String, shape: [Int], metadata: [(String, String)]) -> [UInt8] {
        let bytes = shape.reduce(4, *)
        let json = JSONValue.object([
            ("__metadata__", .object(metadata.map { ($0.0, .string($0.1)) })),
            (name, .object([("dtype", .string("F32")), ("shape", .array(shape.map(JSONValue.int))),
                            ("data_offsets", .array([.int(0), .int(bytes)]))])),
        ]).serialized()
        var text = Array(json.utf8)
        while (8 + text.count) % 8 != 0 { text.append(0x20) }
        var out = [UInt8]()
        var n = UInt64(text.count)
        for _ in 0..<8 {
            out.append(UInt8(n & 0xFF))
            n >>= 8
        }
        return out + text
    }

    /// Writes one float32 tensor atomically.
    package static func write(_ values: [Float], shape: [Int], name: String = "image", metadata: [(String, String)],
                             to path: String) throws {
        precondition(values.count == shape.reduce(1, *))
        try AtomicFile.write(to: path) { file in
            try file.write(header(name: name, shape: shape, metadata: metadata))
            try values.withUnsafeBytes { try file.write($0) }
        }
    }
}
