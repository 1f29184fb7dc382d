/// The Modality LUT step (PS3.3 C.11.1; docs/windowing.md §2): stored value → modality output.
///
/// A usable Modality LUT Sequence item wins over Rescale Slope / Intercept (both libraries do
/// this); a zero or non-finite slope is ignored with a warning (identity), as DCMTK does. A pure
/// value: `resolve` reads the frame's transforms, `callAsFunction` maps one stored value.
struct ModalityTransform: Sendable {
    /// How stored values are mapped.
    enum Mapping: Sendable, Equatable {
        /// Output = stored value.
        case identity
        /// C.11.1.1.2: output = SV × slope + intercept, in Double (pydicom; DCMTK truncates).
        case rescale(slope: Double, intercept: Double)
        /// C.11.1.1.1: the LUT entry for the stored value, clamped to the table's ends.
        case lut(LookupTable, descriptor: [Int])
    }

    let mapping: Mapping
    /// [ymin, ymax], the output range the VOI step and the no-VOI `range` rule see: the stored
    /// range through the rescale (pydicom's; a negative slope gives ymin > ymax,
    /// docs/windowing.md §3), or 0…2^bits − 1 after a LUT.
    let outputRange: (low: Double, high: Double)
    /// Every fallback and oddity, in order.
    let warnings: [String]

    /// The transform for one frame. `stored`: the values Bits Stored / Pixel Representation allow;
    /// `signedStored`: Pixel Representation 1, which makes the LUT's first mapped value SS.
    static func resolve(_ t: GrayscaleTransforms, stored: ClosedRange<Int32>, signedStored: Bool) -> ModalityTransform {
        var warnings: [String] = []
        let hasRescale = t.rescaleSlope != nil || t.rescaleIntercept != nil
        if let item = t.modalityLUT {
            switch LookupTable.resolve(item, signedFirst: signedStored) {
            case .success(let lut):
                if hasRescale { warnings.append("Modality LUT Sequence and Rescale both present: the LUT is used") }
                if lut.unpacked { warnings.append("Modality LUT: 8-bit entries packed in OW words were unpacked") }
                return ModalityTransform(mapping: .lut(lut, descriptor: [Int(item.descriptor[0]), lut.firstMapped, lut.bits]),
                                         outputRange: (0, lut.outputMaximum), warnings: warnings)
            case .failure(let problem):
                warnings.append("Modality LUT Sequence unusable (\(problem)): rescale or identity used instead")
            }
        }
        let identity = ModalityTransform(mapping: .identity,
                                         outputRange: (Double(stored.lowerBound), Double(stored.upperBound)),
                                         warnings: warnings)
        guard hasRescale else { return identity }
        let slope = t.rescaleSlope ?? 1
        let intercept = t.rescaleIntercept ?? 0
        guard slope != 0, slope.isFinite, intercept.isFinite else {
            // A zero slope would erase the image.
            warnings.append("(0028,1053) Rescale Slope \(slope) unusable: identity used")
            return ModalityTransform(mapping: .identity, outputRange: identity.outputRange, warnings: warnings)
        }
        let rescale = Mapping.rescale(slope: slope, intercept: intercept)
        return ModalityTransform(mapping: rescale,
                                 outputRange: (rescale.apply(stored.lowerBound), rescale.apply(stored.upperBound)),
                                 warnings: warnings)
    }

    /// Modality output for one stored value.
    func callAsFunction(_ stored: Int32) -> Double { mapping.apply(stored) }

    /// Whether the output range reaches below zero (a VOI LUT's first mapped value is then SS,
    /// C.11.2.1.1).
    var canBeNegative: Bool { min(outputRange.low, outputRange.high) < 0 }

    /// What the record says: `modality`, `rescaleSlope`, `rescaleIntercept`, `modalityLUTDescriptor`.
    func record(into d: inout WindowingDecision) {
        switch mapping {
        case .identity:
            d.modality = .identity
        case .rescale(let slope, let intercept):
            d.modality = .rescale
            d.rescaleSlope = slope
            d.rescaleIntercept = intercept
        case .lut(_, let descriptor):
            d.modality = .lut
            d.modalityLUTDescriptor = descriptor
        }
    }
}

extension ModalityTransform.Mapping {
    func apply(_ stored: Int32) -> Double {
        switch self {
        case .identity: return Double(stored)
        case .rescale(let slope, let intercept): return Double(stored) * slope + intercept
        case .lut(let lut, _): return Double(lut.entry(for: Double(stored)))
        }
    }
}
