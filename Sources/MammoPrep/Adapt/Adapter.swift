/// The Adapt stage (docs/design.md §1, §4): windowed frame → geometry → normalization → (C, H, W).
/// It never reads DICOM: the caller passes the frame, the laterality and, when the geometry needs
/// it, the foreground mask.
public struct AdapterOptions: Sendable, Equatable {
    public var geometry: GeometryOptions
    public var normalization: Normalization
    /// The preset that set size, interpolation, channels and mean/std (recorded only).
    public var preset: ModelPreset?
    public var modelInput: ModelPreset.Input?
    /// stats.json the custom normalization came from (recorded only).
    public var statsSource: String?

    public init(geometry: GeometryOptions = GeometryOptions(), normalization: Normalization = .none(channels: 1),
                preset: ModelPreset? = nil, modelInput: ModelPreset.Input? = nil, statsSource: String? = nil) {
        self.geometry = geometry
        self.normalization = normalization
        self.preset = preset
        self.modelInput = modelInput
        self.statsSource = statsSource
    }

    public var channels: Int { normalization.channels }
    public var isIdentity: Bool { geometry.isIdentity && normalization.kind == .none && normalization.channels == 1 }

}

/// One adapted frame.
package struct AdaptedFrame: Sendable {
    package let rows: Int
    package let columns: Int
    package let channels: Int
    /// (C, H, W), normalized.
    package var tensor: [Float]
    /// The single-channel 0…1 image after geometry, before normalization (PNG/TIFF outputs).
    package var plane: [Float]
    package let geometry: GeometryRecord
    /// The normalization of this frame: the options' own, or a per-image rule resolved with this
    /// plane's figures. Applied to `tensor` unless the caller asked for the plane only.
    package let normalization: Normalization
}

package enum Adapter {
    /// Geometry then normalization. `mask` is computed lazily, only when the geometry needs it.
    /// Frame-sized geometry buffers come from `buffers` (see `GeometryBuffers`). `normalize` false
    /// leaves `tensor` as the plane (for callers that normalize into their own buffer with the
    /// frame's `normalization`).
    package static func adapt(_ frame: WindowedFrame, laterality: String?, options: AdapterOptions,
                             buffers: GeometryBuffers = GeometryBuffers(), normalize: Bool = true,
                             mask: () -> ForegroundMask) -> AdaptedFrame {
        let (plane, record): ([Float], GeometryRecord)
        if options.geometry.isIdentity {
            (plane, record) = (frame.pixels, GeometryRecord(
                sourceRows: frame.rows, sourceColumns: frame.columns, crop: (0, 0, frame.rows, frame.columns),
                flipped: false, chestWall: .none, chestWallSource: "not needed", resized: (frame.rows, frame.columns),
                scale: (1, 1), offset: (0, 0), output: (frame.rows, frame.columns)))
        } else {
            let needs = Geometry.needsMask(options.geometry, laterality: laterality)
            (plane, record) = Geometry.apply(frame.pixels, rows: frame.rows, columns: frame.columns,
                                             options: options.geometry, laterality: laterality,
                                             mask: needs ? mask() : nil, buffers: buffers)
        }
        let normalization = options.normalization.resolved(for: plane, rows: record.output.rows,
                                                           columns: record.output.columns)
        let identity = normalization.kind == .none && normalization.channels == 1
        let tensor = !normalize || identity ? plane : normalization.apply(plane)
        return AdaptedFrame(rows: record.output.rows, columns: record.output.columns, channels: options.channels,
                            tensor: tensor, plane: plane, geometry: record, normalization: normalization)
    }
}
