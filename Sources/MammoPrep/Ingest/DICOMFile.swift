internal import CDCMTKShim

/// Bounds checked before any pixel buffer is allocated (docs/design.md §5: refuse, do not get killed).
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
/// time (a tomosynthesis volume is never inflated to read one frame), each by the `FrameDecoder`
/// its transfer syntax and the `DecodeOptions` of the read choose.
///
/// Not thread-safe: use one instance per thread (distinct instances may decode concurrently).
public final class DICOMFile {
    public let path: String
    package let attributes: DICOMAttributes
    private let handle: OpaquePointer
    private let layout: StoredValueLayout
    package let family: TransferSyntax.Family

    deinit { CDCMTKShim_close(handle) }

    /// Opens `path` and validates everything that can be judged without decoding: DICOM content
    /// (`ImageFormat.detect`), presence of pixel data, grayscale, sample layout, dimensions against
    /// `limits`, native data length, transfer syntax support. Throws a `MammoPrepError` naming the
    /// reason.
    package convenience init(path: String, limits: ReadLimits = .standard) throws {
        guard try ImageFormat.detect(path: path) == .dicom else {
            throw MammoPrepError(path: path, stage: .read, code: .notDICOM,
                                 detail: "no DICM prefix and no DICOM dataset at the start of the file")
        }
        try self.init(detected: path, limits: limits)
    }

    /// `init(path:limits:)` for a file `ImageFormat.detect` has already recognised as DICOM.
    convenience init(detected path: String, limits: ReadLimits) throws {
        try self.init(name: path, limits: limits) { opened, message, capacity in
            CDCMTKShim_open(path, &opened, message, capacity)
        }
    }

    /// Opens with `open` (a path, or bytes: InMemoryInput.swift); `path` names the input.
    init(name path: String, limits: ReadLimits,
                 open: (inout OpaquePointer?, UnsafeMutablePointer<CChar>, Int) -> CDCMTKShim_Status) throws {
        self.path = path
        var opened: OpaquePointer?
        if let failure = callShim({ open(&opened, $0, $1) }) {
            throw DICOMFile.error(failure, stage: .read, path: path)
        }
        guard let handle = opened else {
            throw MammoPrepError(path: path, stage: .read, code: .internalError, detail: "the shim returned no handle")
        }
        self.handle = handle
        do {
            var attributes = try DatasetReader(handle: handle, path: path).readAttributes()
            var pixel = CDCMTKShim_PixelInfo()
            let status = CDCMTKShim_pixelInfo(handle, &pixel)
            guard status == CDCMTKShim_OK else {
                throw DICOMFile.error(ShimFailure(status: status, message: "reading (7FE0,0010) Pixel Data"), stage: .read, path: path)
            }
            guard pixel.present != 0 else {
                // A DICOMDIR's dataset has no (0008,0016): its class is in the meta header.
                let uid = attributes.sopClassUID ?? DatasetReader(handle: handle, path: path).string(.mediaStorageSOPClassUID)
                if let uid, let name = SOPClass.nonImageName(uid) { throw MammoPrepError.nonImage(path: path, className: name, uid: uid) }
                throw MammoPrepError(path: path, stage: .read, code: .noPixelData, detail: "no (7FE0,0010) Pixel Data element")
            }
            (self.layout, self.family) = try DICOMFile.validate(&attributes, pixel: pixel, limits: limits, path: path)
            self.attributes = attributes
        } catch {
            CDCMTKShim_close(handle)
            throw error
        }
    }

    /// Number of frames ((0028,0008), 1 when absent).
    public var frameCount: Int { attributes.frames }

    /// Decodes frame `index` (0-based) to stored values: masked to Bits Stored at High Bit and, for
    /// Pixel Representation 1, sign-extended (PS3.5 8.1.1). This also corrects JPEG-LS and J2K
    /// codestreams whose signedness disagrees with Pixel Representation (docs/windowing.md §1).
    package func readFrame(_ index: Int, options: DecodeOptions = .standard) throws -> StoredFrame {
        try readRawFrame(index, options: options).canonical()
    }

    /// One frame as decoded, before masking to Bits Stored: the allocated words and the layout
    /// that turns each into a stored value. `Windowing.apply(raw:…)` folds the masking into its
    /// lookup table, saving a pass over the frame; `canonical()` gives the `StoredFrame`.
    package func readRawFrame(_ index: Int, options: DecodeOptions = .standard) throws -> RawFrame {
        var storage: [UInt16] = []
        return try readRawFrame(index, options: options, reusing: &storage)
    }

