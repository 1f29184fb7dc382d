/// How frames are decoded: which backend each codec family goes to, and what a backend may use.
/// Passed with each read (`DICOMFile.readRawFrame(_:options:reusing:)`); nothing is process-wide.
public struct DecodeOptions: Sendable, Equatable {
    /// Threads OpenJPEG may use for one JPEG 2000 / HTJ2K frame (1: none; 0: all cores). OpenJPH
    /// (HTJ2K) decodes on the calling thread.
    public var jpeg2000Threads: Int
    /// Decoder for JPEG-LS Lossless / Near-Lossless (CharLS by default; the values are DCMTK's).
    public var jpegLS: JPEGLSBackend
    /// Decoder for JPEG 2000 Lossless / JPEG 2000.
    public var jpeg2000: JPEG2000Backend
    /// Decoder for HTJ2K Lossless / Lossless RPCL / HTJ2K.
    public var htj2k: HTJ2KBackend

    public init(jpeg2000Threads: Int = 1, jpegLS: JPEGLSBackend = .charLS, jpeg2000: JPEG2000Backend = .openJPEG,
                htj2k: HTJ2KBackend = .openJPH) {
        self.jpeg2000Threads = jpeg2000Threads
        self.jpegLS = jpegLS
        self.jpeg2000 = jpeg2000
        self.htj2k = htj2k
    }

    public static let standard = DecodeOptions()
}

// One enum per codec family that has (or will have) a choice of backend. A new backend is one
// case here plus one `FrameDecoder` type in Decoders/ (the `decoder` switch names it).
// JPEG (processes 1, 2/4, 14, SV1) and RLE have one backend, DCMTK, and no option.

/// JPEG-LS decoders. Both give the same words: CharLS leaves to DCMTK the frames it cannot decode
/// as DCMTK does (docs/pipeline.md, "DICOM: decoding one frame").
public enum JPEGLSBackend: String, Sendable, CaseIterable {
    /// CharLS 2 (the default).
    case charLS = "charls"
    /// DCMTK's JPEG-LS codec (dcmjpls), the reference the CharLS backend is held to.
    case dcmtk
}

/// JPEG 2000 decoders.
public enum JPEG2000Backend: String, Sendable, CaseIterable {
    case openJPEG = "openjpeg"
}

/// HTJ2K (High-Throughput JPEG 2000) decoders.
public enum HTJ2KBackend: String, Sendable, CaseIterable {
    /// OpenJPH, falling back to OpenJPEG for a codestream it refuses (the frame's info says why).
    case openJPH = "openjph"
    /// OpenJPEG only.
    case openJPEG = "openjpeg"
}
