/// The no-VOI rule step (docs/windowing.md §6): a frame without a VOI transform (none present,
/// none usable, or VOI source `none`) is scaled linearly, v = (x − low)/(high − low), over
///
/// - `range`: the modality output range [ymin, ymax] of docs/windowing.md §3 (deterministic;
///   DCMTK's default), or
/// - `minmax`: the frame's own minimum and maximum modality output.
///
/// A constant input (low = high) gives 0 everywhere, with a warning.
struct NoVOIScaling: Sendable, Equatable {
    let rule: WindowingOptions.NoVOIRule
    let low: Double
    let high: Double

    /// The scaling for one frame. `present` is asked only by `minmax`, which needs the stored
    /// values that occur; their modality outputs give the extremes.
    static func resolve(_ rule: WindowingOptions.NoVOIRule, modality: ModalityTransform,
                        stored: ClosedRange<Int32>, present: () -> Windowing.Presence) -> NoVOIScaling {
        switch rule {
        case .range:
            return NoVOIScaling(rule: rule, low: modality.outputRange.low, high: modality.outputRange.high)
        case .minmax:
            let present = present()
            var low = Double.infinity, high = -Double.infinity
            for value in stored where present.contains(value) {
                let m = modality(value)
                low = Swift.min(low, m)
                high = Swift.max(high, m)
            }
            return NoVOIScaling(rule: rule, low: low, high: high)
        }
    }

    /// Set when the input is constant.
    var warning: String? { high == low ? "no-VOI \(rule.rawValue): constant input \(low); output 0" : nil }

    /// Modality output → 0…1.
    func callAsFunction(_ x: Double) -> Double { high == low ? 0 : (x - low) / (high - low) }

    /// What the record says: `voiSource` none, `noVOIRule`, `range`.
    func record(into d: inout WindowingDecision) {
        d.voiSource = .none
        d.noVOIRule = rule
        d.range = [low, high]
    }
}

extension Windowing {
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
}
