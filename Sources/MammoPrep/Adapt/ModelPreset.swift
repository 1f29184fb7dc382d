import Foundation

/// A pretrained model's input contract, read from `model-presets.json` (the one data file that
/// lists them, with the source of every value).
public struct ModelPreset: Sendable, Equatable {
    public enum Input: String, Sendable, CaseIterable { case train, test }

    public let name: String
    public let tag: String
    public let aliases: [String]
    public let channels: Int
    public let inputSize: [Input: (rows: Int, columns: Int)]
    public let cropPct: [Input: Double]
    public let interpolation: Interpolation
    public let mean: [Double]
    public let std: [Double]
    /// timm's eval `crop_mode` (every built-in preset: center, which `--fit crop` does).
    public let cropMode: String
    public let sources: [(String, String)]

    public static func == (a: ModelPreset, b: ModelPreset) -> Bool {
        return a.name == b.name && a.tag == b.tag && a.aliases == b.aliases && a.channels == b.channels
            && a.inputSize.mapValues { [$0.rows, $0.columns] } == b.inputSize.mapValues { [$0.rows, $0.columns] }
            && a.cropPct == b.cropPct && a.interpolation == b.interpolation && a.mean == b.mean && a.std == b.std
            && a.cropMode == b.cropMode && a.sources.map(\.0) == b.sources.map(\.0) && a.sources.map(\.1) == b.sources.map(\.1)
    }

    /// Every preset of the bundled data file.
    public static let all: [ModelPreset] = {
        let text = String(decoding: PackageResources.model_presets_json, as: UTF8.self)
        do {
            return try parse(text)
        } catch {
            fatalError("model-presets.json is invalid: \(error)")  // a build-time asset; tests cover it
        }
    }()

    /// The preset called `name` (or one of its aliases). Nil when unknown.
    public static func named(_ name: String) -> ModelPreset? {
        all.first { $0.name == name || $0.aliases.contains(name) }
    }

    public static var names: [String] { all.map(\.name) }

    package static func parse(_ text: String) throws -> [ModelPreset] {
        struct Bad: Error, CustomStringConvertible { let description: String }
        let root = try JSONValue.parse(text)
        guard let list = root["presets"]?.arrayValue else { throw Bad(description: "no 'presets' list") }
        return try list.map { p in
            func str(_ k: String) throws -> String {
                guard let s = p[k]?.stringValue else { throw Bad(description: "preset lacks '\(k)'") }
                return s
            }
            func doubles(_ k: String) throws -> [Double] {
                guard let a = p[k]?.arrayValue?.compactMap(\.doubleValue), !a.isEmpty else { throw Bad(description: "preset lacks '\(k)'") }
                return a
            }
            let name = try str("name")
            guard let channels = p["channels"]?.intValue, channels == 1 || channels == 3 else { throw Bad(description: "\(name): channels") }
            var sizes: [Input: (Int, Int)] = [:], crops: [Input: Double] = [:]
            for input in Input.allCases {
                if let s = p["inputSize"]?[input.rawValue]?.arrayValue?.compactMap(\.intValue), s.count == 2, s[0] > 0, s[1] > 0 {
                    sizes[input] = (s[0], s[1])
                }
                if let c = p["cropPct"]?[input.rawValue]?.doubleValue, c > 0, c <= 1 { crops[input] = c }
            }
            guard sizes[.train] != nil, crops[.train] != nil else { throw Bad(description: "\(name): train input size / crop") }
            guard let interpolation = Interpolation(rawValue: try str("interpolation")) else { throw Bad(description: "\(name): interpolation") }
            let mean = try doubles("mean"), std = try doubles("std")
            guard mean.count == channels, std.count == channels, std.allSatisfy({ $0 > 0 }) else { throw Bad(description: "\(name): mean/std") }
            var sources: [(String, String)] = []
            if case .object(let pairs)? = p["sources"] { sources = pairs.compactMap { k, v in v.stringValue.map { (k, $0) } } }
            let cropMode = p["cropMode"]?.stringValue ?? "center"
            guard cropMode == "center" else { throw Bad(description: "\(name): cropMode '\(cropMode)' (only center is implemented)") }
            for key in ["inputSize", "cropPct", "interpolation", "mean", "std", "channels", "cropMode"] where !sources.contains(where: { $0.0 == key }) {
                throw Bad(description: "\(name): no source for '\(key)'")
            }
            return ModelPreset(name: name, tag: try str("tag"),
                               aliases: (p["aliases"]?.arrayValue ?? []).compactMap(\.stringValue), channels: channels,
                               inputSize: sizes.mapValues { (rows: $0.0, columns: $0.1) }, cropPct: crops,
                               interpolation: interpolation, mean: mean, std: std, cropMode: cropMode, sources: sources)
        }
    }
}

extension AdapterOptions {
    /// What a model preset sets, as `mammo-prep convert --model NAME` applies it: the preset's
    /// input size (`input`), interpolation and crop_pct, `fit` (pad by default; crop is timm's
    /// eval transform), its channels and its mean/std (docs/adapter.md).
    public init(preset p: ModelPreset, input: ModelPreset.Input = .train, fit: GeometryOptions.Fit = .pad) {
        let geometry = GeometryOptions(size: p.inputSize[input] ?? p.inputSize[.train], fit: fit,
                                       interpolation: p.interpolation,
                                       cropPct: p.cropPct[input] ?? p.cropPct[.train] ?? 0.875)
        self.init(geometry: geometry, normalization: Normalization(kind: .model, mean: p.mean, std: p.std),
                  preset: p, modelInput: input)
    }
}
