internal import CDCMTKShim

/// Native (uncompressed) pixel data: only the frame's bytes are read, swapped to host order.
struct NativeDecoder: FrameDecoder {
    func decode(_ request: FrameRequest, into words: UnsafeMutableBufferPointer<UInt16>,
                options: DecodeOptions) -> Result<DecodedFrameInfo, ShimFailure> {
        request.decode(with: CDCMTKShim_readNativeFrame, into: words)
    }
}
