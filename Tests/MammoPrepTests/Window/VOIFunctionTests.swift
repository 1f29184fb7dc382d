import Foundation
import Testing
@testable import MammoPrep

/// Windows (PS3.3 C.11.2.1.2/3): every stored value of a 12-bit and a 16-bit range, several
/// centre/width pairs including width 1 and the c − 0.5 / w − 1 edges, against the standard's
/// formulas written here in the standard's own form (y over an output range, then rescaled).
@Suite struct VOIFunctionTests {
    /// C.11.2.1.2.1 verbatim, with ymin = 0 and ymax = 2^16 − 1, then divided back to 0…1.
    static func linearStandard(_ x: Double, _ c: Double, _ w: Double) -> Double {
        let ymin = 0.0, ymax = 65535.0
        let y: Double
        if x <= c - 0.5 - (w - 1) / 2 { y = ymin }
        else if x > c - 0.5 + (w - 1) / 2 { y = ymax }
        else { y = ((x - (c - 0.5)) / (w - 1) + 0.5) * (ymax - ymin) + ymin }
        return (y - ymin) / (ymax - ymin)
    }

    /// C.11.2.1.3.2 verbatim, same output range.
    static func linearExactStandard(_ x: Double, _ c: Double, _ w: Double) -> Double {
        let ymin = 0.0, ymax = 65535.0
        let y: Double
        if x <= c - w / 2 { y = ymin }
        else if x > c + w / 2 { y = ymax }
        else { y = ((x - c) / w + 0.5) * (ymax - ymin) + ymin }
        return (y - ymin) / (ymax - ymin)
    }

    /// Eq. C.11-1 verbatim.
    static func sigmoidStandard(_ x: Double, _ c: Double, _ w: Double) -> Double {
        let ymin = 0.0, ymax = 65535.0
        let y = (ymax - ymin) / (1 + exp(-4 * (x - c) / w)) + ymin
        return (y - ymin) / (ymax - ymin)
    }

    static let windows12: [(Double, Double)] = [(2048, 4096), (2047.5, 4095), (1000, 1), (1000.5, 1), (0, 1),
                                                (4095, 2), (1821, 3340), (300.25, 17.5), (-100, 50), (5000, 1000)]
    static let windows16: [(Double, Double)] = [(32768, 65536), (40000, 1), (12345.5, 2), (60000, 9000), (0, 65536)]

    @Test(arguments: VOIFunction.allCases)
    func everyTwelveAndSixteenBitValue(function: VOIFunction) {
        for (bits, windows) in [(12, Self.windows12), (16, Self.windows16)] {
            for (c, w) in windows where function.accepts(width: w) {
                var previous = -1.0
                for x in 0..<(1 << bits) {
                    let xv = Double(x)
                    let got = function.evaluate(xv, center: c, width: w)
                    let want: Double
                    switch function {
                    case .linear: want = Self.linearStandard(xv, c, w)
                    case .linearExact: want = Self.linearExactStandard(xv, c, w)
                    case .sigmoid: want = Self.sigmoidStandard(xv, c, w)
                    }
                    // Rescaling through ymax costs at most a few ulps of Double.
                    if abs(got - want) > 1e-12 {
                        Issue.record("\(function) c \(c) w \(w) x \(x): \(got) != \(want)")
                        return
                    }
                    // Properties: in 0…1 and monotone non-decreasing.
                    if !(0...1).contains(got) || got < previous {
                        Issue.record("\(function) c \(c) w \(w) x \(x): \(got) after \(previous)")
                        return
                    }
                    previous = got
                }
            }
        }
    }

    /// c = 2^(n−1), w = 2^n is the identity over 0…2^n − 1 (the −0.5/−1 make c/w integer bins).
    @Test(arguments: [8, 12, 14, 16])
    func linearFullRangeIsIdentity(bits: Int) {
        let n = Double(1 << bits)
        for x in 0..<(1 << bits) {
            let v = VOIFunction.linear.evaluate(Double(x), center: n / 2, width: n)
            #expect(abs(v - Double(x) / (n - 1)) < 1e-12, "x \(x)")
        }
    }

