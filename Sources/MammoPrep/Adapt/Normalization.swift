/// Normalization of the adapter (docs/design.md §4, docs/adapter.md), applied after geometry:
///   none:     y = x (one channel, or replicated with `channels` 3)
///   custom:   y = (x − mean) / std with the cohort's stats.json figures, or explicit ones
///             (replicated when 3 channels)
///   imagenet: replicate x to 3 channels, then y_c = (x − m_c) / s_c with
///             m = (0.485, 0.456, 0.406), s = (0.229, 0.224, 0.225) — torchvision's
///             `Normalize(mean, std)` on the replicated tensor.
///   model:    as imagenet with the preset's own mean/std (e.g. 0.5 / 0.5).
///   minmax:   per image, y = (x − min) / (max − min), min and max over the region.
///   zscore:   per image, y = (x − mean) / std, the mean and population std (ddof 0) over the region.
/// The per-image rules compute their figures on the plane after geometry (what they are applied
/// to), over every pixel (`region` image) or over the breast (`region` breast: the foreground
/// mask of docs/stats.md computed on that plane); the figures are applied to every pixel, the same
/// on each channel. A constant region (max = min, std = 0) gives 0 everywhere and a warning.
/// Computed in Double per element, stored as Float32: y = Float((Double(x) − m) / s), which is
/// what numpy gives for float64 arithmetic on the float32 input (the tests' oracle).
public struct Normalization: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case none, custom, imagenet, model, minmax, zscore }
    /// Where the per-image rules take their figures.
    public enum Region: String, Sendable, CaseIterable { case image, breast }

    public static let imagenetMean = [0.485, 0.456, 0.406]
    public static let imagenetStd = [0.229, 0.224, 0.225]

    public let kind: Kind
    /// Per output channel (count = channels): y = (x − mean) / std. For a per-image rule, 0 / 1
    /// until `resolved(for:rows:columns:)` gives the image's figures (minmax: mean = min,
    /// std = max − min).
    public let mean: [Double]
    public let std: [Double]
    /// The per-image rules' region (`.image` for the other kinds, where it means nothing).
    public let region: Region
    /// The per-image figures and warnings, once resolved for one image (nil before, and always
    /// nil for the fixed kinds).
    public let figures: Figures?

    /// What a per-image rule found on one image.
    public struct Figures: Sendable, Equatable {
        public let min: Double
        public let max: Double
        public let mean: Double
        public let std: Double
        /// Pixels the figures were computed over.
        public let count: Int
        /// True when the region was constant: the output is 0 everywhere.
        public let constant: Bool
        public let warnings: [String]
    }

    public var channels: Int { mean.count }
    public var isPerImage: Bool { kind == .minmax || kind == .zscore }

    public init(kind: Kind, mean: [Double], std: [Double], region: Region = .image) {
        self.init(kind: kind, mean: mean, std: std, region: region, figures: nil)
    }

    init(kind: Kind, mean: [Double], std: [Double], region: Region, figures: Figures?) {
        precondition(mean.count == std.count && (mean.count == 1 || mean.count == 3))
        self.kind = kind
        self.mean = mean
        self.std = std
        self.region = region
        self.figures = figures
    }

    public static func none(channels: Int) -> Normalization {
        Normalization(kind: .none, mean: Array(repeating: 0, count: channels), std: Array(repeating: 1, count: channels))
    }

    public static func custom(mean: Double, std: Double, channels: Int) -> Normalization {
        Normalization(kind: .custom, mean: Array(repeating: mean, count: channels), std: Array(repeating: std, count: channels))
    }

    /// The per-image rule `kind` (minmax or zscore) over `region`, unresolved.
    public static func perImage(_ kind: Kind, region: Region, channels: Int) -> Normalization {
        precondition(kind == .minmax || kind == .zscore)
        return Normalization(kind: kind, mean: Array(repeating: 0, count: channels),
                             std: Array(repeating: 1, count: channels), region: region)
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
    /// of `out` (which must hold them). A per-image rule must be resolved first.
    public func apply(_ plane: [Float], into out: UnsafeMutableBufferPointer<Float>) {
        let n = plane.count
        precondition(out.count >= n * channels)
        precondition(!isPerImage || figures != nil, "a per-image normalization is applied once resolved")
        plane.withUnsafeBufferPointer { x in
            for c in 0..<channels {
                let m = mean[c], s = std[c], base = c * n
                if kind == .none {
                    for i in 0..<n { out[base + i] = x[i] }
                } else if figures?.constant == true {
                    for i in 0..<n { out[base + i] = 0 }
                } else {
                    for i in 0..<n { out[base + i] = Float((Double(x[i]) - m) / s) }
                }
            }
        }
    }
}

extension Normalization {
    /// A preset's mean/std for `channels` output channels: its own with as many channels as it
    /// has; one channel from a 3-channel preset takes the average of its three means and of its
    /// three stds (0.449 / 0.226 for ImageNet's), the usual approximation for a model whose first
    /// convolution was summed over RGB (e.g. timm `in_chans=1`).
    public static func model(mean: [Double], std: [Double], channels: Int) -> Normalization {
        guard channels != mean.count else { return Normalization(kind: .model, mean: mean, std: std) }
        func average(_ a: [Double]) -> [Double] {
            let m = a.reduce(0, +) / Double(a.count)
            return Array(repeating: m, count: channels)
        }
        return Normalization(kind: .model, mean: average(mean), std: average(std))
    }
}
