/// A DICOM attribute tag (group, element), printed as `(GGGG,EEEE)` in messages.
public struct DICOMTag: Hashable, Sendable, CustomStringConvertible {
    public let group: UInt16
    public let element: UInt16

    public init(_ group: UInt16, _ element: UInt16) {
        self.group = group
        self.element = element
    }

    /// `(group << 16) | element`, the form the C shim takes.
    package var combined: UInt32 { UInt32(group) << 16 | UInt32(element) }

    public var description: String {
        func hex(_ v: UInt16) -> String {
            let s = String(v, radix: 16, uppercase: true)
            return String(repeating: "0", count: 4 - s.count) + s
        }
        return "(\(hex(group)),\(hex(element)))"
    }
}

/// The tags mammo-prep reads. Names follow PS3.6.
package extension DICOMTag {
    static let mediaStorageSOPClassUID = DICOMTag(0x0002, 0x0002)
    static let imageType = DICOMTag(0x0008, 0x0008)
    static let sopClassUID = DICOMTag(0x0008, 0x0016)
    static let sopInstanceUID = DICOMTag(0x0008, 0x0018)
    static let patientID = DICOMTag(0x0010, 0x0020)
    static let studyInstanceUID = DICOMTag(0x0020, 0x000D)
    static let seriesInstanceUID = DICOMTag(0x0020, 0x000E)
    static let laterality = DICOMTag(0x0020, 0x0060)
    static let modality = DICOMTag(0x0008, 0x0060)
    static let presentationIntentType = DICOMTag(0x0008, 0x0068)
    static let manufacturer = DICOMTag(0x0008, 0x0070)
    static let viewPosition = DICOMTag(0x0018, 0x5101)
    static let imageLaterality = DICOMTag(0x0020, 0x0062)
    static let samplesPerPixel = DICOMTag(0x0028, 0x0002)
    static let photometricInterpretation = DICOMTag(0x0028, 0x0004)
    static let numberOfFrames = DICOMTag(0x0028, 0x0008)
    static let rows = DICOMTag(0x0028, 0x0010)
    static let columns = DICOMTag(0x0028, 0x0011)
    static let bitsAllocated = DICOMTag(0x0028, 0x0100)
    static let bitsStored = DICOMTag(0x0028, 0x0101)
    static let highBit = DICOMTag(0x0028, 0x0102)
    static let pixelRepresentation = DICOMTag(0x0028, 0x0103)
    static let pixelPaddingValue = DICOMTag(0x0028, 0x0120)
    static let pixelPaddingRangeLimit = DICOMTag(0x0028, 0x0121)
    static let pixelIntensityRelationship = DICOMTag(0x0028, 0x1040)
    static let pixelIntensityRelationshipSign = DICOMTag(0x0028, 0x1041)
    static let windowCenter = DICOMTag(0x0028, 0x1050)
    static let windowWidth = DICOMTag(0x0028, 0x1051)
    static let rescaleIntercept = DICOMTag(0x0028, 0x1052)
    static let rescaleSlope = DICOMTag(0x0028, 0x1053)
    static let rescaleType = DICOMTag(0x0028, 0x1054)
    static let windowCenterWidthExplanation = DICOMTag(0x0028, 0x1055)
    static let voiLUTFunction = DICOMTag(0x0028, 0x1056)
    static let modalityLUTSequence = DICOMTag(0x0028, 0x3000)
    static let lutDescriptor = DICOMTag(0x0028, 0x3002)
    static let lutExplanation = DICOMTag(0x0028, 0x3003)
    static let modalityLUTType = DICOMTag(0x0028, 0x3004)
    static let lutData = DICOMTag(0x0028, 0x3006)
    static let voiLUTSequence = DICOMTag(0x0028, 0x3010)
    static let frameVOILUTSequence = DICOMTag(0x0028, 0x9132)
    static let pixelValueTransformationSequence = DICOMTag(0x0028, 0x9145)
    static let presentationLUTShape = DICOMTag(0x2050, 0x0020)
    static let lossyImageCompression = DICOMTag(0x0028, 0x2110)
    static let sharedFunctionalGroupsSequence = DICOMTag(0x5200, 0x9229)
    static let perFrameFunctionalGroupsSequence = DICOMTag(0x5200, 0x9230)
    static let pixelData = DICOMTag(0x7FE0, 0x0010)

    /// PS3.6 names of the tags above, for messages.
    static let names: [DICOMTag: String] = [
        .mediaStorageSOPClassUID: "Media Storage SOP Class UID", .imageType: "Image Type",
        .sopInstanceUID: "SOP Instance UID", .patientID: "Patient ID", .studyInstanceUID: "Study Instance UID",
        .seriesInstanceUID: "Series Instance UID", .laterality: "Laterality",
        .sopClassUID: "SOP Class UID", .modality: "Modality", .presentationIntentType: "Presentation Intent Type",
        .manufacturer: "Manufacturer", .viewPosition: "View Position", .imageLaterality: "Image Laterality",
        .samplesPerPixel: "Samples per Pixel", .photometricInterpretation: "Photometric Interpretation",
        .numberOfFrames: "Number of Frames", .rows: "Rows", .columns: "Columns", .bitsAllocated: "Bits Allocated",
        .bitsStored: "Bits Stored", .highBit: "High Bit", .pixelRepresentation: "Pixel Representation",
        .pixelPaddingValue: "Pixel Padding Value", .pixelPaddingRangeLimit: "Pixel Padding Range Limit",
        .pixelIntensityRelationship: "Pixel Intensity Relationship",
        .pixelIntensityRelationshipSign: "Pixel Intensity Relationship Sign", .windowCenter: "Window Center",
        .windowWidth: "Window Width", .rescaleIntercept: "Rescale Intercept", .rescaleSlope: "Rescale Slope",
        .rescaleType: "Rescale Type", .windowCenterWidthExplanation: "Window Center & Width Explanation",
        .voiLUTFunction: "VOI LUT Function", .modalityLUTSequence: "Modality LUT Sequence",
        .lutDescriptor: "LUT Descriptor", .lutExplanation: "LUT Explanation", .modalityLUTType: "Modality LUT Type",
        .lutData: "LUT Data", .voiLUTSequence: "VOI LUT Sequence", .frameVOILUTSequence: "Frame VOI LUT Sequence",
        .pixelValueTransformationSequence: "Pixel Value Transformation Sequence",
        .presentationLUTShape: "Presentation LUT Shape", .lossyImageCompression: "Lossy Image Compression",
        .sharedFunctionalGroupsSequence: "Shared Functional Groups Sequence",
        .perFrameFunctionalGroupsSequence: "Per-frame Functional Groups Sequence", .pixelData: "Pixel Data",
    ]
}

