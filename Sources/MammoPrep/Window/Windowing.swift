/// Options of the windowing stage (design.md §2 "Windowing", windowing.md).
public struct WindowingOptions: Sendable, Equatable {
    /// Where the VOI transform comes from.
    public enum VOISource: String, Sendable, CaseIterable, Codable {
        /// VOI LUT Sequence item N if usable, else window pair N, else the no-VOI rule (windowing.md §5).
        case auto
        /// VOI LUT Sequence item N; an error when absent or unusable.
        case lut
        /// Window pair N; an error when absent or of invalid width.
        case window
        /// No VOI: the no-VOI rule.
        case none
    }

    /// What to do without a VOI (windowing.md §6).
    public enum NoVOIRule: String, Sendable, CaseIterable, Codable {
        /// Linear over the full modality-output range of Bits Stored / Pixel Representation
        /// through the modality transform (deterministic; DCMTK's default).
        case range
        /// Linear over the frame's own minimum and maximum modality output.
        case minmax
    }

    /// Polarity rule (windowing.md §7).
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
    /// `--window CENTER:WIDTH`: overrides whatever the file says.
    public var explicitWindow: WindowSetting?
    /// `--voi-function`: overrides (0028,1056).
    public var functionOverride: VOIFunction?
    public var noVOI: NoVOIRule
    public var invert: Inversion
    /// Float TIFF: clamp values outside 0…1 instead of refusing the image.
    public var clip: Bool

    /// The options as JSON members, in one order, for every record that lists them (convert.json,
    /// stats.json's pipeline, preprocess.json).
    public var jsonPairs: [(String, JSONValue)] {
        [
            ("voiSource", .string(voiSource.rawValue)), ("windowIndex", .int(windowIndex)),
            ("window", explicitWindow.map { .array([.double($0.center), .double($0.width)]) } ?? .null),
            ("voiFunction", JSONValue(functionOverride?.rawValue)),
            ("noVOI", .string(noVOI.rawValue)), ("invert", .string(invert.rawValue)),
            ("clip", .bool(clip)),
        ]
    }

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

/// Everything the windowing stage decided for one frame, and why (design.md §1: the record).
public struct WindowingDecision: Sendable, Equatable {
    /// "identity", "rescale" or "lut" (Modality LUT Sequence).
    public var modality = "identity"
    public var rescaleSlope: Double?
    public var rescaleIntercept: Double?
    /// [entries as stored (0 means 65,536), first mapped value as read (US or SS), bits].
    public var modalityLUTDescriptor: [Int]?
    /// "lut", "window", "explicit", "none" (no-VOI rule) or "tiff" (TIFF scaling).
    public var voiSource = "none"
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

    public var json: JSONValue {
        .object([
            ("modality", .string(modality)), ("rescaleSlope", JSONValue(rescaleSlope)),
            ("rescaleIntercept", JSONValue(rescaleIntercept)),
            ("modalityLUTDescriptor", modalityLUTDescriptor.map { .array($0.map(JSONValue.int)) } ?? .null),
            ("voiSource", .string(voiSource)), ("index", JSONValue(index)),
            ("center", JSONValue(center)), ("width", JSONValue(width)),
            ("function", JSONValue(function?.rawValue)), ("explanation", JSONValue(explanation)),
            ("voiLUTDescriptor", voiLUTDescriptor.map { .array($0.map(JSONValue.int)) } ?? .null),
            ("noVOIRule", JSONValue(noVOIRule?.rawValue)),
            ("range", range.map { .array($0.map(JSONValue.double)) } ?? .null),
            ("inverted", .bool(inverted)), ("inversionReason", .string(inversionReason)),
            ("warnings", .array(warnings.map(JSONValue.string))),
        ])
    }
}

/// A windowed frame: Float32 values in [0, 1], row-major.
public struct WindowedFrame: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var pixels: [Float]
    public var decision: WindowingDecision
}

