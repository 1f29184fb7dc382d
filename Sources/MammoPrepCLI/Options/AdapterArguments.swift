import ArgumentParser
import Foundation
import MammoPrep

extension GeometryOptions.Fit: ExpressibleByArgument {}
extension GeometryOptions.Side: ExpressibleByArgument {}
extension GeometryOptions.CropMode: ExpressibleByArgument {}
extension Interpolation: ExpressibleByArgument {}
extension ModelPreset.Input: ExpressibleByArgument {}
extension Normalization.Kind: ExpressibleByArgument {}

extension CLAHEOptions: ExpressibleByArgument {
    public init?(argument: String) { self.init(text: argument) }
}

extension ReductionRequest: ExpressibleByArgument {
    public init?(argument: String) { self.init(text: argument) }
    public var defaultValueDescription: String { description }
}

/// `ROWSxCOLUMNS` (or a single N for N×N).
struct SizeArgument: ExpressibleByArgument {
    let rows: Int
    let columns: Int
    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        if parts.count == 1, let n = Int(parts[0]), n > 0 {
            rows = n
            columns = n
        } else if parts.count == 2, let r = Int(parts[0]), let c = Int(parts[1]), r > 0, c > 0 {
            rows = r
            columns = c
        } else {
            return nil
        }
        guard rows <= 65536, columns <= 65536 else { return nil }
    }
}

/// Geometry options shared by `convert` and `stats` (docs/adapter.md), and the model preset that
/// can set them.
struct GeometryArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Model preset (sets size, interpolation, channels and mean/std; see docs/adapter.md). Unknown names list the known ones.", valueName: "name"))
    var model: String?

    @Option(help: ArgumentHelp("A timm / Hugging Face config.json (its pretrained_cfg: input_size, test_input_size, interpolation, mean, std, crop_pct, test_crop_pct, crop_mode), used like a preset; or that JSON object inline.", valueName: "file|json"))
    var modelConfig: String?

    @Option(help: "Which of the preset's input sizes: train or test.")
    var modelInput: ModelPreset.Input = .train

    @Option(help: ArgumentHelp("Output size, ROWSxCOLUMNS (or N for NxN).", valueName: "HxW"))
    var size: SizeArgument?

    @Option(help: "How the image meets --size: pad (keep aspect, pad with 0 on the side away from the chest wall), stretch, crop (timm's eval: resize the shorter side to size/crop_pct, centre-crop).")
    var fit: GeometryOptions.Fit = .pad

    @Option(help: "Resampling filter (Pillow's, antialiased when reducing): bicubic, bilinear, area (default: the preset's, else bicubic).")
    var interpolation: Interpolation?

    @Option(help: "crop_pct for --fit crop (default: the preset's, else 0.875).")
    var cropPct: Double?

    @Option(help: "timm's crop_mode for --fit crop: center (keep the aspect ratio) or squash (each side to size/crop_pct). Default: the preset's, else center.")
    var cropMode: GeometryOptions.CropMode?

    @Flag(help: "Crop to the breast (foreground mask bounding box plus --crop-margin) before resizing.")
    var cropBreast = false

    @Option(help: "Pixels added around the breast's box by --crop-breast.")
    var cropMargin: Int = 32

    @Option(help: "Flip horizontally so that the chest wall is on this side: left, right, none (by Image Laterality, else the mask's centre of mass).")
    var flipTo: GeometryOptions.Side = .none

    @Option(help: ArgumentHelp("CLAHE after --crop-breast, before the flip and resize: OpenCV's createCLAHE(clipLimit=CLIP, tileGridSize=(COLS, ROWS)) on the image quantized to 16 bits (grid default 8x8, at most 64x64). See docs/adapter.md.", valueName: "CLIP[:ROWSxCOLS]"))
    var clahe: CLAHEOptions?

    @Option(help: ArgumentHelp("Wavelet reduction before windowing: N (0…16) levels of the 5/3 wavelet, the image at ceil(size / 2^N), identical for every syntax (lossless JPEG 2000 / HTJ2K decode only that resolution); or auto: the largest N keeping the image at least twice the size it is resized to (needs --size or --model). See docs/cli.md.", valueName: "N|auto"))
    var reduce: ReductionRequest = .none

    func validate() throws {
        if let model, ModelPreset.named(model) == nil {
            throw ValidationError("Unknown model '\(model)'. Known presets: \(ModelPreset.names.joined(separator: ", ")).")
        }
        if model != nil && modelConfig != nil { throw ValidationError("'--model' and '--model-config' exclude each other.") }
        if let modelConfig {
            do { _ = try Self.readConfig(modelConfig) } catch { throw ValidationError("'--model-config' \(Self.configLabel(modelConfig)): \(error)") }
        }
        if cropMode != nil && fit != .crop { throw ValidationError("'--crop-mode' is only used with '--fit crop'.") }
        if let cropPct, !(cropPct >= 0.1 && cropPct <= 1) { throw ValidationError("'--crop-pct' must be in [0.1, 1].") }
        guard cropMargin >= 0 else { throw ValidationError("'--crop-margin' must be 0 or more.") }
        if fit == .crop && size == nil && model == nil && modelConfig == nil { throw ValidationError("'--fit crop' needs '--size' or '--model'.") }
        if reduce == .auto && size == nil && model == nil && modelConfig == nil { throw ValidationError("'--reduce auto' needs '--size' or '--model'.") }
    }

    /// The preset of `--model` or `--model-config` (validated before use).
    var preset: ModelPreset? { model.flatMap(ModelPreset.named) ?? modelConfig.flatMap { try? Self.readConfig($0) } }

    /// A config.json file, or the JSON object itself when the text starts with "{".
    static func readConfig(_ value: String) throws -> ModelPreset {
        if value.hasPrefix("{") { return try ModelPreset.fromConfig(text: value) }
        guard let data = FileManager.default.contents(atPath: value) else {
            struct Unreadable: Error, CustomStringConvertible { let description = "cannot read the file" }
            throw Unreadable()
        }
        return try ModelPreset.fromConfig(text: String(decoding: data, as: UTF8.self))
    }

    static func configLabel(_ value: String) -> String { value.hasPrefix("{") ? "(inline JSON)" : value }

    /// Refuses output sizes beyond the frame-pixel limit (before any image is read): an absurd
    /// --size must be a usage error, not an out-of-memory kill.
    func check(limits: ReadLimits) throws {
        guard let size = geometry.size else { return }
        let crop = fit == .crop ? 1 / geometry.cropPct : 1
        let pixels = Double(size.rows) * Double(size.columns) * crop * crop
        if pixels > Double(limits.maxFramePixels) {
            throw ValidationError("'--size \(size.rows)x\(size.columns)' needs \(Int(pixels)) pixels per frame, beyond '--max-frame-pixels' \(limits.maxFramePixels).")
        }
    }

    var geometry: GeometryOptions {
        let p = preset
        let presetSize = p?.inputSize[modelInput] ?? p?.inputSize[.train]
        let size = self.size.map { (rows: $0.rows, columns: $0.columns) } ?? presetSize
        return GeometryOptions(size: size, fit: fit, interpolation: interpolation ?? p?.interpolation ?? .bicubic,
                               cropPct: cropPct ?? p?.cropPct[modelInput] ?? p?.cropPct[.train] ?? 0.875,
                               cropMode: cropMode ?? p.flatMap { GeometryOptions.CropMode(rawValue: $0.cropMode) } ?? .center,
                               cropBreast: cropBreast, cropMargin: cropMargin, flipTo: flipTo, clahe: clahe)
    }
}

