import Foundation
import Testing
@testable import MammoPrep

/// The CharLS JPEG-LS backend: the words of every JPEG-LS fixture equal DCMTK's, CharLS reports
/// itself, codestreams only DCMTK reads are handed to DCMTK (with the reason), and damaged
/// codestreams fail the decode stage with an error, never a crash.
@Suite struct CharLSDecoderTests {
    static let jpegLS = Fixtures.good.filter {
        $0.transferSyntaxUID == "1.2.840.10008.1.2.4.80" || $0.transferSyntaxUID == "1.2.840.10008.1.2.4.81"
    }
    static let charLS = DecodeOptions(jpegLS: .charLS)
    static let dcmtk = DecodeOptions(jpegLS: .dcmtk)

    static func decode(_ file: DICOMFile, _ frame: Int, _ options: DecodeOptions) throws
        -> (frame: RawFrame, info: DecodedFrameInfo) {
        var storage: [UInt16] = []
        return try file.decodeFrame(frame, options: options, reusing: &storage)
    }

    @Test func charLSIsTheDefault() {
        #expect(DecodeOptions.standard.jpegLS == .charLS)
        #expect(JPEGLSBackend(rawValue: "charls") == .charLS && JPEGLSBackend(rawValue: "dcmtk") == .dcmtk)
        #expect(DICOMFile.decoderVersions["charls"]?.hasPrefix("2.") == true)
    }

    @Test(arguments: jpegLS)
    func wordsEqualDCMTK(entry: Fixtures.Entry) throws {
        let file = try DICOMFile(path: entry.url.path)
        try #require(file.frameCount == entry.frames)
        for index in 0..<file.frameCount {
            let ours = try Self.decode(file, index, Self.charLS)
            let reference = try Self.decode(file, index, Self.dcmtk)
            #expect(ours.frame == reference.frame, "\(entry.path) frame \(index)")
            #expect(ours.info.codec == .charLS && ours.info.fallback == nil, "\(entry.path): \(ours.info)")
            #expect(ours.info.precision != nil && ours.info.isSigned == false && ours.info.threads == 1)
            #expect(reference.info.codec == .dcmtk)
            // Through the public path too: the default options give the same stored values.
            #expect(try file.readFrame(index) == reference.frame.canonical())
        }
    }

