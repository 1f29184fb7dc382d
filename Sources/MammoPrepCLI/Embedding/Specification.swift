import MammoPrep

extension EmbeddedOptions {
    /// The options of the `convert` run that wrote `spec` (the text of its preprocess.json), so
    /// that a pipeline built from them gives that run's pixels. Strict: the specification is
    /// turned into `convert`'s flags, parsed and validated as they are, and the specification
    /// these options write must equal `spec` member for member (an unknown member, a value this
    /// version of mammo-prep would not write, or one member contradicting another is a
    /// `UsageError` naming it). A custom normalization takes its mean/std from the specification:
    /// the stats.json it names is not read.
    package static func convertOptions(spec: String) throws -> ConvertOptions {
        let value: JSONValue
        do { value = try JSONValue.parse(spec) } catch { throw UsageError("preprocess.json: \(error)") }
        guard case .object = value else { throw UsageError("preprocess.json: expected a JSON object") }
        let reader = SpecificationReader(spec: value)
        let options: ConvertOptions
        do {
            let (arguments, custom) = try reader.arguments()
            options = try convertOptions(arguments: arguments, normalization: custom)
        } catch let error as UsageError {
            throw UsageError("preprocess.json: " + error.message)
        }
        let written = options.preprocessSpecification(toolVersion: MammoPrepVersion.string)
        let differences = differences(value, written, nested: ["windowing", "geometry", "normalization", "normalize", "model"])
        guard differences.isEmpty else {
            throw UsageError("preprocess.json: not the specification of a convert run of mammo-prep \(MammoPrepVersion.string) "
                             + "(given vs rebuilt): " + differences.joined(separator: "; "))
        }
        return options
    }

    /// memberDifferences, looking one level into the members `nested` when both sides are
    /// objects there (their members named "a.b").
    private static func differences(_ a: JSONValue, _ b: JSONValue, nested: [String]) -> [String] {
        let objects = nested.filter { key in
            if case .object = a[key] ?? .null, case .object = b[key] ?? .null { return true }
            return false
        }
        return a.memberDifferences(b, ignoring: Set(objects))
            + objects.flatMap { key in a[key]!.memberDifferences(b[key]!).map { key + "." + $0 } }
    }
}

/// Turns a preprocess.json object into `convert`'s flags (the checks that values have the right
/// JSON types happen here; everything else is `convert`'s parsing and the final comparison).
private struct SpecificationReader {
    let spec: JSONValue
    typealias UsageError = EmbeddedOptions.UsageError

