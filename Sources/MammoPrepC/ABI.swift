// The C ABI of mammo-prep (include/mammo_prep.h; docs/python.md, "The C ABI"): `@_cdecl` entry
// points over the library and the commands' option parsing. Nothing thrown crosses the boundary:
// every entry turns errors into a status and an error JSON object. No state outlives a call except
// what the caller's handles own.
import CMammoPrepABI
import Foundation
import MammoPrep
import MammoPrepCLI

/// The version string, allocated once and never freed or changed (the header promises a static
/// string; a Swift `String` has no stable C pointer).
nonisolated(unsafe) private let versionText: UnsafeMutablePointer<CChar> = strdup(MammoPrepVersion.string)!

@_cdecl("mammo_prep_abi_version")
public func mammoPrepABIVersion() -> Int32 { MAMMO_PREP_ABI_VERSION }

@_cdecl("mammo_prep_version")
public func mammoPrepVersion() -> UnsafePointer<CChar> { UnsafePointer(versionText) }

@_cdecl("mammo_prep_free")
public func mammoPrepFree(_ p: UnsafeMutablePointer<CChar>?) { free(p) }

/// A `char **` out-parameter of the header.
public typealias StringOut = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

/// Why an entry point did not return OK (besides `EmbeddedOptions.UsageError` and `MammoPrepError`).
enum ABIError: Error {
    /// The caller's buffer holds fewer elements than `needed`; `error` says so in the library's words.
    case buffer(needed: Int, error: MammoPrepError)
    /// The caller broke the header's rules (NULL handle, both or neither input given...).
    case usage(String)
}

/// Runs `body`, mapping what it throws to a status and, when `error` is given, its JSON object.
func perform(_ error: StringOut?, _ body: () throws -> Void) -> mammo_prep_status {
    error?.pointee = nil
    let status: mammo_prep_status
    let object: JSONValue
    do {
        try body()
        return MAMMO_PREP_OK
    } catch let failure as EmbeddedOptions.UsageError {
        (status, object) = (MAMMO_PREP_USAGE, errorObject(message: failure.message))
    } catch ABIError.usage(let message) {
        (status, object) = (MAMMO_PREP_USAGE, errorObject(message: message))
    } catch ABIError.buffer(let needed, let failure) {
        (status, object) = (MAMMO_PREP_BUFFER, errorObject(failure, extra: [("needed", .int(needed))]))
    } catch let failure as MammoPrepError {
        (status, object) = (MAMMO_PREP_FAILED, errorObject(failure))
    } catch let other {
        (status, object) = (MAMMO_PREP_INTERNAL, errorObject(message: "internal error: \(other)"))
    }
    error?.pointee = strdup(object.serialized())
    return status
}

func errorObject(message: String) -> JSONValue {
    .object([("message", .string(oneLine(message))), ("path", .null), ("stage", .null), ("code", .null)])
}

func errorObject(_ failure: MammoPrepError, extra: [(String, JSONValue)] = []) -> JSONValue {
    .object([("message", .string(EmbeddedOptions.line(failure))), ("path", .string(failure.path)),
             ("stage", .string(failure.stage.rawValue)), ("code", .string(failure.code.rawValue))] + extra)
}

private func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).joined(separator: " ")
}

/// Hands `text` to the caller (released with mammo_prep_free).
func give(_ text: String, to out: StringOut?) {
    out?.pointee = strdup(text)
}

/// The C string argument `name`, or a usage error when it is NULL.
func required(_ text: UnsafePointer<CChar>?, _ name: String) throws -> String {
    guard let text else { throw ABIError.usage("\(name) is NULL") }
    return String(cString: text)
}

// MARK: - Handles

/// What a `mammo_prep_pipeline *` points to: the convert options and the pipeline they run.
final class PipelineHandle: Sendable {
    let options: ConvertOptions
    let pipeline: FramePipeline
    /// convert.json's hash for these options, carried by every record.
    let configurationHash: String

    init(options: ConvertOptions) {
        self.options = options
        self.pipeline = FramePipeline(options.framePipelineOptions)
        self.configurationHash = options.configurationHash(toolVersion: MammoPrepVersion.string)
    }

    var opaque: OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer?) throws -> PipelineHandle {
        guard let pointer else { throw ABIError.usage("the pipeline is NULL") }
        return Unmanaged<PipelineHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    static func release(_ pointer: OpaquePointer?) {
        guard let pointer else { return }
        Unmanaged<PipelineHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}

/// A `mammo_prep_workspace *` is a retained `FramePipeline.Workspace`.
enum WorkspaceHandle {
    static func from(_ pointer: OpaquePointer?) -> FramePipeline.Workspace? {
        pointer.map { Unmanaged<FramePipeline.Workspace>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
    }
}

/// Opens a `mammo_prep_source`: a path, or bytes in memory named by `name`.
func open(_ source: UnsafePointer<mammo_prep_source>?, limits: ReadLimits) throws -> InputImage {
    guard let source = source?.pointee else { throw ABIError.usage("the source is NULL") }
    switch (source.path, source.bytes) {
    case (let path?, nil):
        return try InputImage.open(path: String(cString: path), limits: limits)
    case (nil, let bytes?):
        let name = source.name.map { String(cString: $0) } ?? "<memory>"
        return try InputImage.open(bytes: UnsafeRawBufferPointer(start: bytes, count: source.length), name: name,
                                   limits: limits)
    case (nil, nil) where source.length == 0:
        throw ABIError.usage("the source has neither a path nor bytes")
    default:
        throw ABIError.usage("the source must have exactly one of a path or bytes")
    }
}
