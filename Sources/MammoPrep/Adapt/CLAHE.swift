/// Contrast-limited adaptive histogram equalization, `--clahe CLIP[:ROWSxCOLS]` (docs/adapter.md
/// "CLAHE"): the windowed 0…1 image quantized to 16 bits, q = round-half-to-even(v · 65535), then
/// exactly what OpenCV's `cv2.createCLAHE(clipLimit=CLIP, tileGridSize=(COLS, ROWS)).apply(q)`
/// computes for a CV_16UC1 image (OpenCV 4.x modules/imgproc/src/clahe.cpp, CLAHE_Impl::apply,
/// CLAHE_CalcLut_Body<ushort, 65536, 0>, CLAHE_Interpolation_Body<ushort, 0>), then q' / 65535 as
/// Float32. Every step keeps OpenCV's types (Int counts, Float weights and LUT scale) so that the
/// result is the same bit for bit (Tests/oracle/test_clahe.py checks it against opencv-python).
public struct CLAHEOptions: Sendable, Equatable {
    /// OpenCV's clipLimit (> 0): the clip height is max(Int(clip · tileArea / 65536), 1).
    public var clip: Double
    /// The tile grid as rows × columns (OpenCV's tileGridSize is (columns, rows)).
    public var rows: Int
    public var columns: Int

    /// The largest grid side (OpenCV has none; 64 × 64 tiles of 16-bit LUTs over 65,536 values
    /// would be 512 MB).
    public static let maxGrid = 64

    public init(clip: Double, rows: Int = 8, columns: Int = 8) {
        self.clip = clip
        self.rows = rows
        self.columns = columns
    }

    /// `CLIP` or `CLIP:ROWSxCOLS` (or `CLIP:N` for N × N); nil when malformed or out of range.
    public init?(text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let clip = Double(parts[0]), clip.isFinite, clip > 0 else { return nil }
        var rows = 8, columns = 8
        if parts.count == 2 {
            let grid = parts[1].lowercased().split(separator: "x", omittingEmptySubsequences: false)
            guard grid.count == 1 || grid.count == 2, let r = Int(grid[0]), let c = Int(grid.count == 2 ? grid[1] : grid[0]) else { return nil }
            (rows, columns) = (r, c)
        }
        guard (1...Self.maxGrid).contains(rows), (1...Self.maxGrid).contains(columns) else { return nil }
        self.init(clip: clip, rows: rows, columns: columns)
    }

    /// The text form `CLIP:ROWSxCOLS`, which `init?(text:)` reads back.
    public var text: String {
        let c = clip.rounded() == clip && abs(clip) < 1e15 ? String(Int(clip)) : "\(clip)"
        return "\(c):\(rows)x\(columns)"
    }
}

