import CMammoPrepABI
import Foundation
import MammoPrep
import MammoPrepCLI
import Testing

/// Statuses and error objects: usage errors in the CLI's words, failed inputs with path, stage and
/// code, truncated buffers, BUFFER with "needed", misuse of the header.
@Suite struct ErrorTests {
    /// The message `mammo-prep convert a.dcm --out o FLAGS` fails with (what the CLI prints after
    /// "Error: ").
    static func cliMessage(_ command: [String], _ flags: [String]) -> String? {
        do {
            _ = try MammoPrepCommand.parseAsRoot(command + flags)
            return nil
        } catch {
            return MammoPrepCommand.message(for: error)
        }
    }

    static let convert = ["convert", "a.dcm", "--out", "o"]

    @Test(arguments: [
        (#"{"size": "abc"}"#, ["--size", "abc"]),
        (#"{"size": 0}"#, ["--size", "0"]),
        (#"{"fit": "crop"}"#, ["--fit", "crop"]),
        (#"{"fit": "zoom"}"#, ["--fit", "zoom"]),
        (#"{"model": "nope"}"#, ["--model", "nope"]),
        (#"{"normalize": "model"}"#, ["--normalize", "model"]),
        (#"{"normalize": "custom"}"#, ["--normalize", "custom"]),
        (#"{"channels": 2}"#, ["--channels", "2"]),
        (#"{"norm-region": "breast"}"#, ["--norm-region", "breast"]),
        (#"{"clahe": "2:0x8"}"#, ["--clahe", "2:0x8"]),
        (#"{"normalize": "custom", "mean": "0.2", "std": "0"}"#, ["--normalize", "custom", "--mean", "0.2", "--std", "0"]),
        (#"{"window": "2048:0"}"#, ["--window=2048:0"]),
        (#"{"window": "2048:0.5", "voi-function": "linear"}"#, ["--window", "2048:0.5", "--voi-function", "linear"]),
        (#"{"crop-pct": 1.5}"#, ["--crop-pct", "1.5"]),
        (#"{"reduce": "auto"}"#, ["--reduce", "auto"]),
        (#"{"reduce": 17}"#, ["--reduce", "17"]),
        (#"{"window-index": -1}"#, ["--window-index=-1"]),
        (#"{"max-frame-pixels": 0}"#, ["--max-frame-pixels", "0"]),
        (#"{"size": "16385x16384"}"#, ["--size", "16385x16384"]),
        (#"{"stats": "s.json"}"#, ["--stats", "s.json"]),
        (#"{"bogus": true}"#, ["--bogus"]),
        (#"{"size": true}"#, ["--size"]),
    ])
    func usageErrorsHaveTheCLIsWording(_ json: String, _ flags: [String]) throws {
        let expected = try #require(Self.cliMessage(Self.convert, flags), "\(flags) parsed")
        let failure = try #require(throws: ABI.Failure.self) { _ = try ABI.Pipeline(options: json) }
        #expect(failure.status == MAMMO_PREP_USAGE)
        #expect(failure.message == expected)
        #expect(failure.error.removing("message") == .object([("path", .null), ("stage", .null), ("code", .null)]))
    }

    /// Output-folder and batch options, the frame and ArgumentParser's own options are unknown
    /// here, worded as the CLI words an unknown option.
    @Test(arguments: ["out", "format", "frame", "jobs", "shard", "quiet", "overwrite", "help", "version"])
    func folderOptionsAreUnknown(_ key: String) throws {
        #expect(Self.cliMessage(Self.convert, ["--no-such-option"]) == "Unknown option '--no-such-option'")
        for value in [JSONValue.bool(true), .string("1"), .bool(false)] {
            let json = JSONValue.object([(key, value)]).serialized()
            let failure = try #require(throws: ABI.Failure.self) { _ = try ABI.Pipeline(options: json) }
            #expect(failure.status == MAMMO_PREP_USAGE && failure.message == "Unknown option '--\(key)'", "\(json)")
        }
    }

    @Test(arguments: ["[]", "3", "{", #"{"size": [224, 224]}"#, #"{"size": {"rows": 1}}"#, #"{"": true}"#, #"{"--size": "2"}"#])
    func malformedOptionsAreUsageErrors(_ json: String) throws {
        let failure = try #require(throws: ABI.Failure.self) { _ = try ABI.Pipeline(options: json) }
        #expect(failure.status == MAMMO_PREP_USAGE && !failure.message.isEmpty && !failure.message.contains("\n"), "\(failure)")
    }

    @Test func optionsAreAcceptedAsTheCLIsText() throws {
        for json in [#"{}"#, #"{"size": 224, "crop-breast": true, "flip-to": null}"#, #"{"window": "-100:400.5"}"#,
                     #"{"model": "resnet50d", "model-input": "test", "crop-pct": 0.95, "fit": "crop"}"#] {
            #expect(throws: Never.self, "\(json)") { _ = try ABI.Pipeline(options: json) }
        }
    }

    /// --stats is read and checked as convert does: a missing file or one of another pipeline is
    /// FAILED, naming the file, in the CLI's wording.
    @Test func statsFileIsCheckedAsConvertDoes() throws {
        let missing = Conversions.folder + "/no-such-stats.json"
        let failure = try #require(throws: ABI.Failure.self) {
            _ = try ABI.Pipeline(options: JSONValue.object([("normalize", .string("custom")), ("stats", .string(missing))]).serialized())
        }
        #expect(failure.status == MAMMO_PREP_FAILED && failure.path == missing && failure.stage == "read" && failure.code == "io")
        _ = Conversions.all   // writes stats.json (size 48x40, reduce auto)
        let stats = Conversions.folder + "/stats.json"
        let other = JSONValue.object([("normalize", .string("custom")), ("stats", .string(stats)), ("size", .string("64"))])
        let mismatch = try #require(throws: ABI.Failure.self) { _ = try ABI.Pipeline(options: other.serialized()) }
        #expect(mismatch.status == MAMMO_PREP_FAILED && mismatch.code == "incompatible" && mismatch.path == stats)
        #expect(mismatch.message.hasSuffix("use --force-stats to use it anyway)"), "\(mismatch.message)")
        #expect(throws: Never.self) { _ = try ABI.Pipeline(options: other.adding("force-stats", .bool(true)).serialized()) }
    }

    /// Every bad fixture fails, from its path and from its bytes, with the library's path, stage
    /// and code; the bytes carry their name.
    @Test(arguments: FixtureFiles.bad)
    func badInputsFailWithPathStageAndCode(_ entry: FixtureFiles.Entry) throws {
        let pipeline = try ABI.Pipeline(options: "{}")
        let expected = try #require(throws: MammoPrepError.self) { _ = try FramePipeline().tensor(path: entry.absolute) }
        #expect(expected.code.rawValue == entry.expectError)
        let fromPath = try #require(throws: ABI.RunFailure.self) { _ = try ABI.run(pipeline, .path(entry.absolute), capacity: 1 << 20) }
        #expect(fromPath.failure.status == MAMMO_PREP_FAILED)
        #expect(fromPath.failure.error == .object([
            ("message", .string(EmbeddedOptions.line(expected))), ("path", .string(entry.absolute)),
            ("stage", .string(expected.stage.rawValue)), ("code", .string(expected.code.rawValue)),
        ]))
        let fromBytes = try #require(throws: ABI.RunFailure.self) {
            _ = try ABI.run(pipeline, .file(entry.absolute, name: "member.bin"), capacity: 1 << 20)
        }.failure
        #expect(fromBytes.status == MAMMO_PREP_FAILED && fromBytes.path == "member.bin" && fromBytes.code == entry.expectError)
        #expect(fromBytes.message.hasPrefix("member.bin: \(fromBytes.stage!): ") && !fromBytes.message.contains("\n"))
    }

    /// A buffer cut anywhere fails (or, cut in trailing bytes no reader needs, succeeds), never
    /// crashes; cut at its start or in its middle, its last frame fails.
    @Test(arguments: FixtureFiles.good)
    func truncatedBuffersFail(_ entry: FixtureFiles.Entry) throws {
        let pipeline = try ABI.Pipeline(options: "{}")
        let bytes = [UInt8](FileManager.default.contents(atPath: entry.absolute)!)
        let last = (entry.frames ?? 1) - 1
        for cut in [0, 1, 8, 131, 140, bytes.count / 3, bytes.count / 2] {
            let failure = try #require(throws: ABI.RunFailure.self, "\(entry) cut at \(cut)") {
                _ = try ABI.run(pipeline, .bytes(Array(bytes.prefix(cut)), name: "cut"), frame: cut > 140 ? last : 0, capacity: 1 << 20)
            }.failure
            #expect(failure.status == MAMMO_PREP_FAILED && failure.path == "cut" && failure.stage != nil && failure.code != nil)
            #expect(failure.message.hasPrefix("cut: ") && !failure.message.contains("\n"), "\(failure.message)")
        }
        for cut in [bytes.count - 64, bytes.count - 1] where cut > 0 {
            do {
                _ = try ABI.run(pipeline, .bytes(Array(bytes.prefix(cut)), name: "cut"), frame: last, capacity: 1 << 20)
            } catch let failed as ABI.RunFailure {
                #expect(failed.failure.status == MAMMO_PREP_FAILED, "\(entry) cut at \(cut): \(failed)")
            }
        }
    }

    @Test func unnamedBytesAreCalledMemory() throws {
        let failure = try #require(throws: ABI.RunFailure.self) {
            _ = try ABI.run(try ABI.Pipeline(options: "{}"), .bytes(Array("not an image".utf8), name: nil), capacity: 16)
        }.failure
        #expect(failure.path == "<memory>" && failure.code == "notDICOM")
    }

    @Test func frameBeyondTheInputFailsAsConvertDoes() throws {
        let path = FixtureFiles.root + "/dicom/mf3_classic_explicit_le.dcm"
        let failure = try #require(throws: ABI.RunFailure.self) { _ = try ABI.run(try ABI.Pipeline(options: "{}"), .path(path), frame: 3, capacity: 1 << 20) }.failure
        #expect(failure.status == MAMMO_PREP_FAILED && failure.stage == "read" && failure.code == "shortPixelData")
        #expect(failure.message == "\(path): read: pixel data shorter than the image needs (frame 3 requested, the object has 3 frames)")
        #expect(throws: ABI.Failure.self) { _ = try ABI.outputShape(try ABI.Pipeline(options: "{}"), .path(path), frame: -1) }
    }

    // MARK: - BUFFER and output shapes

    @Test func bufferTooSmallTellsWhatIsNeeded() throws {
        let pipeline = try ABI.Pipeline(options: #"{"size": "64x48", "normalize": "imagenet"}"#)
        let path = FixtureFiles.root + "/dicom/mg12_mono2_explicit_le.dcm"
        for capacity in [0, 100, 3 * 64 * 48 - 1] {
            let failed = try #require(throws: ABI.RunFailure.self) { _ = try ABI.run(pipeline, .path(path), capacity: capacity) }
            #expect(failed.failure.status == MAMMO_PREP_BUFFER && failed.failure.needed == 3 * 64 * 48)
            #expect(failed.shape == [3, 64, 48] && failed.failure.stage == "write" && failed.failure.code == "bufferTooSmall")
            #expect(failed.failure.message == "\(path): write: buffer too small (the tensor [3, 64, 48] needs 9216 floats, the buffer holds \(capacity))")
        }
        #expect(try ABI.run(pipeline, .path(path), capacity: 3 * 64 * 48).shape == [3, 64, 48])
    }

    /// output_shape is exact without a breast crop (the shape run gives), else a bound of it.
    @Test(arguments: OptionSet.all)
    func outputShapeIsExactOrABound(_ set: OptionSet) throws {
        _ = Conversions.all   // writes the stats.json of the custom set
        let pipeline = try ABI.Pipeline(options: set.json)
        let cropped = set.options.contains { $0.0 == "crop-breast" && $0.1 == .bool(true) }
        let fixed = set.options.contains { ["size", "model"].contains($0.0) }
        for entry in FixtureFiles.good {
            guard let (bound, exact) = try? ABI.outputShape(pipeline, .path(entry.absolute)) else { continue }
            #expect(exact == (!cropped || fixed), "\(set.name): \(entry)")
            guard let run = try? ABI.run(pipeline, .file(entry.absolute)) else { continue }
            #expect(try ABI.outputShape(pipeline, .file(entry.absolute)).shape == bound)
            if exact { #expect(run.shape == bound, "\(set.name): \(entry)") }
            else {
                #expect(run.shape[0] == bound[0] && run.shape[1] <= bound[1] && run.shape[2] <= bound[2], "\(entry)")
                let needed = run.shape.reduce(1, *)
                let failed = try #require(throws: ABI.RunFailure.self) { _ = try ABI.run(pipeline, .path(entry.absolute), capacity: needed - 1) }
                #expect(failed.failure.status == MAMMO_PREP_BUFFER && failed.failure.needed == needed && failed.shape == run.shape)
            }
        }
    }

    // MARK: - Misuse of the header

    @Test func nullArgumentsAreUsageErrors() throws {
        var error: UnsafeMutablePointer<CChar>?
        var handle: OpaquePointer?
        #expect(mammo_prep_pipeline_create(nil, &handle, &error) == MAMMO_PREP_USAGE && handle == nil)
        #expect(ABI.take(error)?.contains("options_json is NULL") == true)
        #expect(mammo_prep_pipeline_create("{}", nil, nil) == MAMMO_PREP_USAGE)
        #expect(mammo_prep_pipeline_spec(nil, nil, nil) == MAMMO_PREP_USAGE)
        #expect(mammo_prep_run(nil, nil, nil, 0, nil, 0, nil, nil, nil) == MAMMO_PREP_USAGE)
        #expect(mammo_prep_inspect(nil, nil, nil) == MAMMO_PREP_USAGE)
        mammo_prep_pipeline_destroy(nil)
        mammo_prep_workspace_destroy(nil)
        mammo_prep_free(nil)
        let pipeline = try ABI.Pipeline(options: "{}")
        let path = FixtureFiles.root + "/dicom/mg12_mono2_explicit_le.dcm"
        let both = try path.withCString { p in
            try [UInt8](repeating: 0, count: 4).withUnsafeBufferPointer { b in
                var source = mammo_prep_source(path: p, bytes: b.baseAddress, length: 4, name: nil)
                return try #require(throws: ABI.Failure.self) {
                    try ABI.check { mammo_prep_output_shape(pipeline.handle, &source, 0, nil, nil, $0) }
                }
            }
        }
        #expect(both.status == MAMMO_PREP_USAGE && both.message == "the source must have exactly one of a path or bytes")
        var neither = mammo_prep_source(path: nil, bytes: nil, length: 0, name: nil)
        #expect(mammo_prep_output_shape(pipeline.handle, &neither, 0, nil, nil, nil) == MAMMO_PREP_USAGE)
    }
}
