import Foundation
import Testing
@testable import MammoPrep

/// HTJ2K through OpenJPH (the default backend): the same stored values as OpenJPEG, the OpenJPEG
/// fallback for codestreams OpenJPH refuses, corrupt codestreams as decode errors, and reduced
/// resolution equal to OpenJPEG's.
@Suite struct OpenJPHDecoderTests {
    static let htj2k = ["dicom/mg12_mono2_htj2k_lossless.dcm", "dicom/mg12_mono2_htj2k_rpcl.dcm",
                        "dicom/mg12_mono2_htj2k_lossy.dcm"]
    static let lossless = Array(htj2k.prefix(2))
    static let openJPH = DecodeOptions(htj2k: .openJPH)
    static let openJPEG = DecodeOptions(htj2k: .openJPEG)

    static func decode(_ path: String, _ options: DecodeOptions, reduce: Int = 0) throws
        -> (frame: StoredFrame, info: DecodedFrameInfo) {
        let file = try DICOMFile(path: path)
        var storage: [UInt16] = []
        let decoded = try file.decodeFrame(0, options: options, reduce: reduce, reusing: &storage)
        return (decoded.frame.canonical(), decoded.info)
    }

    /// OpenJPH on irreversible codestreams too (the default leaves them to OpenJPEG).
    static func decodeAllWithOpenJPH(_ path: String, reduce: Int = 0) throws -> (frame: StoredFrame, info: DecodedFrameInfo) {
        let file = try DICOMFile(path: path)
        var storage: [UInt16] = []
        let decoded = try file.decodeFrame(0, decoder: OpenJPHDecoder(irreversibleToo: true), options: openJPH,
                                           reduce: reduce, reusing: &storage)
        return (decoded.frame.canonical(), decoded.info)
    }

    @Test func openJPHIsTheDefault() {
        #expect(DecodeOptions.standard.htj2k == .openJPH)
        #expect(HTJ2KBackend(rawValue: "openjpeg") == .openJPEG)
        #expect(DICOMFile.decoderVersions["openjph"]?.split(separator: ".").count == 3)
    }

    @Test(arguments: lossless)
    func losslessStoredValuesEqualOpenJPEG(path: String) throws {
        let url = try #require(Fixtures.entry(path)).url
        let ojph = try Self.decode(url.path, Self.openJPH)
        let opj = try Self.decode(url.path, Self.openJPEG)
        #expect(ojph.info.codec == .openJPH && ojph.info.fallback == nil)
        #expect(ojph.info.threads == 1 && ojph.info.precision == 12 && ojph.info.isSigned == false && ojph.info.reduced == 0)
        #expect(opj.info.codec == .openJPEG)
        #expect(ojph.frame == opj.frame)
    }

    /// Irreversible 9/7: OpenJPEG by default (the values pydicom gives, Tests/oracle); OpenJPH when
    /// asked differs from it by at most one grey level on a few samples (float arithmetic and
    /// rounding at half-way points: the 9/7 filter is not bit-exact between decoders).
    @Test func lossyGoesToOpenJPEGAndOpenJPHDiffersByOneLevelAtMost() throws {
        let url = try #require(Fixtures.entry(Self.htj2k[2])).url
        let byDefault = try Self.decode(url.path, Self.openJPH)
        let opj = try Self.decode(url.path, Self.openJPEG)
        #expect(byDefault.info.codec == .openJPEG && byDefault.frame == opj.frame)
        #expect(byDefault.info.fallback?.contains("irreversible") == true)
        let ojph = try Self.decodeAllWithOpenJPH(url.path)
        #expect(ojph.info.codec == .openJPH && ojph.info.fallback == nil)
        let differences = zip(ojph.frame.words, opj.frame.words).map { abs(Int(Int16(bitPattern: $0)) - Int(Int16(bitPattern: $1))) }
        let differing = differences.filter { $0 != 0 }.count
        #expect((differences.max() ?? 0) <= 1, "OpenJPH and OpenJPEG differ by up to \(differences.max() ?? 0)")
        #expect(differing * 50 < differences.count, "\(differing) of \(differences.count) samples differ")
    }

