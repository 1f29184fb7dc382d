/// The TIFF scaling step (docs/pipeline.md §2; docs/design.md §2 "TIFF input"): a TIFF page has
/// no modality or VOI transform, so
///
/// - unsigned integer samples are divided by 2^BitsPerSample − 1 (exact per value, through a
///   table, computed in Double);
/// - float samples are passed through; one outside 0…1 fails the input (code `outOfRange`)
///   unless the `clip` option is set, which clamps it; NaN always fails;
/// - then polarity: MinIsWhite is inverted unless the inversion rule is `never`.
enum TIFFScaling {
    /// Windows one decoded TIFF page.
    static func apply(_ frame: DecodedFrame, page: TIFFPage, options: WindowingOptions,
                      path: String) throws -> WindowedFrame {
        var d = WindowingDecision()
        d.voiSource = .tiff
        let polarity = Polarity.resolve(tiff: page.photometric, rule: options.invert)
        polarity.record(into: &d)
        let pixels: [Float]
        switch frame {
        case .integer(let f):
            let top = maximum(bitsPerSample: page.bitsPerSample)
            d.range = [0, Double(top)]
            pixels = Windowing.map(f.words, through: table(bitsPerSample: page.bitsPerSample, polarity: polarity))
        case .float(let f):
            d.range = [0, 1]
            let (scaled, clamped) = try floats(f.values, clip: options.clip, polarity: polarity, path: path)
            if clamped > 0 { d.warnings.append("\(clamped) float samples outside 0…1 clamped (clip)") }
            pixels = scaled
        }
        return WindowedFrame(rows: frame.rows, columns: frame.columns, pixels: pixels, decision: d)
    }

    /// 2^bits − 1, the largest unsigned sample.
    static func maximum(bitsPerSample bits: Int) -> Int { (1 << bits) - 1 }

    /// Unsigned sample → 0…1 after polarity, indexed by sample (65,536 entries; 0 above the
    /// largest sample).
    static func table(bitsPerSample bits: Int, polarity: Polarity) -> [Float] {
        let top = Double(maximum(bitsPerSample: bits))
        var table = [Float](repeating: 0, count: 65536)
        for value in 0...maximum(bitsPerSample: bits) {
            table[value] = Float(polarity(Double(value) / top))
        }
        return table
    }

    /// Float samples after the range check (clamped when `clip`) and polarity (in Float), with
    /// how many were clamped.
    static func floats(_ values: [Float], clip: Bool, polarity: Polarity,
                       path: String) throws -> (pixels: [Float], clamped: Int) {
        var pixels = values
        var outside = 0
        for (i, v) in pixels.enumerated() {
            if v.isNaN {
                throw MammoPrepError(path: path, stage: .window, code: .outOfRange, detail: "NaN sample at index \(i)")
            }
            if v < 0 || v > 1 {
                outside += 1
                if !clip {
                    throw MammoPrepError(path: path, stage: .window, code: .outOfRange,
                                         detail: "float sample \(v) at index \(i) outside 0…1", remedy: .clip)
                }
                pixels[i] = Swift.min(Swift.max(v, 0), 1)
            }
        }
        if polarity.inverted { for i in pixels.indices { pixels[i] = polarity(pixels[i]) } }
        return (pixels, outside)
    }
}
