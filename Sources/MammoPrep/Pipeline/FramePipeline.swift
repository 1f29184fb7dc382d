/// Everything that decides an adapted tensor: how frames are read and decoded (read limits, a
/// decoder backend per codec family and its threads), how they are windowed (docs/windowing.md),
/// whether they are reduced first (wavelet reduction, docs/cli.md), how they are windowed
/// (docs/windowing.md), and how they are adapted (geometry, normalization, channels;
/// docs/adapter.md). Backends and threads change speed, never pixels.
public struct FramePipelineOptions: Sendable, Equatable {
    public var windowing: WindowingOptions
    public var adapter: AdapterOptions
    public var limits: ReadLimits
    public var decoding: DecodeOptions
    public var reduction: ReductionRequest

    public init(windowing: WindowingOptions = WindowingOptions(), adapter: AdapterOptions = AdapterOptions(),
                limits: ReadLimits = .standard, decoding: DecodeOptions = .standard,
                reduction: ReductionRequest = .none) {
        self.windowing = windowing
        self.adapter = adapter
        self.limits = limits
        self.decoding = decoding
        self.reduction = reduction
    }

    /// The reduction levels for a `rows` × `columns` frame (resolves `auto`).
    public func reductionLevels(rows: Int, columns: Int) -> Int {
        switch reduction {
        case .levels(let n): return n
        case .auto: return adapter.geometry.automaticReduction(rows: rows, columns: columns)
        }
    }
}

/// What the pipeline decided for one frame, and why: the record a manifest line is made of.
public struct FrameRecord: Sendable {
    /// The input's path, as given.
    public var source: String
    /// 0-based frame index, and the number of frames of the input.
    public var frame: Int
    public var frameCount: Int
    public var format: ImageFormat
    /// The decoder that produced the frame ("native", "dcmtk", "charls", "openjpeg", "openjph",
    /// "libtiff"), and why the preferred one did not when a fallback ran.
    public var decoder: String
    public var decoderFallback: String?
    public var reduction: ReductionRecord
    public var windowing: WindowingDecision
    public var geometry: GeometryRecord
    public var normalization: Normalization
    /// The tensor's shape, (channels, rows, columns).
    public var shape: [Int]
    /// Attributes of the input that were present but unusable, and so treated as absent (the tag
    /// and the reason, never the value): e.g. a Window Width that is not a decimal string.
    public var attributeWarnings: [AttributeWarning]
}

/// An adapted frame as a new array, (C, H, W) row-major float32, with its record.
public struct FrameTensor: Sendable {
    public var values: [Float]
    public var record: FrameRecord
}

/// One in-process path from a file to the tensor a model expects: open → decode → window →
/// (pixel padding and foreground mask, only when the geometry needs them) → geometry →
/// normalization. The pixels are those `mammo-prep convert` writes with the same options.
///
/// A pipeline is immutable and `Sendable`: build it once from options and call it from any number
/// of threads at once. Buffers that make repeated calls cheap live in a `Workspace`, which the
/// caller owns, one per thread; calls without one allocate their own.
///
/// ```swift
/// let pipeline = FramePipeline(FramePipelineOptions(adapter: AdapterOptions(normalization: .imagenet)))
/// let tensor = try pipeline.tensor(path: "image.dcm")        // (3, H, W), ImageNet mean/std
/// ```
public final class FramePipeline: Sendable {
    public let options: FramePipelineOptions

    public init(_ options: FramePipelineOptions = FramePipelineOptions()) {
        self.options = options
    }

    /// Buffers reused from one call to the next (decoded words, windowed pixels). Not thread-safe:
    /// use one per thread. Frames of the same size then decode and window into the same memory.
    public final class Workspace {
        var words: [UInt16] = []
        var pixels: [Float] = []
        /// How `words` hold the last frame's stored values (its file's layout, or canonical for a
        /// reduced frame), and what decoded it.
        var wordsLayout: StoredValueLayout?
        var decoded = DecodedFrameSummary()
        let geometry = GeometryBuffers()
        /// Overrides the options' JPEG 2000 threads for this worker (batch commands give each image
        /// the cores that parallel inputs leave free).
        package var jpeg2000Threads: Int?

        public init() { jpeg2000Threads = nil }
        package init(jpeg2000Threads: Int) { self.jpeg2000Threads = jpeg2000Threads }
    }

    /// Opens an input (DICOM or TIFF, by content) with the pipeline's read limits.
    public func open(path: String) throws -> InputImage {
        try InputImage.open(path: path, limits: options.limits)
    }

