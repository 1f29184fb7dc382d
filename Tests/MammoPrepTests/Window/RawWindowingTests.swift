import Testing
@testable import MammoPrep

/// `Windowing.apply(raw:…)` (masking folded into the table, buffers reused) must equal the
/// reference path `apply(canonical frame)` value for value, on every DICOM fixture and option set.
@Suite struct RawWindowingTests {
    static let dicom = Fixtures.good.filter { $0.format == "dicom" }
    static let optionSets: [WindowingOptions] = [
        WindowingOptions(),
        WindowingOptions(voiSource: .none, noVOI: .minmax),
        WindowingOptions(voiSource: .none, invert: .never),
        WindowingOptions(explicitWindow: WindowSetting(center: 1000, width: 300), functionOverride: .sigmoid),
    ]

    @Test(arguments: dicom)
    func rawEqualsCanonical(_ entry: Fixtures.Entry) throws {
        let file = try DICOMFile(path: entry.url.path)
        var words: [UInt16] = [], pixels: [Float] = []
        for frame in 0..<file.frameCount {
            for options in Self.optionSets {
                let reference = try Windowing.apply(try file.readFrame(frame), attributes: file.attributes,
                                                    frameIndex: frame, options: options)
                let raw = try file.readRawFrame(frame, reusing: &words)
                let fast = try Windowing.apply(raw: raw, attributes: file.attributes, frameIndex: frame,
                                               options: options, reusing: &pixels)
                #expect(fast == reference, "\(entry.path) frame \(frame)")
                words = raw.words
                pixels = fast.pixels
            }
        }
    }
}
