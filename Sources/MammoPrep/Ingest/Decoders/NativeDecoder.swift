internal import CDCMTKShim

/// Native (uncompressed) pixel data: only the frame's bytes are read, swapped to host order.
struct NativeDecoder: FrameDecoder {
    func decode(_ request: FrameRequest, into words: UnsafeMutableBufferPointer<UInt16>,
                options: DecodeOptions) -> Result<DecodedFrameInfo, ShimFailure> {
        var info = CDCMTKShim_FrameInfo()
        let failure = callShim {
            CDCMTKShim_readNativeFrame(request.handle, UInt32(request.index), words.baseAddress, words.count, &info, $0, $1)
        }
        return failure.map { .failure($0) } ?? .success(DecodedFrameInfo(info))
    }
}
