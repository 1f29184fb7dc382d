/// What `mammo-prep inspect` reports for one file (docs/design.md §2). No patient identifiers are ever
/// read, so none can be printed.
public struct Inspection: Sendable {
    public var path: String
    public var format: ImageFormat
    public var rows: Int?
    public var columns: Int?
    public var frames: Int?
    public var bitsAllocated: Int?
    public var bitsStored: Int?
    public var highBit: Int?
    public var pixelRepresentation: Int?
    public var photometricInterpretation: String?
    public var transferSyntaxUID: String?
    public var modality: String?
    public var presentationIntentType: String?
    public var windows: [WindowSetting] = []
    public var voiLUTFunction: String?
    public var hasVOILUTSequence: Bool?
    public var hasModalityLUTSequence: Bool?
    public var rescaleSlope: Double?
    public var rescaleIntercept: Double?
    public var presentationLUTShape: String?
    public var imageLaterality: String?
    public var viewPosition: String?
    public var manufacturer: String?
    /// The label-table join keys (`InputImage.joinKeys`), appended to the JSON after `manufacturer`.
    public var joinKeys: JoinKeys

    /// Reads the header of `path` (and, with `verify`, decodes every frame) and summarises it.
    /// Grey-level attributes are those that apply to the first frame: for enhanced multi-frame
    /// objects, functional-group values override the top level (docs/windowing.md §8).
    public init(path: String, limits: ReadLimits = .standard, verify: Bool = false) throws {
        try self.init(image: try InputImage.open(path: path, limits: limits), verify: verify)
    }

    /// `init(path:…)` for an opened input (e.g. one read from memory); `path` is the input's.
    public init(image: InputImage, verify: Bool = false) throws {
        if verify {
            for frame in 0..<image.frameCount { _ = try image.readFrame(frame) }
        }
        self.path = image.path
        self.format = image.format
        self.joinKeys = image.joinKeys
        switch image {
        case .dicom(let file):
            let a = file.attributes
            let t = a.transforms(forFrame: 0)
            rows = a.rows; columns = a.columns; frames = a.frames
            bitsAllocated = a.bitsAllocated; bitsStored = a.bitsStored; highBit = a.highBit
            pixelRepresentation = a.pixelRepresentation
            photometricInterpretation = a.photometricInterpretation
            transferSyntaxUID = a.transferSyntaxUID
            modality = a.modality
            presentationIntentType = a.presentationIntentType
            windows = t.windows
            voiLUTFunction = t.voiLUTFunction
            hasVOILUTSequence = !t.voiLUTs.isEmpty
            hasModalityLUTSequence = t.modalityLUT != nil
            rescaleSlope = t.rescaleSlope
            rescaleIntercept = t.rescaleIntercept
            presentationLUTShape = a.presentationLUTShape
            imageLaterality = a.imageLaterality
            viewPosition = a.viewPosition
            manufacturer = a.manufacturer
        case .tiff(let file):
            let page = file.pages[0]
            rows = page.rows; columns = page.columns; frames = file.frameCount
            bitsAllocated = page.bitsPerSample
            if page.sampleFormat != .float {
                bitsStored = page.bitsPerSample; highBit = page.bitsPerSample - 1; pixelRepresentation = 0
            }
            photometricInterpretation = page.photometric.rawValue
        }
    }

    /// One JSON object with the keys of docs/design.md §2 in their listed order (absent → null).
    public var json: JSONValue {
        .object([
            ("path", .string(path)), ("format", .string(format.rawValue)),
            ("rows", JSONValue(rows)), ("columns", JSONValue(columns)), ("frames", JSONValue(frames)),
            ("bitsAllocated", JSONValue(bitsAllocated)), ("bitsStored", JSONValue(bitsStored)),
            ("highBit", JSONValue(highBit)), ("pixelRepresentation", JSONValue(pixelRepresentation)),
            ("photometricInterpretation", JSONValue(photometricInterpretation)),
            ("transferSyntaxUID", JSONValue(transferSyntaxUID)), ("modality", JSONValue(modality)),
            ("presentationIntentType", JSONValue(presentationIntentType)),
            ("windows", .array(windows.map {
                .object([("center", .double($0.center)), ("width", .double($0.width)), ("explanation", JSONValue($0.explanation))])
            })),
            ("voiLUTFunction", JSONValue(voiLUTFunction)), ("hasVOILUTSequence", JSONValue(hasVOILUTSequence)),
            ("hasModalityLUTSequence", JSONValue(hasModalityLUTSequence)),
            ("rescaleSlope", JSONValue(rescaleSlope)), ("rescaleIntercept", JSONValue(rescaleIntercept)),
            ("presentationLUTShape", JSONValue(presentationLUTShape)),
            ("imageLaterality", JSONValue(imageLaterality)), ("viewPosition", JSONValue(viewPosition)),
            ("manufacturer", JSONValue(manufacturer)),
        ] + joinKeys.jsonPairs.filter { $0.0 != "presentationIntentType" })  // listed above
    }

    /// A readable block: the path, then one aligned `name  value` line per known attribute.
    public var text: String {
        var lines = [path]
        func add(_ name: String, _ value: String?) {
            guard let value else { return }
            lines.append("  " + name.padding(toLength: 26, withPad: " ", startingAt: 0) + value)
        }
        add("format", format.rawValue)
        if let rows, let columns, let frames {
            add("size", "\(rows) rows x \(columns) columns, \(frames) frame\(frames == 1 ? "" : "s")")
        }
        if let bitsAllocated {
            let stored = bitsStored.map { ", stored \($0), high bit \(highBit ?? -1)" } ?? " (float)"
            add("bits", "allocated \(bitsAllocated)\(stored)")
        }
        add("pixel representation", pixelRepresentation.map { $0 == 1 ? "1 (signed)" : "0 (unsigned)" })
        add("photometric", photometricInterpretation)
        add("transfer syntax", transferSyntaxUID.map { "\($0) (\(TransferSyntax.name($0)))" })
        add("modality", modality)
        add("presentation intent", presentationIntentType)
        add("laterality / view", imageLaterality.map { "\($0) / \(viewPosition ?? "-")" })
        add("manufacturer", manufacturer)
        for (i, w) in windows.enumerated() {
            add("window \(i)", "center \(w.center), width \(w.width)" + (w.explanation.map { " (\($0))" } ?? ""))
        }
        add("VOI LUT function", voiLUTFunction)
        if format == .dicom {
            add("VOI LUT sequence", hasVOILUTSequence == true ? "yes" : "no")
            add("modality LUT sequence", hasModalityLUTSequence == true ? "yes" : "no")
        }
        if rescaleSlope != nil || rescaleIntercept != nil {
            add("rescale", "slope \(rescaleSlope.map { "\($0)" } ?? "-"), intercept \(rescaleIntercept.map { "\($0)" } ?? "-")")
        }
        add("presentation LUT shape", presentationLUTShape)
        return lines.joined(separator: "\n")
    }
}
