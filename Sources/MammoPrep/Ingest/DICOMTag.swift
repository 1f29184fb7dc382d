/// A DICOM attribute tag (group, element), printed as `(GGGG,EEEE)` in messages.
public struct DICOMTag: Hashable, Sendable, CustomStringConvertible {
    public let group: UInt16
    public let element: UInt16

    public init(_ group: UInt16, _ element: UInt16) {
        self.group = group
        self.element = element
    }

    /// `(group << 16) | element`, the form the C shim takes.
    public var combined: UInt32 { UInt32(group) << 16 | UInt32(element) }

    public var description: String {
        func hex(_ v: UInt16) -> String {
            let s = String(v, radix: 16, uppercase: true)
            return String(repeating: "0", count: 4 - s.count) + s
        }
        return "(\(hex(group)),\(hex(element)))"
    }
}

/// The tags mammo-prep reads. Names follow PS3.6.
public extension DICOMTag {
    static let sopClassUID = DICOMTag(0x0008, 0x0016)
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
    static let sharedFunctionalGroupsSequence = DICOMTag(0x5200, 0x9229)
    static let perFrameFunctionalGroupsSequence = DICOMTag(0x5200, 0x9230)
    static let pixelData = DICOMTag(0x7FE0, 0x0010)
}

/// Transfer syntaxes by UID, with the names used in messages and docs (PS3.6 Annex A).
public enum TransferSyntax {
    public static let names: [String: String] = [
        "1.2.840.10008.1.2": "Implicit VR Little Endian",
        "1.2.840.10008.1.2.1": "Explicit VR Little Endian",
        "1.2.840.10008.1.2.1.99": "Deflated Explicit VR Little Endian",
        "1.2.840.10008.1.2.2": "Explicit VR Big Endian",
        "1.2.840.10008.1.2.4.50": "JPEG Baseline (Process 1)",
        "1.2.840.10008.1.2.4.51": "JPEG Extended (Process 2 & 4)",
        "1.2.840.10008.1.2.4.57": "JPEG Lossless (Process 14)",
        "1.2.840.10008.1.2.4.70": "JPEG Lossless SV1",
        "1.2.840.10008.1.2.4.80": "JPEG-LS Lossless",
        "1.2.840.10008.1.2.4.81": "JPEG-LS Near-Lossless",
        "1.2.840.10008.1.2.4.90": "JPEG 2000 Lossless",
        "1.2.840.10008.1.2.4.91": "JPEG 2000",
        "1.2.840.10008.1.2.4.201": "HTJ2K Lossless",
        "1.2.840.10008.1.2.4.202": "HTJ2K Lossless RPCL",
        "1.2.840.10008.1.2.4.203": "HTJ2K",
        "1.2.840.10008.1.2.5": "RLE Lossless",
    ]

    /// The syntaxes this build decodes (DCMTK codecs, OpenJPEG for J2K/HTJ2K).
    public static var supported: Set<String> { Set(names.keys) }

    public static func name(_ uid: String) -> String { names[uid] ?? "unknown" }
}
