import Foundation

/// The output folder of a `convert` run: its configuration record, its resumable state and the two
/// line logs (`manifest.jsonl`, `failures.jsonl`), each line appended with one `write(2)` on an
/// `O_APPEND` descriptor so that lines never interleave, even between processes.
final class OutputFolder: @unchecked Sendable {
    let path: String
    private var manifest: Int32 = -1
    private var failures: Int32 = -1
    private var lockFD: Int32 = -1
    private let lock = NSLock()

    init(path: String) { self.path = path }

    deinit {
        if manifest >= 0 { close(manifest) }
        if failures >= 0 { close(failures) }
        if lockFD >= 0 { close(lockFD) }
    }

    /// Creates the folder or checks that it may be written: `configuration` (convert.json's text)
    /// must match the one recorded, or the folder must be empty, unless `overwrite`. A changed
    /// configuration with `overwrite` drops the earlier manifest and failures.
    func prepare(configuration expected: String, overwrite: Bool) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw MammoPrepError(path: path, stage: .write, code: .io,
                                 detail: "the output path is a file, not a folder")
        }
        try? fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MammoPrepError(path: path, stage: .write, code: .io, detail: "cannot create the output folder")
        }
        let configPath = path + "/convert.json"
        let entries = (try? fm.contentsOfDirectory(atPath: path))?.filter { !$0.hasPrefix(".") } ?? []
        let existing = try? String(contentsOfFile: configPath, encoding: .utf8)
        if let existing {
            if existing != expected && !overwrite {
                throw MammoPrepError(path: path, stage: .write, code: .configurationMismatch,
                                     detail: "convert.json records other options", remedy: .overwrite)
            }
        } else if !entries.isEmpty && !overwrite {
            throw MammoPrepError(path: path, stage: .write, code: .configurationMismatch,
                                 detail: "the folder is not empty and has no convert.json", remedy: .overwrite)
        }
        if overwrite, let existing, existing != expected {
            // A new configuration: earlier manifest lines no longer describe what will be written.
            for name in ["manifest.jsonl", "failures.jsonl"] { try? fm.removeItem(atPath: path + "/" + name) }
        }
        try writeIfChanged("convert.json", expected)
        AtomicFile.removeStaleTemporaries(in: path)
    }

    /// Replaces `name` atomically unless it already holds `text`.
    func writeIfChanged(_ name: String, _ text: String) throws {
        let file = path + "/" + name
        if (try? String(contentsOfFile: file, encoding: .utf8)) != text {
            try AtomicFile.write(to: file) { try $0.write(text) }
        }
    }

    func openLogs() throws {
        lockFD = open(path + "/.mammo-prep.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        manifest = open(path + "/manifest.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        failures = open(path + "/failures.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard manifest >= 0, failures >= 0, lockFD >= 0 else {
            throw MammoPrepError(path: path, stage: .write, code: .io, detail: "cannot open manifest.jsonl / failures.jsonl")
        }
    }

    func appendManifest(_ line: String) { append(line, to: &manifest, name: "manifest.jsonl") }
    func appendFailure(_ line: String) { append(line, to: &failures, name: "failures.jsonl") }

    /// One write(2) per line on an O_APPEND descriptor: lines never interleave. Under the folder's
    /// lock; when another process replaced the file (`rewriteLogs`), it is reopened first.
    private func append(_ line: String, to fd: inout Int32, name: String) {
        let bytes = Array((line + "\n").utf8)
        lock.withLock {
            withFolderLock {
                var open_ = stat(), named = stat()
                if fstat(fd, &open_) != 0 || stat(path + "/" + name, &named) != 0 || open_.st_ino != named.st_ino {
                    let reopened = open(path + "/" + name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                    if reopened >= 0 { close(fd); fd = reopened }
                }
                _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            }
        }
    }

    /// Runs `body` holding the exclusive flock(2) of `.mammo-prep.lock` (shards share the folder).
    private func withFolderLock<T>(_ body: () -> T) -> T {
        if lockFD >= 0 { _ = flock(lockFD, LOCK_EX) }
        defer { if lockFD >= 0 { _ = flock(lockFD, LOCK_UN) } }
        return body()
    }

    /// Real paths of the sources whose manifest lines (this configuration) cover all their
    /// outputs, all present, made from the file as it is now (`SourceStamp` equal): a source
    /// edited since is converted again. Lines without `sourceRealPath` (older runs) are keyed by
    /// the real path of their `source` and carry no stamp: they are redone.
    static func completedSources(manifestPath: String, directory: String, hash: String, singleFrame: Bool) -> Set<String> {
        guard let text = try? String(contentsOfFile: manifestPath, encoding: .utf8) else { return [] }
        var outputs: [String: (expected: Int, present: Set<Int>)] = [:]
        for line in text.split(separator: "\n") {
            guard let object = try? JSONValue.parse(String(line)),
                  object["configurationHash"]?.stringValue == hash,
                  let real = object["sourceRealPath"]?.stringValue, let output = object["output"]?.stringValue,
                  let frame = object["frame"]?.intValue, let frames = object["frames"]?.intValue,
                  let stamp = SourceStamp(of: real), object["sourceSize"]?.intValue == stamp.size,
                  object["sourceModifiedNs"]?.intValue == stamp.modifiedNs,
                  FileManager.default.fileExists(atPath: directory + "/" + output) else { continue }
            var entry = outputs[real] ?? (expected: frames, present: [])
            entry.present.insert(frame)
            outputs[real] = entry
        }
        return Set(outputs.filter { $0.value.present.count >= (singleFrame ? 1 : $0.value.expected) }.keys)
    }

    /// Rewrites `manifest.jsonl` and `failures.jsonl` atomically for the folder's current state,
    /// under an exclusive lock (`.mammo-prep.lock`) so that shards ending together do not lose
    /// each other's lines: the manifest keeps the last line of each output (one line per source
    /// and output); failures drop every line of a source `owned` says this run decided (by real
    /// path, else as given), then take `current` (this run's failures). Without `keepOthers`
    /// (no shards share the folder) failures of sources not in this run are dropped too.
    func rewriteLogs(current: [JSONValue], owned: (JSONValue) -> Bool, keepOthers: Bool) {
        lock.withLock { withFolderLock {
            let manifestLines = OutputFolder.lines(path + "/manifest.jsonl")
            var lastOf: [String: Int] = [:]
            for (i, line) in manifestLines.enumerated() {
                let key = (try? JSONValue.parse(line)).flatMap { o -> String? in
                    o["output"]?.stringValue.map { $0 + (o["row"]?.intValue.map { "#\($0)" } ?? "") }
                } ?? "line \(i)"
                lastOf[key] = i
            }
            let keep = Set(lastOf.values)
            let manifest = manifestLines.indices.filter(keep.contains).map { manifestLines[$0] }
            if manifest.count != manifestLines.count {
                try? AtomicFile.write(to: path + "/manifest.jsonl") { try $0.write(manifest.map { $0 + "\n" }.joined()) }
            }
            var seen = Set<String>()
            let earlier = keepOthers ? OutputFolder.lines(path + "/failures.jsonl").filter { line in
                guard let object = try? JSONValue.parse(line) else { return false }
                return !owned(object)
            } : []
            let failures = (earlier + current.map { $0.serialized() }).filter { seen.insert($0).inserted }
            try? AtomicFile.write(to: path + "/failures.jsonl") { try $0.write(failures.map { $0 + "\n" }.joined()) }
        } }
    }

    private static func lines(_ file: String) -> [String] {
        ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}

/// Size and modification time of a source file, recorded in its manifest lines: a resume converts
/// a source again when either changed (`OutputFolder.completedSources`).
struct SourceStamp: Equatable {
    let size: Int
    let modifiedNs: Int

    init?(of path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        size = Int(info.st_size)
        modifiedNs = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
    }
}