    /// `open`, but nil when the content is neither DICOM nor TIFF.
    public func openIfImage(path: String) throws -> InputImage? {
        try InputImage.openIfImage(path: path, limits: options.limits)
    }

    /// Frame `frame` (0-based) of the file at `path`, adapted, as a new array.
    public func tensor(path: String, frame: Int = 0) throws -> FrameTensor {
        try tensor(of: try open(path: path), frame: frame)
    }

    /// Frame `frame` of an opened input, adapted, as a new array.
    public func tensor(of image: InputImage, frame: Int = 0, workspace: Workspace = Workspace()) throws -> FrameTensor {
        try process(image, frame: frame, workspace: workspace) { processed in
            FrameTensor(values: processed.adapted.tensor, record: processed.record)
        }
    }

    /// Frame `frame` of an opened input, adapted, written into `buffer` (its first
    /// `record.shape` product elements, (C, H, W) row-major). With a workspace reused across
    /// calls, nothing frame-sized is allocated in steady state unless the geometry resizes.
    /// Throws `.bufferTooSmall` (stage `.write`) when the tensor does not fit; `outputCount(of:)`
    /// tells the size beforehand.
    public func tensor(of image: InputImage, frame: Int = 0, into buffer: UnsafeMutableBufferPointer<Float>,
                       workspace: Workspace) throws -> FrameRecord {
        try process(image, frame: frame, workspace: workspace, normalize: false) { processed in
            let record = processed.record
            let needed = record.shape.reduce(1, *)
            guard needed <= buffer.count else {
                throw MammoPrepError(path: image.path, stage: .write, code: .bufferTooSmall,
                                     detail: "the tensor \(record.shape) needs \(needed) floats, the buffer holds \(buffer.count)")
            }
            record.normalization.apply(processed.adapted.plane, into: buffer)
            return record
        }
    }

    /// Elements of the tensor of frame `frame` of `image`, and whether that is exact before
    /// decoding: channels × the fixed size, or channels × rows × columns without a fixed size
    /// (exact unless a breast crop makes it smaller: then it is the most the tensor can need).
    public func outputCount(of image: InputImage, frame: Int = 0) -> (count: Int, exact: Bool) {
        let (shape, exact) = outputShape(of: image, frame: frame)
        return (shape.reduce(1, *), exact)
    }

    /// `outputCount`'s tensor as (channels, rows, columns): the shape, or its bound when not exact.
    public func outputShape(of image: InputImage, frame: Int = 0) -> (shape: [Int], exact: Bool) {
        let g = options.adapter.geometry
        let channels = options.adapter.channels
        if let size = g.size { return ([channels, size.rows, size.columns], true) }
        let (rows, columns) = image.frameSize(frame)
        let levels = options.reductionLevels(rows: rows, columns: columns)
        return ([channels, reducedLength(rows, levels: levels), reducedLength(columns, levels: levels)], !g.cropBreast)
    }

    // MARK: - Stages, for the batch commands

    /// One frame through every stage, handed to `body` before the workspace takes its buffers
    /// back: `body` must not keep `processed.windowed.pixels` alive past the call if it wants them
    /// reused (copying is fine). `normalize` false leaves `adapted.tensor` as the plane (for
    /// callers that normalize elsewhere, e.g. into their own buffer).
    package func process<T>(_ image: InputImage, frame: Int, workspace: Workspace, normalize: Bool = true,
                            _ body: (ProcessedFrame) throws -> T) throws -> T {
        let windowed = try window(image, frame: frame, workspace: workspace)
        let adapter = options.adapter
        let adapted = Adapter.adapt(windowed, laterality: image.laterality, options: adapter,
                                    buffers: workspace.geometry, normalize: normalize) {
            ForegroundMask.compute(pixels: windowed.pixels, rows: windowed.rows, columns: windowed.columns,
                                   padding: paddingMask(of: image, workspace: workspace))
        }
        let channels = options.adapter.channels
        let record = FrameRecord(source: image.path, frame: frame, frameCount: image.frameCount, format: image.format,
                                 decoder: workspace.decoded.decoder, decoderFallback: workspace.decoded.fallback,
                                 reduction: workspace.decoded.reduction, windowing: windowed.decision, geometry: adapted.geometry,
                                 normalization: adapted.normalization,
                                 shape: [channels, adapted.rows, adapted.columns],
                                 attributeWarnings: image.attributeWarnings)
        defer {
            if !adapter.geometry.isIdentity { workspace.geometry.recycle(adapted.plane) }
            recycle(windowed, into: workspace)
        }
        return try body(ProcessedFrame(windowed: windowed, adapted: adapted, record: record))
    }