/// A list of 1 or 3 numbers, comma-separated (`--mean 0.2` or `--mean 0.2,0.3,0.4`).
struct FiguresArgument: ExpressibleByArgument {
    let values: [Double]
    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 1 || parts.count == 3, parts.allSatisfy({ $0?.isFinite == true }) else { return nil }
        values = parts.map { $0! }
    }
}

extension Normalization.Region: ExpressibleByArgument {}

/// Normalization options of `convert`.
struct NormalizationArguments: ParsableArguments {
    @Option(help: "none (0…1), custom ((x − mean)/std from --stats or --mean/--std), imagenet (3 channels, torchvision's ImageNet Normalize), minmax ((x − min)/(max − min) per image), zscore ((x − mean)/std per image). Default: the preset's mean/std with --model, else none.")
    var normalize: Normalization.Kind?

    @Option(help: "Where minmax and zscore take their figures: image (every pixel) or breast (the foreground mask); applied to every pixel.")
    var normRegion: Normalization.Region?

    @Option(help: "Output channels, 1 or 3 (replicated). Default: 3 for imagenet or a 3-channel preset, else 1. 1 with a 3-channel preset: the average of its means and of its stds.")
    var channels: Int?

    @Option(help: ArgumentHelp("stats.json from `mammo-prep stats` for --normalize custom; its pipeline must match this command's.", valueName: "file"))
    var stats: String?

    @Flag(help: "Use --stats even when its pipeline differs from this command's options.")
    var forceStats = false

    @Option(help: ArgumentHelp("Explicit mean(s) for --normalize custom, instead of --stats: M or M,M,M (per channel).", valueName: "M[,M,M]"))
    var mean: FiguresArgument?

    @Option(help: ArgumentHelp("Explicit std(s) for --normalize custom, with --mean: S or S,S,S (each > 0).", valueName: "S[,S,S]"))
    var std: FiguresArgument?

    func validate() throws {
        if let channels, channels != 1 && channels != 3 { throw ValidationError("'--channels' must be 1 or 3.") }
        if normalize == .model { throw ValidationError("'--normalize model' is implied by '--model'; use none, custom, imagenet, minmax or zscore.") }
        if normalize == .imagenet && channels == 1 { throw ValidationError("'--normalize imagenet' produces 3 channels; drop '--channels 1'.") }
        if normRegion != nil && normalize != .minmax && normalize != .zscore {
            throw ValidationError("'--norm-region' is only used with '--normalize minmax' or '--normalize zscore'.")
        }
        if (mean != nil || std != nil) && normalize != .custom { throw ValidationError("'--mean' and '--std' are only used with '--normalize custom'.") }
        if (mean == nil) != (std == nil) { throw ValidationError("'--mean' and '--std' go together.") }
        if let mean, let std {
            if stats != nil { throw ValidationError("'--normalize custom' takes '--stats' or '--mean/--std', not both.") }
            if mean.values.count != std.values.count { throw ValidationError("'--mean' and '--std' must give as many figures (1 or 3).") }
            if !std.values.allSatisfy({ $0 > 0 }) { throw ValidationError("'--std' must be greater than 0.") }
            if mean.values.count == 3 && channels == 1 { throw ValidationError("three '--mean' figures need 3 channels; drop '--channels 1'.") }
        }
        if normalize == .custom && stats == nil && mean == nil {
            throw ValidationError("'--normalize custom' needs '--stats FILE' (from `mammo-prep stats`) or '--mean M --std S'.")
        }
        if stats != nil && normalize != .custom { throw ValidationError("'--stats' is only used with '--normalize custom'.") }
    }
}
