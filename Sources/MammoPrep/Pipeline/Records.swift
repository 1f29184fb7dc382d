/// JSON of every decision record and configuration the library writes (manifest lines, failure
/// lines, convert.json, preprocess.json, stats.json's pipeline, safetensors metadata), in one
/// place, with the keys in the order docs/cli.md and docs/adapter.md list them. The stages build
/// plain values; only this file knows their JSON.
extension FrameRecord {
    /// One `manifest.jsonl` line's members for the output at `output` (relative to the folder);
    /// without `output` when there is no file (the C ABI's decision record).
    package func manifestPairs(output: String?, dtype: String, adapter: AdapterOptions, configurationHash: String) -> [(String, JSONValue)] {
        return [("source", .string(source))] + (output.map { [("output", JSONValue.string($0))] } ?? []) + [
            ("frame", .int(frame)),
            ("frames", .int(frameCount)),
            ("rows", .int(shape[1])), ("columns", .int(shape[2])),
            ("shape", .array(shape.map(JSONValue.int))),
            ("dtype", .string(dtype)), ("format", .string(format.rawValue)),
            ("decoder", .string(decoder)),
        ] + (decoderFallback.map { [("decoderFallback", JSONValue.string($0))] } ?? []) + [
            ("reduce", reduction.json),
            ("windowing", windowing.json),
            ("attributeWarnings", .array(attributeWarnings.map { .string($0.description) })),
            ("geometry", geometry.json),
            ("adapter", .object(normalization.manifestPairs(channels: shape[0])
                                + [("model", adapter.preset.map { .string($0.tag) } ?? .null)])),
            ("configurationHash", .string(configurationHash)),
        ]
    }
}

extension MammoPrepError {
    /// The one JSON form of a failure: `{PATHKEY, error, stage, code}` (`failures.jsonl` uses
    /// "source", `inspect --json` "path").
    package func record(pathKey: String) -> JSONValue {
        .object([(pathKey, .string(path)), ("error", .string(description)),
                 ("stage", .string(stage.rawValue)), ("code", .string(code.rawValue))])
    }
}

extension AdapterOptions {
    /// The adapter part of the configuration (hashed with the rest; preprocess.json).
    public var json: JSONValue {
        .object([
            ("geometry", geometry.json),
            ("normalization", normalization.json),
            ("model", preset.map { .string($0.tag) } ?? .null),
            ("modelInput", JSONValue(modelInput?.rawValue)),
            ("stats", JSONValue(statsSource)),
        ])
    }
}

extension GeometryOptions {
    public var json: JSONValue {
        .object([
            ("size", size.map { .array([.int($0.rows), .int($0.columns)]) } ?? .null),
            ("fit", .string(fit.rawValue)), ("interpolation", .string(interpolation.rawValue)),
            ("cropPct", fit == .crop ? .double(cropPct) : .null),
            ("cropMode", fit == .crop ? .string(cropMode.rawValue) : .null),
            ("cropBreast", .bool(cropBreast)), ("cropMargin", cropBreast ? .int(cropMargin) : .null),
            ("flipTo", .string(flipTo.rawValue)),
            ("clahe", clahe.map { .string($0.text) } ?? .null),
        ])
    }
}

extension GeometryRecord {
    public var json: JSONValue {
        .object([
            ("source", .array([.int(sourceRows), .int(sourceColumns)])),
            ("crop", .array([.int(crop.top), .int(crop.left), .int(crop.bottom), .int(crop.right)])),
            ("flipped", .bool(flipped)),
            ("chestWall", .string(chestWall.rawValue)), ("chestWallSource", .string(chestWallSource)),
            ("resized", .array([.int(resized.rows), .int(resized.columns)])),
            ("scale", .array([.double(scale.rows), .double(scale.columns)])),
            ("offset", .array([.int(offset.rows), .int(offset.columns)])),
            ("output", .array([.int(output.rows), .int(output.columns)])),
            ("warnings", .array(warnings.map(JSONValue.string))),
        ])
    }
}

