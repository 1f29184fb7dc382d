/// Small text encodings shared by the writers.
package enum CSV {
    /// One RFC 4180 field: quoted (inner quotes doubled) when it holds a comma, quote or line break.
    package static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// 64-bit FNV-1a of a text's UTF-8, as 16 hex digits: a stable fingerprint (not a security hash).
package enum FNV1a {
    package static func hex(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
