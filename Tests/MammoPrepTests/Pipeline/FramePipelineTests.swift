import Dispatch
import Foundation
import Testing
@testable import MammoPrep

/// `FramePipeline`: the façade gives what the stages give when composed by hand, into a caller's
/// buffer as into a new array, from several threads at once, reusing its workspace's buffers.
@Suite struct FramePipelineTests {
    static let inputs = Fixtures.good.filter { $0.format == "dicom" || $0.format == "tiff" }
    static let optionSets: [(String, FramePipelineOptions)] = [
        ("default", FramePipelineOptions()),
        ("imagenet", FramePipelineOptions(adapter: AdapterOptions(normalization: .imagenet))),
        ("pad 64x48 bicubic, custom", FramePipelineOptions(
            windowing: WindowingOptions(voiSource: .none, noVOI: .minmax),
            adapter: AdapterOptions(geometry: GeometryOptions(size: (64, 48)),
                                    normalization: .custom(mean: 0.3, std: 0.2, channels: 3)))),
        ("crop-breast, flip right", FramePipelineOptions(
            adapter: AdapterOptions(geometry: GeometryOptions(cropBreast: true, cropMargin: 4, flipTo: .right)))),
    ]

    @Test func caseListsAreNotEmpty() throws {
        try #require(Self.inputs.count >= 10)
        try #require(!Self.optionSets.isEmpty)
    }

    /// The reference: each stage called directly, as the stage documents say.
    static func reference(_ path: String, frame: Int, _ o: FramePipelineOptions) throws -> [Float] {
        let image = try InputImage.open(path: path, limits: o.limits)
        let windowed: WindowedFrame
        var padding: [UInt8]?
        switch image {
        case .dicom(let file):
            let raw = try file.readRawFrame(frame)
            windowed = try Windowing.apply(raw.canonical(), attributes: file.attributes, frameIndex: frame, options: o.windowing)
            if let value = file.attributes.pixelPaddingValue, let layout = file.attributes.layout {
                padding = PixelPadding.mask(words: raw.words, layout: layout, value: value,
                                            rangeLimit: file.attributes.pixelPaddingRangeLimit)
            }
        case .tiff(let file):
            windowed = try Windowing.apply(tiff: try file.readFrame(frame), page: file.pages[frame], options: o.windowing)
        }
        return Adapter.adapt(windowed, laterality: image.laterality, options: o.adapter) {
            ForegroundMask.compute(pixels: windowed.pixels, rows: windowed.rows, columns: windowed.columns, padding: padding)
        }.tensor
    }

    @Test(arguments: inputs)
    func equalsTheStagesComposedByHand(_ entry: Fixtures.Entry) throws {
        for (name, options) in Self.optionSets {
            let pipeline = FramePipeline(options)
            let image = try pipeline.open(path: entry.url.path)
            let workspace = FramePipeline.Workspace()
            for frame in 0..<image.frameCount {
                let expected = try Self.reference(entry.url.path, frame: frame, options)
                let got = try pipeline.tensor(of: image, frame: frame, workspace: workspace)
                #expect(got.values == expected, "\(entry.path) frame \(frame), \(name)")
                #expect(got.record.shape.reduce(1, *) == expected.count, "\(entry.path), \(name)")
                #expect(got.record.shape[0] == options.adapter.channels)
                #expect(got.record.frame == frame && got.record.frameCount == image.frameCount)

                // Into a caller's buffer (larger than needed: the rest is left alone).
                var buffer = [Float](repeating: -7, count: expected.count + 5)
                let record = try buffer.withUnsafeMutableBufferPointer {
                    try pipeline.tensor(of: image, frame: frame, into: $0, workspace: workspace)
                }
                #expect(Array(buffer.prefix(expected.count)) == expected, "\(entry.path) frame \(frame) into buffer, \(name)")
                #expect(buffer.suffix(5).allSatisfy { $0 == -7 })
                #expect(record.shape == got.record.shape)
                #expect(record.windowing == got.record.windowing)

                let (count, exact) = pipeline.outputCount(of: image, frame: frame)
                #expect(exact ? count == expected.count : count >= expected.count, "\(entry.path), \(name)")
            }
        }
    }

