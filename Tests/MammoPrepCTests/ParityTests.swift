import CMammoPrepABI
import Foundation
import MammoPrep
import MammoPrepCLI
import Testing

/// The ABI against `convert`: for every option set and every fixture frame, the tensor is the
/// bytes of convert's .npy (from a path and from the file's bytes), the record is convert's manifest
/// line without `output`, failures fail alike, and preprocess.json rebuilds the same pipeline.
@Suite struct ParityTests {
    @Test(arguments: OptionSet.all)
    func everyOutputEqualsConvert(_ set: OptionSet) throws {
        let conversion = try #require(Conversions.all[set.name])
        try #require(conversion.manifest.count >= 10, "\(set.name): convert wrote \(conversion.manifest.count) outputs")
        let pipeline = try ABI.Pipeline(options: set.json)
        let workspace = mammo_prep_workspace_create()
        defer { mammo_prep_workspace_destroy(workspace) }
        for line in conversion.manifest {
            let source = try #require(line["source"]?.stringValue)
            let frame = try #require(line["frame"]?.intValue)
            let expected = conversion.payload(try #require(line["output"]?.stringValue))
            for input in [ABI.Source.path(source), .file(source)] {
                let run = try ABI.run(pipeline, input, frame: frame, workspace: workspace)
                #expect(run.bytes == expected, "\(set.name): \(source) frame \(frame) \(input)")
                #expect(run.record == line.decisionPart(), "\(set.name): \(source) frame \(frame)")
            }
        }
        // Without a workspace, and without a record: the same tensor.
        let first = conversion.manifest[0]
        let run = try ABI.run(pipeline, .path(first["source"]!.stringValue!), frame: first["frame"]!.intValue!, record: false)
        #expect(run.bytes == conversion.payload(first["output"]!.stringValue!) && run.record == nil)
    }

    @Test(arguments: OptionSet.all)
    func everyFailureEqualsConvert(_ set: OptionSet) throws {
        let conversion = try #require(Conversions.all[set.name])
        let pipeline = try ABI.Pipeline(options: set.json)
        let library = FramePipeline(try EmbeddedOptions.convertOptions(json: set.json).framePipelineOptions)
        for line in conversion.failures {
            let source = try #require(line["source"]?.stringValue)
            let error = try #require(throws: MammoPrepError.self) { _ = try library.tensor(path: source) }
            #expect(error.description == line["error"]?.stringValue)
            let failure = try #require(throws: ABI.RunFailure.self) { _ = try ABI.run(pipeline, .path(source), capacity: 1 << 20) }.failure
            #expect(failure.status == MAMMO_PREP_FAILED)
            #expect(failure.message == EmbeddedOptions.line(error), "\(set.name): \(source)")
            #expect(failure.path == source && failure.stage == line["stage"]?.stringValue && failure.code == line["code"]?.stringValue,
                    "\(set.name): \(failure)")
        }
    }

    /// Some option sets make inputs fail (a VOI source without its VOI, a pixel limit).
    @Test func someOptionSetsMakeInputsFail() {
        #expect(Conversions.all.values.filter { !$0.failures.isEmpty }.count >= 2)
    }

    /// spec → pipeline → spec is the identity; the pipeline `create` builds writes convert's
    /// preprocess.json; from_spec gives the FramePipelineOptions convert used, and its pixels.
    @Test(arguments: OptionSet.all)
    func preprocessJSONRebuildsTheRun(_ set: OptionSet) throws {
        let conversion = try #require(Conversions.all[set.name])
        let written = try JSONValue.parse(conversion.preprocess)
        let rebuilt = try ABI.Pipeline(spec: conversion.preprocess)
        #expect(try JSONValue.parse(rebuilt.spec()) == written)
        #expect(try JSONValue.parse(ABI.Pipeline(options: set.json).spec()) == written)
        #expect(try JSONValue.parse(ABI.Pipeline(spec: rebuilt.spec()).spec()) == written)
        // Read limits are not part of preprocess.json: from_spec reads with the standard ones.
        let fromSpec = try EmbeddedOptions.convertOptions(spec: conversion.preprocess)
        var fromOptions = try EmbeddedOptions.convertOptions(json: set.json)
        #expect(fromSpec.limits == .standard)
        fromOptions.limits = .standard
        #expect(fromSpec.framePipelineOptions == fromOptions.framePipelineOptions)
        for line in conversion.manifest {
            let source = line["source"]!.stringValue!, frame = line["frame"]!.intValue!
            let run = try ABI.run(rebuilt, .path(source), frame: frame)
            #expect(run.bytes == conversion.payload(line["output"]!.stringValue!), "\(set.name): \(source) frame \(frame)")
            #expect(run.record == line.decisionPart())
        }
    }

