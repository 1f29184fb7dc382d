import Testing
@testable import MammoPrepCLI
import MammoPrep

/// The library's `AdapterOptions(preset:input:fit:)` is what `convert --model NAME` resolves to.
@Suite struct PresetOptionsTests {
    static let cases: [([String], ModelPreset.Input, GeometryOptions.Fit)] = ModelPreset.names.flatMap { name in
        [([String](), ModelPreset.Input.train, GeometryOptions.Fit.pad),
         (["--model-input", "test", "--fit", "crop"], .test, .crop)].map { (["--model", name] + $0.0, $0.1, $0.2) }
    }

    @Test func everyPresetIsCovered() throws {
        try #require(!Self.cases.isEmpty)
        #expect(Self.cases.count == 2 * ModelPreset.names.count)
    }

    @Test(arguments: cases)
    func libraryPresetOptionsEqualTheCLIs(_ arguments: [String], _ input: ModelPreset.Input, _ fit: GeometryOptions.Fit) throws {
        let command = try MammoPrepCommand.parseAsRoot(["convert", "a.dcm", "--out", "o"] + arguments)
        let convert = try #require(command as? MammoPrepCommand.Convert)
        let preset = try #require(ModelPreset.named(arguments[1]))
        let cli = try convert.adapterOptions(windowing: WindowingOptions())
        let library = AdapterOptions(preset: preset, input: input, fit: fit)
        #expect(cli == library, "\(arguments)")
    }
}
