import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One `(N, C, H, W)` float32 `.npy` filled row by row from several threads (`--format npy-stack`),
/// loadable with `np.load(path, mmap_mode="r")`.
///
/// The file is created under a temporary name at its full size; row i is written at
/// header + i · rowBytes with pwrite(2). `finish` drops the rows that were never written
/// (failed inputs) by moving the later rows down, rewrites the header with the final N and renames
/// the file into place. The header is padded to a fixed 128 bytes so that N can shrink in place.
package final class NPYStack: @unchecked Sendable {
    package let path: String
    package let rowShape: [Int]
    package let rows: Int
    private let temporary: String
    private let fd: Int32
    private let rowBytes: Int
    private static let headerBytes = 128
    private let lock = NSLock()
    private var written: [Bool]

    package init(path: String, rows: Int, rowShape: [Int]) throws {
        self.path = path
        self.rows = rows
        self.rowShape = rowShape
        rowBytes = rowShape.reduce(4, *)
        written = [Bool](repeating: false, count: rows)
        temporary = AtomicFile.temporaryName(for: path)
        fd = open(temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw MammoPrepError(path: path, stage: .write, code: .io, detail: "cannot create: \(String.systemError())")
        }
        do {
            try writeHeader(rows: rows)
            guard ftruncate(fd, off_t(NPYStack.headerBytes + rows * rowBytes)) == 0 else {
                throw MammoPrepError(path: path, stage: .write, code: .io, detail: "cannot size the file: \(String.systemError())")
            }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    static func header(rows: Int, rowShape: [Int]) -> [UInt8] {
        let shape = "(" + ([rows] + rowShape).map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        let total = 10 + dict.utf8.count + 1
        precondition(total <= headerBytes, "NPYStack: header too long")
        dict += String(repeating: " ", count: headerBytes - total) + "\n"
        let length = UInt16(dict.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dict.utf8)
    }

    private func writeHeader(rows: Int) throws {
        let bytes = NPYStack.header(rows: rows, rowShape: rowShape)
        try bytes.withUnsafeBytes { try pwriteAll($0, at: 0) }
    }

    private func pwriteAll(_ buffer: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < buffer.count {
            let n = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw MammoPrepError(path: path, stage: .write, code: .io, detail: "write failed: \(String.systemError())")
            }
            done += n
        }
    }

    /// Writes row `index` (thread-safe: rows are disjoint).
    package func write(row index: Int, _ values: [Float]) throws {
        precondition(index >= 0 && index < rows && values.count * 4 == rowBytes)
        try values.withUnsafeBytes { try pwriteAll($0, at: NPYStack.headerBytes + index * rowBytes) }
        lock.withLock { written[index] = true }
    }

    /// Writes row `index` from its raw little-endian float32 bytes (thread-safe: rows are disjoint).
    package func write(row index: Int, bytes: UnsafeRawBufferPointer) throws {
        precondition(index >= 0 && index < rows && bytes.count == rowBytes)
        try pwriteAll(bytes, at: NPYStack.headerBytes + index * rowBytes)
        lock.withLock { written[index] = true }
    }

    /// Compacts away unwritten rows, publishes the file and returns, for each original row, its
    /// final row index (nil when dropped).
    package func finish() throws -> [Int?] {
        var mapping = [Int?](repeating: nil, count: rows)
        var next = 0
        var buffer = [UInt8](repeating: 0, count: rowBytes)
        for i in 0..<rows where written[i] {
            if i != next {
                let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, rowBytes, off_t(NPYStack.headerBytes + i * rowBytes)) }
                guard got == rowBytes else {
                    throw MammoPrepError(path: path, stage: .write, code: .io, detail: "compaction read failed")
                }
                try buffer.withUnsafeBytes { try pwriteAll($0, at: NPYStack.headerBytes + next * rowBytes) }
            }
            mapping[i] = next
            next += 1
        }
        try writeHeader(rows: next)
        guard ftruncate(fd, off_t(NPYStack.headerBytes + next * rowBytes)) == 0, rename(temporary, path) == 0 else {
            throw MammoPrepError(path: path, stage: .write, code: .io, detail: "cannot publish: \(String.systemError())")
        }
        return mapping
    }

    /// Removes the temporary file (nothing published).
    package func abandon() {
        unlink(temporary)
    }
}
