import Foundation

/// Options of `mammo-prep convert` that the library needs (design.md §2).
public struct ConvertOptions: Sendable {
    /// Output file formats (design.md §2).
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
    /// Geometry and normalization (design.md §4).
    public var adapter: AdapterOptions
    /// File name (without extension) of the `npy-stack` output and its index.
    public var stackName: String

    public init(outputDirectory: String, format: Format = .npy, frame: Int? = nil,
                windowing: WindowingOptions = WindowingOptions(), limits: ReadLimits = .standard,
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount, overwrite: Bool = false,
                adapter: AdapterOptions = AdapterOptions(), stackName: String = "stack") {
        self.outputDirectory = outputDirectory
        self.adapter = adapter
        self.stackName = stackName
        self.format = format
        self.frame = frame
        self.windowing = windowing
        self.limits = limits
        self.jobs = max(1, jobs)
        self.overwrite = overwrite
    }

    /// Every option that changes output values or names, plus the tool version: two runs with the
    /// same configuration produce byte-identical outputs, so a re-run may resume.
    public func configuration(toolVersion: String) -> JSONValue {
        .object([
            ("tool", .string("mammo-prep \(toolVersion)")),
            ("format", .string(format.rawValue)),
            ("frame", JSONValue(frame)),
        ] + windowing.jsonPairs + [
            ("adapter", adapter.json),
        ])
    }

    /// The pixel pipeline in stats.json's terms (windowing, frame, geometry, tool), to check that a
    /// `--stats` file was computed on the pixels this configuration normalizes.
    public func pixelPipeline(toolVersion: String) -> JSONValue {
        PixelPipeline.json(windowing: windowing, frame: frame, geometry: adapter.geometry, mask: nil, toolVersion: toolVersion)
    }

    /// preprocess.json: the complete specification, and the mean/std lists for torchvision's
    /// `Normalize` that reproduce the normalization from the 0…1 image.
    public func preprocessSpecification(toolVersion: String) -> JSONValue {
        let n = adapter.normalization
        return .object([
            ("tool", .string("mammo-prep \(toolVersion)")),
            ("input", .string("windowed image in [0, 1] (docs/pipeline.md), then geometry, then normalization")),
            ("windowing", .object(windowing.jsonPairs + [("frame", JSONValue(frame))])),
            ("geometry", adapter.geometry.json),
            ("normalization", n.json),
            ("model", adapter.preset?.json ?? .null),
            ("modelInput", JSONValue(adapter.modelInput?.rawValue)),
            ("stats", JSONValue(adapter.statsSource)),
            ("format", .string(format.rawValue)),
            ("outputShape", adapter.geometry.size.map { .array([.int(format.storesTensor ? n.channels : 1), .int($0.rows), .int($0.columns)]) } ?? .null),
            ("normalize", .object([("mean", .array(n.mean.map(JSONValue.double))), ("std", .array(n.std.map(JSONValue.double)))])),
        ])
    }
}

