internal import CDCMTKShim

/// Bounds checked before any pixel buffer is allocated (design.md §5: refuse, do not get killed).
public struct ReadLimits: Sendable, Equatable {
    /// Largest Rows × Columns of one frame. The default, 2^28 (e.g. 16384 × 16384), is ~20× a
    /// 4096 × 3328 mammogram.
    public var maxFramePixels: Int
    /// Largest Rows × Columns × Number of Frames of one object (2^34 by default: ~1,200 frames of
    /// 4096 × 3328, several times any tomosynthesis volume).
    public var maxTotalPixels: Int

    public init(maxFramePixels: Int = 1 << 28, maxTotalPixels: Int = 1 << 34) {
        self.maxFramePixels = maxFramePixels
        self.maxTotalPixels = maxTotalPixels
    }

    public static let standard = ReadLimits()

    func check(rows: Int, columns: Int, frames: Int, path: String) throws {
        let framePixels = rows.multipliedReportingOverflow(by: columns)
        let total = framePixels.partialValue.multipliedReportingOverflow(by: max(frames, 1))
        if framePixels.overflow || framePixels.partialValue > maxFramePixels {
            throw MammoPrepError(path: path, stage: .read, code: .absurdDimensions,
                                 detail: "\(rows) rows x \(columns) columns exceeds \(maxFramePixels) pixels per frame")
        }
        if total.overflow || total.partialValue > maxTotalPixels {
            throw MammoPrepError(path: path, stage: .read, code: .absurdDimensions,
                                 detail: "\(rows) x \(columns) x \(frames) frames exceeds \(maxTotalPixels) pixels")
        }
    }
}

/// One DICOM file opened through DCMTK: attributes read at once, frames decoded on demand, one at a
/// time (a tomosynthesis volume is never inflated to read one frame).
///
/// Not thread-safe: use one instance per thread (distinct instances may decode concurrently).
public final class DICOMFile {
    public let path: String
    public let attributes: DICOMAttributes
    private let handle: OpaquePointer
    private let layout: StoredValueLayout

    deinit { CDCMTKShim_close(handle) }

    /// Opens `path` and validates everything that can be judged without decoding: presence of
    /// pixel data, grayscale, sample layout, dimensions against `limits`, native data length,
    /// transfer syntax support. Throws a `MammoPrepError` naming the reason.
    public init(path: String, limits: ReadLimits = .standard) throws {
        self.path = path
        var message = [CChar](repeating: 0, count: 512)
        var opened: OpaquePointer?
        let status = CDCMTKShim_open(path, &opened, &message, message.count)
        guard status == CDCMTKShim_OK, let handle = opened else {
            throw DICOMFile.error(status, stage: .read, path: path, message: String(nulTerminated: message))
        }
        self.handle = handle
        let reader = DatasetReader(handle: handle)
        var attributes = reader.readAttributes()

        var pixel = CDCMTKShim_PixelInfo()
        _ = CDCMTKShim_pixelInfo(handle, &pixel)
        guard pixel.present != 0 else {
            CDCMTKShim_close(handle)
            throw MammoPrepError(path: path, stage: .read, code: .noPixelData, detail: "no (7FE0,0010) Pixel Data element")
        }
        do {
            self.layout = try DICOMFile.validate(&attributes, pixel: pixel, limits: limits, path: path)
        } catch {
            CDCMTKShim_close(handle)
            throw error
        }
        self.attributes = attributes
    }

    /// Number of frames ((0028,0008), 1 when absent).
    public var frameCount: Int { attributes.frames }

    /// Decodes frame `index` (0-based) to stored values: masked to Bits Stored at High Bit and, for
    /// Pixel Representation 1, sign-extended (PS3.5 8.1.1). This also corrects JPEG-LS and J2K
    /// codestreams whose signedness disagrees with Pixel Representation (windowing.md §1).
    public func readFrame(_ index: Int) throws -> StoredFrame {
        try readRawFrame(index).canonical()
    }

    /// One frame as decoded, before masking to Bits Stored: the allocated words and the layout
    /// that turns each into a stored value. `Windowing.apply(raw:…)` folds the masking into its
    /// lookup table, saving a pass over the frame; `canonical()` gives the `StoredFrame`.
    public func readRawFrame(_ index: Int) throws -> RawFrame {
        var storage: [UInt16] = []
        return try readRawFrame(index, reusing: &storage)
    }