    /// `readRawFrame(_:options:)` decoding into `storage`'s buffer when it is uniquely owned (it is
    /// taken, `storage` is left empty): a worker that hands the words back after each image decodes
    /// every image of the same size into the same memory, without fresh pages.
    package func readRawFrame(_ index: Int, options: DecodeOptions = .standard,
                             reusing storage: inout [UInt16]) throws -> RawFrame {
        try decodeFrame(index, options: options, reusing: &storage).frame
    }

    /// `readRawFrame(_:options:reusing:)` with what the decoder reports (codec, threads, fallback).
    /// `reduce`: resolution levels a wavelet decoder may discard (`FrameRequest.reduce`); the frame
    /// is then ceil(rows / 2^reduced) × ceil(columns / 2^reduced), `info.reduced` says how many.
    package func decodeFrame(_ index: Int, options: DecodeOptions, reduce: Int = 0,
                             reusing storage: inout [UInt16]) throws -> (frame: RawFrame, info: DecodedFrameInfo) {
        try decodeFrame(index, decoder: DecoderSelection.decoder(for: family, options: options), options: options,
                        reduce: reduce, reusing: &storage)
    }

    /// `decodeFrame(_:options:reduce:reusing:)` with the decoder given rather than chosen.
    func decodeFrame(_ index: Int, decoder: any FrameDecoder, options: DecodeOptions, reduce: Int = 0,
                     reusing storage: inout [UInt16]) throws -> (frame: RawFrame, info: DecodedFrameInfo) {
        guard index >= 0, index < attributes.frames else {
            throw MammoPrepError(path: path, stage: .decode, code: .shortPixelData,
                                 detail: "frame \(index) requested, the object has \(attributes.frames)")
        }
        let request = FrameRequest(handle: handle, index: index, rows: attributes.rows, columns: attributes.columns,
                                   samplesPerPixel: attributes.samplesPerPixel, reduce: max(reduce, 0),
                                   storedSigned: attributes.pixelRepresentation == 1)
        // C writes straight into Swift-owned storage; every word is written on success.
        var words = Scratch.take(&storage, count: attributes.rows * attributes.columns, zero: 0)
        let result = words.withUnsafeMutableBufferPointer { decoder.decode(request, into: $0, options: options) }
        switch result {
        case .success(let info):
            let rows = reducedLength(attributes.rows, levels: info.reduced)
            let columns = reducedLength(attributes.columns, levels: info.reduced)
            if rows * columns < words.count { words.removeLast(words.count - rows * columns) }   // keeps capacity
            return (RawFrame(rows: rows, columns: columns, layout: layout, words: words), info)
        case .failure(let failure):
            throw DICOMFile.error(failure, stage: .decode, path: path)
        }
    }

    /// Frame `index` reduced by `levels` levels of the 5/3 wavelet (`ReductionRequest`; 0: as
    /// decoded). Lossless single-tile reversible JPEG 2000 / HTJ2K codestreams with enough levels
    /// are decoded at the reduced resolution; every other frame is decoded whole and transformed.
    /// Either way the words are canonical stored values (masked, sign-extended; the codestream's
    /// samples clamped, not masked, to the stored range), with a layout that reads them unchanged.
    func readFrame(_ index: Int, options: DecodeOptions, reduce levels: Int, reusing storage: inout [UInt16]) throws
        -> (frame: RawFrame, info: DecodedFrameInfo, source: ReductionRecord.Source) {
        guard levels > 0 else {
            let (frame, info) = try decodeFrame(index, options: options, reusing: &storage)
            return (frame, info, .none)
        }
        let lossless = TransferSyntax.losslessWavelet.contains(attributes.transferSyntaxUID)
            || attributes.lossyImageCompression == "00"
        let wavelet = family == .jpeg2000 || family == .htj2k
        let (frame, info) = try decodeFrame(index, options: options, reduce: wavelet && lossless ? levels : 0,
                                            reusing: &storage)
        if info.reduced == levels {
            // Codestream samples (their low 16 bits; signedness as Pixel Representation, which the
            // decoder checked) → stored values, clamped: a codestream may be coded at a precision
            // above Bits Stored, and the LL band may overshoot the range the full image keeps.
            let range = StoredValueLayout.range(bitsStored: attributes.bitsStored, isSigned: layout.isSigned)
            var words = frame.words
            let signed = layout.isSigned
            words.withUnsafeMutableBufferPointer { w in
                for i in w.indices {
                    let v = signed ? Int32(Int16(bitPattern: w[i])) : Int32(w[i])
                    w[i] = StoredFrame.word(Swift.min(Swift.max(v, range.lowerBound), range.upperBound))
                }
            }
            let stored = StoredFrame(rows: frame.rows, columns: frame.columns, bitsStored: attributes.bitsStored,
                                     isSigned: signed, words: words)
            return (stored.asRaw, info, .codestream)
        }
        let reduced = frame.canonical().reduced(levels: levels)
        storage = frame.words   // the full frame's buffer, for the next decode
        return (reduced.asRaw, info, .computed)
    }

