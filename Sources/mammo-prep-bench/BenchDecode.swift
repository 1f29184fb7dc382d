import ArgumentParser
import Foundation
import MammoPrep

/// `mammo-prep-bench decode FILE`: decodes every frame of a DICOM file `--reps` times with the
/// chosen JPEG-LS backend (other syntaxes use their only or default backend), one thread, and
/// prints one JSON line: milliseconds per frame (best and median repetition), the decoder that
/// produced the frames and any fallback reason, and a 64-bit FNV-1a of all the raw words, so that
/// two backends' outputs can be compared for identity as well as speed. Opening the file is not
/// timed; reading the frame's bytes from disk is (as in a conversion).
struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Time the decoding of a DICOM file's frames with a chosen backend; prints one JSON line."
    )

    @Argument(help: "A DICOM file.")
    var file: String

    @Option(help: "JPEG-LS backend: \(JPEGLSBackend.allCases.map(\.rawValue).joined(separator: ", ")).")
    var jpegLS: String = DecodeOptions.standard.jpegLS.rawValue

    @Option(help: "Timed repetitions (each decodes every frame).")
    var reps: Int = 5

    func run() throws {
        guard let backend = JPEGLSBackend(rawValue: jpegLS) else {
            throw ValidationError("--jpeg-ls must be one of \(JPEGLSBackend.allCases.map(\.rawValue))")
        }
        guard reps > 0 else { throw ValidationError("--reps must be positive") }
        let options = DecodeOptions(jpegLS: backend)
        let image = try DICOMFile(path: file)
        var storage: [UInt16] = []
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var codecs: Set<String> = []
        var fallbacks: Set<String> = []
        var seconds: [Double] = []
        for rep in 0..<reps {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for index in 0..<image.frameCount {
                let decoded = try image.decodeFrame(index, options: options, reusing: &storage)
                if rep == 0 {
                    codecs.insert(decoded.info.codec.rawValue)
                    if let reason = decoded.info.fallback { fallbacks.insert(reason) }
                    for word in decoded.frame.words {
                        hash = (hash ^ UInt64(word & 0xFF)) &* 0x0000_0100_0000_01B3
                        hash = (hash ^ UInt64(word >> 8)) &* 0x0000_0100_0000_01B3
                    }
                }
                storage = decoded.frame.words // hand the buffer back for the next frame
            }
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        let perFrame = seconds.sorted().map { $0 * 1000 / Double(max(image.frameCount, 1)) }
        let hex = String(hash, radix: 16)
        let line = JSONValue.object([
            ("file", .string(file)), ("jpegLS", .string(backend.rawValue)), ("frames", .int(image.frameCount)),
            ("reps", .int(reps)), ("bestMsPerFrame", .double(perFrame[0])),
            ("medianMsPerFrame", .double(perFrame[perFrame.count / 2])),
            ("decoders", .array(codecs.sorted().map { .string($0) })),
            ("fallbacks", .array(fallbacks.sorted().map { .string($0) })),
            ("wordsFNV1a", .string(String(repeating: "0", count: 16 - hex.count) + hex)),
        ])
        print(line.serialized())
    }
}