package enum CLAHE {
    /// The 16-bit code of a windowed value: round-half-to-even of Double(v) · 65535, clamped.
    @inline(__always) static func quantize(_ v: Float) -> UInt16 {
        let q = (Double(v) * 65535).rounded(.toNearestOrEven)
        return q <= 0 ? 0 : (q >= 65535 ? 65535 : UInt16(q))
    }

    /// CLAHE of a rows × columns windowed plane, as Float32 q' / 65535.
    package static func apply(_ plane: [Float], rows: Int, columns: Int, options: CLAHEOptions) -> [Float] {
        precondition(plane.count == rows * columns && rows > 0 && columns > 0)
        let q = plane.map(quantize)
        let out = equalize(q, rows: rows, columns: columns, options: options)
        return out.map { Float($0) / 65535 }
    }

    /// OpenCV's CLAHE of a 16-bit image.
    package static func equalize(_ src: [UInt16], rows: Int, columns: Int, options o: CLAHEOptions) -> [UInt16] {
        let tilesY = o.rows, tilesX = o.columns
        // CLAHE_Impl::apply: sizes not multiples of the grid are padded at the bottom and right
        // with BORDER_REFLECT_101 by tiles − (size mod tiles) — a whole tile more on an axis that
        // divides evenly, when the other does not (OpenCV pads both or neither).
        let even = rows % tilesY == 0 && columns % tilesX == 0
        let extRows = even ? rows : rows + tilesY - rows % tilesY
        let extColumns = even ? columns : columns + tilesX - columns % tilesX
        let tileH = extRows / tilesY, tileW = extColumns / tilesX
        let tileArea = tileH * tileW
        let histSize = 65536
        let lutScale = Float(histSize - 1) / Float(tileArea)
        let clipLimit = max(Int(o.clip * Double(tileArea) / Double(histSize)), 1)
        let rowIndex = (0..<extRows).map { reflect101($0, rows) }
        let columnIndex = (0..<extColumns).map { reflect101($0, columns) }

        // The LUTs are only ever read at values the image holds (the padding repeats image
        // pixels), so each tile's LUT is kept for those values only, by rank: the same numbers
        // as OpenCV's 65,536-entry LUTs, at a fraction of the work for 12-bit images.
        var rank = [Int](repeating: -1, count: histSize)
        for v in src { rank[Int(v)] = 0 }
        var values: [Int] = []
        for v in 0..<histSize where rank[v] == 0 {
            rank[v] = values.count
            values.append(v)
        }
        let distinct = values.count

        // CLAHE_CalcLut_Body: per tile, the histogram, clipped at clipLimit; the clipped count
        // redistributed (`batch` to every bin, then one more to bins 0, step, 2·step, … for the
        // `residual`); the cumulative sum scaled by lutScale. The redistribution is added in closed
        // form: bin v's cumulative sum gains batch·(v + 1) + min(residual, ⌊v / step⌋ + 1).
        var lut = [UInt16](repeating: 0, count: tilesX * tilesY * distinct)
        var hist = [Int](repeating: 0, count: histSize)
        src.withUnsafeBufferPointer { s in
        lut.withUnsafeMutableBufferPointer { lutBuffer in
        hist.withUnsafeMutableBufferPointer { h in
        values.withUnsafeBufferPointer { vs in
        rowIndex.withUnsafeBufferPointer { ri in
        columnIndex.withUnsafeBufferPointer { ci in
            for ty in 0..<tilesY {
                for tx in 0..<tilesX {
                    for y in (ty * tileH)..<((ty + 1) * tileH) {
                        let base = ri[y] * columns
                        for x in (tx * tileW)..<((tx + 1) * tileW) { h[Int(s[base + ci[x]])] += 1 }
                    }
                    var clipped = 0
                    for k in 0..<distinct {
                        let v = vs[k]
                        if h[v] > clipLimit {
                            clipped += h[v] - clipLimit
                            h[v] = clipLimit
                        }
                    }
                    let batch = clipped / histSize
                    let residual = clipped - batch * histSize
                    let step = residual == 0 ? 1 : max(histSize / residual, 1)
                    let tile = (ty * tilesX + tx) * distinct
                    var sum = 0
                    for k in 0..<distinct {
                        let v = vs[k]
                        sum += h[v]
                        h[v] = 0
                        let cumulative = sum + batch * (v + 1) + min(residual, v / step + 1)
                        lutBuffer[tile + k] = saturate(Float(cumulative) * lutScale)
                    }
                }
            }
        }
        }
        }
        }
        }
        }

        // CLAHE_Interpolation_Body: bilinear between the four nearest tiles' mappings, in Float.
        let invW: Float = 1 / Float(tileW), invH: Float = 1 / Float(tileH)
        var ind1 = [Int](repeating: 0, count: columns), ind2 = ind1
        var xa = [Float](repeating: 0, count: columns), xa1 = xa
        for x in 0..<columns {
            let txf = Float(x) * invW - 0.5
            let t1 = Int(txf.rounded(.down))
            xa[x] = txf - Float(t1)
            xa1[x] = 1 - xa[x]
            ind1[x] = max(t1, 0) * distinct
            ind2[x] = min(t1 + 1, tilesX - 1) * distinct
        }
        var dst = [UInt16](repeating: 0, count: rows * columns)
        src.withUnsafeBufferPointer { s in
        lut.withUnsafeBufferPointer { l in
        dst.withUnsafeMutableBufferPointer { d in
        rank.withUnsafeBufferPointer { rank in
        ind1.withUnsafeBufferPointer { ind1 in
        ind2.withUnsafeBufferPointer { ind2 in
        xa.withUnsafeBufferPointer { xa in
        xa1.withUnsafeBufferPointer { xa1 in
                    for y in 0..<rows {
                        let tyf = Float(y) * invH - 0.5
                        let t1 = Int(tyf.rounded(.down))
                        let ya = tyf - Float(t1), ya1 = 1 - ya
                        let plane1 = max(t1, 0) * tilesX * distinct
                        let plane2 = min(t1 + 1, tilesY - 1) * tilesX * distinct
                        let row = y * columns
                        for x in 0..<columns {
                            let v = rank[Int(s[row + x])]
                            let i1 = ind1[x] + v, i2 = ind2[x] + v
                            let top = Float(l[plane1 + i1]) * xa1[x] + Float(l[plane1 + i2]) * xa[x]
                            let bottom = Float(l[plane2 + i1]) * xa1[x] + Float(l[plane2 + i2]) * xa[x]
                            d[row + x] = saturate(top * ya1 + bottom * ya)
                        }
                    }
        }
        }
        }
        }
        }
        }
        }
        }
        return dst
    }

    /// cv::saturate_cast<ushort>(float): cvRound (round half to even), clamped to 0…65535.
    @inline(__always) static func saturate(_ v: Float) -> UInt16 {
        let r = v.rounded(.toNearestOrEven)
        return r <= 0 ? 0 : (r >= 65535 ? 65535 : UInt16(r))
    }

    /// cv::borderInterpolate for BORDER_REFLECT_101 (…, 2, 1 | 0, 1, 2, …, n−1 | n−2, …), repeated
    /// for pads longer than the image.
    static func reflect101(_ p: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        var p = p
        while p < 0 || p >= n { p = p < 0 ? -p : 2 * (n - 1) - p }
        return p
    }
}