/// The windowing stage: stored values + attributes + options → Float32 in [0, 1] (computed in
/// Double) and a decision record. Order (windowing.md §0, PS3.4 N.2): Modality LUT → VOI →
/// polarity. A pure function of its inputs.
public enum Windowing {
    /// Windows one DICOM frame.
    ///
    /// The transform is evaluated once for every value Bits Stored / Pixel Representation allow
    /// (at most 65,536) into a table indexed by the frame's canonical words, then mapped over the
    /// frame: exact per value and independent of image size.
    public static func apply(_ frame: StoredFrame, attributes: DICOMAttributes, frameIndex: Int = 0,
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
    public static func apply(raw frame: RawFrame, attributes: DICOMAttributes, frameIndex: Int = 0,
                             options: WindowingOptions = WindowingOptions(), path: String = "") throws -> WindowedFrame {
        var storage: [Float] = []
        return try apply(raw: frame, attributes: attributes, frameIndex: frameIndex, options: options, path: path,
                         reusing: &storage)
    }

    /// `apply(raw:…)` writing the pixels into `storage`'s buffer when it is uniquely owned (taken;
    /// `storage` is left empty). See `DICOMFile.readRawFrame(_:reusing:)`.
    public static func apply(raw frame: RawFrame, attributes: DICOMAttributes, frameIndex: Int = 0,
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

    /// Which stored values occur in a frame (for the no-VOI `minmax` rule), by canonical word.
    struct Presence {
        var present: [Bool]
        init(canonical words: [UInt16]) {
            present = [Bool](repeating: false, count: 65536)
            for word in words { present[Int(word)] = true }
        }
        init(raw words: [UInt16], layout: StoredValueLayout) {
            let seen = Presence(canonical: words).present   // indexed by raw word here
            present = [Bool](repeating: false, count: 65536)
            for raw in 0..<65536 where seen[raw] { present[Int(layout.canonicalWord(UInt16(raw)))] = true }
        }
        func contains(_ value: Int32) -> Bool { present[Int(UInt16(truncatingIfNeeded: value))] }
    }

    /// The resolved transform for one frame: `value(storedValue)` in [0, 1].
    public struct Plan {
        public let decision: WindowingDecision
        let modality: (Int32) -> Double
        let voi: (Double) -> Double
        let inverted: Bool

        /// Stored value → [0, 1].
        public func value(_ stored: Int32) -> Double {
            let v = voi(modality(stored))
            return inverted ? 1 - v : v
        }

        /// `Float(value(v))` for every v in `range`, indexed by canonical word (65,536 entries).
        public func table(range: ClosedRange<Int32>) -> [Float] {
            var table = [Float](repeating: 0, count: 65536)
            for value in range.lowerBound...range.upperBound {
                table[Int(UInt16(truncatingIfNeeded: value))] = Float(self.value(value))
            }
            return table
        }
    }

    public static func plan(for frame: StoredFrame, attributes a: DICOMAttributes, frameIndex: Int,
                            options: WindowingOptions, path: String) throws -> Plan {
        try plan(range: frame.representableRange, present: { Presence(canonical: frame.words) }, attributes: a,
                 frameIndex: frameIndex, options: options, path: path)
    }

    /// `present` is asked only by the no-VOI `minmax` rule, which needs the values that occur.
    static func plan(range stored: ClosedRange<Int32>, present: () -> Presence, attributes a: DICOMAttributes,
                     frameIndex: Int, options: WindowingOptions, path: String) throws -> Plan {
        var d = WindowingDecision()
        let t = a.transforms(forFrame: frameIndex)

        // Modality LUT (C.11.1): the LUT Sequence wins over rescale (both libraries).
        var modality: (Int32) -> Double = { Double($0) }
        var outputRange = (Double(stored.lowerBound), Double(stored.upperBound))
        var modalityDone = false
        if let item = t.modalityLUT {
            switch LookupTable.resolve(item, signedFirst: a.pixelRepresentation == 1) {
            case .success(let lut):
                modality = { Double(lut.entry(for: Double($0))) }
                outputRange = (0, lut.outputMaximum)
                d.modality = "lut"
                d.modalityLUTDescriptor = [Int(item.descriptor[0]), lut.firstMapped, lut.bits]
                if t.rescaleSlope != nil || t.rescaleIntercept != nil {
                    d.warnings.append("Modality LUT Sequence and Rescale both present: the LUT is used")
                }
                if lut.unpacked { d.warnings.append("Modality LUT: 8-bit entries packed in OW words were unpacked") }
                modalityDone = true
            case .failure(let problem):
                d.warnings.append("Modality LUT Sequence unusable (\(problem)): rescale or identity used instead")
            }
        }
        if !modalityDone, t.rescaleSlope != nil || t.rescaleIntercept != nil {
            let slope = t.rescaleSlope ?? 1
            let intercept = t.rescaleIntercept ?? 0
            if slope == 0 || !slope.isFinite || !intercept.isFinite {
                // DCMTK ignores a zero slope with a warning; a zero slope would erase the image.
                d.warnings.append("(0028,1053) Rescale Slope \(slope) unusable: identity used")
            } else {
                // C.11.1.1.2: output = SV × slope + intercept, in Double (pydicom; DCMTK truncates).
                modality = { Double($0) * slope + intercept }
                // pydicom's output range: the stored range passed through the rescale (so a
                // negative slope gives ymin > ymax; windowing.md §3).
                outputRange = (Double(stored.lowerBound) * slope + intercept, Double(stored.upperBound) * slope + intercept)
                d.modality = "rescale"
                d.rescaleSlope = slope
                d.rescaleIntercept = intercept
            }
        }
        let canBeNegative = min(outputRange.0, outputRange.1) < 0

        // VOI (C.11.2).
        let fileFunction: VOIFunction? = t.voiLUTFunction.flatMap { raw in
            if let f = VOIFunction(attribute: raw) { return f }
            d.warnings.append("(0028,1056) VOI LUT Function '\(raw)' unknown: LINEAR used")
            return nil
        }
        let function = options.functionOverride ?? fileFunction ?? .linear
        var voi: ((Double) -> Double)?
        let index = options.windowIndex

        func useWindow(_ w: WindowSetting, source: String) -> Bool {
            guard function.accepts(width: w.width) else {
                d.warnings.append("window \(source == "explicit" ? "" : "\(index) ")centre \(w.center) width \(w.width) invalid for \(function.rawValue)")
                return false
            }
            d.voiSource = source
            d.index = source == "explicit" ? nil : index
            d.center = w.center
            d.width = w.width
            d.function = function
            d.explanation = w.explanation
            voi = { function.evaluate($0, center: w.center, width: w.width) }
            return true
        }

        func useLUT() -> Bool {
            guard index < t.voiLUTs.count else {
                d.warnings.append(t.voiLUTs.isEmpty ? "no VOI LUT Sequence" : "no VOI LUT item \(index) (\(t.voiLUTs.count) present)")
                return false
            }
            let item = t.voiLUTs[index]
            switch LookupTable.resolve(item, signedFirst: canBeNegative) {
            case .success(let lut):
                d.voiSource = "lut"
                d.index = index
                d.voiLUTDescriptor = [Int(item.descriptor[0]), lut.firstMapped, lut.bits]
                d.explanation = item.explanation
                if let warning = lut.underuseWarning { d.warnings.append("VOI LUT item \(index): \(warning)") }
                if lut.unpacked { d.warnings.append("VOI LUT item \(index): 8-bit entries packed in OW words were unpacked") }
                // C.11.2.1.1 with the 0…1 spec: v = LUT[clamp(x)] / (2^bits − 1).
                let top = lut.outputMaximum
                voi = { Double(lut.entry(for: $0)) / top }
                return true
            case .failure(let problem):
                d.warnings.append("VOI LUT item \(index) unusable: \(problem)")
                return false
            }
        }

        func useFileWindow() -> Bool {
            guard index < t.windows.count else {
                d.warnings.append(t.windows.isEmpty ? "no window centre/width" : "no window pair \(index) (\(t.windows.count) present)")
                return false
            }
            return useWindow(t.windows[index], source: "window")
        }

        func unavailable(_ what: String) -> MammoPrepError {
            MammoPrepError(path: path, stage: .window, code: .voiUnavailable,
                           detail: "\(what); \(d.warnings.last ?? "")")
        }

        if let explicit = options.explicitWindow {
            if !useWindow(explicit, source: "explicit") { throw unavailable("--window \(explicit.center):\(explicit.width)") }
        } else {
            switch options.voiSource {
            case .auto: _ = useLUT() || useFileWindow()
            case .lut: if !useLUT() { throw unavailable("--voi-source lut") }
            case .window: if !useFileWindow() { throw unavailable("--voi-source window") }
            case .none: break
            }
        }

        if voi == nil {
            d.voiSource = "none"
            d.noVOIRule = options.noVOI
            var low = outputRange.0, high = outputRange.1
            if options.noVOI == .minmax {
                // The frame's own extremes, over the modality outputs of the values present.
                let present = present()
                var lo = Double.infinity, hi = -Double.infinity
                for value in stored.lowerBound...stored.upperBound where present.contains(value) {
                    let m = modality(value)
                    lo = Swift.min(lo, m)
                    hi = Swift.max(hi, m)
                }
                low = lo
                high = hi
            }
            d.range = [low, high]
            if high == low {
                d.warnings.append("no-VOI \(options.noVOI.rawValue): constant input \(low); output 0")
                voi = { _ in 0 }
            } else {
                // windowing.md §6: v = (x − ymin)/(ymax − ymin).
                voi = { ($0 - low) / (high - low) }
            }
        }

        // Polarity (C.7.6.3.1.2, C.8.11.3; windowing.md §7): after VOI, never twice.
        let (inverted, reason) = polarity(photometric: a.photometricInterpretation, shape: a.presentationLUTShape,
                                          rule: options.invert)
        d.inverted = inverted
        d.inversionReason = reason
        return Plan(decision: d, modality: modality, voi: voi!, inverted: inverted)
    }

    /// Whether to invert, and why (windowing.md §7).
    public static func polarity(photometric: String?, shape: String?, rule: WindowingOptions.Inversion) -> (Bool, String) {
        let mono1 = photometric == "MONOCHROME1"
        let inverse = shape?.uppercased() == "INVERSE"
        switch rule {
        case .never:
            return (false, "--invert never")
        case .auto:
            if mono1 && inverse { return (true, "MONOCHROME1 (Presentation LUT Shape INVERSE agrees; inverted once)") }
            if mono1 { return (true, "MONOCHROME1") }
            if inverse { return (true, "Presentation LUT Shape INVERSE") }
            return (false, photometric ?? "no Photometric Interpretation")
        case .dcmtk:
            if inverse { return (true, "Presentation LUT Shape INVERSE (DCMTK rule)") }
            if shape != nil { return (false, "Presentation LUT Shape \(shape!) (DCMTK rule)") }
            return mono1 ? (true, "MONOCHROME1, no Presentation LUT Shape (DCMTK rule)")
                         : (false, "\(photometric ?? "no Photometric Interpretation") (DCMTK rule)")
        }
    }

    /// Scales one TIFF page to [0, 1] (design.md §2): unsigned integers ÷ (2^BitsPerSample − 1),
    /// MinIsWhite inverted (unless `--invert never`), float samples passed through; float values
    /// outside 0…1 (or NaN) are an error unless `clip` (NaN is always an error).
    public static func apply(tiff frame: DecodedFrame, page: TIFFPage, options: WindowingOptions = WindowingOptions(),
                             path: String = "") throws -> WindowedFrame {
        var d = WindowingDecision()
        d.voiSource = "tiff"
        let invert = page.photometric == .minIsWhite && options.invert != .never
        d.inverted = invert
        d.inversionReason = page.photometric == .minIsWhite
            ? (invert ? "MinIsWhite" : "MinIsWhite, --invert never") : "MinIsBlack"
        var pixels: [Float]
        switch frame {
        case .integer(let f):
            let top = Double((1 << page.bitsPerSample) - 1)
            d.range = [0, top]
            var table = [Float](repeating: 0, count: 65536)
            for value in 0...Int(top) {
                let v = Double(value) / top
                table[value] = Float(invert ? 1 - v : v)
            }
            pixels = table.withUnsafeBufferPointer { lut in f.words.map { lut[Int($0)] } }
        case .float(let f):
            d.range = [0, 1]
            pixels = f.values
            var outside = 0
            for (i, v) in pixels.enumerated() {
                if v.isNaN {
                    throw MammoPrepError(path: path, stage: .window, code: .outOfRange, detail: "NaN sample at index \(i)")
                }
                if v < 0 || v > 1 {
                    outside += 1
                    if !options.clip {
                        throw MammoPrepError(path: path, stage: .window, code: .outOfRange,
                                             detail: "float sample \(v) at index \(i) outside 0…1 (use --clip to clamp)")
                    }
                    pixels[i] = Swift.min(Swift.max(v, 0), 1)
                }
            }
            if outside > 0 { d.warnings.append("\(outside) float samples outside 0…1 clamped (--clip)") }
            if invert { for i in pixels.indices { pixels[i] = 1 - pixels[i] } }
        }
        return WindowedFrame(rows: frame.rows, columns: frame.columns, pixels: pixels, decision: d)
    }
}
