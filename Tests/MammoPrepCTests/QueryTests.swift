import CMammoPrepABI
import Dispatch
import Foundation
import MammoPrep
import MammoPrepCLI
import Testing

/// inspect and stats through the ABI against the commands; threads and workspaces.
@Suite struct QueryTests {
    /// `inspect --json`'s line for a file (what the command prints for it).
    static func inspectLine(_ path: String) -> JSONValue {
        do { return try Inspection(path: path).json } catch let error as MammoPrepError {
            return error.record(pathKey: "path")
        } catch { return .string("\(error)") }
    }

    @Test(arguments: FixtureFiles.all)
    func inspectEqualsInspectJSON(_ entry: FixtureFiles.Entry) throws {
        let expected = Self.inspectLine(entry.absolute)
        for source in [ABI.Source.path(entry.absolute), .file(entry.absolute)] {
            if expected["error"] == nil {
                let json = try ABI.inspect(source)
                #expect(json == expected, "\(entry) \(source)")
            } else {
                let failure = try #require(throws: ABI.Failure.self) { _ = try ABI.inspect(source) }
                #expect(failure.status == MAMMO_PREP_FAILED && failure.path == entry.absolute)
                if case .path = source {
                    #expect(failure.stage == expected["stage"]?.stringValue && failure.code == expected["code"]?.stringValue)
                }
            }
        }
    }

    @Test func inspectKeysAreInspectJSONKeys() throws {
        let json = try ABI.inspect(.file(FixtureFiles.root + "/dicom/mg12_mono2_explicit_le.dcm", name: "m.dcm"))
        guard case .object(let pairs) = json else { Issue.record("not an object"); return }
        #expect(pairs.map(\.0) == ["path", "format", "rows", "columns", "frames", "bitsAllocated", "bitsStored", "highBit",
                                   "pixelRepresentation", "photometricInterpretation", "transferSyntaxUID", "modality",
                                   "presentationIntentType", "windows", "voiLUTFunction", "hasVOILUTSequence",
                                   "hasModalityLUTSequence", "rescaleSlope", "rescaleIntercept", "presentationLUTShape",
                                   "imageLaterality", "viewPosition", "manufacturer", "sopInstanceUID", "studyInstanceUID",
                                   "seriesInstanceUID", "sopClassUID", "laterality", "viewPosition", "imageType", "numberOfFrames"])
        #expect(json["path"] == .string("m.dcm"))
    }

    /// The stats.json `mammo-prep stats INPUT… --out F FLAGS` writes (run in this process).
    static func statsCommand(_ inputs: [String], _ flags: [String], name: String) throws -> JSONValue {
        let out = Conversions.folder + "/stats-command-\(name).json"
        try? FileManager.default.createDirectory(atPath: Conversions.folder, withIntermediateDirectories: true)
        do {
            var command = try MammoPrepCommand.parseAsRoot(["stats"] + inputs + ["--out", out, "-q"] + flags)
            try command.run()
        } catch {
            #expect(MammoPrepCommand.exitCode(for: error).rawValue == 1, "\(error)")   // some inputs failed
        }
        return try JSONValue.parse(String(contentsOfFile: out, encoding: .utf8))
    }

    @Test(arguments: [
        ("defaults", [(String, JSONValue)]()),
        ("mask foreground, size", [("mask", .string("foreground")), ("size", .string("64")), ("jobs", .int(2))]),
        ("frame 0, window, reduce", [("frame", .int(0)), ("window", .string("2048:4096")), ("reduce", .int(1)), ("jobs", .int(1))]),
        ("shard 2/3", [("shard", .string("2/3")), ("voi-source", .string("window"))]),
    ] as [(String, [(String, JSONValue)])])
    func statsEqualsTheStatsCommand(_ name: String, _ options: [(String, JSONValue)]) throws {
        let set = OptionSet(name: name, options: options)
        // bad/ once: its failures are listed in stats.json (and printed by the command).
        let inputs = [FixtureFiles.root + "/dicom", FixtureFiles.root + "/tiff"] + (name == "defaults" ? [FixtureFiles.root + "/bad"] : [])
        let expected = try Self.statsCommand(inputs, set.flags, name: name.filter(\.isLetter))
        let json = try JSONValue.parse(try ABI.stats(options: set.json, paths: inputs))
        #expect(json == expected, "\(json.memberDifferences(expected))")
        #expect((json["images"]?.intValue ?? 0) > 0)
    }

    @Test(arguments: [
        (#"{"out": "s.json"}"#, [String]()),
        (#"{"per-image": "p.csv"}"#, []),
        (#"{"quiet": true}"#, []),
        (#"{"mask": "bogus"}"#, ["--mask", "bogus"]),
        (#"{"jobs": 0}"#, ["--jobs", "0"]),
        (#"{"normalize": "imagenet"}"#, ["--normalize", "imagenet"]),
    ])
    func statsUsageErrors(_ json: String, _ flags: [String]) throws {
        let failure = try #require(throws: ABI.Failure.self) { _ = try ABI.stats(options: json, paths: [FixtureFiles.root + "/dicom"]) }
        #expect(failure.status == MAMMO_PREP_USAGE)
        if flags.isEmpty {
            #expect(failure.message.hasPrefix("Unknown option '--"))
        } else {
            #expect(failure.message == ErrorTests.cliMessage(["stats", "a.dcm", "--out", "s.json"], flags))
        }
    }

    @Test func statsWithoutInputs() throws {
        let failure = try #require(throws: ABI.Failure.self) { _ = try ABI.stats(options: "{}", paths: []) }
        #expect(failure.status == MAMMO_PREP_USAGE)
        #expect(failure.message == ErrorTests.cliMessage(["stats", "compute", "--out", "s.json"], []))
        let missing = try #require(throws: ABI.Failure.self) { _ = try ABI.stats(options: "{}", paths: ["/no/such/folder"]) }
        #expect(missing.status == MAMMO_PREP_FAILED && missing.path == "/no/such/folder" && missing.code == "io")
    }

    /// Two threads run one pipeline at once, each with its workspace, and get what one thread gets;
    /// a workspace reused over inputs of different sizes changes nothing.
    @Test func threadsAndWorkspaces() throws {
        let pipeline = try ABI.Pipeline(options: #"{"size": "80x64", "crop-breast": true, "flip-to": "right"}"#)
        let paths = FixtureFiles.good.map(\.absolute)
        let single = try paths.map { try ABI.run(pipeline, .path($0)).bytes }
        let results = ResultBox(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            let workspace = mammo_prep_workspace_create()
            defer { mammo_prep_workspace_destroy(workspace) }
            let order = thread == 0 ? Array(paths.indices) : paths.indices.reversed()
            var out = [[UInt8]](repeating: [], count: paths.count)
            for i in order { out[i] = (try? ABI.run(pipeline, .file(paths[i]), workspace: workspace).bytes) ?? [] }
            results.set(thread, out)
        }
        #expect(results.get(0) == single)
        #expect(results.get(1) == single)
    }
}

/// Per-thread results, written once each under a lock.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[[UInt8]]]
    init(count: Int) { values = Array(repeating: [], count: count) }
    func set(_ i: Int, _ value: [[UInt8]]) { lock.withLock { values[i] = value } }
    func get(_ i: Int) -> [[UInt8]] { lock.withLock { values[i] } }
}
