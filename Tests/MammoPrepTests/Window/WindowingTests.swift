import Testing
@testable import MammoPrep

/// The windowing stage's decisions (docs/windowing.md §2–§8), on small synthetic frames.
@Suite struct WindowingTests {
    static func attributes(bits: Int = 12, signed: Bool = false, photometric: String = "MONOCHROME2") -> DICOMAttributes {
        var a = DICOMAttributes(transferSyntaxUID: "1.2.840.10008.1.2.1", rows: 1, columns: 4, frames: 1,
                                samplesPerPixel: 1, bitsAllocated: 16, bitsStored: bits, highBit: bits - 1,
                                pixelRepresentation: signed ? 1 : 0)
        a.photometricInterpretation = photometric
        return a
    }

    static func frame(_ values: [Int32], bits: Int = 12, signed: Bool = false) -> StoredFrame {
        StoredFrame(rows: 1, columns: values.count, bitsStored: bits, isSigned: signed,
                    words: values.map { UInt16(truncatingIfNeeded: $0) })
    }

    @Test func noVOIRangeIsFullStoredRange() throws {
        let out = try Windowing.apply(Self.frame([0, 1, 2048, 4095]), attributes: Self.attributes())
        #expect(out.pixels == [0, Float(1.0 / 4095), Float(2048.0 / 4095), 1])
        #expect(out.decision.voiSource == .none && out.decision.noVOIRule == .range)
        #expect(out.decision.range == [0, 4095])
    }

    @Test func signedRangeAndMinMax() throws {
        let a = Self.attributes(signed: true)
        let f = Self.frame([-2048, -1, 0, 2047], signed: true)
        let range = try Windowing.apply(f, attributes: a)
        #expect(range.pixels.first == 0 && range.pixels.last == 1)
        #expect(range.pixels[2] == Float(2048.0 / 4095))
        let small = Self.frame([100, 200, 300, 200])
        let minmax = try Windowing.apply(small, attributes: Self.attributes(), options: WindowingOptions(noVOI: .minmax))
        #expect(minmax.pixels == [0, 0.5, 1, 0.5])
        #expect(minmax.decision.range == [100, 300])
        let flat = try Windowing.apply(Self.frame([7, 7, 7, 7]), attributes: Self.attributes(), options: WindowingOptions(noVOI: .minmax))
        #expect(flat.pixels == [0, 0, 0, 0])
        #expect(!flat.decision.warnings.isEmpty)
    }

    @Test func autoPrefersLUTThenWindowThenNone() throws {
        var a = Self.attributes()
        a.topLevel.windows = [WindowSetting(center: 2048, width: 4096, explanation: "NORMAL"),
                              WindowSetting(center: 1000, width: 1, explanation: "THRESHOLD")]
        a.topLevel.voiLUTs = [LookupTableItem(descriptor: [4096, 0, 16], data: (0..<4096).map { UInt16(4095 - $0) * 16 })]
        let f = Self.frame([0, 999, 1000, 4095])
        let lut = try Windowing.apply(f, attributes: a)
        #expect(lut.decision.voiSource == .lut && lut.decision.index == 0)
        #expect(lut.pixels[0] == Float(Double(4095 * 16) / 65535))
        let second = try Windowing.apply(f, attributes: a, options: WindowingOptions(windowIndex: 1))
        // No LUT item 1 → window pair 1 (threshold at 1000), with the reason recorded.
        #expect(second.decision.voiSource == .window && second.decision.index == 1)
        #expect(second.pixels == [0, 0, 1, 1])
        #expect(second.decision.warnings.contains { $0.contains("no VOI LUT item 1") })
        let third = try Windowing.apply(f, attributes: a, options: WindowingOptions(windowIndex: 2))
        #expect(third.decision.voiSource == .none)
        let forced = try Windowing.apply(f, attributes: a, options: WindowingOptions(voiSource: .window))
        #expect(forced.decision.voiSource == .window && forced.decision.explanation == "NORMAL")
    }

