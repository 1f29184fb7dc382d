/// A window pair from (0028,1050) Window Center / (0028,1051) Window Width, with its
/// (0028,1055) explanation when one is given (PS3.3 C.11.2).
public struct WindowSetting: Sendable, Equatable {
    public var center: Double
    public var width: Double
    public var explanation: String?

    public init(center: Double, width: Double, explanation: String? = nil) {
        self.center = center
        self.width = width
        self.explanation = explanation
    }
}

/// A Modality or VOI LUT item: (0028,3002) LUT Descriptor, (0028,3006) LUT Data, (0028,3003)
/// LUT Explanation (PS3.3 C.11.1.1.1, C.11.2.1.1). Kept raw: which way to read the first mapped
/// value (US or SS) and whether 8-bit entries are packed two per OW word are decided by the
/// windowing stage, which knows the context (docs/windowing.md §2, §4).
package struct LookupTableItem: Sendable, Equatable {
    /// Descriptor words as stored: [entries (0 means 65536), first mapped value, bits per entry].
    package var descriptor: [UInt16]
    /// LUT Data words in host order.
    package var data: [UInt16]
    package var explanation: String?
    /// (0028,3004) Modality LUT Type, for Modality LUT items.
    package var lutType: String?

    package init(descriptor: [UInt16], data: [UInt16], explanation: String? = nil, lutType: String? = nil) {
        self.descriptor = descriptor
        self.data = data
        self.explanation = explanation
        self.lutType = lutType
    }

    /// Number of entries: the first descriptor value, 0 meaning 2^16 (C.11.1.1.1).
    package var entryCount: Int { descriptor.first.map { $0 == 0 ? 65536 : Int($0) } ?? 0 }
    /// Bits per entry: the third descriptor value.
    package var bitsPerEntry: Int { descriptor.count > 2 ? Int(descriptor[2]) : 0 }
}

/// The grey-level transforms that apply to a frame, from one place in the dataset (top level, shared
/// functional group or per-frame functional group). `nil` means "not given here".
package struct GrayscaleTransforms: Sendable, Equatable {
    package var rescaleSlope: Double?
    package var rescaleIntercept: Double?
    package var rescaleType: String?
    package var modalityLUT: LookupTableItem?
    package var windows: [WindowSetting] = []
    package var voiLUTFunction: String?
    package var voiLUTs: [LookupTableItem] = []

    package init() {}

    /// True when this group carries Pixel Value Transformation / Modality LUT content.
    package var hasModality: Bool { rescaleSlope != nil || rescaleIntercept != nil || modalityLUT != nil }
    /// True when this group carries VOI content (windows or LUTs).
    package var hasVOI: Bool { !windows.isEmpty || !voiLUTs.isEmpty || voiLUTFunction != nil }
}

/// An attribute that was present but could not be used, and so was treated as absent (the pixels
/// are what they would be without it). Names the tag and the reason, never the value (no patient
/// data): `(0028,1051) Window Width: value not a decimal string`.
public struct AttributeWarning: Sendable, Equatable, CustomStringConvertible {
    public var tag: DICOMTag
    public var detail: String

    public init(tag: DICOMTag, detail: String) {
        self.tag = tag
        self.detail = detail
    }

    public var description: String {
        "\(tag)\(DICOMTag.names[tag].map { " \($0)" } ?? ""): \(detail)"
    }
}

/// Everything later stages and `inspect` need from a DICOM dataset. No patient identifiers are read.
package struct DICOMAttributes: Sendable, Equatable {
    package var transferSyntaxUID: String
    package var sopClassUID: String?
    package var modality: String?
    package var presentationIntentType: String?
    package var manufacturer: String?
    package var imageLaterality: String?
    package var viewPosition: String?
    /// Join keys for label tables (manifest lines, `inspect --json`): UIDs, (0020,0060) Laterality
    /// (series level, used when Image Laterality is absent) and (0008,0008) Image Type's values.
    package var sopInstanceUID: String?
    package var studyInstanceUID: String?
    package var seriesInstanceUID: String?
    package var laterality: String?
    package var imageType: [String] = []

    package var rows: Int
    package var columns: Int
    package var frames: Int
    package var samplesPerPixel: Int
    package var photometricInterpretation: String?
    package var bitsAllocated: Int
    package var bitsStored: Int
    package var highBit: Int
    package var pixelRepresentation: Int

    /// (0028,0120) / (0028,0121) as raw 16-bit words (US or SS by Pixel Representation).
    package var pixelPaddingValue: UInt16?
    package var pixelPaddingRangeLimit: UInt16?
    package var pixelIntensityRelationship: String?
    package var pixelIntensityRelationshipSign: Int?
    package var presentationLUTShape: String?
    /// (0028,2110): "00" when the image has not been subjected to lossy compression.
    package var lossyImageCompression: String?

    /// Top-level Modality LUT / VOI LUT module content.
    package var topLevel: GrayscaleTransforms
    /// Shared Functional Groups (5200,9229) content, enhanced multi-frame objects only.
    package var shared: GrayscaleTransforms?
    /// Per-frame Functional Groups (5200,9230) content, one entry per frame (enhanced objects only).
    package var perFrame: [GrayscaleTransforms?]

    /// Attributes present but unusable, each treated as absent, in reading order.
    package var warnings: [AttributeWarning] = []

    package init(transferSyntaxUID: String, rows: Int, columns: Int, frames: Int, samplesPerPixel: Int,
                bitsAllocated: Int, bitsStored: Int, highBit: Int, pixelRepresentation: Int) {
        self.transferSyntaxUID = transferSyntaxUID
        self.rows = rows
        self.columns = columns
        self.frames = frames
        self.samplesPerPixel = samplesPerPixel
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored
        self.highBit = highBit
        self.pixelRepresentation = pixelRepresentation
        self.topLevel = GrayscaleTransforms()
        self.perFrame = []
    }

    /// The transforms that apply to `frame` (0-based): per-frame functional group content
    /// overrides shared, which overrides the top level, macro by macro (docs/windowing.md §8,
    /// PS3.3 C.7.6.16): the Pixel Value Transformation (rescale / modality LUT) and the
    /// Frame VOI LUT are each taken whole from the most specific place that has them.
    package func transforms(forFrame frame: Int) -> GrayscaleTransforms {
        let specific = frame < perFrame.count ? perFrame[frame] : nil
        var result = topLevel
        for group in [shared, specific].compactMap({ $0 }) {
            if group.hasModality {
                result.rescaleSlope = group.rescaleSlope
                result.rescaleIntercept = group.rescaleIntercept
                result.rescaleType = group.rescaleType
                result.modalityLUT = group.modalityLUT
            }
            if group.hasVOI {
                result.windows = group.windows
                result.voiLUTFunction = group.voiLUTFunction
                result.voiLUTs = group.voiLUTs
            }
        }
        return result
    }

    /// The stored-value layout these attributes declare, or nil when it breaks PS3.5 8.1.1.
    package var layout: StoredValueLayout? {
        StoredValueLayout(bitsAllocated: bitsAllocated, bitsStored: bitsStored, highBit: highBit,
                          isSigned: pixelRepresentation == 1)
    }
}
