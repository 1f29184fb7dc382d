import Foundation
import Testing
@testable import MammoPrep

/// Grey-level attributes the windowing stage will need, read from fixtures whose generator recorded
/// the values it wrote: functional-group hoisting (docs/windowing.md §8) and LUT items (C.11.1/C.11.2).
@Suite struct GrayscaleAttributeTests {
    struct Window: Decodable { let center: Double; let width: Double; let explanation: String? }
    struct Group: Decodable { let windows: [Window]?; let voiLUTFunction: String? }
    struct LUT: Decodable {
        let sequence: String
        let descriptor: [Int]
        let lutDataVR: String
        let lutDataBytes: Int
        let explanation: String?
        let samples: [String: Int]
    }
    struct Recorded: Decodable {
        let path: String
        let sharedFunctionalGroups: Group?
        let perFrameFunctionalGroups: [Group]?
        let luts: [LUT]?
    }

    static let recorded: [Recorded] = {
        struct M: Decodable { let files: [Recorded] }
        let data = try! Data(contentsOf: Fixtures.root.appendingPathComponent("fixtures.json"))
        return try! JSONDecoder().decode(M.self, from: data).files
    }()

    @Test func recordedCaseListsAreNotEmpty() throws {
        try #require(!Self.recorded.filter { $0.perFrameFunctionalGroups != nil }.isEmpty)
        try #require(!Self.recorded.filter { $0.luts != nil }.isEmpty)
    }

    @Test(arguments: recorded.filter { $0.perFrameFunctionalGroups != nil })
    func perFrameOverridesShared(entry: Recorded) throws {
        let file = try DICOMFile(path: Fixtures.root.appendingPathComponent(entry.path).path)
        let perFrame = try #require(entry.perFrameFunctionalGroups)
        #expect(file.frameCount == perFrame.count)
        for (index, group) in perFrame.enumerated() {
            let t = file.attributes.transforms(forFrame: index)
            #expect(t.windows.map(\.center) == (group.windows ?? []).map(\.center), "frame \(index)")
            #expect(t.windows.map(\.width) == (group.windows ?? []).map(\.width), "frame \(index)")
            #expect(t.windows.map(\.explanation) == (group.windows ?? []).map(\.explanation), "frame \(index)")
            #expect(t.voiLUTFunction == group.voiLUTFunction, "frame \(index)")
        }
        // Rescale comes from the shared Pixel Value Transformation for every frame.
        if entry.sharedFunctionalGroups != nil {
            for index in 0..<file.frameCount {
                let t = file.attributes.transforms(forFrame: index)
                #expect(t.rescaleSlope == 1 && t.rescaleIntercept == 0 && t.rescaleType == "US")
            }
        }
    }

    @Test func sharedGroupAppliesWhenNoPerFrameItem() {
        var a = DICOMAttributes(transferSyntaxUID: "1.2.840.10008.1.2.1", rows: 1, columns: 1, frames: 2,
                                samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 12, highBit: 11, pixelRepresentation: 0)
        a.topLevel.windows = [WindowSetting(center: 1, width: 2)]
        a.topLevel.rescaleSlope = 3
        var shared = GrayscaleTransforms()
        shared.windows = [WindowSetting(center: 10, width: 20)]
        a.shared = shared
        var frame1 = GrayscaleTransforms()
        frame1.rescaleSlope = 5
        frame1.rescaleIntercept = -1
        a.perFrame = [nil, frame1]
        #expect(a.transforms(forFrame: 0).windows == [WindowSetting(center: 10, width: 20)])
        #expect(a.transforms(forFrame: 0).rescaleSlope == 3)
        #expect(a.transforms(forFrame: 1).rescaleSlope == 5)
        #expect(a.transforms(forFrame: 1).rescaleIntercept == -1)
        #expect(a.transforms(forFrame: 1).windows == [WindowSetting(center: 10, width: 20)])
    }

    @Test(arguments: recorded.filter { $0.luts != nil })
    func lookupTablesAreReadRaw(entry: Recorded) throws {
        let file = try DICOMFile(path: Fixtures.root.appendingPathComponent(entry.path).path)
        let t = file.attributes.transforms(forFrame: 0)
        let voi = (entry.luts ?? []).filter { $0.sequence == "VOILUTSequence" }
        let modality = (entry.luts ?? []).filter { $0.sequence == "ModalityLUTSequence" }
        #expect(t.voiLUTs.count == voi.count)
        #expect((t.modalityLUT == nil) == modality.isEmpty)
        for (item, want) in zip(t.voiLUTs + [t.modalityLUT].compactMap { $0 }, voi + modality) {
            #expect(item.descriptor.map(Int.init) == want.descriptor)
            #expect(item.data.count * 2 == want.lutDataBytes)
            #expect(item.explanation == want.explanation)
            #expect(item.entryCount == (want.descriptor[0] == 0 ? 65536 : want.descriptor[0]))
            // Unpacked entries at the recorded indices (8-bit entries may be packed two per OW word,
            // low byte first, docs/windowing.md §4).
            let packed = want.descriptor[2] == 8 && item.data.count * 2 == item.entryCount
            for (key, value) in want.samples {
                let index = min(Int(key)!, item.entryCount - 1)
                let entryValue = packed ? Int(index % 2 == 0 ? item.data[index / 2] & 0xFF : item.data[index / 2] >> 8)
                                        : Int(item.data[index])
                #expect(entryValue == value, "\(entry.path) entry \(key)")
            }
        }
    }
}
