/// Ingest + Window for one worker: reads frames of opened inputs and windows them, reusing the
/// worker's frame buffers from one image to the next (see `Scratch`). Not thread-safe: one per
/// worker. `convert` and `stats` share it, so both see exactly the same pixels.
public final class FrameReader {
    public let windowing: WindowingOptions
    public let decoding: DecodeOptions
    private var words: [UInt16] = []
    private var pixels: [Float] = []

    public init(windowing: WindowingOptions, decoding: DecodeOptions = .standard) {
        self.windowing = windowing
        self.decoding = decoding
    }

    /// The windowed frame `frame` of `image`. Pass it back with `recycle(_:)` when done with it.
    public func window(_ image: InputImage, frame: Int, path: String) throws -> WindowedFrame {
        switch image {
        case .dicom(let file):
            let raw = try file.readRawFrame(frame, options: decoding, reusing: &words)
            defer { words = raw.words }
            return try Windowing.apply(raw: raw, attributes: file.attributes, frameIndex: frame, options: windowing,
                                       path: path, reusing: &pixels)
        case .tiff(let file):
            return try Windowing.apply(tiff: try file.readFrame(frame), page: file.pages[frame],
                                       options: windowing, path: path)
        }
    }

    /// Pixel padding of the frame last windowed from `image` (PS3.3 C.7.5.1.1.2): 1 where the stored
    /// value equals (0028,0120) Pixel Padding Value or lies between it and (0028,0121) Pixel Padding
    /// Range Limit. Nil when the input declares no padding (or is TIFF). Call right after `window`.
    public func paddingMask(of image: InputImage) -> [UInt8]? {
        guard case .dicom(let file) = image, let value = file.attributes.pixelPaddingValue,
              let layout = file.attributes.layout else { return nil }
        // The attributes are stored values in the Pixel Representation of the image (US or SS).
        func stored(_ word: UInt16) -> Int32 { layout.isSigned ? Int32(Int16(bitPattern: word)) : Int32(word) }
        let a = stored(value), b = stored(file.attributes.pixelPaddingRangeLimit ?? value)
        let range = Swift.min(a, b)...Swift.max(a, b)
        var isPadding = [UInt8](repeating: 0, count: 65536)
        for raw in 0..<65536 where range.contains(layout.storedValue(UInt16(raw))) { isPadding[raw] = 1 }
        return words.map { isPadding[Int($0)] }
    }

    /// Keeps the frame's pixel buffer for the next image.
    public func recycle(_ frame: consuming WindowedFrame) {
        if frame.pixels.capacity > pixels.capacity { pixels = frame.pixels }
    }
}