    /// `readRawFrame(_:)` decoding into `storage`'s buffer when it is uniquely owned (it is taken,
    /// `storage` is left empty): a worker that hands the words back after each image decodes every
    /// image of the same size into the same memory, without fresh pages.
    public func readRawFrame(_ index: Int, reusing storage: inout [UInt16]) throws -> RawFrame {
        guard index >= 0, index < attributes.frames else {
            throw MammoPrepError(path: path, stage: .decode, code: .shortPixelData,
                                 detail: "frame \(index) requested, the object has \(attributes.frames)")
        }
        let count = attributes.rows * attributes.columns
        var message = [CChar](repeating: 0, count: 512)
        var info = CDCMTKShim_FrameInfo()
        var status = CDCMTKShim_OK
        // C writes straight into Swift-owned storage; every word is written on success.
        var words = Scratch.take(&storage, count: count, zero: 0)
        words.withUnsafeMutableBufferPointer { buffer in
            status = CDCMTKShim_decodeFrame(handle, UInt32(index), buffer.baseAddress, buffer.count, &info,
                                            &message, message.count)
        }
        guard status == CDCMTKShim_OK else {
            throw DICOMFile.error(status, stage: .decode, path: path, message: String(nulTerminated: message))
        }
        return RawFrame(rows: attributes.rows, columns: attributes.columns, layout: layout, words: words)
    }

    /// Threads OpenJPEG may use for one JPEG 2000 frame (process-wide; 0 = all cores).
    public static func setJPEG2000Threads(_ threads: Int) {
        CDCMTKShim_setJ2KThreads(Int32(clamping: threads))
    }

    /// Versions of the decoders, for manifests.
    public static var decoderVersions: [String: String] {
        ["dcmtk": String(cString: CDCMTKShim_dcmtkVersion()), "openjpeg": String(cString: CDCMTKShim_openjpegVersion())]
    }

    // MARK: - Validation

    private static func validate(_ a: inout DICOMAttributes, pixel: CDCMTKShim_PixelInfo, limits: ReadLimits,
                                 path: String) throws -> StoredValueLayout {
        func fail(_ code: MammoPrepError.Code, _ detail: String) -> MammoPrepError {
            MammoPrepError(path: path, stage: .read, code: code, detail: detail)
        }
        // By UID first: DCMTK 3.6.7 parses unknown syntaxes (JPEG XL, …) as if they were native.
        guard TransferSyntax.supported.contains(a.transferSyntaxUID) else {
            throw fail(.unsupportedTransferSyntax, "\(a.transferSyntaxUID) (\(TransferSyntax.name(a.transferSyntaxUID)))")
        }
        let photometric = a.photometricInterpretation ?? ""
        if a.samplesPerPixel != 1 || !(photometric == "MONOCHROME1" || photometric == "MONOCHROME2") {
            throw fail(.colour, "(0028,0004) Photometric Interpretation \(photometric.isEmpty ? "absent" : photometric), (0028,0002) Samples per Pixel \(a.samplesPerPixel)")
        }
        guard a.bitsAllocated == 8 || a.bitsAllocated == 16 else {
            throw fail(.unsupportedBits, "(0028,0100) Bits Allocated \(a.bitsAllocated); only 8 and 16 are supported")
        }
        guard a.pixelRepresentation == 0 || a.pixelRepresentation == 1 else {
            throw fail(.invalidAttribute, "(0028,0103) Pixel Representation \(a.pixelRepresentation)")
        }
        guard let layout = a.layout else {
            throw fail(.invalidAttribute, "(0028,0101) Bits Stored \(a.bitsStored) / (0028,0102) High Bit \(a.highBit) do not fit Bits Allocated \(a.bitsAllocated)")
        }
        guard a.rows > 0, a.columns > 0 else {
            throw fail(.invalidAttribute, "(0028,0010) Rows \(a.rows), (0028,0011) Columns \(a.columns)")
        }
        try limits.check(rows: a.rows, columns: a.columns, frames: a.frames, path: path)
        if pixel.encapsulated == 0 {
            let needed = UInt64(a.rows * a.columns * (a.bitsAllocated / 8)) * UInt64(a.frames)
            if pixel.nativeLength < needed {
                throw fail(.shortPixelData, "(7FE0,0010) holds \(pixel.nativeLength) bytes, \(a.rows)x\(a.columns)x\(a.frames) frames of \(a.bitsAllocated)-bit samples need \(needed)")
            }
        } else {
            if pixel.fragments == 0 {
                throw fail(.shortPixelData, "encapsulated (7FE0,0010) holds no fragments")
            }
        }
        return layout
    }

