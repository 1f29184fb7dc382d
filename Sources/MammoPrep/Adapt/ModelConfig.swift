import Foundation

extension ModelPreset {
    /// A preset from a timm / Hugging Face `config.json` (`--model-config`, docs/adapter.md): its
    /// `pretrained_cfg` object (or the object itself when it has no such member): `input_size`,
    /// `test_input_size`, `interpolation`, `mean`, `std`, `crop_pct`, `test_crop_pct`, `crop_mode`,
    /// with timm 1.0.22's defaults where a key is absent (timm/data/config.py resolve_data_config:
    /// crop_pct 0.875 = DEFAULT_CROP_PCT, interpolation bicubic, ImageNet mean/std, crop_mode
    /// center; a test size or crop_pct falls back to the train one). `architecture` and
    /// `pretrained_cfg.tag` name it ("config:ARCH", tag "ARCH.TAG"); nothing depends on the path, so
    /// the same text always gives the same preset. Throws a one-line reason naming the key.
    public static func fromConfig(text: String) throws -> ModelPreset {
        struct Bad: Error, CustomStringConvertible { let description: String }
        let root: JSONValue
        do { root = try JSONValue.parse(text) } catch { throw Bad(description: "not JSON: \(error)") }
        guard case .object = root else { throw Bad(description: "expected a JSON object") }
        let cfg = root["pretrained_cfg"] ?? root
        guard case .object = cfg else { throw Bad(description: "'pretrained_cfg' must be an object") }
        let architecture = root["architecture"]?.stringValue ?? cfg["architecture"]?.stringValue
        func size(_ key: String) throws -> (Int, Int, Int)? {
            guard let v = cfg[key], v != .null else { return nil }
            guard let a = v.arrayValue?.compactMap(\.intValue), a.count == 3, a[0] == 1 || a[0] == 3, a[1] > 0, a[2] > 0,
                  a[1] <= 65536, a[2] <= 65536 else {
                throw Bad(description: "'\(key)' must be [channels (1 or 3), rows, columns]")
            }
            return (a[0], a[1], a[2])
        }
        func fraction(_ key: String) throws -> Double? {
            guard let v = cfg[key], v != .null else { return nil }
            guard let d = v.doubleValue, d >= 0.1, d <= 1 else { throw Bad(description: "'\(key)' must be a number in [0.1, 1]") }
            return d
        }
        func figures(_ key: String, _ fallback: [Double], count: Int) throws -> [Double] {
            guard let v = cfg[key], v != .null else { return count == 3 ? fallback : [fallback.reduce(0, +) / 3] }
            guard let a = v.arrayValue?.compactMap(\.doubleValue), a.count == count, a.allSatisfy(\.isFinite) else {
                throw Bad(description: "'\(key)' must be \(count) numbers")
            }
            return a
        }
        guard let train = try size("input_size") else { throw Bad(description: "no 'input_size'") }
        let test = try size("test_input_size") ?? train
        guard test.0 == train.0 else { throw Bad(description: "'test_input_size' has other channels than 'input_size'") }
        let cropTrain = try fraction("crop_pct") ?? 0.875
        let cropTest = try fraction("test_crop_pct") ?? cropTrain
        let interpolationName = cfg["interpolation"]?.stringValue ?? "bicubic"
        guard let interpolation = Interpolation(rawValue: interpolationName) else {
            throw Bad(description: "'interpolation' '\(interpolationName)' is not one of \(Interpolation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let mean = try figures("mean", Normalization.imagenetMean, count: train.0)
        let std = try figures("std", Normalization.imagenetStd, count: train.0)
        guard std.allSatisfy({ $0 > 0 }) else { throw Bad(description: "'std' must be greater than 0") }
        let cropMode = cfg["crop_mode"]?.stringValue ?? "center"
        guard GeometryOptions.CropMode(rawValue: cropMode) != nil else {
            throw Bad(description: "'crop_mode' '\(cropMode)' is not one of \(GeometryOptions.CropMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let name = "config:" + (architecture ?? "model")
        let tag = [architecture ?? "model", cfg["tag"]?.stringValue].compactMap { $0 }.joined(separator: ".")
        // The same text whatever keys were present, so that the specification's round trip
        // (preprocess.json → timmConfig → fromConfig) gives the same preset.
        func source(_ key: String) -> String { "--model-config: pretrained_cfg.\(key), else timm 1.0.22's default" }
        return ModelPreset(name: name, tag: tag, aliases: [], channels: train.0,
                           inputSize: [.train: (rows: train.1, columns: train.2), .test: (rows: test.1, columns: test.2)],
                           cropPct: [.train: cropTrain, .test: cropTest], interpolation: interpolation,
                           mean: mean, std: std, cropMode: cropMode,
                           sources: [("inputSize", source("input_size")), ("cropPct", source("crop_pct")),
                                     ("interpolation", source("interpolation")), ("mean", source("mean")),
                                     ("std", source("std")), ("channels", source("input_size")),
                                     ("cropMode", source("crop_mode"))])
    }

    /// The timm `pretrained_cfg` form of this preset (`fromConfig` of it gives a preset with the
    /// same values): how preprocess.json's `model` goes back to `--model-config`.
    public var timmConfig: JSONValue {
        func size(_ i: Input) -> JSONValue {
            let s = inputSize[i] ?? inputSize[.train]!
            return .array([.int(channels), .int(s.rows), .int(s.columns)])
        }
        let parts = tag.split(separator: ".", maxSplits: 1).map(String.init)
        var pairs: [(String, JSONValue)] = [
            ("input_size", size(.train)), ("test_input_size", size(.test)),
            ("interpolation", .string(interpolation.rawValue)),
            ("mean", .array(mean.map(JSONValue.double))), ("std", .array(std.map(JSONValue.double))),
            ("crop_pct", .double(cropPct[.train] ?? 0.875)), ("test_crop_pct", .double(cropPct[.test] ?? cropPct[.train] ?? 0.875)),
            ("crop_mode", .string(cropMode)),
        ]
        if parts.count == 2 { pairs.append(("tag", .string(parts[1]))) }
        return .object([("architecture", .string(name.hasPrefix("config:") ? String(name.dropFirst(7)) : parts[0])),
                        ("pretrained_cfg", .object(pairs))])
    }
}
