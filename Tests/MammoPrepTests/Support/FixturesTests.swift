import Foundation
import Testing

/// The fixture lists that parameterised tests take their cases from (Fixtures/fixtures.json on
/// disk). An empty list would make those tests pass without running a case, so each selection
/// used as `@Test(arguments:)` in this target is required to be non-empty here.
@Suite struct FixturesTests {
    /// Name and size of every selection of `Fixtures.all` used as a case list in this target.
    static let selections: [(String, Int)] = [
        ("all", Fixtures.all.count),
        ("good", Fixtures.good.count),
        ("bad", Fixtures.bad.count),
        ("good DICOM", Fixtures.good.filter { $0.format == "dicom" }.count),
        ("same image in another syntax", Fixtures.good.filter { $0.reference != nil && $0.reference != $0.path }.count),
        ("every code once", Fixtures.good.filter { $0.allCodes == true }.count),
        ("JPEG-LS", CharLSDecoderTests.jpegLS.count),
        ("multi-frame DICOM", Fixtures.good.filter { ($0.frames ?? 1) > 1 && $0.format == "dicom" }.count),
    ]

    @Test func manifestExists() throws {
        try #require(FileManager.default.fileExists(atPath: Fixtures.root.appendingPathComponent("fixtures.json").path),
                     "Fixtures/fixtures.json is missing: run the fixture generator")
    }

    @Test func everySelectionIsNonEmpty() throws {
        try #require(!Self.selections.isEmpty)
        for (name, count) in Self.selections {
            #expect(count > 0, "no fixtures for '\(name)': the parameterised tests over it would run no case")
        }
    }

    @Test func everyListedFixtureIsOnDisk() throws {
        try #require(!Fixtures.all.isEmpty)
        for entry in Fixtures.all {
            #expect(FileManager.default.fileExists(atPath: entry.url.path), "\(entry.path)")
        }
    }
}
