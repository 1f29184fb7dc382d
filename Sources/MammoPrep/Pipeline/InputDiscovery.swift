import Foundation

/// One input file and the output name derived from its path (docs/design.md §2 "Output path"): for a
/// file argument `…/NAME.dcm` → `NAME`; for a folder argument the path relative to the folder with
/// the extension removed (`sub/NAME`). Names come only from paths, never from DICOM attributes.
public struct InputFile: Sendable, Equatable {
    public let path: String
    /// Output path relative to the output folder, without extension.
    public let outputStem: String
}

public enum InputDiscovery {
    /// Expands file and folder arguments (folders recursively, hidden entries skipped), sorted by
    /// output name for a stable order across runs and machines. Throws a usage-level error for a
    /// missing argument or two inputs that would write the same output.
    /// With `checkCollisions` false (for commands that write no per-input files, like `stats`),
    /// output names may repeat; the same file reached twice (same resolved path) is kept once.
    public static func collect(_ arguments: [String], checkCollisions: Bool = true) throws -> [InputFile] {
        var inputs: [InputFile] = []
        let fm = FileManager.default
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw MammoPrepError(path: argument, stage: .read, code: .io, detail: "no such file or folder")
            }
            if !isDirectory.boolValue {
                inputs.append(InputFile(path: argument, outputStem: stem(of: (argument as NSString).lastPathComponent)))
                continue
            }
            let root = argument.hasSuffix("/") ? String(argument.dropLast()) : argument
            guard let walker = fm.enumerator(atPath: root) else { continue }
            var found: [String] = []
            while let relative = walker.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if name.hasPrefix(".") {
                    if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { walker.skipDescendants() }
                    continue
                }
                if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { found.append(relative) }
            }
            for relative in found {
                inputs.append(InputFile(path: root + "/" + relative, outputStem: stem(of: relative)))
            }
        }
        inputs.sort { ($0.outputStem, $0.path) < ($1.outputStem, $1.path) }
        if !checkCollisions {
            var resolved = Set<String>()
            return inputs.filter { resolved.insert((($0.path as NSString).resolvingSymlinksInPath as NSString).standardizingPath).inserted }
        }
        var seen: [String: String] = [:]
        for input in inputs {
            if let other = seen[input.outputStem] {
                throw MammoPrepError(path: input.path, stage: .read, code: .nameCollision,
                                     detail: "would write the same output '\(input.outputStem)' as \(other)")
            }
            seen[input.outputStem] = input.path
        }
        return inputs
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
