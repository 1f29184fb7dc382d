import Foundation
import Testing
@testable import MammoPrep

/// The decoder seam: decoder choice per transfer syntax and DecodeOptions, the per-call thread
/// count, and unusable attributes surfaced as warnings (tag and reason, never the value).
@Suite struct DecoderSeamTests {
    /// A minimal explicit VR little-endian Part 10 file, 2 x 2 16-bit MONOCHROME2, written here so
    /// that a malformed attribute needs no fixture.
    static func writeDICOM(_ extra: [(group: UInt16, element: UInt16, vr: String, value: [UInt8])]) throws -> String {
        func element(_ group: UInt16, _ element: UInt16, _ vr: String, _ value: [UInt8]) -> [UInt8] {
            var v = value
            if v.count % 2 == 1 { v.append(vr == "UI" ? 0 : 0x20) }
            var out: [UInt8] = []
            for word in [group, element] { out += [UInt8(word & 0xFF), UInt8(word >> 8)] }
            out += Array(vr.utf8)
            if ["OB", "OW", "SQ", "UN"].contains(vr) {
                out += [0, 0] + withUnsafeBytes(of: UInt32(v.count).littleEndian, Array.init)
            } else {
                out += withUnsafeBytes(of: UInt16(v.count).littleEndian, Array.init)
            }
            return out + v
        }
        func us(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
        var bytes = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        bytes += element(0x0002, 0x0010, "UI", Array("1.2.840.10008.1.2.1".utf8))
        var body: [(UInt16, UInt16, String, [UInt8])] = [
            (0x0028, 0x0002, "US", us(1)), (0x0028, 0x0004, "CS", Array("MONOCHROME2".utf8)),
            (0x0028, 0x0010, "US", us(2)), (0x0028, 0x0011, "US", us(2)),
            (0x0028, 0x0100, "US", us(16)), (0x0028, 0x0101, "US", us(12)),
            (0x0028, 0x0102, "US", us(11)), (0x0028, 0x0103, "US", us(0)),
        ]
        body += extra.map { ($0.group, $0.element, $0.vr, $0.value) }
        body.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        for e in body { bytes += element(e.0, e.1, e.2, e.3) }
        bytes += element(0x7FE0, 0x0010, "OW", [0x10, 0x00, 0x20, 0x00, 0x30, 0x00, 0xFF, 0x0F])
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("mammo-prep-seam-\(UUID().uuidString).dcm")
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test func malformedAttributesAreWarningsNotSilence() throws {
        let path = try Self.writeDICOM([
            (0x0028, 0x1050, "DS", Array("2048".utf8)),
            (0x0028, 0x1051, "DS", Array("SECRETVALUE".utf8)),
            (0x0028, 0x1053, "DS", Array("NOTANUMBER".utf8)),
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try DICOMFile(path: path)
        let a = file.attributes
        #expect(a.topLevel.windows.isEmpty)
        #expect(a.topLevel.rescaleSlope == nil)
        let widthWarning = try #require(a.warnings.first { $0.tag == .windowWidth && $0.detail.contains("decimal") })
        #expect(widthWarning.description == "(0028,1051) Window Width: value not a decimal string")
        #expect(a.warnings.contains(AttributeWarning(tag: .rescaleSlope, detail: "value not a decimal string")))
        for warning in a.warnings {
            #expect(!warning.description.contains("SECRETVALUE") && !warning.description.contains("NOTANUMBER"))
        }
        // Same pixels as without the attributes.
        let plain = try Self.writeDICOM([])
        defer { try? FileManager.default.removeItem(atPath: plain) }
        let reference = try DICOMFile(path: plain)
        #expect(reference.attributes.warnings.isEmpty)
        #expect(try file.readFrame(0) == reference.readFrame(0))
    }

    @Test func wellFormedFixturesHaveNoWarnings() throws {
        for entry in Fixtures.good where entry.path.hasPrefix("dicom/") {
            let file = try DICOMFile(path: entry.url.path)
            #expect(file.attributes.warnings.isEmpty, "\(entry.path): \(file.attributes.warnings)")
        }
    }

    @Test func everySupportedSyntaxHasADecoderFamily() {
        for uid in TransferSyntax.supported {
            #expect(TransferSyntax.family(uid) != nil, "\(uid)")
        }
        #expect(TransferSyntax.family("1.2.840.10008.1.2.4.110") == nil) // JPEG XL: not supported
    }

    @Test(arguments: [
        ("dicom/mg12_mono2_explicit_le.dcm", FrameCodec.native),
        ("dicom/mg12_mono2_jpegls_lossless.dcm", FrameCodec.charLS),
        ("dicom/mg12_mono2_rle.dcm", FrameCodec.dcmtk),
        ("dicom/mg12_mono2_jpeg_lossless_sv1.dcm", FrameCodec.dcmtk),
        ("dicom/mg12_mono2_j2k_lossless.dcm", FrameCodec.openJPEG),
        ("dicom/mg12_mono2_htj2k_lossless.dcm", FrameCodec.openJPH),
    ])
    func decoderFollowsTransferSyntax(path: String, codec: FrameCodec) throws {
        let entry = try #require(Fixtures.entry(path))
        let file = try DICOMFile(path: entry.url.path)
        var storage: [UInt16] = []
        let decoded = try file.decodeFrame(0, options: DecodeOptions(), reusing: &storage)
        #expect(decoded.info.codec == codec)
    }

    @Test func jpeg2000ThreadsArePerCall() throws {
        let entry = try #require(Fixtures.entry("dicom/mg12_mono2_j2k_lossless.dcm"))
        let file = try DICOMFile(path: entry.url.path)
        var storage: [UInt16] = []
        let one = try file.decodeFrame(0, options: DecodeOptions(), reusing: &storage)
        var other: [UInt16] = []
        let two = try file.decodeFrame(0, options: DecodeOptions(jpeg2000Threads: 2), reusing: &other)
        #expect(one.info.threads == 1)
        #expect(two.info.threads == 2)
        #expect(one.frame == two.frame)
        // The default again: nothing stuck from the previous call.
        var again: [UInt16] = []
        #expect(try file.decodeFrame(0, options: .standard, reusing: &again).info.threads == 1)
    }
}