    static func error(_ status: CDCMTKShim_Status, stage: MammoPrepError.Stage, path: String,
                      message: String) -> MammoPrepError {
        let code: MammoPrepError.Code
        switch status {
        case CDCMTKShim_ErrIO: code = .io
        case CDCMTKShim_ErrNotDICOM: code = .notDICOM
        case CDCMTKShim_ErrTruncated: code = .truncated
        case CDCMTKShim_ErrNoPixelData: code = .noPixelData
        case CDCMTKShim_ErrUnsupportedSyntax: code = .unsupportedTransferSyntax
        case CDCMTKShim_ErrCorruptStream, CDCMTKShim_ErrGeometry: code = .corruptStream
        case CDCMTKShim_ErrShortPixelData, CDCMTKShim_ErrFrameRange: code = .shortPixelData
        case CDCMTKShim_ErrBadValue: code = .invalidAttribute
        default: code = .internalError
        }
        return MammoPrepError(path: path, stage: stage, code: code, detail: message)
    }
}

/// Typed reads of (possibly nested) attributes through the shim. Only this file sees C types.
private struct DatasetReader {
    let handle: OpaquePointer
    typealias Path = [CDCMTKShim_PathStep]

    func itemCount(_ sequence: DICOMTag, in path: Path = []) -> Int {
        Int(path.withUnsafeBufferPointer { CDCMTKShim_itemCount(handle, $0.baseAddress, $0.count, sequence.combined) })
    }

