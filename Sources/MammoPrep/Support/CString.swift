import Foundation

extension String {
    /// The one C-buffer → String conversion: the bytes up to the first NUL (or exactly `length`
    /// bytes when given), as UTF-8 with invalid sequences repaired.
    init(cBuffer bytes: UnsafeRawBufferPointer, length: Int? = nil) {
        let end = length.map { Swift.min($0, bytes.count) } ?? (bytes.firstIndex(of: 0) ?? bytes.count)
        self = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
    }

    /// The C library's text for the current `errno`.
    static func systemError() -> String { String(cString: strerror(errno)) }

    /// `init(cBuffer:length:)` over a Swift-owned `[CChar]` buffer.
    init(cBuffer buffer: [CChar], length: Int? = nil) {
        self = buffer.withUnsafeBytes { String(cBuffer: $0, length: length) }
    }
}
