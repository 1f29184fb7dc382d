import Foundation
import MammoPrep
import MammoPrepCLI
import Testing

/// Fixtures/ (Fixtures/fixtures.json lists them; `expectError` marks the bad ones).
enum FixtureFiles {
    static let root: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures").path

    struct Entry: Decodable, Sendable, CustomStringConvertible {
        let path: String
        let frames: Int?
        let expectError: String?
        var absolute: String { FixtureFiles.root + "/" + path }
        var description: String { path }
    }

    private struct Manifest: Decodable { let files: [Entry] }

    static let all: [Entry] = {
        let data = FileManager.default.contents(atPath: root + "/fixtures.json")!
        return try! JSONDecoder().decode(Manifest.self, from: data).files
    }()

    static var good: [Entry] { all.filter { $0.expectError == nil } }
    static var bad: [Entry] { all.filter { $0.expectError != nil } }
}

/// One set of `convert` options, written once: the JSON the ABI takes and the flags the CLI takes.
struct OptionSet: Sendable, CustomTestStringConvertible {
    let name: String
    let options: [(String, JSONValue)]

    var json: String { JSONValue.object(options).serialized() }

    var flags: [String] {
        options.flatMap { key, value -> [String] in
            switch value {
            case .bool(true): return ["--" + key]
            case .string(let s): return ["--" + key, s]
            case .int(let n): return ["--" + key, String(n)]
            case .double(let d): return ["--" + key, "\(d)"]
            default: return []
            }
        }
    }

    var testDescription: String { name }

    /// A spread over windowing, geometry, normalization, reduction and limits. Some make inputs
    /// fail (VOI source window without a window, a lowered pixel limit): those must fail alike.
    static let all: [OptionSet] = [
        OptionSet(name: "defaults", options: []),
        OptionSet(name: "model resnet50d", options: [("model", .string("resnet50d"))]),
        OptionSet(name: "crop fit, bilinear, flip", options: [
            ("size", .string("96x80")), ("fit", .string("crop")), ("interpolation", .string("bilinear")),
            ("flip-to", .string("left")), ("crop-pct", .double(0.9)),
        ]),
        OptionSet(name: "breast crop, imagenet, minmax", options: [
            ("crop-breast", .bool(true)), ("crop-margin", .int(8)), ("normalize", .string("imagenet")),
            ("no-voi", .string("minmax")),
        ]),
        OptionSet(name: "explicit sigmoid window, reduce 1, 3 channels", options: [
            ("window", .string("2048:4096")), ("voi-function", .string("sigmoid")), ("reduce", .string("1")),
            ("channels", .int(3)), ("invert", .string("never")),
        ]),
        OptionSet(name: "window 1, stretch, model test input", options: [
            ("voi-source", .string("window")), ("window-index", .int(1)), ("size", .string("64")),
            ("fit", .string("stretch")), ("model", .string("resnet50d")), ("model-input", .string("test")),
            ("normalize", .string("none")), ("clip", .bool(true)), ("crop-breast", .bool(false)),
        ]),
        OptionSet(name: "pixel limit", options: [("max-total-pixels", .int(40_960)), ("size", .string("32x48"))]),
        OptionSet(name: "custom normalization", options: [
            ("size", .string("48x40")), ("reduce", .string("auto")), ("normalize", .string("custom")),
            ("stats", .string(Conversions.folder + "/stats.json")),
        ]),
    ]

    /// The stats options whose pixels the custom normalization normalizes.
    static let statsForCustom = #"{"size": "48x40", "reduce": "auto", "jobs": 2}"#
}

/// `mammo-prep convert` over the fixtures, once per option set (in this process, through the
/// CLI's command line), read back: manifest lines, failure lines, preprocess.json, outputs.
struct Conversion: Sendable {
    let set: OptionSet
    let folder: String
    let manifest: [JSONValue]
    let failures: [JSONValue]
    let preprocess: String

    /// The float32 payload of an output .npy (after its header).
    func payload(_ output: String) -> [UInt8] {
        let bytes = [UInt8](FileManager.default.contents(atPath: folder + "/" + output)!)
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        return Array(bytes[(10 + headerLength)...])
    }
}

enum Conversions {
    static let folder = NSTemporaryDirectory() + "mammo-prep-cabi-tests-\(getpid())"

    static let all: [String: Conversion] = {
        atexit { try? FileManager.default.removeItem(atPath: Conversions.folder) }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // The custom set's stats.json, computed through the ABI (checked against `stats` elsewhere).
        let stats = try! ABI.stats(options: OptionSet.statsForCustom, paths: [FixtureFiles.root + "/dicom"])
        try! (stats + "\n").write(toFile: folder + "/stats.json", atomically: true, encoding: .utf8)
        var out: [String: Conversion] = [:]
        for (i, set) in OptionSet.all.enumerated() { out[set.name] = convert(set, into: folder + "/\(i)") }
        return out
    }()

    /// Every good fixture (bad/ holds names convert refuses to map to one folder: colour_rgb.dcm
    /// and colour_rgb.tif; ErrorTests checks those against the library).
    static let inputs = ["dicom", "tiff", "reduce"].map { FixtureFiles.root + "/" + $0 }

    static func convert(_ set: OptionSet, into folder: String, inputs: [String] = Conversions.inputs,
                        extra: [String] = []) -> Conversion {
        let arguments = ["convert"] + inputs + ["--out", folder, "-q", "-j", "2"] + set.flags + extra
        do {
            var command = try MammoPrepCommand.parseAsRoot(arguments)
            try command.run()
        } catch {
            // Exit status 1: some inputs failed (recorded in failures.jsonl), as expected here.
            precondition(MammoPrepCommand.exitCode(for: error).rawValue == 1, "\(arguments): \(error)")
        }
        func lines(_ name: String) -> [JSONValue] {
            let text = (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").map { try! JSONValue.parse(String($0)) }
        }
        return Conversion(set: set, folder: folder, manifest: lines("manifest.jsonl"), failures: lines("failures.jsonl"),
                          preprocess: try! String(contentsOfFile: folder + "/preprocess.json", encoding: .utf8))
    }
}

extension JSONValue {
    /// The object without the member `key`.
    func removing(_ key: String) -> JSONValue {
        guard case .object(let pairs) = self else { return self }
        return .object(pairs.filter { $0.0 != key })
    }

    /// A manifest line without what only convert writes: `output` and the source file's keys
    /// (real path, size, mtime, join keys: docs/cli.md), which the C ABI's decision record lacks.
    func decisionPart() -> JSONValue {
        let fileKeys: Set<String> = ["output", "sourceRealPath", "sourceSize", "sourceModifiedNs", "sopInstanceUID",
                                     "studyInstanceUID", "seriesInstanceUID", "sopClassUID", "laterality",
                                     "viewPosition", "imageType", "presentationIntentType", "numberOfFrames"]
        guard case .object(let pairs) = self else { return self }
        return .object(pairs.filter { !fileKeys.contains($0.0) })
    }
}