    @Test func forcedSourcesThatAreMissingAreErrors() {
        let a = Self.attributes()
        let f = Self.frame([0, 1, 2, 3])
        for source in [WindowingOptions.VOISource.lut, .window] {
            #expect(throws: MammoPrepError.self) {
                _ = try Windowing.apply(f, attributes: a, options: WindowingOptions(voiSource: source))
            }
        }
    }

    @Test func invalidWidthFallsBackWithWarning() throws {
        var a = Self.attributes()
        a.topLevel.windows = [WindowSetting(center: 100, width: 0.5)]
        let out = try Windowing.apply(Self.frame([0, 4095]), attributes: a)
        #expect(out.decision.voiSource == .none)
        #expect(out.decision.warnings.contains { $0.contains("invalid for LINEAR") })
        // The same width is valid for SIGMOID (w > 0).
        a.topLevel.voiLUTFunction = "sigmoid"
        let sigmoid = try Windowing.apply(Self.frame([0, 4095]), attributes: a)
        #expect(sigmoid.decision.voiSource == .window && sigmoid.decision.function == .sigmoid)
    }

    @Test func overridesAndUnknownFunction() throws {
        var a = Self.attributes()
        a.topLevel.windows = [WindowSetting(center: 2048, width: 4096)]
        a.topLevel.voiLUTFunction = "GAMMA"
        let f = Self.frame([0, 2048, 4095, 100])
        let unknown = try Windowing.apply(f, attributes: a)
        #expect(unknown.decision.function == .linear)
        #expect(unknown.decision.warnings.contains { $0.contains("GAMMA") })
        let exact = try Windowing.apply(f, attributes: a, options: WindowingOptions(functionOverride: .linearExact))
        #expect(exact.decision.function == .linearExact)
        #expect(exact.pixels[1] == 0.5)
        let explicit = try Windowing.apply(f, attributes: a, options: WindowingOptions(explicitWindow: WindowSetting(center: 100, width: 1)))
        #expect(explicit.decision.voiSource == .explicit)
        #expect(explicit.pixels == [0, 1, 1, 1])
    }

    @Test func modalityLUTWinsOverRescaleAndDrivesRange() throws {
        var a = Self.attributes()
        a.topLevel.rescaleSlope = 2
        a.topLevel.rescaleIntercept = -10
        a.topLevel.modalityLUT = LookupTableItem(descriptor: [4096, 0, 16], data: (0..<4096).map { UInt16($0 * 16) })
        let out = try Windowing.apply(Self.frame([0, 4095]), attributes: a)
        #expect(out.decision.modality == .lut)
        #expect(out.decision.range == [0, 65535])
        #expect(out.pixels[1] == Float(4095.0 * 16 / 65535))
        #expect(out.decision.warnings.contains { $0.contains("LUT is used") })
    }

    @Test func rescaleRangeFollowsPydicom() throws {
        var a = Self.attributes()
        a.topLevel.rescaleSlope = -1
        a.topLevel.rescaleIntercept = 4095
        let out = try Windowing.apply(Self.frame([0, 4095]), attributes: a)
        // ymin = 4095, ymax = 0: (x − ymin)/(ymax − ymin) keeps stored order (docs/windowing.md §3).
        #expect(out.decision.range == [4095, 0])
        #expect(out.pixels == [0, 1])
        a.topLevel.rescaleSlope = 0
        let zero = try Windowing.apply(Self.frame([0, 4095]), attributes: a)
        #expect(zero.decision.modality == .identity)
        #expect(zero.decision.warnings.contains { $0.contains("Rescale Slope") })
    }

    /// The plan is the steps composed in the standard's order (polarity ∘ VOI ∘ modality), value
    /// for value over every 12-bit stored value, and its record is theirs.
    @Test(arguments: WindowingOptions.VOISource.allCases)
    func planComposesTheSteps(source: WindowingOptions.VOISource) throws {
        var a = Self.attributes(photometric: "MONOCHROME1")
        a.topLevel.rescaleSlope = 0.5
        a.topLevel.rescaleIntercept = -100
        a.topLevel.windows = [WindowSetting(center: 700, width: 1500)]
        a.topLevel.voiLUTs = [LookupTableItem(descriptor: [2048, 0, 12], data: (0..<2048).map { UInt16($0 * 2) })]
        a.topLevel.voiLUTFunction = "SIGMOID"
        let stored = StoredValueLayout.range(bitsStored: 12, isSigned: false)
        let options = WindowingOptions(voiSource: source)
        let plan = try Windowing.plan(range: stored, present: { Windowing.Presence(canonical: [0, 4095]) },
                                      attributes: a, frameIndex: 0, options: options, path: "")
        let modality = ModalityTransform.resolve(a.topLevel, stored: stored, signedStored: false)
        var warnings: [String] = []
        let selection = try VOISelection.choose(options: options, transforms: a.topLevel, function: .sigmoid,
                                                signedLUTFirst: modality.canBeNegative, warnings: &warnings)
        let noVOI = NoVOIScaling.resolve(.range, modality: modality, stored: stored, present: { fatalError() })
        let polarity = Polarity.resolve(photometric: "MONOCHROME1", shape: nil, rule: .auto)
        #expect(stored.allSatisfy { v in
            let x = modality(v)
            return plan.value(v) == polarity(selection.map { $0(x) } ?? noVOI(x))
        })
        var d = WindowingDecision()
        modality.record(into: &d)
        if let selection { selection.record(into: &d) } else { noVOI.record(into: &d) }
        polarity.record(into: &d)
        d.warnings = warnings
        #expect(plan.decision == d)
        let table = plan.table(range: stored)
        #expect(stored.allSatisfy { table[Int($0)] == Float(plan.value($0)) })
    }

    @Test func monochrome1InvertsAfterVOIOnce() throws {
        var a = Self.attributes(photometric: "MONOCHROME1")
        a.presentationLUTShape = "INVERSE"
        a.topLevel.windows = [WindowSetting(center: 1000, width: 1)]
        let out = try Windowing.apply(Self.frame([0, 999, 1000, 4095]), attributes: a)
        #expect(out.pixels == [1, 1, 0, 0])
        #expect(out.decision.inverted)
    }

    @Test func perFrameFunctionalGroupsApply() throws {
        var a = Self.attributes()
        a.frames = 2
        a.topLevel.windows = [WindowSetting(center: 2048, width: 4096)]
        var f1 = GrayscaleTransforms()
        f1.windows = [WindowSetting(center: 500, width: 1)]
        a.perFrame = [nil, f1]
        let f = Self.frame([0, 499, 500, 4095])
        #expect(try Windowing.apply(f, attributes: a, frameIndex: 0).decision.center == 2048)
        #expect(try Windowing.apply(f, attributes: a, frameIndex: 1).pixels == [0, 0, 1, 1])
    }

    /// Properties over every 12-bit value: output in 0…1 and monotone for a monotone pipeline.
    @Test(arguments: VOIFunction.allCases)
    func rangeAndMonotonicityOverAllValues(function: VOIFunction) throws {
        var a = Self.attributes()
        a.topLevel.windows = [WindowSetting(center: 1821, width: 3340)]
        a.topLevel.voiLUTFunction = function.rawValue
        let all = Self.frame((0..<4096).map { Int32($0) })
        let out = try Windowing.apply(StoredFrame(rows: 64, columns: 64, bitsStored: 12, isSigned: false, words: all.words),
                                      attributes: a)
        #expect(out.pixels.allSatisfy { (0...1).contains($0) })
        #expect(zip(out.pixels, out.pixels.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func tiffScaling() throws {
        let page = TIFFPage(rows: 1, columns: 3, bitsPerSample: 16, sampleFormat: .uint, photometric: .minIsWhite,
                            compression: 1, isTiled: false)
        let ints = DecodedFrame.integer(StoredFrame(rows: 1, columns: 3, bitsStored: 16, isSigned: false, words: [0, 32768, 65535]))
        let out = try Windowing.apply(tiff: ints, page: page)
        #expect(out.pixels == [1, Float(1 - 32768.0 / 65535), 0])
        var floatPage = page
        floatPage.sampleFormat = .float
        floatPage.photometric = .minIsBlack
        let bad = DecodedFrame.float(FloatFrame(rows: 1, columns: 3, values: [0, 1.5, -0.25]))
        #expect(throws: MammoPrepError.self) { _ = try Windowing.apply(tiff: bad, page: floatPage) }
        let clipped = try Windowing.apply(tiff: bad, page: floatPage, options: WindowingOptions(clip: true))
        #expect(clipped.pixels == [0, 1, 0])
        let nan = DecodedFrame.float(FloatFrame(rows: 1, columns: 1, values: [.nan]))
        #expect(throws: MammoPrepError.self) { _ = try Windowing.apply(tiff: nan, page: floatPage, options: WindowingOptions(clip: true)) }
    }
}
