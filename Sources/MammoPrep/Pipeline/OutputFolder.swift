import Foundation

/// The output folder of a `convert` run: its configuration record, its resumable state and the two
/// line logs (`manifest.jsonl`, `failures.jsonl`), each line appended with one `write(2)` on an
/// `O_APPEND` descriptor so that lines never interleave, even between processes.
final class OutputFolder: @unchecked Sendable {
    let path: String
    private var manifest: Int32 = -1
    private var failures: Int32 = -1
    private let lock = NSLock()

    init(path: String) { self.path = path }

    deinit {
        if manifest >= 0 { close(manifest) }
        if failures >= 0 { close(failures) }
    }

    /// Creates the folder or checks that it may be written: `configuration` (convert.json's text)
    /// must match the one recorded, or the folder must be empty, unless `overwrite`. A changed
    /// configuration with `overwrite` drops the earlier manifest and failures.
    func prepare(configuration expected: String, overwrite: Bool) throws {
        let fm = FileManager.default
        try? fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        var isDirectory: ObjCBool = false
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
        manifest = open(path + "/manifest.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        failures = open(path + "/failures.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard manifest >= 0, failures >= 0 else {
            throw MammoPrepError(path: path, stage: .write, code: .io, detail: "cannot open manifest.jsonl / failures.jsonl")
        }
    }

    func appendManifest(_ line: String) { append(line, to: manifest) }
    func appendFailure(_ line: String) { append(line, to: failures) }

    /// One write(2) per line on an O_APPEND descriptor: lines never interleave.
    private func append(_ line: String, to fd: Int32) {
        let bytes = Array((line + "\n").utf8)
        lock.withLock {
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
    }

    /// Sources whose manifest lines (this configuration) cover all their outputs, all present.
    static func completedSources(manifestPath: String, directory: String, hash: String, singleFrame: Bool) -> Set<String> {
        guard let text = try? String(contentsOfFile: manifestPath, encoding: .utf8) else { return [] }
        var outputs: [String: (expected: Int, present: Set<Int>)] = [:]
        for line in text.split(separator: "\n") {
            guard let object = try? JSONValue.parse(String(line)),
                  object["configurationHash"]?.stringValue == hash,
                  let source = object["source"]?.stringValue, let output = object["output"]?.stringValue,
                  let frame = object["frame"]?.intValue, let frames = object["frames"]?.intValue,
                  FileManager.default.fileExists(atPath: directory + "/" + output) else { continue }
            var entry = outputs[source] ?? (expected: frames, present: [])
            entry.present.insert(frame)
            outputs[source] = entry
        }
        return Set(outputs.filter { $0.value.present.count >= (singleFrame ? 1 : $0.value.expected) }.keys)
    }
}