    /// The whole value with surrounding spaces and NULs trimmed; nil when absent or empty.
    func string(_ tag: DICOMTag, in path: Path = []) -> String? {
        var needed = 0
        var buffer = [CChar](repeating: 0, count: 256)
        var status = path.withUnsafeBufferPointer {
            CDCMTKShim_getString(handle, $0.baseAddress, $0.count, tag.combined, &buffer, buffer.count, &needed)
        }
        if status == CDCMTKShim_ErrBufferTooSmall {
            buffer = [CChar](repeating: 0, count: needed + 1)
            status = path.withUnsafeBufferPointer {
                CDCMTKShim_getString(handle, $0.baseAddress, $0.count, tag.combined, &buffer, buffer.count, &needed)
            }
        }
        guard status == CDCMTKShim_OK else { return nil }
        let value = String(decoding: buffer.prefix(needed).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let trimmed = value.trimmingSpaces()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Backslash-separated values, each trimmed.
    func strings(_ tag: DICOMTag, in path: Path = []) -> [String] {
        guard let value = string(tag, in: path) else { return [] }
        return value.split(separator: "\\", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
    }

    func numbers(_ tag: DICOMTag, in path: Path = []) -> [Double]? {
        var count = 0
        var values = [Double](repeating: 0, count: 16)
        var status = path.withUnsafeBufferPointer {
            CDCMTKShim_getNumbers(handle, $0.baseAddress, $0.count, tag.combined, &values, values.count, &count)
        }
        if status == CDCMTKShim_ErrBufferTooSmall {
            values = [Double](repeating: 0, count: count)
            status = path.withUnsafeBufferPointer {
                CDCMTKShim_getNumbers(handle, $0.baseAddress, $0.count, tag.combined, &values, values.count, &count)
            }
        }
        guard status == CDCMTKShim_OK else { return nil }
        return Array(values.prefix(count))
    }

    func integer(_ tag: DICOMTag, in path: Path = []) -> Int? {
        guard let value = numbers(tag, in: path)?.first, value.isFinite, abs(value) < 1e15 else { return nil }
        return Int(value)
    }

    func words(_ tag: DICOMTag, in path: Path = []) -> [UInt16]? {
        var count = 0
        var status = path.withUnsafeBufferPointer {
            CDCMTKShim_getWords(handle, $0.baseAddress, $0.count, tag.combined, nil, 0, &count)
        }
        if status == CDCMTKShim_ErrBufferTooSmall || (status == CDCMTKShim_OK && count > 0) {
            var values = [UInt16](repeating: 0, count: count)
            status = path.withUnsafeBufferPointer {
                CDCMTKShim_getWords(handle, $0.baseAddress, $0.count, tag.combined, &values, values.count, &count)
            }
            return status == CDCMTKShim_OK ? values : nil
        }
        return status == CDCMTKShim_OK ? [] : nil
    }

    func readAttributes() -> DICOMAttributes {
        var uid = [CChar](repeating: 0, count: 128)
        _ = CDCMTKShim_transferSyntax(handle, &uid, uid.count)
        var a = DICOMAttributes(
            transferSyntaxUID: String(nulTerminated: uid).trimmingSpaces(),
            rows: integer(.rows) ?? 0, columns: integer(.columns) ?? 0,
            frames: max(integer(.numberOfFrames) ?? 1, 1), samplesPerPixel: integer(.samplesPerPixel) ?? 1,
            bitsAllocated: integer(.bitsAllocated) ?? 0, bitsStored: integer(.bitsStored) ?? 0,
            highBit: integer(.highBit) ?? -1, pixelRepresentation: integer(.pixelRepresentation) ?? 0)
        a.sopClassUID = string(.sopClassUID)
        a.modality = string(.modality)
        a.presentationIntentType = string(.presentationIntentType)
        a.manufacturer = string(.manufacturer)
        a.imageLaterality = string(.imageLaterality)
        a.viewPosition = string(.viewPosition)
        a.photometricInterpretation = string(.photometricInterpretation)
        a.pixelPaddingValue = words(.pixelPaddingValue)?.first
        a.pixelPaddingRangeLimit = words(.pixelPaddingRangeLimit)?.first
        a.pixelIntensityRelationship = string(.pixelIntensityRelationship)
        a.pixelIntensityRelationshipSign = integer(.pixelIntensityRelationshipSign)
        a.presentationLUTShape = string(.presentationLUTShape)
        a.topLevel = transforms(in: [])

        let sharedItems = itemCount(.sharedFunctionalGroupsSequence)
        if sharedItems > 0 {
            a.shared = functionalGroup([step(.sharedFunctionalGroupsSequence, 0)])
        }
        let perFrameItems = itemCount(.perFrameFunctionalGroupsSequence)
        if perFrameItems > 0 {
            a.perFrame = (0..<perFrameItems).map { functionalGroup([step(.perFrameFunctionalGroupsSequence, $0)]) }
        }
        return a
    }

    private func step(_ tag: DICOMTag, _ item: Int) -> CDCMTKShim_PathStep {
        CDCMTKShim_PathStep(tag: tag.combined, item: UInt32(item))
    }

    /// Modality LUT + VOI LUT module content found directly in the item at `path`.
    private func transforms(in path: Path) -> GrayscaleTransforms {
        var t = GrayscaleTransforms()
        t.rescaleSlope = numbers(.rescaleSlope, in: path)?.first
        t.rescaleIntercept = numbers(.rescaleIntercept, in: path)?.first
        t.rescaleType = string(.rescaleType, in: path)
        if itemCount(.modalityLUTSequence, in: path) > 0 {
            t.modalityLUT = lookupTable(path + [step(.modalityLUTSequence, 0)])
        }
        let centers = numbers(.windowCenter, in: path) ?? []
        let widths = numbers(.windowWidth, in: path) ?? []
        let explanations = strings(.windowCenterWidthExplanation, in: path)
        t.windows = (0..<min(centers.count, widths.count)).map {
            WindowSetting(center: centers[$0], width: widths[$0],
                          explanation: $0 < explanations.count && !explanations[$0].isEmpty ? explanations[$0] : nil)
        }
        t.voiLUTFunction = string(.voiLUTFunction, in: path)
        let lutItems = max(itemCount(.voiLUTSequence, in: path), 0)
        t.voiLUTs = (0..<lutItems).compactMap { lookupTable(path + [step(.voiLUTSequence, $0)]) }
        return t
    }

    /// A functional-group item: Pixel Value Transformation (0028,9145) and Frame VOI LUT (0028,9132).
    private func functionalGroup(_ path: Path) -> GrayscaleTransforms? {
        var result = GrayscaleTransforms()
        if itemCount(.pixelValueTransformationSequence, in: path) > 0 {
            let t = transforms(in: path + [step(.pixelValueTransformationSequence, 0)])
            result.rescaleSlope = t.rescaleSlope
            result.rescaleIntercept = t.rescaleIntercept
            result.rescaleType = t.rescaleType
            result.modalityLUT = t.modalityLUT
        }
        if itemCount(.frameVOILUTSequence, in: path) > 0 {
            let t = transforms(in: path + [step(.frameVOILUTSequence, 0)])
            result.windows = t.windows
            result.voiLUTFunction = t.voiLUTFunction
            result.voiLUTs = t.voiLUTs
        }
        return result.hasModality || result.hasVOI ? result : nil
    }

    private func lookupTable(_ path: Path) -> LookupTableItem? {
        guard let descriptor = words(.lutDescriptor, in: path), descriptor.count == 3,
              let data = words(.lutData, in: path) else { return nil }
        return LookupTableItem(descriptor: descriptor, data: data, explanation: string(.lutExplanation, in: path),
                               lutType: string(.modalityLUTType, in: path))
    }
}

extension String {
    /// Decodes a C string held in a Swift-owned buffer, up to its first NUL.
    init(nulTerminated buffer: [CChar]) {
        self = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Trims the padding DICOM and C strings carry: spaces and NULs at both ends.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\0" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\0" { s.removeLast() }
        return String(s)
    }
}
