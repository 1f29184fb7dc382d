import Foundation

/// Geometry of the adapter (docs/design.md §2, §4): optional breast crop, optional flip, then a fit to
/// a fixed size. Every decision is recorded (`GeometryRecord`) so that boxes and masks drawn on an
/// output can be mapped back to the source pixels.
public struct GeometryOptions: Sendable, Equatable {
    public enum Fit: String, Sendable, CaseIterable {
        /// Aspect-preserving resize into the size, padded with the background value (0 in the
        /// windowed image); the image touches the chest-wall side and is centred on the other axis.
        case pad
        /// Resize to the size, aspect ratio not kept.
        case stretch
        /// timm's eval transform: resize the shorter side to ⌊size / crop_pct⌋ (or, for a
        /// non-square size, each side to ⌊side / crop_pct⌋), then centre-crop to the size.
        case crop
    }

    public enum Side: String, Sendable, CaseIterable {
        case left, right, none
    }

    /// timm's eval `crop_mode` for `--fit crop` (timm 1.0.22 timm/data/transforms_factory.py
    /// transforms_imagenet_eval): `center` resizes keeping the aspect ratio, `squash` resizes each
    /// side to ⌊side / crop_pct⌋ (aspect not kept); both then centre-crop to the size.
    public enum CropMode: String, Sendable, CaseIterable {
        case center, squash
    }

    /// Output size (rows, columns); nil keeps the source size (no resize).
    public var size: (rows: Int, columns: Int)?
    public var fit: Fit
    public var interpolation: Interpolation
    /// Only for `.crop`.
    public var cropPct: Double
    public var cropMode: CropMode
    /// Crop to the foreground mask's bounding box plus `cropMargin` pixels on every side.
    public var cropBreast: Bool
    public var cropMargin: Int
    /// Flip horizontally so that the chest wall is on this side.
    public var flipTo: Side
    /// CLAHE on the (cropped) image before the flip and the fit (docs/adapter.md "CLAHE").
    public var clahe: CLAHEOptions?

    public init(size: (rows: Int, columns: Int)? = nil, fit: Fit = .pad, interpolation: Interpolation = .bicubic,
                cropPct: Double = 0.875, cropMode: CropMode = .center, cropBreast: Bool = false, cropMargin: Int = 32,
                flipTo: Side = .none, clahe: CLAHEOptions? = nil) {
        self.size = size
        self.fit = fit
        self.interpolation = interpolation
        self.cropPct = cropPct
        self.cropMode = cropMode
        self.cropBreast = cropBreast
        self.cropMargin = cropMargin
        self.flipTo = flipTo
        self.clahe = clahe
    }

    public static func == (a: GeometryOptions, b: GeometryOptions) -> Bool {
        a.size?.rows == b.size?.rows && a.size?.columns == b.size?.columns && a.fit == b.fit
            && a.interpolation == b.interpolation && a.cropPct == b.cropPct && a.cropBreast == b.cropBreast
            && a.cropMargin == b.cropMargin && a.flipTo == b.flipTo && a.clahe == b.clahe && a.cropMode == b.cropMode
    }

    /// True when the options change nothing (no crop, no CLAHE, no flip, no size).
    public var isIdentity: Bool { size == nil && !cropBreast && flipTo == .none && clahe == nil }

}

/// What the geometry did to one frame, in the order applied: crop (source pixels), flip, resize,
/// then pad or crop of the resized image. Source (r, c) → output:
///   r1 = r − crop.top, c1 = c − crop.left;  if flipped: c1 = cropWidth − 1 − c1;
///   (r2, c2) = ((r1 + 0.5) · scaleRows − 0.5, (c1 + 0.5) · scaleColumns − 0.5);
///   output = (r2 + offsetRows, c2 + offsetColumns)   (offsets negative for a centre crop).
public struct GeometryRecord: Sendable, Equatable {
    public var sourceRows: Int
    public var sourceColumns: Int
    /// Inclusive-exclusive crop box in source pixels (the whole frame when not cropping).
    public var crop: (top: Int, left: Int, bottom: Int, right: Int)
    public var flipped: Bool
    /// Where the chest wall was found before any flip, and how.
    public var chestWall: GeometryOptions.Side
    public var chestWallSource: String
    public var resized: (rows: Int, columns: Int)
    public var scale: (rows: Double, columns: Double)
    /// Position of the resized image's top-left pixel in the output.
    public var offset: (rows: Int, columns: Int)
    public var output: (rows: Int, columns: Int)
    public var warnings: [String] = []

