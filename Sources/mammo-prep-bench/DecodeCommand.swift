import ArgumentParser
import Foundation
import MammoPrep

/// `mammo-prep-bench decode FILE`: decodes one DICOM frame N times with the chosen backends and
/// prints one JSON line: the decoder that ran (and why a fallback did), the frame size, a hash of
/// the stored values (equal hashes: equal values, to compare backends) and milliseconds per frame.
/// The file is opened once; the first decode (which also reads the frame's bytes from disk) is a
/// warm-up, not timed.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode one DICOM frame repeatedly with chosen backends; prints one JSON line."
    )

    @Argument(help: "A DICOM file.")
    var file: String

    @Option(name: .customLong("backend"),
            help: "FAMILY=BACKEND, repeatable: jpegls=\(names(JPEGLSBackend.self)), jpeg2000=\(names(JPEG2000Backend.self)), htj2k=\(names(HTJ2KBackend.self)).")
    var backends: [String] = []

    @Option(name: .customLong("repeat"), help: "Timed decodes.")
    var repetitions: Int = 10

    @Option(help: "Frame index (0-based).")
    var frame: Int = 0

    @Option(help: "Resolution levels a wavelet decoder may discard (JPEG 2000, HTJ2K).")
    var reduce: Int = 0

    @Option(help: "OpenJPEG threads per frame (1: none; 0: all cores).")
    var threads: Int = 1

    static func names<B: RawRepresentable & CaseIterable>(_: B.Type) -> String where B.RawValue == String {
        B.allCases.map(\.rawValue).joined(separator: "|")
    }

    func options() throws -> DecodeOptions {
        var options = DecodeOptions(jpeg2000Threads: threads)
        for choice in backends {
            let parts = choice.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--backend takes FAMILY=BACKEND, not '\(choice)'") }
            func pick<B: RawRepresentable>(_: B.Type) throws -> B where B.RawValue == String {
                guard let backend = B(rawValue: parts[1]) else {
                    throw ValidationError("--backend \(parts[0]): no backend '\(parts[1])'")
                }
                return backend
            }
            switch parts[0] {
            case "jpegls": options.jpegLS = try pick(JPEGLSBackend.self)
            case "jpeg2000": options.jpeg2000 = try pick(JPEG2000Backend.self)
            case "htj2k": options.htj2k = try pick(HTJ2KBackend.self)
            default: throw ValidationError("--backend: no codec family '\(parts[0])' (jpegls, jpeg2000, htj2k)")
            }
        }
        return options
    }

    func validate() throws {
        guard repetitions > 0, reduce >= 0 else { throw ValidationError("--repeat must be positive, --reduce not negative") }
        _ = try options()
    }

    func run() throws {
        let options = try options()
        let dicom = try DICOMFile(path: file)
        var storage: [UInt16] = []
        var decoded = try dicom.decodeFrame(frame, options: options, reduce: reduce, reusing: &storage)
        var milliseconds: [Double] = []
        for _ in 0..<repetitions {
            storage = decoded.frame.words
            decoded.frame.words = []
            let t0 = DispatchTime.now().uptimeNanoseconds
            decoded = try dicom.decodeFrame(frame, options: options, reduce: reduce, reusing: &storage)
            milliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        let stored = decoded.frame.canonical()
        let info = decoded.info
        milliseconds.sort()
        let line = JSONValue.object([
            ("file", .string(file)), ("frame", .int(frame)),
            ("jpegls", .string(options.jpegLS.rawValue)), ("jpeg2000", .string(options.jpeg2000.rawValue)),
            ("htj2k", .string(options.htj2k.rawValue)),
            ("codec", .string(info.codec.rawValue)), ("fallback", info.fallback.map { .string($0) } ?? .null),
            ("threads", .int(info.threads)), ("reduce", .int(reduce)), ("reduced", .int(info.reduced)),
            ("rows", .int(stored.rows)), ("columns", .int(stored.columns)),
            ("storedHash", .string(Self.hash(stored.words))),
            ("repeat", .int(repetitions)),
            ("msMin", .double(milliseconds[0])), ("msMedian", .double(milliseconds[milliseconds.count / 2])),
        ])
        print(line.serialized())
    }

    /// 64-bit FNV-1a over the stored values' little-endian bytes, as 16 hex digits.
    static func hash(_ words: [UInt16]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for word in words {
            for byte in [UInt8(word & 0xFF), UInt8(word >> 8)] {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
