internal import CDCMTKShim

/// DCMTK's codecs (JPEG processes 1, 2/4, 14, SV1; JPEG-LS; RLE), reading the frame's fragments
/// from the file.
struct DCMTKCodecDecoder: FrameDecoder {
    func decode(_ request: FrameRequest, into words: UnsafeMutableBufferPointer<UInt16>,
                options: DecodeOptions) -> Result<DecodedFrameInfo, ShimFailure> {
        var info = CDCMTKShim_FrameInfo()
        let failure = callShim {
            CDCMTKShim_decodeDCMTKFrame(request.handle, UInt32(request.index), words.baseAddress, words.count, &info, $0, $1)
        }
        return failure.map { .failure($0) } ?? .success(DecodedFrameInfo(info))
    }
}
