import ArgumentParser
import Foundation
import MammoPrep

extension MammoPrepCommand {
    /// `mammo-prep inspect FILE… [--json]` (docs/design.md §2).
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the image attributes of DICOM and TIFF files (never patient identifiers).",
            discussion: """
            Folders are searched recursively like convert's (files that are neither DICOM nor TIFF are skipped \
            there). Exit status: 0 when every file was read, 1 when any file could not be read, 2 on a usage error.
            With --json, one object per line; a file that cannot be read gives {"path", "error", "stage", "code"}.
            """
        )

        @Argument(help: "DICOM or TIFF files (recognised by content), or folders (recursive).")
        var files: [String]

        @Flag(help: "Print one JSON object per file and line instead of a readable block.")
        var json = false

        @Flag(help: "Also decode every frame, to catch corrupt or truncated pixel data (slower).")
        var verify = false

        @OptionGroup(title: "Limits")
        var limits: LimitOptions

        func run() throws {
            var failures = 0
            var paths: [String] = []
            var walkFailures: [MammoPrepError] = []
            var fromFolders = Set<String>()
            for argument in files {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue else {
                    paths.append(argument)
                    continue
                }
                do {
                    let found = try InputDiscovery.discover([argument], checkCollisions: false)
                    walkFailures += found.failures
                    let images = found.inputs.map(\.path).filter { ((try? ImageFormat.detect(path: $0)) ?? nil) != nil }
                    paths += images
                    fromFolders.formUnion(images)
                } catch let error as MammoPrepError { walkFailures.append(error) }
            }
            for error in walkFailures {
                failures += 1
                if json { print(error.record(pathKey: "path").serialized()) } else { Console.error(error) }
            }
            for (index, path) in paths.enumerated() {
                do {
                    let inspection = try Inspection(path: path, limits: limits.limits, verify: verify)
                    print(json ? inspection.json.serialized() : (index > 0 ? "\n" : "") + inspection.text)
                } catch let error as MammoPrepError {
                    // In a folder, non-image objects (SR, KO, DICOMDIR, …) are skipped as convert skips them.
                    if error.nonImageClass != nil && fromFolders.contains(path) { continue }
                    failures += 1
                    if json { print(error.record(pathKey: "path").serialized()) }
                    else { Console.error(error) }
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }
}
