internal import CDCMTKShim

/// OpenJPH for HTJ2K, with OpenJPEG as the fallback.
///
/// - Irreversible (9/7) codestreams go to OpenJPEG unless `irreversibleToo`: the 9/7 filter in
///   floating point is not bit-exact between decoders (OpenJPH rounds about 1 % of a lossy
///   fixture's samples one grey level away from OpenJPEG and pydicom), and lossy HTJ2K keeps the
///   values it had before OpenJPH. Reversible codestreams decode to the same values either way.
/// - The shim refuses, before OpenJPH sees them, codestreams OpenJPH 0.9 would misread or that are
///   malformed (`CDCMTKShim_decodeOpenJPH`); any refusal or OpenJPH error (every failure but a
///   too-small buffer) sends the same bytes to OpenJPEG.
///
/// When OpenJPEG decodes, the frame's info carries OpenJPH's one-line reason in `fallback`; when
/// OpenJPEG fails too, its error is the frame's, with OpenJPH's reason appended.
struct OpenJPHDecoder: FrameDecoder {
    var irreversibleToo = false

    func decode(_ request: FrameRequest, into words: UnsafeMutableBufferPointer<UInt16>,
                options: DecodeOptions) -> Result<DecodedFrameInfo, ShimFailure> {
        request.withFrameBytes { bytes in
            func fallback(_ reason: ShimFailure) -> Result<DecodedFrameInfo, ShimFailure> {
                switch OpenJPEGDecoder.decode(bytes, request, into: words, options: options) {
                case .success(var info):
                    info.fallback = reason.message
                    return .success(info)
                case .failure(let failure):
                    return .failure(ShimFailure(status: failure.status, message: "\(failure.message); \(reason.message)"))
                }
            }
            if !irreversibleToo && CDCMTKShim_htj2kReversible(bytes.data, bytes.size) == 0 {
                return fallback(ShimFailure(status: CDCMTKShim_ErrUnsupportedSyntax,
                                            message: "OpenJPH: irreversible 9/7 codestream, left to OpenJPEG"))
            }
            var info = CDCMTKShim_FrameInfo()
            var reduction = request.reduction
            let refusal = callShim {
                CDCMTKShim_decodeOpenJPH(bytes.data, bytes.size, UInt32(request.rows), UInt32(request.columns),
                                         UInt32(request.samplesPerPixel), &reduction, words.baseAddress, words.count,
                                         &info, $0, $1)
            }
            guard let refusal else { return .success(DecodedFrameInfo(info)) }
            return refusal.status == CDCMTKShim_ErrBufferTooSmall ? .failure(refusal) : fallback(refusal)
        }
    }
}
