// inspect and stats, as the commands compute them.
import CMammoPrepABI
import MammoPrep
import MammoPrepCLI

@_cdecl("mammo_prep_inspect")
public func mammoPrepInspect(_ source: UnsafePointer<mammo_prep_source>?, _ json: StringOut?,
                             _ error: StringOut?) -> mammo_prep_status {
    json?.pointee = nil
    return perform(error) {
        let image = try open(source, limits: .standard)
        give(try Inspection(image: image).json.serialized(), to: json)
    }
}

@_cdecl("mammo_prep_stats")
public func mammoPrepStats(_ optionsJSON: UnsafePointer<CChar>?, _ paths: UnsafePointer<UnsafePointer<CChar>?>?,
                           _ count: Int, _ statsJSON: StringOut?, _ error: StringOut?) -> mammo_prep_status {
    statsJSON?.pointee = nil
    return perform(error) {
        guard count == 0 || paths != nil else { throw ABIError.usage("paths is NULL") }
        let inputs = try (0..<max(count, 0)).map { try required(paths![$0], "paths[\($0)]") }
        let (options, files) = try EmbeddedOptions.statsOptions(json: try required(optionsJSON, "options_json"), inputs: inputs)
        let report = StatsRunner(options: options, toolVersion: MammoPrepVersion.string).run(files)
        give(report.json().serialized(), to: statsJSON)
    }
}
