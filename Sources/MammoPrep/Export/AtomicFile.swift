import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file under a temporary name in the destination's folder, then renames it into place
/// (docs/design.md §5): readers and a resumed run never see a partial file; a killed run leaves at most
/// a `.NAME.tmp-…` file, which the next run ignores and overwrites nothing with.
package struct AtomicFile {
    private let fd: Int32
    private let path: String
    private let temporaryPath: String
    private var failed = false

    /// Runs `body` with a writer for a new file at `path`, then publishes it with rename(2).
    /// On any error the temporary file is removed and nothing appears at `path`.
    package static func write(to path: String, _ body: (inout AtomicFile) throws -> Void) throws {
        var file = try AtomicFile(path: path)
        do {
            try body(&file)
            try file.commit()
        } catch {
            file.abandon()
            throw error
        }
    }

    /// For writers that need a path of their own (libtiff): `body` writes to a temporary path in
    /// the destination's folder, which is renamed to `path` on success and removed on error.
    package static func publish(to path: String, _ body: (String) throws -> Void) throws {
        let temporary = temporaryName(for: path)
        do {
            try body(temporary)
            if rename(temporary, path) != 0 {
                throw MammoPrepError(path: path, stage: .write, code: .io, detail: "rename: \(String.systemError())")
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    static func temporaryName(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return (folder.isEmpty ? "" : folder + "/") + ".\(name)\(marker)\(host)-\(getpid())-\(suffix)"
    }

    private init(path: String) throws {
        self.path = path
        temporaryPath = AtomicFile.temporaryName(for: path)
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            throw MammoPrepError(path: path, stage: .write, code: .io, detail: "cannot create temporary file: \(String.systemError())")
        }
    }

    /// Appends raw bytes.
    package mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress!.advanced(by: offset), bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                failed = true
                throw MammoPrepError(path: path, stage: .write, code: .io, detail: String.systemError())
            }
            offset += n
        }
    }

    package mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    package mutating func write(_ text: String) throws {
        try write(Array(text.utf8))
    }

    private func commit() throws {
        if close(fd) != 0 {
            throw MammoPrepError(path: path, stage: .write, code: .io, detail: "close: \(String.systemError())")
        }
        if rename(temporaryPath, path) != 0 {
            let reason = String.systemError()
            unlink(temporaryPath)
            throw MammoPrepError(path: path, stage: .write, code: .io, detail: "rename: \(reason)")
        }
    }

    static let marker = ".tmp-"

    static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        let name = String(cBuffer: buffer)
        return name.replacingOccurrences(of: "-", with: "_")
    }()

    /// Removes temporary files left in `folder` (recursively) by killed runs on this host: those whose
    /// process no longer exists. Temporaries of live processes, or of other hosts sharing the folder
    /// (a job array on a network file system), are left alone. Returns how many were removed.
    @discardableResult
    package static func removeStaleTemporaries(in folder: String) -> Int {
        removeTemporaries(in: folder) { kill($0, 0) != 0 && errno == ESRCH }
    }

    /// Removes the temporary files of process `pid` on this host in `folder` (recursively): what a
    /// run that is stopped at once leaves behind. Returns how many were removed.
    @discardableResult
    package static func removeTemporaries(of pid: Int32, in folder: String) -> Int {
        removeTemporaries(in: folder) { $0 == pid }
    }

    private static func removeTemporaries(in folder: String, where matches: (Int32) -> Bool) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return 0 }
        var removed = 0
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            guard name.hasPrefix("."), let range = name.range(of: marker, options: .backwards) else { continue }
            let parts = name[range.upperBound...].split(separator: "-")
            guard parts.count == 3, String(parts[0]) == host, let pid = Int32(parts[1]), matches(pid) else { continue }
            if unlink(folder + "/" + relative) == 0 { removed += 1 }
        }
        return removed
    }

    private func abandon() {
        close(fd)
        unlink(temporaryPath)
    }
}