extension Normalization {
    /// The configuration's form (convert.json, preprocess.json): a per-image rule has no fixed
    /// mean/std (null), only its region.
    public var json: JSONValue {
        .object([("kind", .string(kind.rawValue)), ("channels", .int(channels)),
                 ("mean", isPerImage ? .null : .array(mean.map(JSONValue.double))),
                 ("std", isPerImage ? .null : .array(std.map(JSONValue.double))),
                 ("region", isPerImage ? .string(region.rawValue) : .null)])
    }

    /// A manifest line's `adapter` members: the kind, the per-image rule's region and figures
    /// (`min`/`max` for minmax; `mean`/`std` are what y = (x − mean)/std applied, per channel),
    /// and the warnings.
    package func manifestPairs(channels: Int) -> [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [
            ("normalize", .string(kind.rawValue)),
            ("region", isPerImage ? .string(region.rawValue) : .null),
            ("channels", .int(channels)),
            ("mean", .array(mean.map(JSONValue.double))),
            ("std", .array(std.map(JSONValue.double))),
        ]
        if kind == .minmax, let figures {
            pairs += [("min", .double(figures.min)), ("max", .double(figures.max))]
        }
        pairs.append(("warnings", .array((figures?.warnings ?? []).map(JSONValue.string))))
        return pairs
    }
}

extension ModelPreset {
    public var json: JSONValue {
        func size(_ i: Input) -> JSONValue { inputSize[i].map { .array([.int($0.rows), .int($0.columns)]) } ?? .null }
        return .object([
            ("name", .string(name)), ("tag", .string(tag)), ("channels", .int(channels)),
            ("inputSize", .object([("train", size(.train)), ("test", size(.test))])),
            ("cropPct", .object([("train", JSONValue(cropPct[.train])), ("test", JSONValue(cropPct[.test]))])),
            ("interpolation", .string(interpolation.rawValue)),
            ("mean", .array(mean.map(JSONValue.double))), ("std", .array(std.map(JSONValue.double))),
            ("cropMode", .string(cropMode)),
            ("sources", .object(sources.map { ($0.0, .string($0.1)) })),
        ])
    }
}

extension ConvertOptions {
    /// Every option that changes output values or names, plus the tool version: two runs with the
    /// same configuration produce byte-identical outputs, so a re-run may resume.
    public func configuration(toolVersion: String) -> JSONValue {
        .object([
            ("tool", .string("mammo-prep \(toolVersion)")),
            ("format", .string(format.rawValue)),
            ("frame", JSONValue(frame)),
            ("reduce", reduction.json),
        ] + windowing.jsonPairs + [
            ("adapter", adapter.json),
        ])
    }

    /// The hash of `configuration` that manifest lines carry (convert.json's `configurationHash`).
    package func configurationHash(toolVersion: String) -> String {
        FNV1a.hex(configuration(toolVersion: toolVersion).serialized())
    }

    /// The pixel pipeline in stats.json's terms (windowing, frame, geometry, tool), to check that a
    /// `--stats` file was computed on the pixels this configuration normalizes.
    public func pixelPipeline(toolVersion: String) -> JSONValue {
        PixelPipeline.json(windowing: windowing, frame: frame, reduction: reduction, geometry: adapter.geometry, mask: nil,
                           toolVersion: toolVersion)
    }

