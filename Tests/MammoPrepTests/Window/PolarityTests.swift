import Testing
@testable import MammoPrep

/// The polarity step (PS3.3 C.7.6.3.1.2, C.8.11.3; docs/windowing.md §7): every combination of
/// photometric interpretation, Presentation LUT Shape and rule against the rules written out, the
/// recorded reasons, the TIFF rule, and v ↦ 1 − v over every 12-bit output.
@Suite struct PolarityTests {
    typealias Rule = WindowingOptions.Inversion

    /// The rules of docs/windowing.md §7, written independently.
    static func expected(_ photometric: String?, _ shape: String?, _ rule: Rule) -> Bool {
        let mono1 = photometric == "MONOCHROME1", inverse = shape?.uppercased() == "INVERSE"
        switch rule {
        case .auto: return mono1 || inverse
        case .never: return false
        case .dcmtk: return inverse || (shape == nil && mono1)
        }
    }

    @Test(arguments: Rule.allCases)
    func everyCombination(rule: Rule) throws {
        let photometrics: [String?] = ["MONOCHROME1", "MONOCHROME2", nil]
        let shapes: [String?] = [nil, "IDENTITY", "INVERSE", "inverse"]
        try #require(!photometrics.isEmpty && !shapes.isEmpty)
        for photometric in photometrics {
            for shape in shapes {
                let p = Polarity.resolve(photometric: photometric, shape: shape, rule: rule)
                #expect(p.inverted == Self.expected(photometric, shape, rule),
                        "\(photometric ?? "-") \(shape ?? "-") \(rule)")
                #expect(!p.reason.isEmpty)
                // The public pair is the same decision.
                let pair = Windowing.polarity(photometric: photometric, shape: shape, rule: rule)
                #expect(pair.0 == p.inverted && pair.1 == p.reason)
            }
        }
    }

    /// The record's reasons (part of manifest.jsonl; kept as released).
    @Test func reasons() throws {
        let cases: [(String?, String?, Rule, String)] = [
            ("MONOCHROME1", "INVERSE", .auto, "MONOCHROME1 (Presentation LUT Shape INVERSE agrees; inverted once)"),
            ("MONOCHROME1", nil, .auto, "MONOCHROME1"),
            ("MONOCHROME2", "INVERSE", .auto, "Presentation LUT Shape INVERSE"),
            ("MONOCHROME2", nil, .auto, "MONOCHROME2"),
            (nil, nil, .auto, "no Photometric Interpretation"),
            ("MONOCHROME1", nil, .never, "inversion rule never"),
            ("MONOCHROME2", "INVERSE", .dcmtk, "Presentation LUT Shape INVERSE (DCMTK rule)"),
            ("MONOCHROME1", "IDENTITY", .dcmtk, "Presentation LUT Shape IDENTITY (DCMTK rule)"),
            ("MONOCHROME1", nil, .dcmtk, "MONOCHROME1, no Presentation LUT Shape (DCMTK rule)"),
            (nil, nil, .dcmtk, "no Photometric Interpretation (DCMTK rule)"),
        ]
        try #require(!cases.isEmpty)
        for (photometric, shape, rule, reason) in cases {
            #expect(Polarity.resolve(photometric: photometric, shape: shape, rule: rule).reason == reason)
        }
    }

    @Test(arguments: Rule.allCases)
    func tiffRule(rule: Rule) {
        let white = Polarity.resolve(tiff: .minIsWhite, rule: rule)
        #expect(white.inverted == (rule != .never))
        #expect(white.reason == (rule == .never ? "MinIsWhite, inversion rule never" : "MinIsWhite"))
        #expect(Polarity.resolve(tiff: .minIsBlack, rule: rule) == Polarity(inverted: false, reason: "MinIsBlack"))
    }

    /// 1 − v exactly (Double and Float), an involution, order reversing; identity when not inverted.
    @Test func mapOverEveryTwelveBitOutput() {
        let invert = Polarity(inverted: true, reason: ""), keep = Polarity(inverted: false, reason: "")
        var previous = 2.0
        for x in 0..<4096 {
            let v = Double(x) / 4095
            #expect(invert(v) == 1 - v && keep(v) == v)
            #expect((0...1).contains(invert(v)) && invert(v) < previous)
            #expect(invert(Float(v)) == 1 - Float(v))
            previous = invert(v)
        }
        #expect(invert(0.0) == 1 && invert(1.0) == 0)
        var d = WindowingDecision()
        Polarity(inverted: true, reason: "why").record(into: &d)
        #expect(d.inverted && d.inversionReason == "why")
    }
}
