/// Options of the windowing stage (docs/design.md §2 "Windowing", docs/windowing.md).
public struct WindowingOptions: Sendable, Equatable {
    /// Where the VOI transform comes from.
    public enum VOISource: String, Sendable, CaseIterable, Codable {
        /// VOI LUT Sequence item N if usable, else window pair N, else the no-VOI rule (docs/windowing.md §5).
        case auto
        /// VOI LUT Sequence item N; an error when absent or unusable.
        case lut
        /// Window pair N; an error when absent or of invalid width.
        case window
        /// No VOI: the no-VOI rule.
        case none
    }

    /// What to do without a VOI (docs/windowing.md §6).
    public enum NoVOIRule: String, Sendable, CaseIterable, Codable {
        /// Linear over the full modality-output range of Bits Stored / Pixel Representation
        /// through the modality transform (deterministic; DCMTK's default).
        case range
        /// Linear over the frame's own minimum and maximum modality output.
        case minmax
    }

    /// Polarity rule (docs/windowing.md §7).
    public enum Inversion: String, Sendable, CaseIterable, Codable {
        /// Invert iff MONOCHROME1 or Presentation LUT Shape INVERSE, never twice.
        case auto
        /// Never invert.
        case never
        /// DCMTK's rule: invert iff shape INVERSE, or shape absent and MONOCHROME1.
        case dcmtk
    }

    public var voiSource: VOISource
    /// 0-based index of the window pair and of the VOI LUT item.
    public var windowIndex: Int
    /// Explicit window: overrides whatever the file says.
    public var explicitWindow: WindowSetting?
    /// Overrides (0028,1056) VOI LUT Function.
    public var functionOverride: VOIFunction?
    public var noVOI: NoVOIRule
    public var invert: Inversion
    /// Float TIFF: clamp values outside 0…1 instead of refusing the image.
    public var clip: Bool

    public init(voiSource: VOISource = .auto, windowIndex: Int = 0, explicitWindow: WindowSetting? = nil,
                functionOverride: VOIFunction? = nil, noVOI: NoVOIRule = .range, invert: Inversion = .auto,
                clip: Bool = false) {
        self.voiSource = voiSource
        self.windowIndex = windowIndex
        self.explicitWindow = explicitWindow
        self.functionOverride = functionOverride
        self.noVOI = noVOI
        self.invert = invert
        self.clip = clip
    }
}

/// Everything the windowing stage decided for one frame, and why (docs/design.md §1: the record).
public struct WindowingDecision: Sendable, Equatable {
    /// The modality transform applied (PS3.3 C.11.1); the raw values are the record's words.
    public enum ModalityKind: String, Sendable, CaseIterable {
        case identity
        /// Rescale Slope / Intercept.
        case rescale
        /// Modality LUT Sequence.
        case lut
    }

    /// Where the VOI transform came from (PS3.3 C.11.2); the raw values are the record's words.
    public enum VOIKind: String, Sendable, CaseIterable {
        /// VOI LUT Sequence item `index`.
        case lut
        /// Window pair `index` of the file.
        case window
        /// The explicit window option.
        case explicit
        /// The no-VOI rule (`noVOIRule`, `range`).
        case none
        /// TIFF scaling.
        case tiff
    }

    public var modality = ModalityKind.identity
    public var rescaleSlope: Double?
    public var rescaleIntercept: Double?
    /// [entries as stored (0 means 65,536), first mapped value as read (US or SS), bits].
    public var modalityLUTDescriptor: [Int]?
    public var voiSource = VOIKind.none
    public var index: Int?
    public var center: Double?
    public var width: Double?
    public var function: VOIFunction?
    public var explanation: String?
    /// [entries as stored (0 means 65,536), first mapped value as read (US or SS), bits].
    public var voiLUTDescriptor: [Int]?
    /// The no-VOI rule used, with the input range it mapped to 0…1.
    public var noVOIRule: WindowingOptions.NoVOIRule?
    public var range: [Double]?
    public var inverted = false
    public var inversionReason = ""
    /// Every fallback and oddity, in order.
    public var warnings: [String] = []

    public init() {}

}

