/// Normalization of the adapter (docs/design.md §4), applied after geometry:
///   none:     y = x (one channel, or replicated with `channels` 3)
///   custom:   y = (x − mean) / std with the cohort's stats.json figures (replicated when 3 channels)
///   imagenet: replicate x to 3 channels, then y_c = (x − m_c) / s_c with
///             m = (0.485, 0.456, 0.406), s = (0.229, 0.224, 0.225) — torchvision's
///             `Normalize(mean, std)` on the replicated tensor.
///   model:    as imagenet with the preset's own mean/std (e.g. 0.5 / 0.5).
/// Computed in Double per element, stored as Float32: y = Float((Double(x) − m) / s), which is
/// what numpy gives for float64 arithmetic on the float32 input (the tests' oracle).
public struct Normalization: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case none, custom, imagenet, model }

    public static let imagenetMean = [0.485, 0.456, 0.406]
    public static let imagenetStd = [0.229, 0.224, 0.225]

    public let kind: Kind
    /// Per output channel (count = channels).
    public let mean: [Double]
    public let std: [Double]

    public var channels: Int { mean.count }

    public init(kind: Kind, mean: [Double], std: [Double]) {
        precondition(mean.count == std.count && (mean.count == 1 || mean.count == 3))
        self.kind = kind
        self.mean = mean
        self.std = std
    }

    public static func none(channels: Int) -> Normalization {
        Normalization(kind: .none, mean: Array(repeating: 0, count: channels), std: Array(repeating: 1, count: channels))
    }

    public static func custom(mean: Double, std: Double, channels: Int) -> Normalization {
        Normalization(kind: .custom, mean: Array(repeating: mean, count: channels), std: Array(repeating: std, count: channels))
    }

    public static let imagenet = Normalization(kind: .imagenet, mean: imagenetMean, std: imagenetStd)

    /// (C, H, W) from one (H, W) plane.
    public func apply(_ plane: [Float]) -> [Float] {
        [Float](unsafeUninitializedCapacity: plane.count * channels) { buffer, initialized in
            apply(plane, into: buffer)
            initialized = plane.count * channels
        }
    }

    /// (C, H, W) from one (H, W) plane, written into the first `channels × plane.count` elements
    /// of `out` (which must hold them).
    public func apply(_ plane: [Float], into out: UnsafeMutableBufferPointer<Float>) {
        let n = plane.count
        precondition(out.count >= n * channels)
        plane.withUnsafeBufferPointer { x in
            for c in 0..<channels {
                let m = mean[c], s = std[c], base = c * n
                if kind == .none {
                    for i in 0..<n { out[base + i] = x[i] }
                } else {
                    for i in 0..<n { out[base + i] = Float((Double(x[i]) - m) / s) }
                }
            }
        }
    }

}
