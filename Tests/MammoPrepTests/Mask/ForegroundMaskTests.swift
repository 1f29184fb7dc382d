import Testing
@testable import MammoPrep

/// `ForegroundMask` (docs/stats.md, "--mask foreground"): Otsu on the non-padding pixels, the
/// largest 8-connected component, 4-connected holes filled, padding never kept; on synthetic
/// images whose expected mask is known pixel for pixel.
@Suite struct ForegroundMaskTests {

    /// A synthetic windowed frame, row-major.
    struct Canvas {
        let rows: Int
        let columns: Int
        var pixels: [Float]

        init(_ rows: Int, _ columns: Int, _ value: Float = 0) {
            self.rows = rows
            self.columns = columns
            pixels = [Float](repeating: value, count: rows * columns)
        }

        subscript(r: Int, c: Int) -> Float {
            get { pixels[r * columns + c] }
            set { pixels[r * columns + c] = newValue }
        }

        mutating func paint(_ value: Float, where inside: (Int, Int) -> Bool) {
            for r in 0..<rows { for c in 0..<columns where inside(r, c) { self[r, c] = value } }
        }

        mutating func paint(_ value: Float, rows rs: ClosedRange<Int>, columns cs: ClosedRange<Int>) {
            paint(value) { rs.contains($0) && cs.contains($1) }
        }

        /// Background in 0.05…0.15 and tissue in 0.6…0.9: a deterministic texture, two clear modes.
        mutating func texture(foreground: (Int, Int) -> Bool) {
            for r in 0..<rows {
                for c in 0..<columns {
                    let wiggle = Float((r * 31 + c * 17) % 11) / 10   // 0 … 1
                    self[r, c] = foreground(r, c) ? 0.6 + 0.3 * wiggle : 0.05 + 0.1 * wiggle
                }
            }
        }