/// A windowed frame: Float32 values in [0, 1], row-major.
package struct WindowedFrame: Sendable, Equatable {
    package let rows: Int
    package let columns: Int
    package var pixels: [Float]
    package var decision: WindowingDecision
}

/// The windowing stage: stored values + attributes + options → Float32 in [0, 1] (computed in
/// Double) and a decision record. Order (docs/windowing.md §0, PS3.4 N.2): Modality LUT → VOI →
/// polarity. A pure function of its inputs.
package enum Windowing {
    /// Windows one DICOM frame.
    ///
    /// The transform is evaluated once for every value Bits Stored / Pixel Representation allow
    /// (at most 65,536) into a table indexed by the frame's canonical words, then mapped over the
    /// frame: exact per value and independent of image size.
    package static func apply(_ frame: StoredFrame, attributes: DICOMAttributes, frameIndex: Int = 0,
                             options: WindowingOptions = WindowingOptions(), path: String = "") throws -> WindowedFrame {
        let range = frame.representableRange
        let plan = try plan(range: range, present: { Presence(canonical: frame.words) }, attributes: attributes,
                            frameIndex: frameIndex, options: options, path: path)
        let table = plan.table(range: range)
        return WindowedFrame(rows: frame.rows, columns: frame.columns, pixels: map(frame.words, through: table),
                             decision: plan.decision)
    }

    /// Windows one frame straight from its allocated words: the table is indexed by the raw word
    /// (masking and sign extension folded in), so the frame is read once. Equal, value for value,
    /// to `apply(raw.canonical(), …)`.
    package static func apply(raw frame: RawFrame, attributes: DICOMAttributes, frameIndex: Int = 0,
                             options: WindowingOptions = WindowingOptions(), path: String = "") throws -> WindowedFrame {
        var storage: [Float] = []
        return try apply(raw: frame, attributes: attributes, frameIndex: frameIndex, options: options, path: path,
                         reusing: &storage)
    }

    /// `apply(raw:…)` writing the pixels into `storage`'s buffer when it is uniquely owned (taken;
    /// `storage` is left empty). See `DICOMFile.readRawFrame(_:reusing:)`.
    package static func apply(raw frame: RawFrame, attributes: DICOMAttributes, frameIndex: Int = 0,
                             options: WindowingOptions = WindowingOptions(), path: String = "",
                             reusing storage: inout [Float]) throws -> WindowedFrame {
        let layout = frame.layout
        let range = StoredValueLayout.range(bitsStored: layout.bitsStored, isSigned: layout.isSigned)
        let plan = try plan(range: range, present: { Presence(raw: frame.words, layout: layout) },
                            attributes: attributes, frameIndex: frameIndex, options: options, path: path)
        let byValue = plan.table(range: range)
        let byRaw = [Float](unsafeUninitializedCapacity: 65536) { buffer, initialized in
            for raw in 0..<65536 { buffer[raw] = byValue[Int(layout.canonicalWord(UInt16(raw)))] }
            initialized = 65536
        }
        var pixels = Scratch.take(&storage, count: frame.words.count, zero: 0)
        map(frame.words, through: byRaw, into: &pixels)
        return WindowedFrame(rows: frame.rows, columns: frame.columns, pixels: pixels, decision: plan.decision)
    }

    /// `table[word]` for every word, in one pass that writes the result once.
    static func map(_ words: [UInt16], through table: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: words.count)
        map(words, through: table, into: &out)
        return out
    }

    static func map(_ words: [UInt16], through table: [Float], into out: inout [Float]) {
        precondition(table.count == 65536 && out.count == words.count)
        out.withUnsafeMutableBufferPointer { out in
            words.withUnsafeBufferPointer { input in
                table.withUnsafeBufferPointer { lut in
                    for i in 0..<input.count { out[i] = lut[Int(input[i])] }
                }
            }
        }
    }

    /// The resolved transform for one frame: `value(storedValue)` in [0, 1], the steps composed.
    package struct Plan {
        package let decision: WindowingDecision
        let modality: ModalityTransform
        let voi: VOI
        let polarity: Polarity

        /// The VOI step that applies: a selected VOI, or the no-VOI rule.
        enum VOI {
            case selected(VOISelection)
            case noVOI(NoVOIScaling)

            func callAsFunction(_ x: Double) -> Double {
                switch self {
                case .selected(let selection): return selection(x)
                case .noVOI(let scaling): return scaling(x)
                }
            }
        }

        /// Stored value → [0, 1].
        package func value(_ stored: Int32) -> Double { polarity(voi(modality(stored))) }

        /// `Float(value(v))` for every v in `range`, indexed by canonical word (65,536 entries).
        package func table(range: ClosedRange<Int32>) -> [Float] {
            var table = [Float](repeating: 0, count: 65536)
            for value in range.lowerBound...range.upperBound {
                table[Int(UInt16(truncatingIfNeeded: value))] = Float(self.value(value))
            }
            return table
        }
    }

    package static func plan(for frame: StoredFrame, attributes a: DICOMAttributes, frameIndex: Int,
                            options: WindowingOptions, path: String) throws -> Plan {
        try plan(range: frame.representableRange, present: { Presence(canonical: frame.words) }, attributes: a,
                 frameIndex: frameIndex, options: options, path: path)
    }

    /// The steps in the standard's order (PS3.4 N.2; docs/windowing.md §0), each recording its
    /// decision and warnings in turn: modality transform (§2), VOI function (§3), VOI choice (§5),
    /// else the no-VOI rule (§6), then polarity (§7). `present` is asked only by the no-VOI
    /// `minmax` rule, which needs the values that occur.
    static func plan(range stored: ClosedRange<Int32>, present: () -> Presence, attributes a: DICOMAttributes,
                     frameIndex: Int, options: WindowingOptions, path: String) throws -> Plan {
        var d = WindowingDecision()
        let t = a.transforms(forFrame: frameIndex)

        let modality = ModalityTransform.resolve(t, stored: stored, signedStored: a.pixelRepresentation == 1)
        modality.record(into: &d)
        d.warnings += modality.warnings

        let (function, functionWarning) = VOIFunction.resolve(override: options.functionOverride,
                                                              attribute: t.voiLUTFunction)
        if let functionWarning { d.warnings.append(functionWarning) }

        let voi: Plan.VOI
        do throws(VOISelection.Unavailable) {
            if let selection = try VOISelection.choose(options: options, transforms: t, function: function,
                                                       signedLUTFirst: modality.canBeNegative, warnings: &d.warnings) {
                selection.record(into: &d)
                voi = .selected(selection)
            } else {
                let scaling = NoVOIScaling.resolve(options.noVOI, modality: modality, stored: stored, present: present)
                scaling.record(into: &d)
                if let warning = scaling.warning { d.warnings.append(warning) }
                voi = .noVOI(scaling)
            }
        } catch {
            throw MammoPrepError(path: path, stage: .window, code: .voiUnavailable, detail: error.detail)
        }

        let polarity = Polarity.resolve(photometric: a.photometricInterpretation, shape: a.presentationLUTShape,
                                        rule: options.invert)
        polarity.record(into: &d)
        return Plan(decision: d, modality: modality, voi: voi, polarity: polarity)
    }

    /// Whether to invert, and why (docs/windowing.md §7); `Polarity.resolve` as a pair.
    package static func polarity(photometric: String?, shape: String?, rule: WindowingOptions.Inversion) -> (Bool, String) {
        let p = Polarity.resolve(photometric: photometric, shape: shape, rule: rule)
        return (p.inverted, p.reason)
    }

    /// Scales one TIFF page to [0, 1] (`TIFFScaling`): unsigned integers ÷ (2^BitsPerSample − 1),
    /// MinIsWhite inverted (unless the inversion rule is `never`), float samples passed through;
    /// float values outside 0…1 (or NaN) are an error unless `clip` (NaN is always an error).
    package static func apply(tiff frame: DecodedFrame, page: TIFFPage, options: WindowingOptions = WindowingOptions(),
                             path: String = "") throws -> WindowedFrame {
        try TIFFScaling.apply(frame, page: page, options: options, path: path)
    }
}
