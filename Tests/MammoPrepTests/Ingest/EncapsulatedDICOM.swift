import Foundation
@testable import MammoPrep

/// Writes small encapsulated DICOM files around given codestreams, so that a relabelled, wrapped or
/// corrupted codestream needs no fixture; and takes codestreams out of fixtures.
enum EncapsulatedDICOM {
    /// An explicit VR little-endian Part 10 file: one 12-bit MONOCHROME2 frame in `fragments`
    /// after an empty Basic Offset Table.
    static func write(transferSyntax: String, rows: Int, columns: Int, pixelRepresentation: Int = 0,
                      fragments: [[UInt8]]) throws -> String {
        func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        func element(_ group: UInt16, _ element: UInt16, _ vr: String, _ value: [UInt8]) -> [UInt8] {
            var v = value
            if v.count % 2 == 1 { v.append(vr == "UI" ? 0 : 0x20) }
            return le16(group) + le16(element) + Array(vr.utf8) + le16(UInt16(v.count)) + v
        }
        func item(_ bytes: [UInt8]) -> [UInt8] {
            let padded = bytes.count % 2 == 1 ? bytes + [0] : bytes
            return le16(0xFFFE) + le16(0xE000) + le32(UInt32(padded.count)) + padded
        }
        var out = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        out += element(0x0002, 0x0010, "UI", Array(transferSyntax.utf8))
        out += element(0x0028, 0x0002, "US", le16(1))
        out += element(0x0028, 0x0004, "CS", Array("MONOCHROME2".utf8))
        out += element(0x0028, 0x0010, "US", le16(UInt16(rows)))
        out += element(0x0028, 0x0011, "US", le16(UInt16(columns)))
        out += element(0x0028, 0x0100, "US", le16(16))
        out += element(0x0028, 0x0101, "US", le16(12))
        out += element(0x0028, 0x0102, "US", le16(11))
        out += element(0x0028, 0x0103, "US", le16(UInt16(pixelRepresentation)))
        out += le16(0x7FE0) + le16(0x0010) + Array("OB".utf8) + [0, 0] + le32(0xFFFF_FFFF)
        out += item([])
        for fragment in fragments { out += item(fragment) }
        out += le16(0xFFFE) + le16(0xE0DD) + le32(0)
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("mammo-prep-encapsulated-\(UUID().uuidString).dcm")
        try Data(out).write(to: url)
        return url.path
    }

    /// The one codestream of a single-frame, single-fragment J2K / HTJ2K fixture: the fragment
    /// that starts with SOC SIZ (FF4F FF51), without its even-length padding.
    static func codestream(of fixture: String) throws -> [UInt8] {
        guard let entry = Fixtures.entry(fixture) else { throw CocoaError(.fileNoSuchFile) }
        let bytes = [UInt8](try Data(contentsOf: entry.url))
        guard let start = (8..<bytes.count - 4).first(where: {
            bytes[$0] == 0xFF && bytes[$0 + 1] == 0x4F && bytes[$0 + 2] == 0xFF && bytes[$0 + 3] == 0x51
        }) else { throw CocoaError(.fileReadCorruptFile) }
        let length = bytes[start - 4 ..< start].reversed().reduce(0) { $0 << 8 | Int($1) }
        var fragment = Array(bytes[start ..< start + length])
        // Trailing pad byte after EOC (FFD9).
        if fragment.count >= 3, fragment[fragment.count - 1] == 0, fragment[fragment.count - 3] == 0xFF,
           fragment[fragment.count - 2] == 0xD9 {
            fragment.removeLast()
        }
        return fragment
    }

    /// COD's number of decomposition levels (T.800 A.6.1), from the main header.
    static func decompositionLevels(_ codestream: [UInt8]) -> Int? {
        guard let cod = (0..<codestream.count - 12).first(where: { codestream[$0] == 0xFF && codestream[$0 + 1] == 0x52 })
        else { return nil }
        return Int(codestream[cod + 9])
    }

    /// A minimal JP2 file (T.800 Annex I) around `codestream`: signature, file type, header
    /// (image header, greyscale colour specification), contiguous codestream box.
    static func jp2(wrapping codestream: [UInt8], rows: Int, columns: Int, precision: Int) -> [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
        func box(_ type: String, _ body: [UInt8]) -> [UInt8] { be32(UInt32(8 + body.count)) + Array(type.utf8) + body }
        let ihdr = box("ihdr", be32(UInt32(rows)) + be32(UInt32(columns)) + [0, 1, UInt8(precision - 1), 7, 0, 0])
        let colr = box("colr", [1, 0, 0] + be32(17))
        return box("jP  ", [0x0D, 0x0A, 0x87, 0x0A]) + box("ftyp", Array("jp2 ".utf8) + be32(0) + Array("jp2 ".utf8))
            + box("jp2h", ihdr + colr) + box("jp2c", codestream)
    }
}