    /// Ingest + Window: the windowed frame `frame` of `image`, decoded into the workspace's buffers.
    package func window(_ image: InputImage, frame: Int, workspace: Workspace) throws -> WindowedFrame {
        let (rows, columns) = image.frameSize(frame)
        let levels = options.reductionLevels(rows: rows, columns: columns)
        switch image {
        case .dicom(let file):
            var decoding = options.decoding
            if let threads = workspace.jpeg2000Threads { decoding.jpeg2000Threads = threads }
            if levels == 0 && (file.family == .jpeg2000 || (file.family == .htj2k && decoding.htj2k == .openJPEG)) {
                // OpenJPEG holds a 32-bit plane of the frame in its own memory while it decodes:
                // give the (float, as large) pixel buffer back first, so the two never coexist.
                // Refilling it costs a memset and page faults, small beside OpenJPEG's decode.
                // OpenJPH decodes line by line into the word buffer: its frames keep the buffer.
                workspace.pixels = []
            }
            let (raw, info, source) = try file.readFrame(frame, options: decoding, reduce: levels,
                                                         reusing: &workspace.words)
            defer {
                if raw.words.capacity >= workspace.words.capacity { workspace.words = raw.words }
                workspace.wordsLayout = raw.layout
            }
            workspace.decoded = DecodedFrameSummary(
                decoder: info.codec.rawValue, fallback: info.fallback,
                reduction: ReductionRecord(requested: options.reduction, levels: levels, source: source,
                                           rows: raw.rows, columns: raw.columns))
            return try Windowing.apply(raw: raw, attributes: file.attributes, frameIndex: frame,
                                       options: options.windowing, path: image.path, reusing: &workspace.pixels)
        case .tiff(let file):
            var decoded = try file.readFrame(frame)
            if levels > 0 {
                guard case .integer(let stored) = decoded else {
                    throw MammoPrepError(path: image.path, stage: .decode, code: .unsupportedBits,
                                         detail: "wavelet reduction needs integer samples, this TIFF page has float samples")
                }
                decoded = .integer(stored.reduced(levels: levels))
            }
            workspace.wordsLayout = nil
            workspace.decoded = DecodedFrameSummary(
                decoder: "libtiff", fallback: nil,
                reduction: ReductionRecord(requested: options.reduction, levels: levels,
                                           source: levels > 0 ? .computed : .none,
                                           rows: decoded.rows, columns: decoded.columns))
            return try Windowing.apply(tiff: decoded, page: file.pages[frame],
                                       options: options.windowing, path: image.path)
        }
    }

    /// Pixel padding of the frame last decoded into `workspace` from `image` (nil when the input
    /// declares none, or is TIFF). Valid right after `window`, before the next decode.
    package func paddingMask(of image: InputImage, workspace: Workspace) -> [UInt8]? {
        guard case .dicom(let file) = image, let value = file.attributes.pixelPaddingValue,
              let layout = workspace.wordsLayout else { return nil }
        // The padding value is a stored value (US or SS), whichever layout the words have: a
        // reduced frame's padding is where its LL band still equals it.
        return PixelPadding.mask(words: workspace.words, layout: layout, value: value,
                                 rangeLimit: file.attributes.pixelPaddingRangeLimit)
    }

    /// Keeps the frame's pixel buffer for the next frame.
    package func recycle(_ frame: consuming WindowedFrame, into workspace: Workspace) {
        if frame.pixels.capacity > workspace.pixels.capacity { workspace.pixels = frame.pixels }
    }
}

extension InputImage {
    /// Unusable attributes of a DICOM input (none for TIFF).
    var attributeWarnings: [AttributeWarning] {
        if case .dicom(let file) = self { return file.attributes.warnings }
        return []
    }

    /// Rows and columns of frame `frame` (TIFF pages may differ in size; DICOM frames do not).
    func frameSize(_ frame: Int) -> (rows: Int, columns: Int) {
        switch self {
        case .dicom(let file): return (file.attributes.rows, file.attributes.columns)
        case .tiff(let file):
            let page = file.pages[Swift.min(Swift.max(frame, 0), file.pages.count - 1)]
            return (page.rows, page.columns)
        }
    }
}

/// A frame after every stage: the windowed frame, the adapted one and the record.
package struct ProcessedFrame {
    package let windowed: WindowedFrame
    package let adapted: AdaptedFrame
    package let record: FrameRecord
}

/// What decoded the frame last windowed in a workspace, for its record.
struct DecodedFrameSummary {
    var decoder = "native"
    var fallback: String?
    var reduction = ReductionRecord(requested: .none, levels: 0, source: .none, rows: 0, columns: 0)
}
