import Testing
@testable import MammoPrep

/// The VOI choice step (PS3.3 C.11.2; docs/windowing.md §4, §5): explicit window, VOI LUT item N
/// or window pair N by VOI source, each fallback's warning, the errors of a required source, and
/// the chosen transform over every 12-bit input.
@Suite struct VOISelectionTests {
    typealias Source = WindowingOptions.VOISource

    /// A reversed 16-bit VOI LUT over 0…4095.
    static let lutItem = LookupTableItem(descriptor: [4096, 0, 16], data: (0..<4096).map { UInt16(4095 - $0) * 16 },
                                         explanation: "REVERSED")
    static let normal = WindowSetting(center: 2048, width: 4096, explanation: "NORMAL")

    static func transforms(luts: [LookupTableItem] = [], windows: [WindowSetting] = []) -> GrayscaleTransforms {
        var t = GrayscaleTransforms()
        t.voiLUTs = luts
        t.windows = windows
        return t
    }

    static func choose(_ options: WindowingOptions, _ t: GrayscaleTransforms, function: VOIFunction = .linear,
                       signed: Bool = false) throws(VOISelection.Unavailable) -> (VOISelection?, [String]) {
        var warnings: [String] = []
        let selection = try VOISelection.choose(options: options, transforms: t, function: function,
                                                signedLUTFirst: signed, warnings: &warnings)
        return (selection, warnings)
    }

    static func kind(_ selection: VOISelection?) -> WindowingDecision.VOIKind {
        var d = WindowingDecision()
        selection?.record(into: &d)
        return d.voiSource
    }

    /// What each VOI source gives for frames with both, one or none of LUT and window.
    @Test(arguments: Source.allCases)
    func sourceByAvailability(source: Source) throws {
        let both = Self.transforms(luts: [Self.lutItem], windows: [Self.normal])
        let lutOnly = Self.transforms(luts: [Self.lutItem])
        let windowOnly = Self.transforms(windows: [Self.normal])
        let neither = Self.transforms()
        // nil: Unavailable is thrown.
        let none = WindowingDecision.VOIKind.none
        let expected: [Source: [WindowingDecision.VOIKind?]] = [
            .auto: [.lut, .lut, .window, none], .lut: [.lut, .lut, nil, nil],
            .window: [.window, nil, .window, nil], .none: [none, none, none, none],
        ]
        let want = try #require(expected[source])
        let frames = [both, lutOnly, windowOnly, neither]
        try #require(want.count == frames.count)
        for (t, want) in zip(frames, want) {
            let got = try? Self.choose(WindowingOptions(voiSource: source), t)
            #expect(got.map { Self.kind($0.0) } == want, "\(source)")
        }
    }

    @Test func autoFallbacksRecordTheirReasons() throws {
        let (window, w1) = try Self.choose(WindowingOptions(), Self.transforms(windows: [Self.normal]))
        #expect(window == .window(Self.normal, index: 0, function: .linear))
        #expect(w1 == ["no VOI LUT Sequence"])
        let (none, w2) = try Self.choose(WindowingOptions(), Self.transforms())
        #expect(none == nil)
        #expect(w2 == ["no VOI LUT Sequence", "no window centre/width"])
        let (second, w3) = try Self.choose(WindowingOptions(windowIndex: 1),
                                           Self.transforms(luts: [Self.lutItem], windows: [Self.normal, Self.normal]))
        #expect(second == .window(Self.normal, index: 1, function: .linear))
        #expect(w3 == ["no VOI LUT item 1 (1 present)"])
        let (_, w4) = try Self.choose(WindowingOptions(windowIndex: 1), Self.transforms(luts: [Self.lutItem], windows: [Self.normal]))
        #expect(w4 == ["no VOI LUT item 1 (1 present)", "no window pair 1 (1 present)"])
        let bad = LookupTableItem(descriptor: [4096, 0, 16], data: [1])
        let (_, w5) = try Self.choose(WindowingOptions(), Self.transforms(luts: [bad], windows: [Self.normal]))
        #expect(w5.count == 1 && w5[0].hasPrefix("VOI LUT item 0 unusable: "))
    }

    /// A window whose width the function rejects counts as absent (LINEAR needs w ≥ 1, others w > 0).
    @Test(arguments: VOIFunction.allCases)
    func invalidWidthIsAbsent(function: VOIFunction) throws {
        let narrow = WindowSetting(center: 100, width: 0.5)
        let (selection, warnings) = try Self.choose(WindowingOptions(), Self.transforms(windows: [narrow]), function: function)
        if function == .linear {
            #expect(selection == nil)
            #expect(warnings.last == "window 0 centre 100.0 width 0.5 invalid for LINEAR")
        } else {
            #expect(selection == .window(narrow, index: 0, function: function))
        }
    }