    func arguments() throws -> ([String], (Normalization, String)?) {
        var out: [String] = []
        func flag(_ name: String, _ value: String?) { if let value { out.append("--\(name)=\(value)") } }

        flag("format", try string(["format"]))
        switch member(["reduce"]) {
        case .int(let n): flag("reduce", String(n))
        case .string(let s) where s == "auto": flag("reduce", s)
        default: throw mistyped(["reduce"], "a number or \"auto\"")
        }

        let w = ["windowing"]
        flag("voi-source", try string(w + ["voiSource"]))
        flag("window-index", try int(w + ["windowIndex"]).map(String.init))
        if let window = try numbers(w + ["window"], count: 2) { flag("window", "\(window[0]):\(window[1])") }
        flag("voi-function", try string(w + ["voiFunction"], optional: true).map { $0.lowercased().replacingOccurrences(of: "_", with: "-") })
        flag("no-voi", try string(w + ["noVOI"]))
        flag("invert", try string(w + ["invert"]))
        if try bool(w + ["clip"]) { out.append("--clip") }
        flag("frame", try int(w + ["frame"], optional: true).map(String.init))

        let g = ["geometry"]
        if let size = try numbers(g + ["size"], count: 2) {
            guard let rows = JSONValue.double(size[0]).intValue, let columns = JSONValue.double(size[1]).intValue else {
                throw mistyped(g + ["size"], "two integers")
            }
            flag("size", "\(rows)x\(columns)")
        }
        flag("fit", try string(g + ["fit"]))
        flag("interpolation", try string(g + ["interpolation"]))
        flag("crop-pct", try number(g + ["cropPct"], optional: true).map { "\($0)" })
        flag("crop-mode", try string(g + ["cropMode"], optional: true))
        if try bool(g + ["cropBreast"]) { out.append("--crop-breast") }
        flag("crop-margin", try int(g + ["cropMargin"], optional: true).map(String.init))
        flag("flip-to", try string(g + ["flipTo"]))
        flag("clahe", try string(g + ["clahe"], optional: true))

        if member(["model"]) != .null {
            let name = try string(["model", "name"])!
            if ModelPreset.named(name) != nil {
                flag("model", name)
            } else {
                // A --model-config preset: given back as its timm pretrained_cfg, inline.
                let written: [ModelPreset]
                do { written = try ModelPreset.parse(JSONValue.object([("presets", .array([member(["model"])]))]).serialized()) } catch {
                    throw mistyped(["model"], "a model preset (\(error))")
                }
                flag("model-config", written[0].timmConfig.serialized())
            }
        }
        flag("model-input", try string(["modelInput"], optional: true))

        let n = ["normalization"]
        let kind = try string(n + ["kind"])!
        let channels = try int(n + ["channels"])!
        flag("channels", String(channels))
        var custom: (Normalization, String)?
        switch kind {
        case "model": break   // implied by --model
        case "custom":
            guard channels == 1 || channels == 3, let mean = try numbers(n + ["mean"], count: channels),
                  let std = try numbers(n + ["std"], count: channels),
                  std.allSatisfy({ $0 > 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
                throw mistyped(n, "a custom mean and a positive std per channel")
            }
            if let source = try string(["stats"], optional: true) {
                // Parsed as none (no stats.json to read), then given the specification's figures.
                flag("normalize", "none")
                custom = (Normalization(kind: .custom, mean: mean, std: std), source)
            } else {
                // Explicit figures (--mean/--std): given as they were.
                flag("normalize", "custom")
                flag("mean", mean.map { "\($0)" }.joined(separator: ","))
                flag("std", std.map { "\($0)" }.joined(separator: ","))
            }
        case "minmax", "zscore":
            flag("normalize", kind)
            flag("norm-region", try string(n + ["region"]))
        default: flag("normalize", kind)
        }
        return (out, custom)
    }

    // MARK: - Typed members (a missing member or a value of another JSON type is a UsageError)

    func member(_ path: [String]) -> JSONValue {
        path.reduce(spec) { $0[$1] ?? .null }
    }

    func mistyped(_ path: [String], _ expected: String) -> UsageError {
        UsageError("'\(path.joined(separator: "."))' must be \(expected), not \(member(path).serialized())")
    }

    func string(_ path: [String], optional: Bool = false) throws -> String? {
        switch member(path) {
        case .string(let s): return s
        case .null where optional: return nil
        default: throw mistyped(path, optional ? "a string or null" : "a string")
        }
    }

    func int(_ path: [String], optional: Bool = false) throws -> Int? {
        switch member(path) {
        case .int(let n): return n
        case .null where optional: return nil
        default: throw mistyped(path, optional ? "an integer or null" : "an integer")
        }
    }

    func number(_ path: [String], optional: Bool = false) throws -> Double? {
        switch member(path) {
        case .null where optional: return nil
        case let value:
            guard let d = value.doubleValue else { throw mistyped(path, optional ? "a number or null" : "a number") }
            return d
        }
    }

    func bool(_ path: [String]) throws -> Bool {
        guard case .bool(let b) = member(path) else { throw mistyped(path, "true or false") }
        return b
    }

    /// An array of `count` numbers, or nil for null.
    func numbers(_ path: [String], count: Int) throws -> [Double]? {
        switch member(path) {
        case .null: return nil
        case .array(let items) where items.count == count && items.allSatisfy({ $0.doubleValue != nil }):
            return items.map { $0.doubleValue! }
        default: throw mistyped(path, "null or an array of \(count) numbers")
        }
    }
}