    /// preprocess.json: the complete specification, and the mean/std lists for torchvision's
    /// `Normalize` that reproduce the normalization from the 0…1 image.
    public func preprocessSpecification(toolVersion: String) -> JSONValue {
        let n = adapter.normalization
        return .object([
            ("tool", .string("mammo-prep \(toolVersion)")),
            ("input", .string("stored values reduced by `reduce` 5/3 wavelet levels (docs/cli.md), windowed to [0, 1] (docs/pipeline.md), then geometry, then normalization")),
            ("reduce", reduction.json),
            ("windowing", .object(windowing.jsonPairs + [("frame", JSONValue(frame))])),
            ("geometry", adapter.geometry.json),
            ("normalization", n.json),
            ("model", adapter.preset?.json ?? .null),
            ("modelInput", JSONValue(adapter.modelInput?.rawValue)),
            ("stats", JSONValue(adapter.statsSource)),
            ("format", .string(format.rawValue)),
            ("outputShape", adapter.geometry.size.map { .array([.int(format.storesTensor ? n.channels : 1), .int($0.rows), .int($0.columns)]) } ?? .null),
            ("normalize", n.isPerImage ? .null
                : .object([("mean", .array(n.mean.map(JSONValue.double))), ("std", .array(n.std.map(JSONValue.double)))])),
        ])
    }
}

extension WindowingOptions {
    /// The options as JSON members, in one order, for every record that lists them (convert.json,
    /// stats.json's pipeline, preprocess.json).
    public var jsonPairs: [(String, JSONValue)] {
        [
            ("voiSource", .string(voiSource.rawValue)), ("windowIndex", .int(windowIndex)),
            ("window", explicitWindow.map { .array([.double($0.center), .double($0.width)]) } ?? .null),
            ("voiFunction", JSONValue(functionOverride?.rawValue)),
            ("noVOI", .string(noVOI.rawValue)), ("invert", .string(invert.rawValue)),
            ("clip", .bool(clip)),
        ]
    }
}

extension WindowingDecision {
    public var json: JSONValue {
        .object([
            ("modality", .string(modality.rawValue)), ("rescaleSlope", JSONValue(rescaleSlope)),
            ("rescaleIntercept", JSONValue(rescaleIntercept)),
            ("modalityLUTDescriptor", modalityLUTDescriptor.map { .array($0.map(JSONValue.int)) } ?? .null),
            ("voiSource", .string(voiSource.rawValue)), ("index", JSONValue(index)),
            ("center", JSONValue(center)), ("width", JSONValue(width)),
            ("function", JSONValue(function?.rawValue)), ("explanation", JSONValue(explanation)),
            ("voiLUTDescriptor", voiLUTDescriptor.map { .array($0.map(JSONValue.int)) } ?? .null),
            ("noVOIRule", JSONValue(noVOIRule?.rawValue)),
            ("range", range.map { .array($0.map(JSONValue.double)) } ?? .null),
            ("inverted", .bool(inverted)), ("inversionReason", .string(inversionReason)),
            ("warnings", .array(warnings.map(JSONValue.string))),
        ])
    }
}

extension ReductionRequest {
    /// N as a number, or "auto".
    public var json: JSONValue {
        switch self {
        case .levels(let n): return .int(n)
        case .auto: return .string("auto")
        }
    }
}

extension ReductionRecord {
    /// A manifest line's `reduce` object.
    public var json: JSONValue {
        .object([("requested", .string(requested.description)), ("levels", .int(levels)),
                 ("source", .string(source.rawValue)), ("rows", .int(rows)), ("columns", .int(columns))])
    }
}

extension JoinKeys {
    /// The join keys' members, in docs/cli.md's order (manifest lines, `inspect --json`).
    public var jsonPairs: [(String, JSONValue)] {
        [
            ("sopInstanceUID", JSONValue(sopInstanceUID)), ("studyInstanceUID", JSONValue(studyInstanceUID)),
            ("seriesInstanceUID", JSONValue(seriesInstanceUID)), ("sopClassUID", JSONValue(sopClassUID)),
            ("laterality", JSONValue(laterality)), ("viewPosition", JSONValue(viewPosition)),
            ("imageType", .array(imageType.map(JSONValue.string))),
            ("presentationIntentType", JSONValue(presentationIntentType)),
            ("numberOfFrames", .int(numberOfFrames)),
        ]
    }
}