    public static func == (a: GeometryRecord, b: GeometryRecord) -> Bool {
        a.sourceRows == b.sourceRows && a.sourceColumns == b.sourceColumns && a.crop == b.crop
            && a.flipped == b.flipped && a.chestWall == b.chestWall && a.chestWallSource == b.chestWallSource
            && a.resized == b.resized && a.scale == b.scale && a.offset == b.offset && a.output == b.output
            && a.warnings == b.warnings
    }

}

/// Frame-sized buffers of the geometry (cropped or flipped copy, the resampler's intermediate and
/// result, the placed output), reused from one frame to the next by one worker. Not thread-safe.
package final class GeometryBuffers {
    var image: [Float] = []
    var mid: [Float] = []
    var scaled: [Float] = []
    var out: [Float] = []

    package init() {}

    /// Takes back a result of `Geometry.apply` once the caller is done with it.
    package func recycle(_ plane: consuming [Float]) {
        if out.isEmpty { out = plane } else if image.isEmpty { image = plane }
    }
}

package enum Geometry {
    /// The chest-wall side of a windowed frame: laterality first ((0020,0062) Image Laterality:
    /// L → left, R → right, the usual storage of DX/MG images), else the side of the foreground
    /// mask's centre of mass (tissue is heavier at the chest wall). The mask is computed only when
    /// needed (`needsMask`); when it was and disagrees with laterality, laterality wins and a
    /// warning is recorded.
    static func chestWall(laterality: String?, mask: ForegroundMask?, columns: Int) -> (GeometryOptions.Side, String, String?) {
        let byMask: GeometryOptions.Side? = mask?.centroid.map { $0.column < Double(columns - 1) / 2 ? .left : .right }
        if let side = Geometry.side(laterality: laterality) {
            var warning: String?
            if let byMask, byMask != side {
                warning = "laterality \(side == .left ? "L" : "R") puts the chest wall \(side.rawValue), the mask's centre of mass \(byMask.rawValue); laterality used"
            }
            return (side, "laterality", warning)
        }
        if let byMask { return (byMask, "mask", nil) }
        return (.left, "default", "no laterality and an empty mask: chest wall assumed left")
    }

    /// Applies crop, flip and fit to a windowed frame. `mask` is needed for `cropBreast`, for
    /// `flipTo` without laterality, and for `pad`'s anchor without laterality; callers pass it
    /// when `needsMask` says so.
    /// Frame-sized intermediates come from `buffers` and go back to them; the result is taken from
    /// them too (`buffers.recycle(_:)` takes it back when the caller is done).
    package static func apply(_ pixels: [Float], rows: Int, columns: Int, options o: GeometryOptions,
                             laterality: String?, mask: ForegroundMask?,
                             buffers: GeometryBuffers = GeometryBuffers()) -> ([Float], GeometryRecord) {
        var image = pixels, h = rows, w = columns
        var ownsImage = false
        var crop = (top: 0, left: 0, bottom: rows, right: columns)
        var warnings: [String] = []
        // 1. Crop to the breast.
        if o.cropBreast {
            if let box = mask?.box {
                crop = (top: Swift.max(0, box.top - o.cropMargin), left: Swift.max(0, box.left - o.cropMargin),
                        bottom: Swift.min(rows, box.bottom + 1 + o.cropMargin), right: Swift.min(columns, box.right + 1 + o.cropMargin))
                if crop != (0, 0, rows, columns) {
                    image = cropRows(image, columns: columns, box: crop, reusing: &buffers.image)
                    ownsImage = true
                    h = crop.bottom - crop.top
                    w = crop.right - crop.left
                }
            } else {
                warnings.append("breast crop: empty foreground mask, frame kept whole")
            }
        }
        // 2. CLAHE, on the cropped image as stored (before the flip).
        if let clahe = o.clahe {
            image = CLAHE.apply(image, rows: h, columns: w, options: clahe)
            ownsImage = true
        }
        // 3. Chest wall and flip.
        let (side, source, disagreement) = chestWall(laterality: laterality, mask: mask, columns: columns)
        if let disagreement { warnings.append(disagreement) }
        var flipped = false
        var wall = side
        if o.flipTo != .none && side != o.flipTo {
            if !ownsImage {
                // Flip a copy in the buffers, never the caller's pixels.
                var copy = Scratch.take(&buffers.image, count: image.count, zero: 0)
                copy.withUnsafeMutableBufferPointer { dst in image.withUnsafeBufferPointer { _ = dst.update(fromContentsOf: $0) } }
                image = copy
                ownsImage = true
            }
            flipHorizontally(&image, rows: h, columns: w)
            flipped = true
            wall = o.flipTo
        }
        // 4. Fit.
        guard let size = o.size else {
            let record = GeometryRecord(sourceRows: rows, sourceColumns: columns, crop: crop, flipped: flipped,
                                        chestWall: side, chestWallSource: source, resized: (h, w), scale: (1, 1),
                                        offset: (0, 0), output: (h, w), warnings: warnings)
            return (image, record)
        }
        let resized = o.resizedSize(rows: h, columns: w, size: size)
        var offset = (rows: 0, columns: 0)
        switch o.fit {
        case .stretch:
            break
        case .pad:
            offset.rows = (size.rows - resized.rows) / 2
            offset.columns = wall == .right ? size.columns - resized.columns : 0
        case .crop:
            // torchvision center_crop: top = int(round((h − th) / 2)), Python's round (half to even).
            offset.rows = -Int((Double(resized.rows - size.rows) / 2).rounded(.toNearestOrEven))
            offset.columns = -Int((Double(resized.columns - size.columns) / 2).rounded(.toNearestOrEven))
        }
        let scaled = Resampler.resize(image, rows: h, columns: w, outRows: resized.rows, outColumns: resized.columns,
                                      filter: o.interpolation, buffers: buffers)
        var out = Scratch.take(&buffers.out, count: size.rows * size.columns, zero: 0)
        out.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }   // padding is 0
        // Place (pad) or cut (crop) the resized image at the offset.
        for r in 0..<resized.rows {
            let orow = r + offset.rows
            guard orow >= 0 && orow < size.rows else { continue }
            for c in 0..<resized.columns {
                let ocol = c + offset.columns
                guard ocol >= 0 && ocol < size.columns else { continue }
                out[orow * size.columns + ocol] = scaled[r * resized.columns + c]
            }
        }
        let record = GeometryRecord(sourceRows: rows, sourceColumns: columns, crop: crop, flipped: flipped,
                                    chestWall: side, chestWallSource: source, resized: resized,
                                    scale: (Double(resized.rows) / Double(h), Double(resized.columns) / Double(w)),
                                    offset: offset, output: size, warnings: warnings)
        if ownsImage { buffers.image = image }
        if resized != (h, w) { buffers.scaled = scaled }   // else `scaled` is `image`
        return (out, record)
    }

    /// The chest-wall side (0020,0062) Image Laterality gives: L → left, R → right (trimmed, any
    /// case); nil for anything else (B, U, absent). The one place laterality is parsed.
    static func side(laterality: String?) -> GeometryOptions.Side? {
        switch laterality?.trimmingCharacters(in: .whitespaces).uppercased() {
        case "L": return .left
        case "R": return .right
        default: return nil
        }
    }

    /// Whether `apply` will look at the foreground mask for these options and this frame.
    package static func needsMask(_ o: GeometryOptions, laterality: String?) -> Bool {
        let hasLaterality = Geometry.side(laterality: laterality) != nil
        return o.cropBreast || (!hasLaterality && (o.flipTo != .none || (o.size != nil && o.fit == .pad)))
    }

    static func cropRows(_ image: [Float], columns: Int, box: (top: Int, left: Int, bottom: Int, right: Int),
                         reusing storage: inout [Float]) -> [Float] {
        let w = box.right - box.left
        var out = Scratch.take(&storage, count: (box.bottom - box.top) * w, zero: 0)   // every element is written
        for r in box.top..<box.bottom {
            let src = r * columns + box.left, dst = (r - box.top) * w
            for c in 0..<w { out[dst + c] = image[src + c] }
        }
        return out
    }

    static func flipHorizontally(_ image: inout [Float], rows: Int, columns: Int) {
        image.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows {
                var i = r * columns, j = r * columns + columns - 1
                while i < j {
                    p.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
        }
    }
}

