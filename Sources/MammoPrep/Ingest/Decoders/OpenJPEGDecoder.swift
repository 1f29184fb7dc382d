internal import CDCMTKShim

/// OpenJPEG for JPEG 2000 and HTJ2K: the shim hands over the frame's encapsulated bytes, which
/// OpenJPEG decodes with `options.jpeg2000Threads` threads.
struct OpenJPEGDecoder: FrameDecoder {
    func decode(_ request: FrameRequest, into words: UnsafeMutableBufferPointer<UInt16>,
                options: DecodeOptions) -> Result<DecodedFrameInfo, ShimFailure> {
        request.withFrameBytes { bytes in Self.decode(bytes, request, into: words, options: options) }
    }

    /// Decodes a frame's bytes (also OpenJPHDecoder's fallback).
    static func decode(_ bytes: CDCMTKShim_FrameBytes, _ request: FrameRequest,
                       into words: UnsafeMutableBufferPointer<UInt16>,
                       options: DecodeOptions) -> Result<DecodedFrameInfo, ShimFailure> {
        var info = CDCMTKShim_FrameInfo()
        var reduction = request.reduction
        let failure = callShim {
            CDCMTKShim_decodeOpenJPEG(bytes.data, bytes.size, UInt32(request.rows), UInt32(request.columns),
                                      UInt32(request.samplesPerPixel), Int32(clamping: options.jpeg2000Threads),
                                      &reduction, words.baseAddress, words.count, &info, $0, $1)
        }
        return failure.map { .failure($0) } ?? .success(DecodedFrameInfo(info))
    }
}

extension FrameRequest {
    /// Runs `body` over this frame's encapsulated bytes (`CDCMTKShim_frameBytes`), released after.
    func withFrameBytes(_ body: (CDCMTKShim_FrameBytes) -> Result<DecodedFrameInfo, ShimFailure>)
        -> Result<DecodedFrameInfo, ShimFailure> {
        var bytes = CDCMTKShim_FrameBytes()
        defer { CDCMTKShim_releaseFrameBytes(&bytes) }
        if let failure = callShim({ CDCMTKShim_frameBytes(handle, UInt32(index), &bytes, $0, $1) }) {
            return .failure(failure)
        }
        return body(bytes)
    }
}
