import CMammoPrepABI
import Foundation
import MammoPrep

/// The C ABI as a C caller sees it: every call goes through the declarations of mammo_prep.h
/// (module CMammoPrepABI); these wrappers only marshal arguments and free what the library returns.
enum ABI {
    /// A non-OK status and its error object.
    struct Failure: Error, CustomStringConvertible {
        let status: mammo_prep_status
        let error: JSONValue
        var message: String { error["message"]?.stringValue ?? "" }
        var path: String? { error["path"]?.stringValue }
        var stage: String? { error["stage"]?.stringValue }
        var code: String? { error["code"]?.stringValue }
        var needed: Int? { error["needed"]?.intValue }
        var description: String { "status \(status.rawValue): \(error.serialized())" }
    }

    /// Takes a string the library returned (freeing it).
    static func take(_ text: UnsafeMutablePointer<CChar>?) -> String? {
        guard let text else { return nil }
        defer { mammo_prep_free(text) }
        return String(cString: text)
    }

    /// Runs an entry point with an error out-parameter; throws its Failure unless OK.
    static func check(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> mammo_prep_status) throws {
        var error: UnsafeMutablePointer<CChar>?
        let status = body(&error)
        let text = take(error)
        guard status == MAMMO_PREP_OK else {
            throw Failure(status: status, error: (try? JSONValue.parse(text ?? "")) ?? .string(text ?? "no error object"))
        }
        precondition(text == nil, "an error object with status OK")
    }

    /// A pipeline handle, destroyed with its owner.
    final class Pipeline: @unchecked Sendable {
        let handle: OpaquePointer

        private init(_ create: (UnsafeMutablePointer<OpaquePointer?>, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> mammo_prep_status) throws {
            var handle: OpaquePointer?
            try ABI.check { create(&handle, $0) }
            self.handle = handle!
        }

        convenience init(options json: String) throws {
            try self.init { mammo_prep_pipeline_create(json, $0, $1) }
        }

        convenience init(spec json: String) throws {
            try self.init { mammo_prep_pipeline_from_spec(json, $0, $1) }
        }

        deinit { mammo_prep_pipeline_destroy(handle) }

        func spec() throws -> String {
            var text: UnsafeMutablePointer<CChar>?
            try ABI.check { mammo_prep_pipeline_spec(handle, &text, $0) }
            return ABI.take(text)!
        }
    }

    /// An input: a path, or bytes with the name errors and records give them.
    enum Source: Sendable {
        case path(String)
        case bytes([UInt8], name: String?)

        static func file(_ path: String, name: String? = nil) -> Source {
            .bytes([UInt8](FileManager.default.contents(atPath: path)!), name: name ?? path)
        }

        func with<T>(_ body: (UnsafePointer<mammo_prep_source>) throws -> T) rethrows -> T {
            switch self {
            case .path(let path):
                return try path.withCString { p in
                    var source = mammo_prep_source(path: p, bytes: nil, length: 0, name: nil)
                    return try body(&source)
                }
            case .bytes(let bytes, let name):
                return try bytes.withUnsafeBufferPointer { b in
                    func call(_ n: UnsafePointer<CChar>?) throws -> T {
                        // A non-NULL pointer even for an empty buffer, as a binding would pass.
                        var source = mammo_prep_source(path: nil, bytes: b.baseAddress ?? UnsafePointer(bitPattern: 1),
                                                       length: b.count, name: n)
                        return try body(&source)
                    }
                    guard let name else { return try call(nil) }
                    return try name.withCString { try call($0) }
                }
            }
        }
    }

    static func outputShape(_ pipeline: Pipeline, _ source: Source, frame: Int = 0) throws -> (shape: [Int], exact: Bool) {
        var shape = [Int64](repeating: -1, count: 3)
        var exact: Int32 = -1
        try source.with { src in
            try check { mammo_prep_output_shape(pipeline.handle, src, Int32(frame), &shape, &exact, $0) }
        }
        return (shape.map(Int.init), exact == 1)
    }

    /// One run's results: the tensor (the first C·H·W floats), its shape, the record.
    struct Run {
        var values: [Float]
        var shape: [Int]
        var record: JSONValue?
        var bytes: [UInt8] { values.withUnsafeBytes { Array($0) } }
    }

    /// `mammo_prep_run` into a buffer of `capacity` floats (default: output_shape's bound).
    static func run(_ pipeline: Pipeline, _ source: Source, frame: Int = 0, capacity: Int? = nil,
                    workspace: OpaquePointer? = nil, record wantRecord: Bool = true) throws -> Run {
        let capacity = try capacity ?? outputShape(pipeline, source, frame: frame).shape.reduce(1, *)
        var out = [Float](repeating: .nan, count: capacity)
        var shape = [Int64](repeating: -1, count: 3)
        var record: UnsafeMutablePointer<CChar>?
        do {
            try source.with { src in
                try out.withUnsafeMutableBufferPointer { buffer in
                    try withUnsafeMutablePointer(to: &record) { recordPointer in
                        try check {
                            mammo_prep_run(pipeline.handle, workspace, src, Int32(frame), buffer.baseAddress, buffer.count,
                                           &shape, wantRecord ? recordPointer : nil, $0)
                        }
                    }
                }
            }
        } catch let failure as Failure {
            precondition(record == nil, "a record with a failed run")
            throw RunFailure(failure: failure, shape: shape.map(Int.init))
        }
        let n = shape.map(Int.init).reduce(1, *)
        return Run(values: Array(out.prefix(n)), shape: shape.map(Int.init),
                   record: try take(record).map { try JSONValue.parse($0) })
    }

    /// A failed run, with the shape the library reported (BUFFER reports it).
    struct RunFailure: Error, CustomStringConvertible {
        let failure: Failure
        let shape: [Int]
        var description: String { failure.description }
    }

    static func inspect(_ source: Source) throws -> JSONValue {
        var json: UnsafeMutablePointer<CChar>?
        try source.with { src in try check { mammo_prep_inspect(src, &json, $0) } }
        return try JSONValue.parse(take(json)!)
    }

    static func stats(options: String, paths: [String]) throws -> String {
        var json: UnsafeMutablePointer<CChar>?
        let copies = paths.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) }
        try pointers.withUnsafeBufferPointer { p in
            try check { mammo_prep_stats(options, p.baseAddress, p.count, &json, $0) }
        }
        return take(json)!
    }
}
