/// The VOI function step: (0028,1056) VOI LUT Function, how a window maps modality output to 0…1
/// (PS3.3 C.11.2.1.2, C.11.2.1.3). Formulas are in docs/windowing.md §3; every one is computed in
/// Double.
public enum VOIFunction: String, Sendable, CaseIterable, Codable {
    case linear = "LINEAR"
    case linearExact = "LINEAR_EXACT"
    case sigmoid = "SIGMOID"

    /// Parses (0028,1056) case-insensitively after trimming (pydicom upper-cases; DCMTK would
    /// ignore anything but exact "LINEAR"/"SIGMOID"). Unknown values give nil.
    package init?(attribute: String) {
        let value = attribute.trimmingCharacters(in: [" ", "\0"]).uppercased()
        self.init(rawValue: value)
    }

    /// The function in force for a frame (docs/windowing.md §3): the `override` option, else the
    /// file's (0028,1056), else LINEAR (C.11.2.1.2, the default when absent). An unknown file
    /// value gives LINEAR and a warning, also when the override makes it moot.
    static func resolve(override: VOIFunction?, attribute: String?) -> (function: VOIFunction, warning: String?) {
        var warning: String?
        let file = attribute.flatMap { raw in
            let parsed = VOIFunction(attribute: raw)
            if parsed == nil { warning = "(0028,1056) VOI LUT Function '\(raw)' unknown: LINEAR used" }
            return parsed
        }
        return (override ?? file ?? .linear, warning)
    }

    /// The smallest valid width: LINEAR needs w ≥ 1 (C.11.2.1.2.1), the others w > 0
    /// (C.11.2.1.3.1, C.11.2.1.3.2).
    package func accepts(width: Double) -> Bool {
        guard width.isFinite else { return false }
        return self == .linear ? width >= 1 : width > 0
    }

    /// v ∈ [0, 1] for modality output `x`, window centre `c` and width `w` (the standard's
    /// y = v·(ymax − ymin) + ymin with the output range factored out, docs/windowing.md §3):
    ///
    /// - LINEAR (C.11.2.1.2.1): `x ≤ c − 0.5 − (w−1)/2 → 0`; `x > c − 0.5 + (w−1)/2 → 1`;
    ///   else `(x − (c − 0.5))/(w − 1) + 0.5`. With w = 1 this is a threshold at c (x < c → 0).
    /// - LINEAR_EXACT (C.11.2.1.3.2): `x ≤ c − w/2 → 0`; `x > c + w/2 → 1`; else `(x − c)/w + 0.5`.
    /// - SIGMOID (C.11.2.1.3.1, Eq. C.11-1): `1 / (1 + exp(−4(x − c)/w))`, never exactly 0 or 1.
    ///
    /// - Precondition: `accepts(width: w)`.
    @inlinable
    package func evaluate(_ x: Double, center c: Double, width w: Double) -> Double {
        switch self {
        case .linear:
            if x <= c - 0.5 - (w - 1) / 2 { return 0 }
            if x > c - 0.5 + (w - 1) / 2 { return 1 }
            return (x - (c - 0.5)) / (w - 1) + 0.5
        case .linearExact:
            if x <= c - w / 2 { return 0 }
            if x > c + w / 2 { return 1 }
            return (x - c) / w + 0.5
        case .sigmoid:
            return 1 / (1 + Foundation.exp(-4 * (x - c) / w))
        }
    }
}

import Foundation