    /// Versions of the decoders, for manifests.
    package static var decoderVersions: [String: String] {
        ["dcmtk": String(cString: CDCMTKShim_dcmtkVersion()), "openjpeg": String(cString: CDCMTKShim_openjpegVersion()),
         "charls": String(cString: CDCMTKShim_charlsVersion()),
         "openjph": String(cString: CDCMTKShim_openjphVersion())]
    }

    // MARK: - Validation

    private static func validate(_ a: inout DICOMAttributes, pixel: CDCMTKShim_PixelInfo, limits: ReadLimits,
                                 path: String) throws -> (StoredValueLayout, TransferSyntax.Family) {
        func fail(_ code: MammoPrepError.Code, _ detail: String) -> MammoPrepError {
            MammoPrepError(path: path, stage: .read, code: code, detail: detail)
        }
        // By UID first: DCMTK 3.6.7 parses unknown syntaxes (JPEG XL, …) as if they were native.
        guard let family = TransferSyntax.family(a.transferSyntaxUID) else {
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
        return (layout, family)
    }

    static func error(_ failure: ShimFailure, stage: MammoPrepError.Stage, path: String) -> MammoPrepError {
        let code: MammoPrepError.Code
        switch failure.status {
        case CDCMTKShim_ErrIO: code = .io
        case CDCMTKShim_ErrNotDICOM: code = .notDICOM
        case CDCMTKShim_ErrTruncated: code = .truncated
        case CDCMTKShim_ErrNoPixelData: code = .noPixelData
        case CDCMTKShim_ErrUnsupportedSyntax, CDCMTKShim_ErrDeclined: code = .unsupportedTransferSyntax
        case CDCMTKShim_ErrCorruptStream, CDCMTKShim_ErrGeometry, CDCMTKShim_ErrUnterminated: code = .corruptStream
        case CDCMTKShim_ErrShortPixelData, CDCMTKShim_ErrFrameRange: code = .shortPixelData
        case CDCMTKShim_ErrBadValue: code = .invalidAttribute
        default: code = .internalError
        }
        return MammoPrepError(path: path, stage: stage, code: code, detail: failure.message)
    }
}

/// Typed reads of (possibly nested) attributes through the shim. Only this file and Decoders/ see
/// C types. An attribute present but unusable is recorded in `warnings` and read as absent.
private final class DatasetReader {
    let handle: OpaquePointer
    let path: String
    private(set) var warnings: [AttributeWarning] = []
    typealias Path = [CDCMTKShim_PathStep]

    init(handle: OpaquePointer, path: String) {
        self.handle = handle
        self.path = path
    }

    func itemCount(_ sequence: DICOMTag, in path: Path = []) -> Int {
        Int(path.withUnsafeBufferPointer { CDCMTKShim_itemCount(handle, $0.baseAddress, $0.count, sequence.combined) })
    }

    private func warn(_ tag: DICOMTag, _ reason: String, in path: Path) {
        let place = path.map { "\(DICOMTag(UInt16($0.tag >> 16), UInt16($0.tag & 0xFFFF))) item \($0.item)" }
        warnings.append(AttributeWarning(tag: tag, detail: place.isEmpty ? reason : "\(reason) (in \(place.joined(separator: " > ")))"))
    }

    /// The one accessor over the shim's getString / getNumbers / getWords: calls `get` with a
    /// buffer, once more with a bigger one on ErrBufferTooSmall (`count` + `extra` elements), and
    /// returns the first `count` elements; nil when absent, or unusable (then a warning).
    private func read<Element>(_ tag: DICOMTag, in path: Path, zero: Element, extra: Int = 0,
                               _ get: (OpaquePointer?, UnsafePointer<CDCMTKShim_PathStep>?, Int, UInt32,
                                       UnsafeMutablePointer<Element>?, Int, UnsafeMutablePointer<Int>?,
                                       UnsafeMutablePointer<CChar>?, Int) -> CDCMTKShim_Status) -> [Element]? {
        var count = 0
        var values = [Element](repeating: zero, count: 64)
        var reason = [CChar](repeating: 0, count: 256)
        func call() -> CDCMTKShim_Status {
            path.withUnsafeBufferPointer { steps in
                values.withUnsafeMutableBufferPointer { buffer in
                    reason.withUnsafeMutableBufferPointer { why in
                        get(handle, steps.baseAddress, steps.count, tag.combined, buffer.baseAddress, buffer.count,
                            &count, why.baseAddress, why.count)
                    }
                }
            }
        }
        var status = call()
        if status == CDCMTKShim_ErrBufferTooSmall {
            values = [Element](repeating: zero, count: count + extra)
            status = call()
        }
        switch status {
        case CDCMTKShim_OK: return Array(values.prefix(count))
        case CDCMTKShim_ErrNotFound: return nil
        case CDCMTKShim_ErrBadValue: warn(tag, String(cBuffer: reason), in: path)
        default: warn(tag, "unreadable (status \(status.rawValue))", in: path)
        }
        return nil
    }