        func bits(_ inside: (Int, Int) -> Bool) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: rows * columns)
            for r in 0..<rows { for c in 0..<columns where inside(r, c) { out[r * columns + c] = 1 } }
            return out
        }

        func mask(padding: [UInt8]? = nil) -> ForegroundMask {
            ForegroundMask.compute(pixels: pixels, rows: rows, columns: columns, padding: padding)
        }
    }

    static func picture(_ bits: [UInt8], _ columns: Int) -> String {
        guard columns > 0 else { return "" }
        return stride(from: 0, to: bits.count, by: columns)
            .map { String(bits[$0..<$0 + columns].map { $0 != 0 ? "#" : "." }) }
            .joined(separator: "\n")
    }

    func assertMask(_ mask: ForegroundMask, equals expected: [UInt8], _ message: String = "",
                    sourceLocation: SourceLocation = #_sourceLocation) {
        let kept = expected.filter { $0 != 0 }.count
        #expect(mask.kept == kept, "kept. \(message)", sourceLocation: sourceLocation)
        #expect(mask.bits.filter { $0 != 0 }.count == mask.kept, "bits vs kept. \(message)", sourceLocation: sourceLocation)
        if mask.bits != expected {
            Issue.record("mask differs. \(message)\ngot:\n\(Self.picture(mask.bits, mask.columns))\nexpected:\n\(Self.picture(expected, mask.columns))",
                         sourceLocation: sourceLocation)
        }
    }

    static func disk(_ r: Int, _ c: Int, centre: (Int, Int) = (32, 32), radius: Int = 20) -> Bool {
        let dr = r - centre.0, dc = c - centre.1
        return dr * dr + dc * dc <= radius * radius
    }

    // MARK: - Breast shapes

    @Test func brightDiskOnDarkBackground() throws {
        var image = Canvas(64, 64)
        image.texture { Self.disk($0, $1) }
        let mask = image.mask()
        let expected = image.bits { Self.disk($0, $1) }
        assertMask(mask, equals: expected)
        #expect(mask.kept == 1257)   // lattice points with x² + y² ≤ 400
        let t = try #require(mask.threshold)
        #expect(t > 0.15 && t <= 0.6, "threshold \(t) between the modes")
        #expect(mask.box == ForegroundMask.Box(top: 12, left: 12, bottom: 52, right: 52))
        let centroid = try #require(mask.centroid)
        #expect(centroid.row == 32)
        #expect(centroid.column == 32)
        #expect(mask.fraction == 1257.0 / 4096)
    }

    @Test func labelBlobAndSpecksAreExcluded() {
        var image = Canvas(64, 64)
        image.texture { Self.disk($0, $1) }
        image.paint(1.0, rows: 2...7, columns: 55...62)     // burnt-in label, brighter than tissue
        image.paint(0.95, rows: 60...62, columns: 1...9)    // lead marker along the bottom edge
        for (r, c) in [(2, 2), (5, 40), (58, 58), (40, 60)] { image[r, c] = 0.8 }   // specks
        let mask = image.mask()
        assertMask(mask, equals: image.bits { Self.disk($0, $1) })
        #expect(mask.box == ForegroundMask.Box(top: 12, left: 12, bottom: 52, right: 52))
    }

    @Test func darkHolesInsideTheBreastAreFilled() {
        var image = Canvas(64, 64)
        image.texture { Self.disk($0, $1) }
        image.paint(0.05, rows: 28...35, columns: 28...35)                       // square hole
        image.paint(0.1) { r, c in (r - 20) * (r - 20) + (c - 40) * (c - 40) <= 9 }   // round hole
        image.paint(0.07, rows: 44...44, columns: 25...38)                       // one-pixel-high slit
        let mask = image.mask()
        assertMask(mask, equals: image.bits { Self.disk($0, $1) })
    }

    @Test func darkRegionTouchingTheBorderIsNotFilled() {
        // Breast against the left (chest wall), top and bottom borders, with a dark channel from the
        // left border and a dark bay from the top border; and one enclosed hole.
        var image = Canvas(40, 40)
        image.texture { _, c in c <= 24 }
        image.paint(0.1, rows: 18...21, columns: 0...14)   // channel: touches column 0
        image.paint(0.1, rows: 0...6, columns: 10...13)    // bay: touches row 0
        image.paint(0.1, rows: 28...31, columns: 8...11)   // enclosed: filled
        let mask = image.mask()
        let expected = image.bits { r, c in
            c <= 24 && !((18...21).contains(r) && c <= 14) && !((0...6).contains(r) && (10...13).contains(c))
        }
        assertMask(mask, equals: expected)
    }

    @Test func ringWithAGapIsNotFilled() {
        var image = Canvas(30, 30, 0.1)
        image.paint(0.8) { r, c in (5...24).contains(r) && (5...24).contains(c) && !((8...21).contains(r) && (8...21).contains(c)) }
        var closed = image.bits { r, c in (5...24).contains(r) && (5...24).contains(c) }
        assertMask(image.mask(), equals: closed, "closed ring: interior filled")
        // A one-pixel gap through the ring's right side: the interior now reaches the border.
        image.paint(0.1, rows: 14...14, columns: 22...24)
        closed = image.bits { r, c in
            (5...24).contains(r) && (5...24).contains(c) && !((8...21).contains(r) && (8...21).contains(c))
                && !(r == 14 && (22...24).contains(c))
        }
        assertMask(image.mask(), equals: closed, "open ring: interior stays out")
    }

    // MARK: - Connectivity

    @Test func diagonallyTouchingSquaresFormOneComponent() {
        // A (16 px) and B (16 px) meet only corner to corner; C (25 px) stands alone. 8-connected,
        // A ∪ B (32 px) is the largest component; 4-connected it would be C.
        var image = Canvas(20, 30, 0.1)
        image.paint(0.8, rows: 2...5, columns: 2...5)
        image.paint(0.8, rows: 6...9, columns: 6...9)
        image.paint(0.8, rows: 12...16, columns: 20...24)
        let mask = image.mask()
        assertMask(mask, equals: image.bits { r, c in
            ((2...5).contains(r) && (2...5).contains(c)) || ((6...9).contains(r) && (6...9).contains(c))
        })
        #expect(mask.box == ForegroundMask.Box(top: 2, left: 2, bottom: 9, right: 9))
        // The other diagonal (anti-diagonal contact) too.
        var other = Canvas(20, 30, 0.1)
        other.paint(0.8, rows: 2...5, columns: 10...13)
        other.paint(0.8, rows: 6...9, columns: 6...9)
        other.paint(0.8, rows: 12...16, columns: 20...24)
        assertMask(other.mask(), equals: other.bits { r, c in
            ((2...5).contains(r) && (10...13).contains(c)) || ((6...9).contains(r) && (6...9).contains(c))
        })
    }

    @Test func diagonalOutlineEnclosesAFourConnectedHole() {
        // A diamond outline one pixel thick: 8-connected as foreground; the inside, 4-connected,
        // cannot leak through the diagonal steps, so it is a hole and gets filled.
        var image = Canvas(21, 21, 0.1)
        image.paint(0.8) { r, c in abs(r - 10) + abs(c - 10) == 6 }
        let mask = image.mask()
        assertMask(mask, equals: image.bits { r, c in abs(r - 10) + abs(c - 10) <= 6 })
        #expect(mask.kept == 2 * 36 + 2 * 6 + 1)
        #expect(mask.box == ForegroundMask.Box(top: 4, left: 4, bottom: 16, right: 16))
        #expect(mask.centroid?.row == 10)
        #expect(mask.centroid?.column == 10)
    }

    @Test func largestComponentTieKeepsTheFirstInRasterOrder() {
        var image = Canvas(20, 20, 0.1)
        image.paint(0.8, rows: 12...15, columns: 1...4)   // second in raster order
        image.paint(0.8, rows: 2...5, columns: 14...17)   // first
        assertMask(image.mask(), equals: image.bits { r, c in (2...5).contains(r) && (14...17).contains(c) })
    }

    // MARK: - Padding

    @Test func paddingIsExcludedEvenInsideTheBreast() {
        var image = Canvas(64, 64)
        image.texture { Self.disk($0, $1) }
        let padding = image.bits { r, c in ((30...33).contains(r) && (30...33).contains(c)) || c <= 3 }
        let mask = image.mask(padding: padding)
        assertMask(mask, equals: image.bits { r, c in Self.disk(r, c) && !((30...33).contains(r) && (30...33).contains(c)) })
        #expect(mask.kept == 1257 - 16)
        // Padding touching the breast edge: cut out as well.
        let edge = image.bits { r, c in r >= 50 }
        assertMask(image.mask(padding: edge), equals: image.bits { r, c in Self.disk(r, c) && r < 50 })
        // Any non-zero padding byte counts.
        assertMask(image.mask(padding: padding.map { $0 * 200 }), equals: mask.bits)
    }

    @Test func brightPaddingIsIgnoredByOtsuAndComponents() {
        // A bright padding frame larger than the breast: without the padding mask it would be the
        // largest component (and its inside a hole); with it, the breast alone.
        var image = Canvas(64, 64)
        image.texture { Self.disk($0, $1, radius: 12) }
        let frame = image.bits { r, c in r < 3 || r > 60 || c < 3 || c > 60 }
        for i in 0..<image.pixels.count where frame[i] != 0 { image.pixels[i] = 1 }
        let breast = image.bits { Self.disk($0, $1, radius: 12) }
        let masked = image.mask(padding: frame)
        assertMask(masked, equals: breast)
        #expect(image.mask().bits != breast, "the padding mask is what keeps the frame out")
        // Padding alone cannot make a threshold: breast plus constant background is bimodal only
        // without the padding; with background marked padding the candidates are the breast only.
        var flat = Canvas(16, 16, 0.1)
        flat.paint(0.8, rows: 4...11, columns: 4...11)
        let outside = flat.bits { r, c in !((4...11).contains(r) && (4...11).contains(c)) }
        #expect(ForegroundMask.otsu(flat.pixels, padding: nil) != nil)
        #expect(ForegroundMask.otsu(flat.pixels, padding: outside) == nil)
        assertMask(flat.mask(padding: outside), equals: flat.bits { r, c in (4...11).contains(r) && (4...11).contains(c) })
    }

    // MARK: - Degenerate images

    @Test func constantImageKeepsEveryNonPaddingPixel() throws {
        let image = Canvas(30, 40, 0.6)
        let mask = image.mask()
        #expect(mask.threshold == nil)
        #expect(mask.kept == 1200)
        #expect(mask.bits == [UInt8](repeating: 1, count: 1200))
        #expect(mask.box == ForegroundMask.Box(top: 0, left: 0, bottom: 29, right: 39))
        let centroid = try #require(mask.centroid)
        #expect(centroid.row == 14.5)
        #expect(centroid.column == 19.5)
        #expect(mask.fraction == 1)

        // Padding in a corner and in the middle, at other values: the candidates are still constant.
        var padded = image
        let padding = image.bits { r, c in (r < 5 && c < 5) || ((12...14).contains(r) && (20...22).contains(c)) }
        for i in 0..<padded.pixels.count where padding[i] != 0 { padded.pixels[i] = i % 2 == 0 ? 0 : 1 }
        let m = padded.mask(padding: padding)
        #expect(m.threshold == nil)
        assertMask(m, equals: padding.map { 1 - $0 })
        #expect(m.kept == 1200 - 25 - 9)
    }

    @Test func allZeroImage() {
        // Constant: no threshold, so by the rule every pixel is a candidate foreground pixel.
        let image = Canvas(16, 16, 0)
        let mask = image.mask()
        #expect(mask.threshold == nil)
        #expect(mask.kept == 256)
        #expect(mask.box == ForegroundMask.Box(top: 0, left: 0, bottom: 15, right: 15))
        // All padding: nothing kept, no box, no centroid.
        let none = image.mask(padding: [UInt8](repeating: 1, count: 256))
        #expect(none.kept == 0)
        #expect(none.bits == [UInt8](repeating: 0, count: 256))
        #expect(none.threshold == nil)
        #expect(none.box == nil)
        #expect(none.centroid == nil)
        #expect(none.fraction == 0)
    }

    @Test func tinyShapes() throws {
        let one = Canvas(1, 1, 0.4).mask()
        #expect(one.kept == 1)
        #expect(one.bits == [1])
        #expect(one.threshold == nil)
        #expect(one.box == ForegroundMask.Box(top: 0, left: 0, bottom: 0, right: 0))
        #expect(one.centroid?.row == 0)
        #expect(one.centroid?.column == 0)

        let padded = Canvas(1, 1, 0.4).mask(padding: [1])
        #expect(padded.kept == 0)
        #expect(padded.box == nil)
        #expect(padded.centroid == nil)

        let empty = ForegroundMask.compute(pixels: [], rows: 0, columns: 0)
        #expect(empty.kept == 0)
        #expect(empty.bits == [])
        #expect(empty.box == nil)
        #expect(empty.fraction == 0)

        // One row and one column: the longest bright run wins; no holes to fill on a line.
        var row = Canvas(1, 12, 0.1)
        for c in [1, 2, 5, 6, 7, 10] { row[0, c] = 0.9 }
        assertMask(row.mask(), equals: row.bits { _, c in (5...7).contains(c) })
        #expect(row.mask().box == ForegroundMask.Box(top: 0, left: 5, bottom: 0, right: 7))
        var column = Canvas(12, 1, 0.1)
        for r in [0, 3, 4, 5, 6, 9, 10] { column[r, 0] = 0.9 }
        assertMask(column.mask(), equals: column.bits { r, _ in (3...6).contains(r) })
        #expect(column.mask().centroid?.row == 4.5)

        // 2 × 2, one bright pixel.
        var square = Canvas(2, 2, 0.1)
        square[1, 0] = 0.9
        assertMask(square.mask(), equals: [0, 0, 1, 0])
    }

    // MARK: - Geometry

    @Test func boxAndCentroidOfARectangle() throws {
        var image = Canvas(20, 30, 0.1)
        image.paint(0.7, rows: 3...7, columns: 5...12)
        let mask = image.mask()
        #expect(mask.kept == 40)
        #expect(mask.box == ForegroundMask.Box(top: 3, left: 5, bottom: 7, right: 12))
        let centroid = try #require(mask.centroid)
        #expect(centroid.row == 5)
        #expect(centroid.column == 8.5)
        #expect(mask.fraction == 40.0 / 600)
        // An L shape: centroid Σ/n with n = 20 + 12.
        var l = Canvas(20, 30, 0.1)
        l.paint(0.7, rows: 2...11, columns: 3...4)     // 20 px, column mean 3.5, row mean 6.5
        l.paint(0.7, rows: 10...11, columns: 5...10)   // 12 px, column mean 7.5, row mean 10.5
        let lm = l.mask()
        #expect(lm.kept == 32)
        #expect(lm.box == ForegroundMask.Box(top: 2, left: 3, bottom: 11, right: 10))
        let lmCentroid = try #require(lm.centroid)
        #expect(lmCentroid.row == (20 * 6.5 + 12 * 10.5) / 32)
        #expect(lmCentroid.column == (20 * 3.5 + 12 * 7.5) / 32)
    }
}

extension ForegroundMaskTests.Canvas {
    init(rows: Int, columns: Int, pixels: [Float]) {
        precondition(pixels.count == rows * columns)
        self.rows = rows
        self.columns = columns
        self.pixels = pixels
    }
}
