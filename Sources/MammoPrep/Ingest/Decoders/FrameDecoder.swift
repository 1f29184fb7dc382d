internal import CDCMTKShim

/// Which decoder produced a frame (the shim's `CDCMTKShim_Codec`).
package enum FrameCodec: String, Sendable, Equatable {
    case native
    case dcmtk
    case openJPEG = "openjpeg"
    case charLS = "charls"
    case openJPH = "openjph"

    init(_ codec: CDCMTKShim_Codec) {
        switch codec {
        case CDCMTKShim_CodecDCMTK: self = .dcmtk
        case CDCMTKShim_CodecOpenJPEG: self = .openJPEG
        case CDCMTKShim_CodecCharLS: self = .charLS
        case CDCMTKShim_CodecOpenJPH: self = .openJPH
        default: self = .native
        }
    }
}

/// What a decoder reports beside the words.
package struct DecodedFrameInfo: Sendable, Equatable {
    package var codec: FrameCodec
    /// Decoder threads used for the frame.
    package var threads: Int
    /// Component precision and signedness the codestream declares (codecs over byte buffers only).
    package var precision: Int?
    package var isSigned: Bool?
    /// Resolution levels the decoder discarded (`FrameRequest.reduce`); 0: full resolution.
    package var reduced: Int
    /// Why the preferred backend did not decode the frame and a fallback did (nil: it did).
    package var fallback: String?

    init(_ info: CDCMTKShim_FrameInfo, fallback: String? = nil) {
        codec = FrameCodec(info.codec)
        threads = Int(info.threads)
        let overBytes = info.codec != CDCMTKShim_CodecNative && info.codec != CDCMTKShim_CodecDCMTK
        precision = overBytes ? Int(info.precision) : nil
        isSigned = overBytes ? info.isSigned != 0 : nil
        reduced = Int(info.reduced)
        self.fallback = fallback
    }
}

/// A failed shim call: its status and message (never attribute values).
struct ShimFailure: Error {
    let status: CDCMTKShim_Status
    let message: String
}

/// Runs a shim entry point that reports failure as a status plus a message written into a
/// caller-supplied buffer; nil on `CDCMTKShim_OK`. The one place such buffers are made.
func callShim(_ body: (UnsafeMutablePointer<CChar>, Int) -> CDCMTKShim_Status) -> ShimFailure? {
    var message = [CChar](repeating: 0, count: 512)
    let status = message.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
    return status == CDCMTKShim_OK ? nil : ShimFailure(status: status, message: String(cBuffer: message))
}

/// The frame a decoder is asked for: an opened file, the frame index, the image geometry.
struct FrameRequest {
    let handle: OpaquePointer
    let index: Int
    let rows: Int
    let columns: Int
    let samplesPerPixel: Int
    /// Resolution levels a wavelet decoder may discard (CDCMTKShim_Reduction); 0: full resolution.
    /// Others ignore it. The words are then ceil(rows / 2^reduced) × ceil(columns / 2^reduced).
    var reduce: Int = 0
    /// Pixel Representation 1: a reduced decode requires a signed codestream.
    var storedSigned: Bool = false

    var reduction: CDCMTKShim_Reduction {
        CDCMTKShim_Reduction(levels: UInt32(clamping: reduce), signedSamples: storedSigned ? 1 : 0)
    }
}

extension FrameRequest {
    /// A shim entry point that decodes a frame held in the file (native, DCMTK codecs).
    typealias FileFrameEntry = (OpaquePointer?, UInt32, UnsafeMutablePointer<UInt16>?, Int,
                                UnsafeMutablePointer<CDCMTKShim_FrameInfo>?, UnsafeMutablePointer<CChar>?, Int)
        -> CDCMTKShim_Status

    /// Runs `entry` for this frame into `words`.
    func decode(with entry: FileFrameEntry, into words: UnsafeMutableBufferPointer<UInt16>)
        -> Result<DecodedFrameInfo, ShimFailure> {
        var info = CDCMTKShim_FrameInfo()
        let failure = callShim { entry(handle, UInt32(index), words.baseAddress, words.count, &info, $0, $1) }
        return failure.map { .failure($0) } ?? .success(DecodedFrameInfo(info))
    }
}

/// One decoding backend. Implementations fill `words` (rows × columns × samples 16-bit words,
/// host order, as the codec or file holds them: the caller masks and sign-extends).
protocol FrameDecoder: Sendable {
    func decode(_ request: FrameRequest, into words: UnsafeMutableBufferPointer<UInt16>,
                options: DecodeOptions) -> Result<DecodedFrameInfo, ShimFailure>
}

/// Picks the decoder for a transfer syntax's family from the options.
enum DecoderSelection {
    static func decoder(for family: TransferSyntax.Family, options: DecodeOptions) -> any FrameDecoder {
        switch family {
        case .native: return NativeDecoder()
        case .jpeg, .rle: return DCMTKCodecDecoder()
        case .jpegLS: return options.jpegLS.decoder
        case .jpeg2000: return options.jpeg2000.decoder
        case .htj2k: return options.htj2k.decoder
        }
    }
}

extension JPEGLSBackend {
    var decoder: any FrameDecoder {
        switch self {
        case .charLS: return CharLSDecoder()
        case .dcmtk: return DCMTKCodecDecoder()
        }
    }
}

extension JPEG2000Backend {
    var decoder: any FrameDecoder {
        switch self {
        case .openJPEG: return OpenJPEGDecoder()
        }
    }
}

extension HTJ2KBackend {
    var decoder: any FrameDecoder {
        switch self {
        case .openJPH: return OpenJPHDecoder()
        case .openJPEG: return OpenJPEGDecoder()
        }
    }
}
