// Pipelines and workspaces: create, rebuild from preprocess.json, describe, size, run.
import CMammoPrepABI
import MammoPrep
import MammoPrepCLI

@_cdecl("mammo_prep_pipeline_create")
public func mammoPrepPipelineCreate(_ optionsJSON: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                    _ error: StringOut?) -> mammo_prep_status {
    out?.pointee = nil
    return perform(error) {
        guard let out else { throw ABIError.usage("the pipeline out-parameter is NULL") }
        let options = try EmbeddedOptions.convertOptions(json: try required(optionsJSON, "options_json"))
        out.pointee = PipelineHandle(options: options).opaque
    }
}

@_cdecl("mammo_prep_pipeline_from_spec")
public func mammoPrepPipelineFromSpec(_ specJSON: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                      _ error: StringOut?) -> mammo_prep_status {
    out?.pointee = nil
    return perform(error) {
        guard let out else { throw ABIError.usage("the pipeline out-parameter is NULL") }
        let options = try EmbeddedOptions.convertOptions(spec: try required(specJSON, "spec_json"))
        out.pointee = PipelineHandle(options: options).opaque
    }
}

@_cdecl("mammo_prep_pipeline_destroy")
public func mammoPrepPipelineDestroy(_ p: OpaquePointer?) {
    PipelineHandle.release(p)
}

@_cdecl("mammo_prep_pipeline_spec")
public func mammoPrepPipelineSpec(_ p: OpaquePointer?, _ specJSON: StringOut?, _ error: StringOut?) -> mammo_prep_status {
    specJSON?.pointee = nil
    return perform(error) {
        let handle = try PipelineHandle.from(p)
        give(handle.options.preprocessSpecification(toolVersion: MammoPrepVersion.string).serialized(), to: specJSON)
    }
}

@_cdecl("mammo_prep_workspace_create")
public func mammoPrepWorkspaceCreate() -> OpaquePointer? {
    OpaquePointer(Unmanaged.passRetained(FramePipeline.Workspace()).toOpaque())
}

@_cdecl("mammo_prep_workspace_destroy")
public func mammoPrepWorkspaceDestroy(_ w: OpaquePointer?) {
    guard let w else { return }
    Unmanaged<FramePipeline.Workspace>.fromOpaque(UnsafeRawPointer(w)).release()
}

@_cdecl("mammo_prep_output_shape")
public func mammoPrepOutputShape(_ p: OpaquePointer?, _ source: UnsafePointer<mammo_prep_source>?, _ frame: Int32,
                                 _ shape: UnsafeMutablePointer<Int64>?, _ exact: UnsafeMutablePointer<Int32>?,
                                 _ error: StringOut?) -> mammo_prep_status {
    perform(error) {
        let handle = try PipelineHandle.from(p)
        let image = try open(source, limits: handle.pipeline.options.limits)
        _ = try image.frames(selecting: Int(frame))
        let (dimensions, isExact) = handle.pipeline.outputShape(of: image, frame: Int(frame))
        write(dimensions, to: shape)
        exact?.pointee = isExact ? 1 : 0
    }
}

@_cdecl("mammo_prep_run")
public func mammoPrepRun(_ p: OpaquePointer?, _ w: OpaquePointer?, _ source: UnsafePointer<mammo_prep_source>?,
                         _ frame: Int32, _ out: UnsafeMutablePointer<Float>?, _ capacity: Int,
                         _ shape: UnsafeMutablePointer<Int64>?, _ record: StringOut?,
                         _ error: StringOut?) -> mammo_prep_status {
    record?.pointee = nil
    return perform(error) {
        let handle = try PipelineHandle.from(p)
        let pipeline = handle.pipeline
        let workspace = WorkspaceHandle.from(w) ?? FramePipeline.Workspace()
        let buffer = UnsafeMutableBufferPointer(start: out, count: out == nil ? 0 : max(capacity, 0))
        let image = try open(source, limits: pipeline.options.limits)
        let index = Int(frame)
        _ = try image.frames(selecting: index)
        func tooSmall(_ dimensions: [Int]) -> ABIError {
            let needed = dimensions.reduce(1, *)
            return .buffer(needed: needed, error: MammoPrepError(
                path: image.path, stage: .write, code: .bufferTooSmall,
                detail: "the tensor \(dimensions) needs \(needed) floats, the buffer holds \(buffer.count)"))
        }
        // A known shape that cannot fit fails before anything is decoded.
        let (bound, exact) = pipeline.outputShape(of: image, frame: index)
        if exact && bound.reduce(1, *) > buffer.count {
            write(bound, to: shape)
            throw tooSmall(bound)
        }
        let frameRecord = try pipeline.process(image, frame: index, workspace: workspace, normalize: false) { processed in
            let dimensions = processed.record.shape
            write(dimensions, to: shape)
            guard dimensions.reduce(1, *) <= buffer.count else { throw tooSmall(dimensions) }
            processed.record.normalization.apply(processed.adapted.plane, into: buffer)
            return processed.record
        }
        if let record {
            let pairs = frameRecord.manifestPairs(output: nil, dtype: "float32", adapter: handle.options.adapter,
                                                  configurationHash: handle.configurationHash)
            give(JSONValue.object(pairs).serialized(), to: record)
        }
    }
}

/// Writes (C, H, W) into the caller's `int64_t[3]` (when given).
private func write(_ dimensions: [Int], to shape: UnsafeMutablePointer<Int64>?) {
    guard let shape else { return }
    for (i, d) in dimensions.prefix(3).enumerated() { shape[i] = Int64(d) }
}