    /// A run with --frame and another format: the specification keeps both.
    @Test func specificationKeepsFormatAndFrame() throws {
        let folder = Conversions.folder + "/png16-frame1"
        let conversion = Conversions.convert(OptionSet(name: "png16", options: [("size", .string("40"))]),
                                             into: folder, inputs: [FixtureFiles.root + "/dicom/bto12_explicit_le.dcm"],
                                             extra: ["--format", "png16", "--frame", "1"])
        let spec = try JSONValue.parse(conversion.preprocess)
        #expect(spec["format"] == .string("png16") && spec["windowing"]?["frame"] == .int(1))
        #expect(try JSONValue.parse(ABI.Pipeline(spec: conversion.preprocess).spec()) == spec)
    }

    // MARK: - Strictness of from_spec

    /// One edit of a preprocess.json, and what the refusal must name.
    struct SpecEdit: Sendable, CustomTestStringConvertible {
        let name: String
        let named: String
        let edit: @Sendable (JSONValue) -> JSONValue
        init(_ name: String, _ named: String, _ edit: @escaping @Sendable (JSONValue) -> JSONValue) {
            (self.name, self.named, self.edit) = (name, named, edit)
        }
        var testDescription: String { name }
    }

    static let edits: [SpecEdit] = [
        SpecEdit("unknown member", "extra") { $0.adding("extra", .int(1)) },
        SpecEdit("unknown nested member", "geometry.zoom") { $0.replacing("geometry") { $0.adding("zoom", .double(2)) } },
        SpecEdit("missing member", "normalize") { $0.removing("normalize") },
        SpecEdit("output shape", "outputShape") { $0.replacing("outputShape") { _ in .array([.int(1), .int(2), .int(2)]) } },
        SpecEdit("normalize mean", "normalize.mean") {
            $0.replacing("normalize") { $0.replacing("mean") { _ in .array([.double(0.5)]) } }
        },
        SpecEdit("another version", "tool") { $0.replacing("tool") { _ in .string("mammo-prep 0.0.1") } },
        SpecEdit("enum value", "The value 'bogus' is invalid for '--voi-source <voi-source>'") {
            $0.replacing("windowing") { $0.replacing("voiSource") { _ in .string("bogus") } }
        },
        SpecEdit("contradiction", "'--fit crop' needs '--size' or '--model'.") {
            $0.replacing("geometry") { $0.replacing("fit") { _ in .string("crop") } }
        },
        SpecEdit("JSON type", "'windowing.windowIndex' must be an integer") {
            $0.replacing("windowing") { $0.replacing("windowIndex") { _ in .string("1") } }
        },
        SpecEdit("not an object", "expected a JSON object") { _ in .array([]) },
    ]

    /// A preprocess.json edited into something convert would not write is a usage error naming it.
    @Test(arguments: edits)
    func editedSpecificationIsRefused(_ edit: SpecEdit) throws {
        let conversion = try #require(Conversions.all["defaults"])
        let text = edit.edit(try JSONValue.parse(conversion.preprocess)).serialized()
        let failure = try #require(throws: ABI.Failure.self) { _ = try ABI.Pipeline(spec: text) }
        #expect(failure.status == MAMMO_PREP_USAGE && failure.path == nil, "\(edit.name)")
        #expect(failure.message.hasPrefix("preprocess.json: ") && failure.message.contains(edit.named), "\(edit.name): \(failure.message)")
        #expect(!failure.message.contains("\n"))
    }

    @Test func specificationThatIsNotJSON() throws {
        let failure = try #require(throws: ABI.Failure.self) { _ = try ABI.Pipeline(spec: "{\"tool\": ") }
        #expect(failure.status == MAMMO_PREP_USAGE && failure.message.hasPrefix("preprocess.json: invalid JSON"))
    }

    /// A preset that differs from this version's (its mean edited) is refused.
    @Test func specificationWithAnotherPreset() throws {
        let conversion = try #require(Conversions.all["model resnet50d"])
        let spec = try JSONValue.parse(conversion.preprocess)
            .replacing("model") { $0.replacing("mean") { _ in .array([.double(0.5), .double(0.5), .double(0.5)]) } }
        let failure = try #require(throws: ABI.Failure.self) { _ = try ABI.Pipeline(spec: spec.serialized()) }
        #expect(failure.status == MAMMO_PREP_USAGE && failure.message.contains("model.mean"), "\(failure.message)")
    }
}

extension JSONValue {
    func adding(_ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(let pairs) = self else { return self }
        return .object(pairs + [(key, value)])
    }

    func replacing(_ key: String, _ change: (JSONValue) -> JSONValue) -> JSONValue {
        guard case .object(let pairs) = self else { return self }
        return .object(pairs.map { $0.0 == key ? ($0.0, change($0.1)) : $0 })
    }
}