    /// The `_p16` fixtures hold 16-bit codestreams for 12-bit data: the precision is the
    /// codestream's, the masking to Bits Stored is the caller's.
    @Test func precisionIsTheCodestreams() throws {
        for (path, bits) in [("dicom/mg12_mono2_jpegls_lossless.dcm", 12), ("dicom/mg12_mono2_jpegls_lossless_p16.dcm", 16),
                             ("dicom/mg12_mono2_jpegls_near2.dcm", 12), ("dicom/mg14_jpegls_lossless.dcm", 14)] {
            let file = try DICOMFile(path: try #require(Fixtures.entry(path)).url.path)
            #expect(try Self.decode(file, 0, Self.charLS).info.precision == bits, "\(path)")
        }
    }

    @Test func corruptFixtureFailsTheDecodeStage() throws {
        let entry = try #require(Fixtures.entry("bad/corrupt_jpegls.dcm"))
        let file = try DICOMFile(path: entry.url.path)
        let error = try #require(throws: MammoPrepError.self) { try Self.decode(file, 0, Self.charLS) }
        #expect(error.stage == .decode && error.code == .corruptStream)
        #expect(error.detail.hasPrefix("JPEG-LS decode: "), "\(error)")
    }

    // MARK: - Codestreams rewritten here

    static let source = "dicom/mg12_mono2_jpegls_lossless.dcm"

    /// `source` with its one fragment replaced by `change(codestream)`.
    static func rewritten(_ change: ([UInt8]) -> [UInt8]) throws -> String {
        let path = try #require(Fixtures.entry(source)).url.path
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let (start, codestream) = try #require(JPEGLSFile.soleFragment(bytes))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mammo-prep-charls-\(UUID().uuidString).dcm")
        try Data(JPEGLSFile.replacingFragment(bytes, at: start, with: change(codestream))).write(to: url)
        return url.path
    }

    static func decodeRewritten(_ change: ([UInt8]) -> [UInt8]) throws -> (charLS: Result<(RawFrame, DecodedFrameInfo), any Error>,
                                                                          dcmtk: Result<RawFrame, any Error>) {
        let path = try rewritten(change)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try DICOMFile(path: path)
        return (Result { let d = try decode(file, 0, charLS); return (d.frame, d.info) },
                Result { try decode(file, 0, dcmtk).frame })
    }

    static func expectDecodeError(_ result: Result<(RawFrame, DecodedFrameInfo), any Error>, _ what: String,
                                  code: MammoPrepError.Code = .corruptStream, detail: String = "JPEG-LS") {
        guard case .failure(let error) = result else { Issue.record("\(what): decoded"); return }
        guard let error = error as? MammoPrepError else { Issue.record("\(what): \(error)"); return }
        #expect(error.stage == .decode && error.code == code, "\(what): \(error)")
        #expect(error.detail.contains(detail), "\(what): \(error)")
        #expect(!error.description.contains("\n"), "\(what): \(error)")
    }

    @Test func damagedCodestreamsFailTheDecodeStage() throws {
        // CharLS is never given data that ends without a marker (codec_charls.cpp: it could spin
        // for seconds): a truncated frame fails at once, with or without an EOI after the cut.
        let truncated = try Self.decodeRewritten { Array($0.prefix($0.count / 2 & ~1)) }
        Self.expectDecodeError(truncated.charLS, "truncated", detail: "no EOI marker")
        let cut = try Self.decodeRewritten { Array($0.prefix($0.count / 2 & ~1)) + [0xFF, 0xD9] }
        Self.expectDecodeError(cut.charLS, "truncated, EOI appended", detail: "JPEG-LS decode: ")
        if case .success = cut.dcmtk { Issue.record("truncated, EOI appended: DCMTK decoded it") }
        // A complete scan without EOI: DCMTK too wants a marker after the scan.
        let unterminated = try Self.decodeRewritten { s in
            Array(s[..<((0..<(s.count - 1)).last { s[$0] == 0xFF && s[$0 + 1] == 0xD9 } ?? s.count)])
        }
        Self.expectDecodeError(unterminated.charLS, "no EOI", detail: "no EOI marker")
        // Nothing is asserted of DCMTK's codec here: on a scan without EOI it reads past the data
        // and now and then "decodes" the frame (its result depends on those bytes), which is why
        // CharLSDecoder does not hand it such a frame (CDCMTKShim_ErrUnterminated is not retried).
        // Garbage after SOI, the same bytes on every run (a fixed linear congruential sequence).
        for seed in [UInt64(1), 2, 3, 4, 5, 6, 7, 8] {
            var state = seed
            let afterSOI = try Self.decodeRewritten { _ in
                [0xFF, 0xD8] + (0..<998).map { _ in
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    return UInt8(truncatingIfNeeded: state >> 56)
                }
            }
            Self.expectDecodeError(afterSOI.charLS, "garbage after SOI (seed \(seed))")
        }
        let empty = try Self.decodeRewritten { _ in [] }
        Self.expectDecodeError(empty.charLS, "zero-length frame", detail: "no bytes")
        if case .success = empty.dcmtk { Issue.record("zero-length frame: DCMTK decoded it") }
    }

    @Test func codestreamOfAnotherSizeIsAGeometryError() throws {
        // SOF55 Y (rows) 160 → 159: both backends refuse it.
        let shorter = try Self.decodeRewritten { JPEGLSFile.settingSOF($0, rows: 159) }
        Self.expectDecodeError(shorter.charLS, "rows 159", detail: "JPEG-LS codestream is 128x159, Columns x Rows is 128x160")
        if case .success = shorter.dcmtk { Issue.record("rows 159: DCMTK decoded it") }
        let wider = try Self.decodeRewritten { JPEGLSFile.settingSOF($0, columns: 256) }
        Self.expectDecodeError(wider.charLS, "columns 256", detail: "JPEG-LS codestream is 256x160")
    }

    /// CharLS wants EOI right after the scan; DCMTK stops after the last sample. A byte between
    /// them (as some encoders leave) is DCMTK's to decode, with the same words as without it.
    @Test func byteBeforeEOIFallsBackToDCMTK() throws {
        let padded = try Self.decodeRewritten { JPEGLSFile.insertingBeforeEOI($0, [0x00]) }
        let (frame, info) = try padded.charLS.get()
        #expect(info.codec == .dcmtk)
        #expect(info.fallback?.hasPrefix("JPEG-LS decode: ") == true, "\(info)")
        #expect(frame == (try padded.dcmtk.get()))
        let original = try Self.decodeRewritten { $0 }
        #expect(frame == (try original.dcmtk.get()))
        #expect(try original.charLS.get().1.fallback == nil)
    }

    /// Bytes after EOI (a fragment's padding) are ignored by both.
    @Test func bytesAfterEOIAreIgnored() throws {
        let trailing = try Self.decodeRewritten { $0 + [0x00, 0x00, 0xFF, 0x00] }
        let (frame, info) = try trailing.charLS.get()
        #expect(info.codec == .charLS && info.fallback == nil)
        #expect(frame == (try trailing.dcmtk.get()))
    }

    /// Frames of several fragments and no offset table: each frame starts at a fragment that
    /// begins with SOI + SOF55 (as DCMTK's codec finds them), not only in DCMTK.
    @Test func framesFoundBySOIWithoutAnOffsetTable() throws {
        let entry = try #require(Fixtures.entry("dicom/bto12_jpegls_lossless.dcm"))
        let bytes = [UInt8](try Data(contentsOf: entry.url))
        let (start, fragments) = try #require(JPEGLSFile.fragments(bytes))
        try #require(fragments.count == 5 && fragments.allSatisfy { $0.count > 200 })
        // An empty offset table, then every frame in two fragments of even length.
        var body: [UInt8] = [0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]
        for frame in fragments {
            let half = frame.count / 4 * 2
            for part in [Array(frame[..<half]), Array(frame[half...])] {
                body += [0xFE, 0xFF, 0x00, 0xE0] + withUnsafeBytes(of: UInt32(part.count).littleEndian, Array.init) + part
            }
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mammo-prep-charls-\(UUID().uuidString).dcm")
        try Data(Array(bytes[..<start]) + body + [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let split = try DICOMFile(path: url.path), original = try DICOMFile(path: entry.url.path)
        for index in 0..<5 {
            let ours = try Self.decode(split, index, Self.charLS)
            #expect(ours.info.codec == .charLS && ours.info.fallback == nil, "frame \(index): \(ours.info)")
            #expect(ours.frame == (try Self.decode(original, index, Self.dcmtk).frame), "frame \(index)")
            #expect(ours.frame == (try Self.decode(split, index, Self.dcmtk).frame), "frame \(index)")
        }
    }

    /// Preset coding parameters (ISO/IEC 14495-1 C.2.4.1.1): explicit defaults are CharLS's to
    /// decode; an LSE MAXVAL other than 2^P − 1, which DCMTK ignores unless RESET is also set, goes
    /// to DCMTK so that the words stay DCMTK's.
    @Test func presetParametersDCMTKReadsOtherwiseFallBack() throws {
        let original = try Self.decodeRewritten { $0 }.dcmtk.get()
        // 12-bit defaults: MAXVAL 4095, T1 18, T2 67, T3 276, RESET 64.
        let explicit = try Self.decodeRewritten { JPEGLSFile.insertingLSE($0, [4095, 18, 67, 276, 64]) }
        let (e, eInfo) = try explicit.charLS.get()
        #expect(eInfo.codec == .charLS && eInfo.fallback == nil)
        #expect(e == original)
        #expect(try explicit.dcmtk.get() == original)

        let maxval = try Self.decodeRewritten { JPEGLSFile.insertingLSE($0, [4000, 0, 0, 0, 0]) }
        let (m, mInfo) = try maxval.charLS.get()
        #expect(mInfo.codec == .dcmtk)
        #expect(mInfo.fallback?.contains("MAXVAL 4000") == true, "\(mInfo)")
        #expect(m == (try maxval.dcmtk.get()))
    }
}

/// Byte surgery on a single-fragment encapsulated file and its JPEG-LS codestream.
enum JPEGLSFile {
    static func u32(_ b: [UInt8], _ i: Int) -> Int {
        Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24
    }

    /// Offset of the offset table's item tag and every fragment after it, in order.
    static func fragments(_ b: [UInt8]) -> (Int, [[UInt8]])? {
        let pixelData: [UInt8] = [0xE0, 0x7F, 0x10, 0x00, 0x4F, 0x42, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        guard let at = (0...(b.count - pixelData.count)).last(where: { Array(b[$0..<$0 + pixelData.count]) == pixelData })
        else { return nil }
        let table = at + pixelData.count
        var item = table + 8 + u32(b, table + 4)
        var out: [[UInt8]] = []
        while item + 8 <= b.count, b[item + 2] == 0x00, b[item + 3] == 0xE0 { // (FFFE,E000) Item
            let length = u32(b, item + 4)
            out.append(Array(b[(item + 8)..<(item + 8 + length)]))
            item += 8 + length
        }
        return (table, out)
    }

    /// Offset of the first fragment's item tag and the fragment's bytes (after the offset table).
    static func soleFragment(_ b: [UInt8]) -> (Int, [UInt8])? {
        guard let (table, fragments) = fragments(b), fragments.count == 1 else { return nil }
        return (table + 8 + u32(b, table + 4), fragments[0])
    }

    /// The file with everything from the first fragment on replaced by one fragment (padded to an
    /// even length) and the sequence delimiter.
    static func replacingFragment(_ b: [UInt8], at start: Int, with codestream: [UInt8]) -> [UInt8] {
        var data = codestream
        if data.count % 2 == 1 { data.append(0) }
        let length = withUnsafeBytes(of: UInt32(data.count).littleEndian, Array.init)
        return Array(b[..<start]) + [0xFE, 0xFF, 0x00, 0xE0] + length + data + [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]
    }

    static func marker(_ s: [UInt8], _ code: UInt8) -> Int? {
        (0..<(s.count - 1)).first { s[$0] == 0xFF && s[$0 + 1] == code }
    }

    /// SOF55 (FFF7: length, P, Y, X, Nf) with Y and/or X changed.
    static func settingSOF(_ s: [UInt8], rows: Int? = nil, columns: Int? = nil) -> [UInt8] {
        guard let at = marker(s, 0xF7) else { return s }
        var out = s
        if let rows { out[at + 5] = UInt8(rows >> 8); out[at + 6] = UInt8(rows & 0xFF) }
        if let columns { out[at + 7] = UInt8(columns >> 8); out[at + 8] = UInt8(columns & 0xFF) }
        return out
    }

    /// An LSE preset coding parameters segment (ID 1: MAXVAL, T1, T2, T3, RESET) right before SOS.
    static func insertingLSE(_ s: [UInt8], _ values: [Int]) -> [UInt8] {
        guard let sos = marker(s, 0xDA) else { return s }
        let segment: [UInt8] = [0xFF, 0xF8, 0x00, 0x0D, 0x01] + values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        return Array(s[..<sos]) + segment + Array(s[sos...])
    }

    /// `bytes` inserted before the final EOI (FFD9).
    static func insertingBeforeEOI(_ s: [UInt8], _ bytes: [UInt8]) -> [UInt8] {
        guard let eoi = (0..<(s.count - 1)).last(where: { s[$0] == 0xFF && s[$0 + 1] == 0xD9 }) else { return s }
        return Array(s[..<eoi]) + bytes + Array(s[eoi...])
    }
}
