import Foundation

/// Options of `mammo-prep convert` that the library needs (docs/design.md §2).
public struct ConvertOptions: Sendable {
    /// Output file formats (docs/design.md §2).
    public enum Format: String, Sendable, CaseIterable, Codable {
        /// NumPy 1.0, '<f4', C order, (1, H, W).
        case npy
        /// 16-bit grayscale PNG of the 0…1 image, q = round(v·65535), for viewing.
        case png16
        /// 8-bit grayscale PNG, q = round(v·255), for viewing.
        case png8
        /// 32-bit float grayscale TIFF.
        case tiff
        /// One (N, C, H, W) float32 .npy for the whole run plus an index (needs a fixed size).
        case npyStack = "npy-stack"
        /// One safetensors file per image: tensor "image", F32 (C, H, W), metadata with the source.
        case safetensors

        public var fileExtension: String {
            switch self {
            case .npy, .npyStack: return "npy"
            case .png16, .png8: return "png"
            case .tiff: return "tiff"
            case .safetensors: return "safetensors"
            }
        }

        var dtype: String {
            switch self { case .npy, .tiff, .npyStack, .safetensors: return "float32"; case .png16: return "uint16"; case .png8: return "uint8" }
        }

        /// PNG and TIFF hold the 0…1 image after geometry, before normalization (for viewing).
        var storesTensor: Bool { self == .npy || self == .npyStack || self == .safetensors }
    }

    public var outputDirectory: String
    public var format: Format
    /// 0-based frame to convert; nil converts every frame.
    public var frame: Int?
    public var windowing: WindowingOptions
    public var limits: ReadLimits
    /// Images converted in parallel.
    public var jobs: Int
    /// Allow a different configuration into a non-empty output folder (outputs are replaced).
    public var overwrite: Bool
    /// Geometry and normalization (docs/design.md §4).
    public var adapter: AdapterOptions
    /// File name (without extension) of the `npy-stack` output and its index.
    public var stackName: String
    /// Wavelet reduction before windowing (`--reduce`).
    public var reduction: ReductionRequest

    public init(outputDirectory: String, format: Format = .npy, frame: Int? = nil,
                windowing: WindowingOptions = WindowingOptions(), limits: ReadLimits = .standard,
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount, overwrite: Bool = false,
                adapter: AdapterOptions = AdapterOptions(), stackName: String = "stack",
                reduction: ReductionRequest = .none) {
        self.outputDirectory = outputDirectory
        self.reduction = reduction
        self.adapter = adapter
        self.stackName = stackName
        self.format = format
        self.frame = frame
        self.windowing = windowing
        self.limits = limits
        self.jobs = max(1, jobs)
        self.overwrite = overwrite
    }
}

extension ConvertOptions {
    /// The frame pipeline these options run, one frame at a time (what `Converter` builds).
    public var framePipelineOptions: FramePipelineOptions {
        FramePipelineOptions(windowing: windowing, adapter: adapter, limits: limits, reduction: reduction)
    }
}
