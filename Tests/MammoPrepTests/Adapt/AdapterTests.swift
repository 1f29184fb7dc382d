import Foundation
import Testing
@testable import MammoPrep

/// Properties of the Adapt stage that need no oracle; agreement with Pillow, numpy and the
/// safetensors package is in Tests/oracle/test_adapter_*.py.
@Suite struct AdapterTests {
    static func ramp(rows: Int, columns: Int) -> [Float] {
        (0..<(rows * columns)).map { Float($0 % columns) / Float(max(columns - 1, 1)) * 0.5 + Float($0 / columns) / Float(max(rows - 1, 1)) * 0.5 }
    }

    /// The case list of the parameterised tests below: empty, they would run nothing and pass.
    @Test func interpolationCasesAreNotEmpty() throws {
        try #require(!Interpolation.allCases.isEmpty)
    }

    @Test(arguments: Interpolation.allCases)
    func tapsSumToOneAndStayInside(_ filter: Interpolation) {
        for (n, m) in [(4096, 224), (100, 7), (7, 100), (3, 3), (1, 5), (5, 1)] {
            let taps = Resampler.Taps(inSize: n, outSize: m, filter: filter)
            for i in 0..<m {
                let w = taps.weights[(i * taps.width)..<(i * taps.width + taps.count[i])]
                #expect(abs(w.reduce(0, +) - 1) < 1e-5, "\(filter) \(n)->\(m) output \(i)")
                #expect(taps.first[i] >= 0 && taps.first[i] + taps.count[i] <= n)
            }
        }
    }

    @Test(arguments: Interpolation.allCases)
    func constantStaysConstant(_ filter: Interpolation) {
        let image = [Float](repeating: 0.3125, count: 37 * 53)
        for (r, c) in [(20, 11), (80, 100), (1, 1), (37, 53)] {
            let out = Resampler.resize(image, rows: 37, columns: 53, outRows: r, outColumns: c, filter: filter)
            #expect(out.count == r * c)
            #expect(out.allSatisfy { abs($0 - 0.3125) < 1e-6 })
        }
    }