    /// w = 1 is a threshold: x < c → 0, x ≥ c → 1.
    @Test func linearWidthOneIsThreshold() {
        for c in [0.0, 1.0, 100.0, 4095.0] {
            for x in 0..<4096 {
                #expect(VOIFunction.linear.evaluate(Double(x), center: c, width: 1) == (Double(x) < c ? 0 : 1))
            }
        }
    }

    @Test func exactEdgesOfLinear() {
        // c = 100, w = 11: lower edge c − 0.5 − 5 = 94.5, upper c − 0.5 + 5 = 104.5.
        let f = VOIFunction.linear
        #expect(f.evaluate(94.5, center: 100, width: 11) == 0)          // ≤ lower → 0
        #expect(f.evaluate(94.5000001, center: 100, width: 11) > 0)
        #expect(f.evaluate(104.5, center: 100, width: 11) == 1)        // inside, formula gives exactly 1
        #expect(f.evaluate(104.5000001, center: 100, width: 11) == 1)  // > upper → 1
        #expect(f.evaluate(99.5, center: 100, width: 11) == 0.5)       // x = c − 0.5 → 0.5
        // LINEAR_EXACT: x ≤ c − w/2 → 0, centre → 0.5.
        #expect(VOIFunction.linearExact.evaluate(94.5, center: 100, width: 11) == 0)
        #expect(VOIFunction.linearExact.evaluate(100, center: 100, width: 11) == 0.5)
    }

    @Test func sigmoidAtCentreAndHalfWidths() {
        let f = VOIFunction.sigmoid
        #expect(f.evaluate(1000, center: 1000, width: 400) == 0.5)
        #expect(abs(f.evaluate(800, center: 1000, width: 400) - 0.1192) < 1e-4)   // c − w/2 → 11.9 %
        #expect(abs(f.evaluate(1200, center: 1000, width: 400) - 0.8808) < 1e-4)  // c + w/2 → 88.1 %
        #expect(f.evaluate(0, center: 1000, width: 400) > 0)
    }

    @Test func widthValidityAndParsing() {
        #expect(!VOIFunction.linear.accepts(width: 0.999))
        #expect(VOIFunction.linear.accepts(width: 1))
        #expect(!VOIFunction.sigmoid.accepts(width: 0))
        #expect(VOIFunction.linearExact.accepts(width: 0.001))
        #expect(!VOIFunction.linearExact.accepts(width: .nan))
        #expect(VOIFunction(attribute: " sigmoid ") == .sigmoid)
        #expect(VOIFunction(attribute: "Linear_Exact\0") == .linearExact)
        #expect(VOIFunction(attribute: "GAMMA") == nil)
    }

    /// The function in force: the override, else the file's (0028,1056), else LINEAR; an
    /// unknown file value is LINEAR with a warning, also under an override.
    @Test func resolveOverrideFileDefault() throws {
        let cases: [(VOIFunction?, String?, VOIFunction, Bool)] = [
            (nil, nil, .linear, false), (nil, "SIGMOID", .sigmoid, false), (nil, " linear_exact", .linearExact, false),
            (.sigmoid, nil, .sigmoid, false), (.linearExact, "SIGMOID", .linearExact, false),
            (nil, "GAMMA", .linear, true), (.sigmoid, "GAMMA", .sigmoid, true),
        ]
        try #require(!cases.isEmpty)
        for (override, attribute, want, warns) in cases {
            let (function, warning) = VOIFunction.resolve(override: override, attribute: attribute)
            #expect(function == want, "\(String(describing: override)) \(attribute ?? "-")")
            #expect((warning != nil) == warns)
        }
        #expect(VOIFunction.resolve(override: nil, attribute: "GAMMA").warning
                == "(0028,1056) VOI LUT Function 'GAMMA' unknown: LINEAR used")
    }
}
