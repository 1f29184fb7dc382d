import Foundation
import MammoPrep
import Testing

/// README.md's library example compiles (this target sees only the public API), runs on the
/// bundled fixtures, and is the code README.md shows.
@Suite struct ReadmeExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func between(_ text: String, _ begin: String, _ end: String) -> String? {
        guard let a = text.range(of: begin), let b = text.range(of: end, range: a.upperBound..<text.endIndex) else { return nil }
        return String(text[a.upperBound..<b.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func readmeShowsExactlyThisCode() throws {
        let source = try String(contentsOf: Self.root.appendingPathComponent("Tests/LibraryExampleTests/ReadmeExample.swift"), encoding: .utf8)
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let code = try #require(Self.between(source, "// README-EXAMPLE-BEGIN", "// README-EXAMPLE-END"))
        let section = try #require(readme.range(of: "## Use it as a Swift library"), "README lacks the library section")
        let shown = try #require(Self.between(String(readme[section.upperBound...]), "```swift", "```"))
        #expect(shown == code, "README.md's example differs from Tests/LibraryExampleTests/ReadmeExample.swift")
    }

    @Test func theExampleRunsOnTheFixtures() throws {
        let dicom = Self.root.appendingPathComponent("Fixtures/dicom/mg12_mono2_explicit_le.dcm").path
        let tiff = Self.root.appendingPathComponent("Fixtures/tiff/mg16_minisblack_lzw.tif").path
        let tensor = try resnet50dTensor(path: dicom)
        #expect(tensor.record.shape == [3, 224, 224])
        #expect(tensor.values.count == 3 * 224 * 224)
        #expect(tensor.values.allSatisfy { $0.isFinite })
        let means = try meanOfEachImage(paths: [dicom, tiff, dicom])
        try #require(means.count == 3)
        #expect(means[0] == means[2], "the same file twice gives the same tensor through a reused buffer")
        #expect(means.allSatisfy { $0 > 0 && $0 < 1 }, "windowed 0…1 pixels, padded with 0: \(means)")
    }
}
