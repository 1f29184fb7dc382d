import Foundation

/// One input file and the output name derived from its path (docs/design.md §2 "Output path"): for a
/// file argument `…/NAME.dcm` → `NAME`; for a folder argument the path relative to the folder with
/// the extension removed (`sub/NAME`). Names come only from paths, never from DICOM attributes.
public struct InputFile: Sendable, Equatable {
    public let path: String
    /// Output path relative to the output folder, without extension.
    public let outputStem: String
    /// The resolved real path (symlinks followed): what resume recognises a source by.
    public let realPath: String

    public init(path: String, outputStem: String, realPath: String? = nil) {
        self.path = path
        self.outputStem = outputStem
        self.realPath = realPath ?? InputDiscovery.realPath(path) ?? path
    }
}

/// What walking the arguments found: the files, the entries that could not be walked (an
/// unreadable folder, a broken link: failures, path + reason) and symlink loops (each reported once).
public struct InputDiscoveryResult: Sendable {
    public var inputs: [InputFile] = []
    public var failures: [MammoPrepError] = []
    /// One line per loop: the link and the folder it leads back to.
    public var loops: [String] = []

    public init() {}
}

public enum InputDiscovery {
    /// `discover`, the inputs only (discovery failures and loops dropped).
    public static func collect(_ arguments: [String], checkCollisions: Bool = true) throws -> [InputFile] {
        try discover(arguments, checkCollisions: checkCollisions).inputs
    }

    /// Expands file and folder arguments (folders recursively, hidden entries skipped, symlinks to
    /// files and folders followed, each real folder visited once), sorted by output name for a
    /// stable order across runs and machines. The same real file reached twice is kept once.
    /// Throws a usage-level error for a missing argument or two inputs that would write the same
    /// output (unless `checkCollisions` is false: for commands that write no per-input files).
    public static func discover(_ arguments: [String], checkCollisions: Bool = true) throws -> InputDiscoveryResult {
        var result = InputDiscoveryResult()
        var visited = Set<String>()
        let fm = FileManager.default
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw MammoPrepError(path: argument, stage: .read, code: .io,
                                     detail: isLink(argument) ? "broken symbolic link" : "no such file or folder")
            }
            if !isDirectory.boolValue {
                result.inputs.append(InputFile(path: argument, outputStem: stem(of: (argument as NSString).lastPathComponent)))
                continue
            }
            let root = argument.count > 1 && argument.hasSuffix("/") ? String(argument.dropLast()) : argument
            walk(root, relative: "", ancestors: [], visited: &visited, into: &result)
        }
        var seenReal = Set<String>()
        result.inputs = result.inputs.sorted { ($0.outputStem, $0.path) < ($1.outputStem, $1.path) }
            .filter { seenReal.insert($0.realPath).inserted }
        if checkCollisions {
            var seen: [String: String] = [:]
            for input in result.inputs {
                if let other = seen[input.outputStem] {
                    throw MammoPrepError(path: input.path, stage: .read, code: .nameCollision,
                                         detail: "would write the same output '\(input.outputStem)' as \(other)")
                }
                seen[input.outputStem] = input.path
            }
        }
        return result
    }

    /// Visits `folder` (reached as `relative` under its argument) unless its real path was visited.
    private static func walk(_ folder: String, relative: String, ancestors: [String], visited: inout Set<String>,
                             into result: inout InputDiscoveryResult) {
        guard let real = realPath(folder) else { return }
        if ancestors.contains(real) {
            result.loops.append("\(folder): symbolic link loop back to \(real), not followed")
            return
        }
        guard visited.insert(real).inserted else { return }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        } catch {
            result.failures.append(MammoPrepError(path: folder, stage: .read, code: .io,
                                                  detail: "cannot read the folder: \(reason(of: folder))"))
            return
        }
        for name in names where !name.hasPrefix(".") {
            let path = folder + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard stat(path, &info) == 0 else {
                let detail = isLink(path) ? "broken symbolic link" : "cannot stat: \(String(cString: strerror(errno)))"
                result.failures.append(MammoPrepError(path: path, stage: .read, code: .io, detail: detail))
                continue
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: walk(path, relative: rel, ancestors: ancestors + [real], visited: &visited, into: &result)
            case S_IFREG: result.inputs.append(InputFile(path: path, outputStem: stem(of: rel)))
            default: continue
            }
        }
    }

    /// Why a folder cannot be listed (errno of opendir), e.g. "Permission denied".
    private static func reason(of folder: String) -> String {
        if let dir = opendir(folder) { closedir(dir); return "unreadable" }
        return String(cString: strerror(errno))
    }

    static func isLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// realpath(3), nil when the path does not resolve.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The path without its last extension (`a/b.c.dcm` → `a/b.c`; `IM0001` stays).
    static func stem(of relative: String) -> String {
        let name = (relative as NSString).lastPathComponent
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return relative }
        let folder = (relative as NSString).deletingLastPathComponent
        let base = String(name[..<dot])
        return folder.isEmpty ? base : folder + "/" + base
    }
}