    @Test func aBufferTooSmallIsAnErrorNotACrash() throws {
        let entry = try #require(Self.inputs.first)
        let pipeline = FramePipeline()
        let image = try pipeline.open(path: entry.url.path)
        var buffer = [Float](repeating: 0, count: 10)
        #expect(throws: MammoPrepError.self) {
            _ = try buffer.withUnsafeMutableBufferPointer {
                try pipeline.tensor(of: image, frame: 0, into: $0, workspace: FramePipeline.Workspace())
            }
        }
        do {
            _ = try buffer.withUnsafeMutableBufferPointer {
                try pipeline.tensor(of: image, frame: 0, into: $0, workspace: FramePipeline.Workspace())
            }
        } catch let error as MammoPrepError {
            #expect(error.code == .bufferTooSmall && error.stage == .write && error.path == entry.url.path)
        }
    }

    @Test func aWorkspaceKeepsItsBuffersAcrossFramesAndSizes() throws {
        // Different sizes in a row through one workspace: every result still equals the reference,
        // and frames of the size seen last are windowed into the same memory.
        let pipeline = FramePipeline()
        let workspace = FramePipeline.Workspace()
        let dicom = Self.inputs.filter { $0.format == "dicom" }
        try #require(dicom.count >= 12)
        for entry in dicom.prefix(12) + dicom.prefix(3) {
            let got = try pipeline.tensor(path: entry.url.path)
            let again = try pipeline.tensor(of: try pipeline.open(path: entry.url.path), workspace: workspace)
            #expect(again.values == got.values, "\(entry.path)")
        }
        let entry = dicom[0]
        let image = try pipeline.open(path: entry.url.path)
        var buffer = [Float](repeating: 0, count: pipeline.outputCount(of: image).count)
        func pixelsAddress() -> UnsafeRawPointer? { workspace.pixels.withUnsafeBytes { $0.baseAddress } }
        _ = try buffer.withUnsafeMutableBufferPointer { try pipeline.tensor(of: image, into: $0, workspace: workspace) }
        let first = pixelsAddress()
        for _ in 0..<3 {
            _ = try buffer.withUnsafeMutableBufferPointer { try pipeline.tensor(of: image, into: $0, workspace: workspace) }
            #expect(pixelsAddress() == first, "steady state reuses the windowed-pixel buffer")
        }
    }

    @Test func aResizeReusesTheGeometryBuffersInSteadyState() throws {
        let pipeline = FramePipeline(FramePipelineOptions(adapter: AdapterOptions(
            geometry: GeometryOptions(size: (64, 48), flipTo: .right), normalization: .imagenet)))
        let entry = try #require(Self.inputs.first { $0.path.hasSuffix("mg12_mono2_explicit_le.dcm") })
        let image = try pipeline.open(path: entry.url.path)
        let workspace = FramePipeline.Workspace()
        var buffer = [Float](repeating: 0, count: pipeline.outputCount(of: image).count)
        func addresses() -> [UnsafeRawPointer?] {
            let g = workspace.geometry
            return [workspace.pixels, workspace.geometry.image, g.mid, g.scaled, g.out].map { $0.withUnsafeBytes { $0.baseAddress } }
        }
        let expected = try pipeline.tensor(path: entry.url.path).values
        _ = try buffer.withUnsafeMutableBufferPointer { try pipeline.tensor(of: image, into: $0, workspace: workspace) }
        _ = try buffer.withUnsafeMutableBufferPointer { try pipeline.tensor(of: image, into: $0, workspace: workspace) }
        let steady = addresses()
        #expect(steady.allSatisfy { $0 != nil }, "every buffer in use")
        for _ in 0..<3 {
            _ = try buffer.withUnsafeMutableBufferPointer { try pipeline.tensor(of: image, into: $0, workspace: workspace) }
            #expect(addresses() == steady, "no frame-sized buffer changes in steady state")
            #expect(buffer == expected)
        }
    }

    @Test func oneSharedPipelineFromManyThreadsGivesTheSequentialResults() throws {
        let options = Self.optionSets[2].1
        let pipeline = FramePipeline(options)
        let paths = Self.inputs.map(\.url.path)
        let expected = try paths.map { try pipeline.tensor(path: $0).values }
        let results = Results(count: paths.count * 4)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            let workspace = FramePipeline.Workspace()
            for (i, path) in paths.enumerated() {
                let image = try? pipeline.open(path: path)
                results.set(worker * paths.count + i, image.flatMap { try? pipeline.tensor(of: $0, workspace: workspace).values })
            }
        }
        for worker in 0..<4 {
            for (i, path) in paths.enumerated() {
                #expect(results.get(worker * paths.count + i) == expected[i], "\(path), worker \(worker)")
            }
        }
    }

    @Test func unusableAttributesReachTheRecordAndTheManifestLine() throws {
        let path = try DecoderSeamTests.writeDICOM([
            (0x0028, 0x1050, "DS", Array("2048".utf8)),
            (0x0028, 0x1051, "DS", Array("SECRETVALUE".utf8)),
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let record = try FramePipeline().tensor(path: path).record
        #expect(record.attributeWarnings.first?.description == "(0028,1051) Window Width: value not a decimal string")
        #expect(record.attributeWarnings.allSatisfy { $0.tag == DICOMTag(0x0028, 0x1051) })
        #expect(record.windowing.voiSource == .none, "no usable window: the no-VOI rule")
        let line = JSONValue.object(record.manifestPairs(output: "x.npy", dtype: "float32", adapter: AdapterOptions(),
                                                         configurationHash: "h")).serialized()
        #expect(line.contains(#""attributeWarnings": ["(0028,1051) Window Width: value not a decimal string""#))
        #expect(!line.contains("SECRETVALUE"))
        let tiff = try #require(Self.inputs.first { $0.format == "tiff" })
        #expect(try FramePipeline().tensor(path: tiff.url.path).record.attributeWarnings.isEmpty)
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [[Float]?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ v: [Float]?) { lock.withLock { values[i] = v } }
        func get(_ i: Int) -> [Float]? { lock.withLock { values[i] } }
    }
}
