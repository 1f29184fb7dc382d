import Foundation

/// File formats the ingest stage reads.
public enum ImageFormat: String, Sendable, Codable {
    case dicom, tiff

    /// Recognises a file by its content (docs/design.md §2): Part 10 preamble + "DICM", a bare dataset
    /// starting with a group 0002/0008 element, or TIFF/BigTIFF magic bytes. Returns nil for
    /// anything else; throws only when the file cannot be read at all.
    public static func detect(path: String) throws -> ImageFormat? {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MammoPrepError(path: path, stage: .read, code: .io, detail: "cannot open file")
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 132)) ?? Data())
        return detect(head: head)
    }

    /// Content sniffing on the first (up to) 132 bytes.
    package static func detect(head: [UInt8]) -> ImageFormat? {
        if head.count >= 132, head[128...131].elementsEqual("DICM".utf8) { return .dicom }
        if head.count >= 4 {
            let tiffMagic: [[UInt8]] = [[0x49, 0x49, 0x2A, 0x00], [0x4D, 0x4D, 0x00, 0x2A],
                                        [0x49, 0x49, 0x2B, 0x00], [0x4D, 0x4D, 0x00, 0x2B]]
            if tiffMagic.contains(where: { head.prefix(4).elementsEqual($0) }) { return .tiff }
        }
        if head.count >= 8 {
            let groupLE = UInt16(head[0]) | UInt16(head[1]) << 8
            let groupBE = UInt16(head[0]) << 8 | UInt16(head[1])
            if groupLE == 0x0002 || groupLE == 0x0008 || groupBE == 0x0008 { return .dicom }
        }
        return nil
    }
}

/// An opened input of either format. Frames are decoded on demand, one at a time.
public enum InputImage {
    case dicom(DICOMFile)
    case tiff(TIFFFile)

    /// Detects the format by content and opens the file, validating what can be judged without
    /// decoding. Unknown content throws `.notDICOM`.
    public static func open(path: String, limits: ReadLimits = .standard) throws -> InputImage {
        guard let image = try openIfImage(path: path, limits: limits) else {
            throw MammoPrepError(path: path, stage: .read, code: .notDICOM,
                                 detail: "no DICM prefix, no DICOM dataset and no TIFF header at the start of the file")
        }
        return image
    }

    /// `open`, but nil for content that is neither DICOM nor TIFF (batch commands skip such files
    /// instead of failing them). The file's head is read once, for the detection and the open.
    public static func openIfImage(path: String, limits: ReadLimits = .standard) throws -> InputImage? {
        switch try probe(path: path, limits: limits) {
        case .image(let image): return image
        case .notDICOMOrTIFF: return nil
        case .notImage(let error): throw error
        }
    }

    /// What a batch command finds at `path`: an image, content that is neither DICOM nor TIFF, or
    /// a DICOM object of a non-image class without Pixel Data (`SOPClass`); both are skipped.
    package enum Probe {
        case image(InputImage)
        case notDICOMOrTIFF
        /// Its `.noPixelData` error, with `nonImageClass` set.
        case notImage(MammoPrepError)

        package static let notDICOMOrTIFFReason = "not DICOM/TIFF"

        /// The skip reason counted in a batch summary (nil for an image).
        package var skipReason: String? {
            switch self {
            case .image: return nil
            case .notDICOMOrTIFF: return Probe.notDICOMOrTIFFReason
            case .notImage(let error): return error.nonImageClass
            }
        }
    }

    package static func probe(path: String, limits: ReadLimits = .standard) throws -> Probe {
        switch try ImageFormat.detect(path: path) {
        case .dicom:
            do { return .image(.dicom(try DICOMFile(detected: path, limits: limits))) } catch let error as MammoPrepError
                where error.nonImageClass != nil {
                return .notImage(error)
            }
        case .tiff: return .image(.tiff(try TIFFFile(path: path, limits: limits)))
        case nil: return .notDICOMOrTIFF
        }
    }

    public var path: String {
        switch self { case .dicom(let f): return f.path; case .tiff(let f): return f.path }
    }

    public var format: ImageFormat {
        switch self { case .dicom: return .dicom; case .tiff: return .tiff }
    }

    public var frameCount: Int {
        switch self { case .dicom(let f): return f.frameCount; case .tiff(let f): return f.frameCount }
    }

    /// The frames a command works on: `selected` (0-based, `--frame K`) or all of them.
    public func frames(selecting selected: Int?) throws -> [Int] {
        guard let selected else { return Array(0..<frameCount) }
        guard selected >= 0, selected < frameCount else {
            throw MammoPrepError(path: path, stage: .read, code: .shortPixelData,
                                 detail: "frame \(selected) requested, the object has \(frameCount) frame\(frameCount == 1 ? "" : "s")")
        }
        return [selected]
    }

    /// The keys a label table joins outputs on (manifest lines, `inspect --json`): UIDs, class,
    /// laterality (Image Laterality, else the series' Laterality), view, Image Type, Presentation
    /// Intent Type, Number of Frames. Never a patient identifier. For TIFF only the frame count.
    public var joinKeys: JoinKeys {
        guard case .dicom(let file) = self else { return JoinKeys(numberOfFrames: frameCount) }
        let a = file.attributes
        return JoinKeys(sopInstanceUID: a.sopInstanceUID, studyInstanceUID: a.studyInstanceUID,
                        seriesInstanceUID: a.seriesInstanceUID, sopClassUID: a.sopClassUID,
                        laterality: a.imageLaterality ?? a.laterality, viewPosition: a.viewPosition,
                        imageType: a.imageType, presentationIntentType: a.presentationIntentType,
                        numberOfFrames: a.frames)
    }

    /// (0020,0062) Image Laterality of a DICOM input (nil for TIFF or when absent).
    public var laterality: String? {
        if case .dicom(let file) = self { return file.attributes.imageLaterality }
        return nil
    }

    package func readFrame(_ index: Int) throws -> DecodedFrame {
        switch self {
        case .dicom(let f): return .integer(try f.readFrame(index))
        case .tiff(let f): return try f.readFrame(index)
        }
    }
}

/// See `InputImage.joinKeys`.
public struct JoinKeys: Sendable, Equatable {
    public var sopInstanceUID: String?
    public var studyInstanceUID: String?
    public var seriesInstanceUID: String?
    public var sopClassUID: String?
    public var laterality: String?
    public var viewPosition: String?
    public var imageType: [String] = []
    public var presentationIntentType: String?
    public var numberOfFrames: Int

    public init(sopInstanceUID: String? = nil, studyInstanceUID: String? = nil, seriesInstanceUID: String? = nil,
                sopClassUID: String? = nil, laterality: String? = nil, viewPosition: String? = nil,
                imageType: [String] = [], presentationIntentType: String? = nil, numberOfFrames: Int) {
        self.sopInstanceUID = sopInstanceUID
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.sopClassUID = sopClassUID
        self.laterality = laterality
        self.viewPosition = viewPosition
        self.imageType = imageType
        self.presentationIntentType = presentationIntentType
        self.numberOfFrames = numberOfFrames
    }
}
