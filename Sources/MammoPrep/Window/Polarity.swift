/// The polarity step (PS3.3 C.7.6.3.1.2, C.8.11.3, C.11.6; docs/windowing.md §0, §7): after the
/// VOI, v ← 1 − v when the image is to be inverted, and never twice.
struct Polarity: Sendable, Equatable {
    let inverted: Bool
    /// Why, in words, for the record's `inversionReason` (its text is part of manifest.jsonl and
    /// names the options in the library's words: "inversion rule never").
    let reason: String

    /// DICOM (docs/windowing.md §7). `auto`: invert iff MONOCHROME1 or Presentation LUT Shape
    /// INVERSE (in conformant MG the shape *is* the MONOCHROME1 inversion); `never`; `dcmtk`:
    /// invert iff shape INVERSE, or shape absent and MONOCHROME1.
    static func resolve(photometric: String?, shape: String?, rule: WindowingOptions.Inversion) -> Polarity {
        let mono1 = photometric == "MONOCHROME1"
        let inverse = shape?.uppercased() == "INVERSE"
        switch rule {
        case .never:
            return Polarity(inverted: false, reason: "inversion rule never")
        case .auto:
            if mono1 && inverse { return Polarity(inverted: true, reason: "MONOCHROME1 (Presentation LUT Shape INVERSE agrees; inverted once)") }
            if mono1 { return Polarity(inverted: true, reason: "MONOCHROME1") }
            if inverse { return Polarity(inverted: true, reason: "Presentation LUT Shape INVERSE") }
            return Polarity(inverted: false, reason: photometric ?? "no Photometric Interpretation")
        case .dcmtk:
            if inverse { return Polarity(inverted: true, reason: "Presentation LUT Shape INVERSE (DCMTK rule)") }
            if let shape { return Polarity(inverted: false, reason: "Presentation LUT Shape \(shape) (DCMTK rule)") }
            return mono1 ? Polarity(inverted: true, reason: "MONOCHROME1, no Presentation LUT Shape (DCMTK rule)")
                         : Polarity(inverted: false, reason: "\(photometric ?? "no Photometric Interpretation") (DCMTK rule)")
        }
    }

    /// TIFF (docs/pipeline.md §2): MinIsWhite is inverted unless the rule is `never` (`auto` and
    /// `dcmtk` alike).
    static func resolve(tiff photometric: TIFFPage.Photometric, rule: WindowingOptions.Inversion) -> Polarity {
        switch photometric {
        case .minIsBlack: return Polarity(inverted: false, reason: "MinIsBlack")
        case .minIsWhite:
            return rule == .never ? Polarity(inverted: false, reason: "MinIsWhite, inversion rule never")
                                  : Polarity(inverted: true, reason: "MinIsWhite")
        }
    }

    /// v or 1 − v, in the precision given (Double for DICOM tables, Float for float TIFF samples).
    func callAsFunction<T: FloatingPoint>(_ v: T) -> T { inverted ? 1 - v : v }

    /// What the record says: `inverted`, `inversionReason`.
    func record(into d: inout WindowingDecision) {
        d.inverted = inverted
        d.inversionReason = reason
    }
}
