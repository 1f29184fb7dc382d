/// The VOI choice step (PS3.3 C.11.2, C.8.11.3.1.5; docs/windowing.md §4, §5): which VOI
/// transform a frame gets — an explicit window, VOI LUT Sequence item N, or window pair N — and
/// the transform itself (modality output → 0…1). No selection means the no-VOI rule (§6).
enum VOISelection: Sendable, Equatable {
    /// VOI LUT Sequence item `index` (C.11.2.1.1), resolved.
    case lut(LookupTable, index: Int, item: LookupTableItem)
    /// Window pair `index` of the file (C.11.2.1.2, C.11.2.1.3).
    case window(WindowSetting, index: Int, function: VOIFunction)
    /// The explicit window option, overriding whatever the file says.
    case explicitWindow(WindowSetting, function: VOIFunction)

    /// A VOI the options require is absent or unusable: `requested` names the option,
    /// `reason` is the last warning recorded.
    struct Unavailable: Error, Equatable {
        let requested: String
        let reason: String
        var detail: String { "\(requested); \(reason)" }
    }

    /// Chooses the VOI for one frame (docs/windowing.md §5): the explicit window if set, else by
    /// `options.voiSource` with index `options.windowIndex` — `auto`: the LUT item if usable, else
    /// the window pair, else none; `lut` / `window`: that one or `Unavailable`; `none`: none.
    /// Every fallback's reason is appended to `warnings`. `function` decides which widths are
    /// valid (an invalid window counts as absent); `signedLUTFirst`: the modality output can be
    /// negative, so a VOI LUT's first mapped value is read as SS.
    static func choose(options: WindowingOptions, transforms t: GrayscaleTransforms, function: VOIFunction,
                       signedLUTFirst: Bool, warnings: inout [String]) throws(Unavailable) -> VOISelection? {
        let index = options.windowIndex

        func valid(_ w: WindowSetting, label: String) -> Bool {
            if function.accepts(width: w.width) { return true }
            warnings.append("window \(label)centre \(w.center) width \(w.width) invalid for \(function.rawValue)")
            return false
        }

        /// Item `index` of `list`, or nil with the reason recorded.
        func pick<Item>(_ list: [Item], noneText: String, itemName: String) -> Item? {
            guard index < list.count else {
                warnings.append(list.isEmpty ? noneText : "no \(itemName) \(index) (\(list.count) present)")
                return nil
            }
            return list[index]
        }

        func lut() -> VOISelection? {
            guard let item = pick(t.voiLUTs, noneText: "no VOI LUT Sequence", itemName: "VOI LUT item") else { return nil }
            switch LookupTable.resolve(item, signedFirst: signedLUTFirst) {
            case .success(let lut):
                if let warning = lut.underuseWarning { warnings.append("VOI LUT item \(index): \(warning)") }
                if lut.unpacked { warnings.append("VOI LUT item \(index): 8-bit entries packed in OW words were unpacked") }
                return .lut(lut, index: index, item: item)
            case .failure(let problem):
                warnings.append("VOI LUT item \(index) unusable: \(problem)")
                return nil
            }
        }

        func fileWindow() -> VOISelection? {
            guard let w = pick(t.windows, noneText: "no window centre/width", itemName: "window pair") else { return nil }
            return valid(w, label: "\(index) ") ? .window(w, index: index, function: function) : nil
        }

        func required(_ selection: VOISelection?, _ requested: String) throws(Unavailable) -> VOISelection {
            guard let selection else { throw Unavailable(requested: requested, reason: warnings.last ?? "") }
            return selection
        }

        if let w = options.explicitWindow {
            let chosen = valid(w, label: "") ? VOISelection.explicitWindow(w, function: function) : nil
            return try required(chosen, "explicit window \(w.center):\(w.width)")
        }
        switch options.voiSource {
        case .auto: return lut() ?? fileWindow()
        case .lut: return try required(lut(), "VOI source 'lut'")
        case .window: return try required(fileWindow(), "VOI source 'window'")
        case .none: return nil
        }
    }

    /// Modality output → 0…1: a window's function (docs/windowing.md §3), or a LUT's entry over
    /// its largest value, v = LUT[clamp(x)] / (2^bits − 1) (§4).
    func callAsFunction(_ x: Double) -> Double {
        switch self {
        case .lut(let lut, _, _):
            return Double(lut.entry(for: x)) / lut.outputMaximum
        case .window(let w, _, let function), .explicitWindow(let w, let function):
            return function.evaluate(x, center: w.center, width: w.width)
        }
    }

    /// What the record says: `voiSource`, `index`, `center`, `width`, `function`, `explanation`,
    /// `voiLUTDescriptor`.
    func record(into d: inout WindowingDecision) {
        switch self {
        case .lut(let lut, let index, let item):
            d.voiSource = .lut
            d.index = index
            d.voiLUTDescriptor = [Int(item.descriptor[0]), lut.firstMapped, lut.bits]
            d.explanation = item.explanation
        case .window(let w, let index, let function):
            d.voiSource = .window
            d.index = index
            Self.record(w, function, into: &d)
        case .explicitWindow(let w, let function):
            d.voiSource = .explicit
            Self.record(w, function, into: &d)
        }
    }

    private static func record(_ w: WindowSetting, _ function: VOIFunction, into d: inout WindowingDecision) {
        d.center = w.center
        d.width = w.width
        d.function = function
        d.explanation = w.explanation
    }
}