    @Test func sameSizeIsIdentityAndOrderDoesNotMatter() {
        let image = Self.ramp(rows: 40, columns: 30)
        #expect(Resampler.resize(image, rows: 40, columns: 30, outRows: 40, outColumns: 30, filter: .bicubic) == image)
        // Both pass orders give the same result up to float rounding.
        let taps = (v: Resampler.Taps(inSize: 40, outSize: 13, filter: .bicubic), h: Resampler.Taps(inSize: 30, outSize: 17, filter: .bicubic))
        let a = Resampler.resizeHorizontally(Resampler.resizeVertically(image, columns: 30, taps: taps.v, outRows: 13),
                                             rows: 13, columns: 30, taps: taps.h, outColumns: 17)
        let b = Resampler.resizeVertically(Resampler.resizeHorizontally(image, rows: 40, columns: 30, taps: taps.h, outColumns: 17),
                                           columns: 17, taps: taps.v, outRows: 13)
        #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func padAnchorsToTheChestWallAndPadsWithZero() {
        // A frame whose right half is bright: no laterality, so the mask puts the chest wall right.
        let rows = 60, columns = 30
        var image = [Float](repeating: 0, count: rows * columns)
        for r in 5..<55 { for c in 15..<30 { image[r * columns + c] = 0.8 } }
        let mask = ForegroundMask.compute(pixels: image, rows: rows, columns: columns)
        let o = GeometryOptions(size: (20, 20), fit: .pad)
        let (out, record) = Geometry.apply(image, rows: rows, columns: columns, options: o, laterality: nil, mask: mask)
        #expect(record.chestWall == .right && record.chestWallSource == "mask")
        #expect(record.resized.rows == 20 && record.resized.columns == 10)
        #expect(record.offset.rows == 0 && record.offset.columns == 10)
        for r in 0..<20 { for c in 0..<10 { #expect(out[r * 20 + c] == 0) } }
        // Laterality wins over the mask, with a warning when they disagree.
        let (_, byLaterality) = Geometry.apply(image, rows: rows, columns: columns, options: o, laterality: "L", mask: mask)
        #expect(byLaterality.chestWall == .left && byLaterality.offset.columns == 0 && !byLaterality.warnings.isEmpty)
    }

    @Test func flipIsReversible() {
        let image = Self.ramp(rows: 9, columns: 7)
        var flipped = image
        Geometry.flipHorizontally(&flipped, rows: 9, columns: 7)
        #expect(flipped != image)
        Geometry.flipHorizontally(&flipped, rows: 9, columns: 7)
        #expect(flipped == image)
    }

    @Test func centreCropFollowsTorchvision() {
        // 300x200 with size 224, crop_pct 0.875: shorter side 256, longer int(256·300/200) = 384;
        // top = int(round((384 − 224)/2)) = 80, left = round((256 − 224)/2) = 16.
        let image = Self.ramp(rows: 300, columns: 200)
        let o = GeometryOptions(size: (224, 224), fit: .crop, cropPct: 0.875)
        let (out, record) = Geometry.apply(image, rows: 300, columns: 200, options: o, laterality: "L", mask: nil)
        #expect(out.count == 224 * 224)
        #expect(record.resized.rows == 384 && record.resized.columns == 256)
        #expect(record.offset.rows == -80 && record.offset.columns == -16)
    }

    @Test func normalizationMatchesTheFormula() {
        let plane: [Float] = [0, 0.25, 1]
        let y = Normalization.imagenet.apply(plane)
        #expect(y.count == 9)
        for c in 0..<3 {
            for i in 0..<3 {
                let expected = Float((Double(plane[i]) - Normalization.imagenetMean[c]) / Normalization.imagenetStd[c])
                #expect(y[c * 3 + i] == expected)
            }
        }
        #expect(Normalization.none(channels: 3).apply(plane) == plane + plane + plane)
    }

    @Test func presetsFileIsCompleteAndSourced() throws {
        let r50 = try #require(ModelPreset.named("resnet50d"))
        #expect(r50.tag == "resnet50d.ra2_in1k" && r50.channels == 3 && r50.interpolation == .bicubic)
        #expect(r50.inputSize[.train]! == (224, 224) && r50.inputSize[.test]! == (288, 288))
        #expect(r50.cropPct[.train] == 0.875 && r50.mean == Normalization.imagenetMean && r50.std == Normalization.imagenetStd)
        let half = try #require(ModelPreset.named("resnet50d.ra4_e3600_r224_in1k"))
        #expect(half.mean == [0.5, 0.5, 0.5] && half.std == [0.5, 0.5, 0.5])
        #expect(ModelPreset.named("resnet50d.ra2_in1k") == r50)
        #expect(ModelPreset.named("nope") == nil)
        try #require(!ModelPreset.all.isEmpty)
        for p in ModelPreset.all { #expect(p.sources.count >= 6, "\(p.name)") }
    }

    @Test func safetensorsHeaderIsAlignedAndSized() throws {
        let h = SafetensorsWriter.header(name: "image", shape: [3, 4, 5], metadata: [("source", "a,\"b\".dcm")])
        #expect(h.count % 8 == 0)
        let n = h[0..<8].enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        #expect(n == h.count - 8)
        let json = try JSONValue.parse(String(decoding: h[8...], as: UTF8.self))
        #expect(json["image"]?["data_offsets"] == .array([.int(0), .int(240)]))
        #expect(json["__metadata__"]?["source"] == .string("a,\"b\".dcm"))
    }

    @Test func stackDropsUnwrittenRowsAndPublishes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stack-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stack = try NPYStack(path: dir + "/s.npy", rows: 4, rowShape: [1, 2, 3])
        #expect(!FileManager.default.fileExists(atPath: dir + "/s.npy"))
        try stack.write(row: 3, [Float](repeating: 3, count: 6))
        try stack.write(row: 0, [Float](repeating: 0.5, count: 6))
        try stack.write(row: 2, [Float](repeating: 2, count: 6))
        let mapping = try stack.finish()
        #expect(mapping == [0, nil, 1, 2])
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/s.npy"))
        #expect(data.count == 128 + 3 * 24)
        let header = String(decoding: data[10..<128], as: UTF8.self)
        #expect(header.contains("'shape': (3, 1, 2, 3)") && header.hasSuffix("\n"))
        let values = data[128...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(values == [Float](repeating: 0.5, count: 6) + [Float](repeating: 2, count: 6) + [Float](repeating: 3, count: 6))
    }
}