    @Test func explicitWindowOverridesTheFile() throws {
        let w = WindowSetting(center: 100, width: 20)
        let t = Self.transforms(luts: [Self.lutItem], windows: [Self.normal])
        try #require(!Source.allCases.isEmpty)
        for source in Source.allCases {
            let (selection, warnings) = try Self.choose(WindowingOptions(voiSource: source, explicitWindow: w), t, function: .sigmoid)
            #expect(selection == .explicitWindow(w, function: .sigmoid))
            #expect(warnings.isEmpty)
        }
        var d = WindowingDecision()
        VOISelection.explicitWindow(w, function: .sigmoid).record(into: &d)
        #expect(d.voiSource == .explicit && d.index == nil && d.center == 100 && d.width == 20 && d.function == .sigmoid)
    }

    /// The errors name the library's options, never a command-line flag.
    @Test func requiredSourcesThatAreMissingThrow() throws {
        let cases: [(WindowingOptions, GrayscaleTransforms, String)] = [
            (WindowingOptions(voiSource: .lut), Self.transforms(windows: [Self.normal]), "VOI source 'lut'; no VOI LUT Sequence"),
            (WindowingOptions(voiSource: .window), Self.transforms(luts: [Self.lutItem]), "VOI source 'window'; no window centre/width"),
            (WindowingOptions(voiSource: .window), Self.transforms(windows: [WindowSetting(center: 5, width: 0)]),
             "VOI source 'window'; window 0 centre 5.0 width 0.0 invalid for LINEAR"),
            (WindowingOptions(explicitWindow: WindowSetting(center: 100, width: 0.5)), Self.transforms(),
             "explicit window 100.0:0.5; window centre 100.0 width 0.5 invalid for LINEAR"),
        ]
        try #require(!cases.isEmpty)
        for (options, t, detail) in cases {
            let error = #expect(throws: VOISelection.Unavailable.self) { try Self.choose(options, t) }
            #expect(error?.detail == detail)
            #expect(error?.detail.contains("--") == false)
        }
    }

    /// The LUT's first mapped value is SS when the modality output can be negative.
    @Test func signedFirstMappedValue() throws {
        let item = LookupTableItem(descriptor: [2000, 0xFC18, 16], data: (0..<2000).map { UInt16($0) })
        let (signed, _) = try Self.choose(WindowingOptions(), Self.transforms(luts: [item]), signed: true)
        let (unsigned, _) = try Self.choose(WindowingOptions(), Self.transforms(luts: [item]))
        let s = try #require(signed), u = try #require(unsigned)
        #expect(s(-1000) == 0 && s(0) == 1000.0 / 65535)
        #expect(u(0) == 0 && u(64536) == 0 && u(64537) == 1.0 / 65535)
        var d = WindowingDecision()
        s.record(into: &d)
        #expect(d.voiLUTDescriptor == [2000, -1000, 16])
    }

    /// v = LUT[clamp(x)] / (2^bits − 1), exactly, over every 12-bit input and beyond.
    @Test func lutValueOverEveryInput() throws {
        let (selection, warnings) = try Self.choose(WindowingOptions(), Self.transforms(luts: [Self.lutItem]))
        let lut = try #require(selection)
        #expect(warnings.isEmpty)
        for x in -10..<4106 {
            let entry = Double(4095 - Swift.min(Swift.max(x, 0), 4095)) * 16
            #expect(lut(Double(x)) == entry / 65535)
        }
        #expect(lut(100.9) == lut(100))      // non-integer input truncates toward zero
        var d = WindowingDecision()
        lut.record(into: &d)
        #expect(d.voiSource == .lut && d.index == 0 && d.voiLUTDescriptor == [4096, 0, 16])
        #expect(d.explanation == "REVERSED" && d.function == nil && d.center == nil)
    }

    /// A window's transform is its function's, value for value; in 0…1 and monotone.
    @Test(arguments: VOIFunction.allCases)
    func windowValueOverEveryInput(function: VOIFunction) throws {
        let w = WindowSetting(center: 1821, width: 3340)
        let (selection, _) = try Self.choose(WindowingOptions(), Self.transforms(windows: [w]), function: function)
        let window = try #require(selection)
        var previous = -1.0
        for x in 0..<4096 {
            let v = window(Double(x))
            #expect(v == function.evaluate(Double(x), center: 1821, width: 3340))
            #expect((0...1).contains(v) && v >= previous)
            previous = v
        }
        var d = WindowingDecision()
        window.record(into: &d)
        #expect(d.voiSource == .window && d.index == 0 && d.center == 1821 && d.width == 3340 && d.function == function)
    }

    /// The record's words for every kind (`none` and `tiff` come from their own steps).
    @Test func voiKindWords() {
        #expect(WindowingDecision.VOIKind.allCases.map(\.rawValue) == ["lut", "window", "explicit", "none", "tiff"])
        #expect(WindowingDecision().voiSource == .none)
    }
}
