internal import CDCMTKShim

/// DCMTK's codecs (JPEG processes 1, 2/4, 14, SV1; JPEG-LS; RLE), reading the frame's fragments
/// from the file.
struct DCMTKCodecDecoder: FrameDecoder {
    func decode(_ request: FrameRequest, into words: UnsafeMutableBufferPointer<UInt16>,
                options: DecodeOptions) -> Result<DecodedFrameInfo, ShimFailure> {
        request.decode(with: CDCMTKShim_decodeDCMTKFrame, into: words)
    }
}
