// The example of README.md, "Use it as a Swift library", verbatim between the markers: this
// target imports MammoPrep without @testable, so it compiles only against the public API, and
// ReadmeExampleTests runs it and checks that README.md still shows exactly this code.
// README-EXAMPLE-BEGIN
import MammoPrep

/// One mammogram as timm's resnet50d expects it: windowed (DICOM PS3.3 C.11), 3 channels,
/// the preset's size, interpolation and mean/std — the tensor `mammo-prep convert --model
/// resnet50d` writes.
func resnet50dTensor(path: String) throws -> FrameTensor {
    guard let preset = ModelPreset.named("resnet50d") else { fatalError("resnet50d is a bundled preset") }
    let pipeline = FramePipeline(FramePipelineOptions(adapter: AdapterOptions(preset: preset)))
    return try pipeline.tensor(path: path)        // .values: (3, 224, 224) float32, .record: why
}

/// Many files into one caller-owned buffer: nothing frame-sized is allocated per image once the
/// workspace has seen the size. One pipeline serves every thread; each thread has a workspace.
func meanOfEachImage(paths: [String]) throws -> [Double] {
    let pipeline = FramePipeline(FramePipelineOptions(
        windowing: WindowingOptions(voiSource: .auto),
        adapter: AdapterOptions(geometry: GeometryOptions(size: (rows: 512, columns: 416)))))
    let workspace = FramePipeline.Workspace()
    var buffer = [Float](repeating: 0, count: 512 * 416)
    var means: [Double] = []
    for path in paths {
        let image = try pipeline.open(path: path)
        let record = try buffer.withUnsafeMutableBufferPointer {
            try pipeline.tensor(of: image, frame: 0, into: $0, workspace: workspace)
        }
        let count = record.shape.reduce(1, *)
        means.append(buffer.prefix(count).reduce(0) { $0 + Double($1) } / Double(count))
    }
    return means
}
// README-EXAMPLE-END