    /// The whole value with surrounding spaces and NULs trimmed; nil when absent or empty.
    func string(_ tag: DICOMTag, in path: Path = []) -> String? {
        guard let bytes = read(tag, in: path, zero: CChar(0), extra: 1, CDCMTKShim_getString) else { return nil }
        let trimmed = String(cBuffer: bytes, length: bytes.count).trimmingSpaces()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Backslash-separated values, each trimmed.
    func strings(_ tag: DICOMTag, in path: Path = []) -> [String] {
        guard let value = string(tag, in: path) else { return [] }
        return value.split(separator: "\\", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
    }

    func numbers(_ tag: DICOMTag, in path: Path = []) -> [Double]? {
        read(tag, in: path, zero: 0.0, CDCMTKShim_getNumbers)
    }

    func integer(_ tag: DICOMTag, in path: Path = []) -> Int? {
        guard let value = numbers(tag, in: path)?.first else { return nil }
        guard value.isFinite, abs(value) < 1e15 else {
            warn(tag, "value out of range", in: path)
            return nil
        }
        return Int(value)
    }

    func words(_ tag: DICOMTag, in path: Path = []) -> [UInt16]? {
        read(tag, in: path, zero: UInt16(0), CDCMTKShim_getWords)
    }

    func readAttributes() throws -> DICOMAttributes {
        var uid = [CChar](repeating: 0, count: 128)
        let status = CDCMTKShim_transferSyntax(handle, &uid, uid.count)
        guard status == CDCMTKShim_OK else {
            throw DICOMFile.error(ShimFailure(status: status, message: "reading the transfer syntax"), stage: .read, path: path)
        }
        var a = DICOMAttributes(
            transferSyntaxUID: String(cBuffer: uid).trimmingSpaces(),
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
        a.sopInstanceUID = string(.sopInstanceUID)
        a.studyInstanceUID = string(.studyInstanceUID)
        a.seriesInstanceUID = string(.seriesInstanceUID)
        a.laterality = string(.laterality)
        a.imageType = strings(.imageType)
        a.photometricInterpretation = string(.photometricInterpretation)
        a.pixelPaddingValue = words(.pixelPaddingValue)?.first
        a.pixelPaddingRangeLimit = words(.pixelPaddingRangeLimit)?.first
        a.pixelIntensityRelationship = string(.pixelIntensityRelationship)
        a.pixelIntensityRelationshipSign = integer(.pixelIntensityRelationshipSign)
        a.presentationLUTShape = string(.presentationLUTShape)
        a.lossyImageCompression = string(.lossyImageCompression)
        a.topLevel = transforms(in: [])

        let sharedItems = itemCount(.sharedFunctionalGroupsSequence)
        if sharedItems > 0 {
            a.shared = functionalGroup([step(.sharedFunctionalGroupsSequence, 0)])
        }
        let perFrameItems = itemCount(.perFrameFunctionalGroupsSequence)
        if perFrameItems > 0 {
            a.perFrame = (0..<perFrameItems).map { functionalGroup([step(.perFrameFunctionalGroupsSequence, $0)]) }
        }
        a.warnings = warnings
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
        if centers.count != widths.count {
            warn(.windowWidth, "\(widths.count) value\(widths.count == 1 ? "" : "s") for \(centers.count) Window Center value\(centers.count == 1 ? "" : "s"); unpaired values ignored", in: path)
        }
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
        let before = warnings.count
        guard let descriptor = words(.lutDescriptor, in: path) else {
            if warnings.count == before { warn(.lutDescriptor, "absent; LUT item ignored", in: path) }
            return nil
        }
        guard descriptor.count == 3 else {
            warn(.lutDescriptor, "\(descriptor.count) values, 3 expected; LUT item ignored", in: path)
            return nil
        }
        guard let data = words(.lutData, in: path) else {
            if warnings.count == before { warn(.lutData, "absent; LUT item ignored", in: path) }
            return nil
        }
        return LookupTableItem(descriptor: descriptor, data: data, explanation: string(.lutExplanation, in: path),
                               lutType: string(.modalityLUTType, in: path))
    }
}

extension String {
    /// Trims the padding DICOM and C strings carry: spaces and NULs at both ends.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\0" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\0" { s.removeLast() }
        return String(s)
    }
}
