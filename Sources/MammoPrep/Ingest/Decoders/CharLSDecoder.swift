internal import CDCMTKShim

/// CharLS for JPEG-LS Lossless / Near-Lossless: the shim hands over the frame's encapsulated
/// bytes, which CharLS decodes (16-bit samples straight into `words`).
///
/// The words equal those of DCMTK's JPEG-LS codec wherever that codec decodes the frame. Where
/// CharLS cannot give them — the frame's bytes cannot be isolated, CharLS rejects the codestream
/// (it is stricter than DCMTK about what follows the scan), or the codestream's preset coding
/// parameters are ones DCMTK resolves differently (`CDCMTKShim_ErrDeclined`) — DCMTK
/// decodes the frame and `fallback` says why. When DCMTK fails too, the error is CharLS's, or
/// DCMTK's when CharLS only declined. A codestream of the wrong size is refused by both alike,
/// so it is not retried.
struct CharLSDecoder: FrameDecoder {
    func decode(_ request: FrameRequest, into words: UnsafeMutableBufferPointer<UInt16>,
                options: DecodeOptions) -> Result<DecodedFrameInfo, ShimFailure> {
        let result = Self.decodeCharLS(request, into: words)
        guard case .failure(let failure) = result, Self.retried.contains(failure.status) else { return result }
        switch DCMTKCodecDecoder().decode(request, into: words, options: options) {
        case .success(var info):
            info.fallback = failure.message
            return .success(info)
        case .failure(let dcmtk):
            return .failure(failure.status == CDCMTKShim_ErrDeclined ? dcmtk : failure)
        }
    }

    /// Failures DCMTK's codec may get past. Not `CDCMTKShim_ErrUnterminated`: a frame with no EOI
    /// marker is truncated, and DCMTK's codec was seen to "decode" such a frame now and then (its
    /// result depends on what lies past the data), so it is not asked.
    static let retried: [CDCMTKShim_Status] = [
        CDCMTKShim_ErrCorruptStream, CDCMTKShim_ErrDeclined, CDCMTKShim_ErrShortPixelData,
        CDCMTKShim_ErrFrameRange,
    ]

    /// CharLS alone, no fallback.
    static func decodeCharLS(_ request: FrameRequest, into words: UnsafeMutableBufferPointer<UInt16>)
        -> Result<DecodedFrameInfo, ShimFailure> {
        var bytes = CDCMTKShim_FrameBytes()
        defer { CDCMTKShim_releaseFrameBytes(&bytes) }
        if let failure = callShim({ CDCMTKShim_frameBytes(request.handle, UInt32(request.index), &bytes, $0, $1) }) {
            return .failure(failure)
        }
        var info = CDCMTKShim_FrameInfo()
        let failure = callShim {
            CDCMTKShim_decodeCharLS(bytes.data, bytes.size, UInt32(request.rows), UInt32(request.columns),
                                    UInt32(request.samplesPerPixel), words.baseAddress, words.count, &info, $0, $1)
        }
        return failure.map { .failure($0) } ?? .success(DecodedFrameInfo(info))
    }
}