/// Transfer syntaxes by UID, with the names used in messages and docs (PS3.6 Annex A) and the codec
/// family each is decoded as. This table is the one list of supported syntaxes: the shim decodes
/// whatever it is handed, and `DecoderSelection` picks the decoder from the family.
package enum TransferSyntax {
    /// How a syntax's pixel data is stored, i.e. which decoder family reads it.
    package enum Family: String, Sendable, CaseIterable {
        /// Uncompressed (DCMTK inflates Deflated on load).
        case native
        /// JPEG processes 1, 2/4, 14 and 14 SV1.
        case jpeg
        case jpegLS
        case rle
        case jpeg2000
        case htj2k
    }

    private static let table: [(uid: String, name: String, family: Family)] = [
        ("1.2.840.10008.1.2", "Implicit VR Little Endian", .native),
        ("1.2.840.10008.1.2.1", "Explicit VR Little Endian", .native),
        ("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", .native),
        ("1.2.840.10008.1.2.2", "Explicit VR Big Endian", .native),
        ("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", .jpeg),
        ("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", .jpeg),
        ("1.2.840.10008.1.2.4.57", "JPEG Lossless (Process 14)", .jpeg),
        ("1.2.840.10008.1.2.4.70", "JPEG Lossless SV1", .jpeg),
        ("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", .jpegLS),
        ("1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless", .jpegLS),
        ("1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless", .jpeg2000),
        ("1.2.840.10008.1.2.4.91", "JPEG 2000", .jpeg2000),
        ("1.2.840.10008.1.2.4.201", "HTJ2K Lossless", .htj2k),
        ("1.2.840.10008.1.2.4.202", "HTJ2K Lossless RPCL", .htj2k),
        ("1.2.840.10008.1.2.4.203", "HTJ2K", .htj2k),
        ("1.2.840.10008.1.2.5", "RLE Lossless", .rle),
    ]

    package static let names: [String: String] = Dictionary(uniqueKeysWithValues: table.map { ($0.uid, $0.name) })

    private static let families: [String: Family] = Dictionary(uniqueKeysWithValues: table.map { ($0.uid, $0.family) })

    /// The syntaxes this build decodes.
    package static var supported: Set<String> { Set(names.keys) }

    package static func name(_ uid: String) -> String { names[uid] ?? "unknown" }

    /// Wavelet syntaxes whose codestreams are lossless by definition (PS3.5 A.4.4, A.4.11): the
    /// decoded image is the encoded one, so a reduced-resolution decode is its forward LL band.
    package static let losslessWavelet: Set<String> = [
        "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
    ]

    /// The decoder family of a supported syntax; nil for any other.
    package static func family(_ uid: String) -> Family? { families[uid] }
}