    /// A codestream OpenJPH refuses but OpenJPEG decodes: the fallback runs and says why.
    @Test(arguments: ["part1", "jp2"])
    func refusedCodestreamFallsBackToOpenJPEG(kind: String) throws {
        let stream: [UInt8]
        let want: StoredFrame
        let reason: String
        if kind == "part1" {
            // A JPEG 2000 Part 1 codestream under an HTJ2K transfer syntax.
            stream = try EncapsulatedDICOM.codestream(of: "dicom/mg12_mono2_j2k_lossless.dcm")
            want = try DICOMFile(path: try #require(Fixtures.entry("dicom/mg12_mono2_j2k_lossless.dcm")).url.path).readFrame(0)
            reason = "Rsiz bit 14"
        } else {
            let htj2k = try EncapsulatedDICOM.codestream(of: "dicom/mg12_mono2_htj2k_lossless.dcm")
            stream = EncapsulatedDICOM.jp2(wrapping: htj2k, rows: 160, columns: 128, precision: 12)
            want = try Self.decode(try #require(Fixtures.entry(Self.lossless[0])).url.path, Self.openJPEG).frame
            reason = "JP2"
        }
        let path = try EncapsulatedDICOM.write(transferSyntax: "1.2.840.10008.1.2.4.201", rows: 160, columns: 128,
                                               fragments: [stream])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let got = try Self.decode(path, Self.openJPH)
        #expect(got.info.codec == .openJPEG)
        let fallback = try #require(got.info.fallback)
        #expect(fallback.contains(reason) && !fallback.contains("\n"), "\(fallback)")
        #expect(got.frame == want)
        // With OpenJPEG chosen there is nothing to fall back from.
        #expect(try Self.decode(path, Self.openJPEG).info.fallback == nil)
    }

    static let corruptions = ["truncated header", "truncated tile-part", "garbage", "garbage after SOT",
                              "SIZ not Rows x Columns", "zero length"]

    /// Corrupt HTJ2K: a decode error naming the stage, never a crash, with either backend.
    @Test(arguments: corruptions)
    func corruptHTJ2KIsADecodeError(kind: String) throws {
        let good = try EncapsulatedDICOM.codestream(of: Self.lossless[0])
        var generator = StatsTestRandom(seed: 10)
        let sot = try #require((0..<good.count - 1).first { good[$0] == 0xFF && good[$0 + 1] == 0x90 })
        var rows = 160
        let stream: [UInt8]
        switch kind {
        case "truncated header": stream = Array(good.prefix(sot - 7))
        case "truncated tile-part": stream = Array(good.prefix(good.count / 2))
        case "garbage": stream = (0..<good.count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        case "garbage after SOT":
            stream = Array(good.prefix(sot + 2)) + (sot + 2 ..< good.count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        case "SIZ not Rows x Columns": stream = good; rows = 150
        default: stream = []
        }
        let path = try EncapsulatedDICOM.write(transferSyntax: "1.2.840.10008.1.2.4.201", rows: rows, columns: 128,
                                               fragments: [stream])
        defer { try? FileManager.default.removeItem(atPath: path) }
        for options in [Self.openJPH, Self.openJPEG] {
            do {
                let got = try Self.decode(path, options)
                Issue.record("\(kind) with \(options.htj2k): decoded (\(got.info))")
            } catch let error as MammoPrepError {
                #expect(error.stage == .decode, "\(kind): \(error)")
                #expect(!error.description.contains("\n"), "\(kind): \(error)")
                if options.htj2k == .openJPH {
                    #expect(error.detail.contains("OpenJPH"), "\(kind): the OpenJPH reason is lost: \(error)")
                }
            }
        }
    }

    /// Packet headers OpenJPH 0.9.0 would act on unsafely: a code-block longer than the bytes left
    /// in its tile-part (0.9.0 zero-fills past its buffer) and a length field over 32 bits (0.9.0
    /// asserts). The replay refuses both before OpenJPH runs; OpenJPEG then decides.
    @Test(arguments: [("runs past its tile-part", 463, [0xFA] as [UInt8]),
                      ("over 32 bits", 1, [0xFF, 0x7F, 0xFF, 0x7F, 0xFF, 0x7F])])
    func corruptPacketHeaderNeverReachesOpenJPH(reason: String, offset: Int, bytes: [UInt8]) throws {
        var stream = try EncapsulatedDICOM.codestream(of: Self.lossless[0])
        let sod = try #require((0..<stream.count - 1).first { stream[$0] == 0xFF && stream[$0 + 1] == 0x93 })
        stream.replaceSubrange(sod + 2 + offset ..< sod + 2 + offset + bytes.count, with: bytes)
        let path = try EncapsulatedDICOM.write(transferSyntax: "1.2.840.10008.1.2.4.201", rows: 160, columns: 128,
                                               fragments: [stream])
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let got = try Self.decode(path, Self.openJPH)
            #expect(got.info.codec == .openJPEG)
            #expect(got.info.fallback?.contains("packet header: ") == true && got.info.fallback?.contains(reason) == true,
                    "\(got.info.fallback ?? "no fallback")")
        } catch let error as MammoPrepError {
            #expect(error.stage == .decode && error.detail.contains("packet header: ") && error.detail.contains(reason),
                    "\(error)")
        }
    }

    // MARK: - Reduced resolution

    /// Every level the lossless fixtures have: OpenJPH's reduced frame is OpenJPEG's, bit for bit.
    @Test(arguments: lossless)
    func reducedDecodeEqualsOpenJPEG(path: String) throws {
        let url = try #require(Fixtures.entry(path)).url
        let levels = try #require(EncapsulatedDICOM.decompositionLevels(try EncapsulatedDICOM.codestream(of: path)))
        #expect(levels >= 1)
        for n in 1...levels {
            let ojph = try Self.decode(url.path, Self.openJPH, reduce: n)
            let opj = try Self.decode(url.path, Self.openJPEG, reduce: n)
            #expect(ojph.info.codec == .openJPH && ojph.info.reduced == n && opj.info.reduced == n, "\(path) reduce \(n)")
            #expect(ojph.frame.rows == (160 + (1 << n) - 1) >> n && ojph.frame.columns == (128 + (1 << n) - 1) >> n)
            #expect(ojph.frame == opj.frame, "\(path) reduce \(n)")
        }
        // More levels than the codestream has: full resolution from both.
        let beyond = try Self.decode(url.path, Self.openJPH, reduce: levels + 1)
        let full = try Self.decode(url.path, Self.openJPEG)
        #expect(beyond.info.reduced == 0 && beyond.frame == full.frame)
    }

    /// The irreversible filter's LL band is not the 5/3 band the request means: full decode.
    @Test func irreversibleIsNotReduced() throws {
        let url = try #require(Fixtures.entry(Self.htj2k[2])).url
        let ojph = try Self.decodeAllWithOpenJPH(url.path, reduce: 1)
        let opj = try Self.decode(url.path, Self.openJPEG, reduce: 1)
        for got in [ojph, opj] {
            #expect(got.info.reduced == 0 && got.frame.rows == 160 && got.frame.columns == 128)
        }
        #expect(ojph.info.codec == .openJPH)
    }

    /// Pixel Representation 1 over an unsigned codestream: the signedness condition fails.
    @Test func signednessMismatchIsNotReduced() throws {
        let stream = try EncapsulatedDICOM.codestream(of: Self.lossless[0])
        let path = try EncapsulatedDICOM.write(transferSyntax: "1.2.840.10008.1.2.4.201", rows: 160, columns: 128,
                                               pixelRepresentation: 1, fragments: [stream])
        defer { try? FileManager.default.removeItem(atPath: path) }
        for options in [Self.openJPH, Self.openJPEG] {
            let got = try Self.decode(path, options, reduce: 2)
            #expect(got.info.reduced == 0 && got.frame.rows == 160)
        }
    }
}
