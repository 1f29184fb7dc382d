import Foundation

/// The bundled fixtures and their manifest (Fixtures/fixtures.json, written by the generator).
enum Fixtures {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Entry: Decodable, CustomStringConvertible, Sendable {
        let path: String
        let format: String
        let transferSyntaxUID: String?
        let rows: Int?
        let columns: Int?
        let frames: Int?
        let bitsAllocated: Int?
        let bitsStored: Int?
        let highBit: Int?
        let pixelRepresentation: Int?
        let photometricInterpretation: String?
        let reference: String?
        let maxAbsError: Int?
        let expectError: String?
        let allCodes: Bool?

        var url: URL { Fixtures.root.appendingPathComponent(path) }
        var description: String { path }
    }

    private struct Manifest: Decodable { let files: [Entry] }

    static let all: [Entry] = {
        let data = try! Data(contentsOf: root.appendingPathComponent("fixtures.json"))
        return try! JSONDecoder().decode(Manifest.self, from: data).files
    }()

    static var good: [Entry] { all.filter { $0.expectError == nil } }
    static var bad: [Entry] { all.filter { $0.expectError != nil } }
    static func entry(_ path: String) -> Entry? { all.first { $0.path == path } }
}