extension GeometryOptions {
    /// The size an `h` × `w` image (after any breast crop) is resized to before it is padded or
    /// cropped to `size`.
    func resizedSize(rows h: Int, columns w: Int, size: (rows: Int, columns: Int)) -> (rows: Int, columns: Int) {
        switch fit {
        case .stretch:
            return size
        case .pad:
            let s = Swift.min(Double(size.rows) / Double(h), Double(size.columns) / Double(w))
            return (Swift.max(1, Swift.min(size.rows, Int((Double(h) * s).rounded()))),
                    Swift.max(1, Swift.min(size.columns, Int((Double(w) * s).rounded()))))
        case .crop:
            if cropMode == .squash {
                // torchvision Resize((⌊H / crop_pct⌋, ⌊W / crop_pct⌋)): each side on its own.
                return (Int((Double(size.rows) / cropPct).rounded(.down)), Int((Double(size.columns) / cropPct).rounded(.down)))
            }
            if size.rows == size.columns {
                // torchvision Resize(int): shorter side to ⌊size / crop_pct⌋, longer side int(s · long / short).
                let target = Int((Double(size.rows) / cropPct).rounded(.down))
                return h <= w ? (target, Int(Double(target) * Double(w) / Double(h)))
                              : (Int(Double(target) * Double(h) / Double(w)), target)
            }
            // timm ResizeKeepRatio(⌊size / crop_pct⌋): scale by the smaller ratio, Python's round.
            let target = (Double(Int((Double(size.rows) / cropPct).rounded(.down))),
                          Double(Int((Double(size.columns) / cropPct).rounded(.down))))
            let ratio = Swift.min(Double(h) / target.0, Double(w) / target.1)
            return (Swift.max(1, Int((Double(h) / ratio).rounded(.toNearestOrEven))),
                    Swift.max(1, Int((Double(w) / ratio).rounded(.toNearestOrEven))))
        }
    }

    /// `--reduce auto` for a `rows` × `columns` frame: the largest N (≤ 16) whose reduced image,
    /// ceil(rows / 2^N) × ceil(columns / 2^N), is at least twice the size the whole frame is
    /// resized to in both dimensions, so that the final resize still low-passes (docs/cli.md). 0
    /// without an output size. With a breast crop the frame, not the breast box (unknown before
    /// decoding), is what is judged.
    public func automaticReduction(rows: Int, columns: Int) -> Int {
        guard let size, rows > 0, columns > 0 else { return 0 }
        let target = resizedSize(rows: rows, columns: columns, size: size)
        var n = 0
        while n < ReductionRequest.maximumLevels,
              reducedLength(rows, levels: n + 1) >= 2 * target.rows,
              reducedLength(columns, levels: n + 1) >= 2 * target.columns {
            n += 1
        }
        return n
    }
}
