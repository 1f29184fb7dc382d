/// Wavelet reduction (`--reduce`): the image at 2^−N resolution, defined for every input as the LL
/// band of N levels of the reversible 5/3 wavelet transform of ITU-T T.800 Annex F applied to the
/// stored values, clamped to the stored-value range (docs/cli.md "Wavelet reduction").
///
/// A JPEG 2000 / HTJ2K decoder produces exactly that band when it discards N resolution levels of
/// a single-tile reversible codestream (the inverse transform of F.3 undoes F.4 bit for bit), so
/// such files get it from the codestream; every other input gets it computed after a full decode.
public enum ReductionRequest: Sendable, Equatable, CustomStringConvertible {
    /// N levels (0: full resolution).
    case levels(Int)
    /// The largest N that keeps the reduced image at least twice the size its content is resized
    /// to, in both dimensions (needs an output size).
    case auto

    public static let none = ReductionRequest.levels(0)
    /// Largest accepted N.
    public static let maximumLevels = 16

    /// The CLI's text form: "auto" or the level count.
    public init?(text: String) {
        if text == "auto" { self = .auto; return }
        guard let n = Int(text), (0...ReductionRequest.maximumLevels).contains(n) else { return nil }
        self = .levels(n)
    }

    public var description: String {
        switch self {
        case .auto: return "auto"
        case .levels(let n): return String(n)
        }
    }
}

/// What reduction was applied to a frame.
public struct ReductionRecord: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// Full resolution.
        case none
        /// The decoder discarded resolution levels of the codestream.
        case codestream
        /// Computed from the fully decoded stored values.
        case computed
    }
    public var requested: ReductionRequest
    public var levels: Int
    public var source: Source
    /// The reduced image's size, before any geometry.
    public var rows: Int
    public var columns: Int
}

/// Reduced size of one dimension: ceil(n / 2^levels) (T.800 B.5 with origin 0).
func reducedLength(_ n: Int, levels: Int) -> Int {
    levels <= 0 ? n : (n + (1 << levels) - 1) >> levels
}

/// The forward reversible 5/3 transform of T.800 Annex F, low band only.
enum Wavelet53 {
    /// The LL band of `levels` levels of 2D_SD (F.4.2: VER_SD on every column, then HOR_SD on every
    /// row) of a row-major `rows` × `columns` image; image origin 0, so each level keeps the even
    /// rows and columns, ceil(n/2) of each.
    static func lowBand(_ values: [Int32], rows: Int, columns: Int, levels: Int)
        -> (values: [Int32], rows: Int, columns: Int) {
        var image = values, r = rows, c = columns
        for _ in 0..<levels {
            if r == 1 && c == 1 { break }   // a single sample is its own LL band at every level
            let vertical = lowPassColumns(image, rows: r, columns: c)
            r = reducedLength(r, levels: 1)
            image = lowPassRows(vertical, rows: r, columns: c)
            c = reducedLength(c, levels: 1)
        }
        return (image, r, c)
    }

    /// VER_SD, low-pass output only: rows 2n of the lifted signal Y along each column.
    ///
    /// F.4.8.2 (equation F-9): Y(2n+1) = X(2n+1) − ⌊(X(2n) + X(2n+2)) / 2⌋, then
    /// Y(2n) = X(2n) + ⌊(Y(2n−1) + Y(2n+1) + 2) / 4⌋, over the signal extended by whole-sample
    /// symmetric (periodic symmetric, F.3.7) extension: X(−i) = X(i), X(n−1+i) = X(n−1−i). Hence
    /// Y(−1) = Y(1), and Y(n) = Y(n−2) for odd n. A signal of one sample is passed unchanged
    /// (F.4.8.1, i0 = i1 − 1 even).
    static func lowPassColumns(_ x: [Int32], rows: Int, columns: Int) -> [Int32] {
        let outRows = reducedLength(rows, levels: 1)
        guard rows > 1 else { return x }
        var out = [Int32](repeating: 0, count: outRows * columns)
        var previousHigh = [Int32](repeating: 0, count: columns)   // Y(2n−1) per column
        var nextHigh = [Int32](repeating: 0, count: columns)       // Y(2n+1)
        x.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { out in
                /// Y(2k+1) along every column into `high` (2k+1 < rows).
                func high(_ k: Int, into high: inout [Int32]) {
                    let odd = 2 * k + 1
                    let below = odd + 1 < rows ? odd + 1 : odd - 1   // X(n) = X(n−2) at the end
                    let o = odd * columns, a = (odd - 1) * columns, b = below * columns
                    for j in 0..<columns { high[j] = x[o + j] - ((x[a + j] + x[b + j]) >> 1) }
                }
                high(0, into: &nextHigh)                             // Y(1); Y(−1) = Y(1)
                previousHigh = nextHigh
                for n in 0..<outRows {
                    if n > 0 {
                        swap(&previousHigh, &nextHigh)
                        // Y(2n+1) exists when 2n+1 < rows; else Y(2n+1) = Y(2n−1) (odd length).
                        if 2 * n + 1 < rows { high(n, into: &nextHigh) } else { nextHigh = previousHigh }
                    }
                    let e = 2 * n * columns, o = n * columns
                    for j in 0..<columns {
                        out[o + j] = x[e + j] + ((previousHigh[j] + nextHigh[j] + 2) >> 2)
                    }
                }
            }
        }
        return out
    }

    /// HOR_SD, low-pass output only: columns 2n of the lifted signal along each row (same
    /// equations and extension as `lowPassColumns`).
    static func lowPassRows(_ x: [Int32], rows: Int, columns: Int) -> [Int32] {
        guard columns > 1 else { return x }
        let outColumns = reducedLength(columns, levels: 1)
        var out = [Int32](repeating: 0, count: rows * outColumns)
        x.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { out in
                for r in 0..<rows {
                    let row = r * columns, o = r * outColumns
                    @inline(__always) func high(_ k: Int) -> Int32 {
                        let odd = 2 * k + 1
                        let right = odd + 1 < columns ? odd + 1 : odd - 1
                        return x[row + odd] - ((x[row + odd - 1] + x[row + right]) >> 1)
                    }
                    var previous = high(0)                 // Y(−1) = Y(1)
                    for n in 0..<outColumns {
                        let next = 2 * n + 1 < columns ? high(n) : previous
                        out[o + n] = x[row + 2 * n] + ((previous + next + 2) >> 2)
                        previous = next
                    }
                }
            }
        }
        return out
    }
}

extension StoredFrame {
    /// The frame reduced by `levels` 5/3 levels (T.800 Annex F), clamped to the stored-value range.
    func reduced(levels: Int) -> StoredFrame {
        guard levels > 0 else { return self }
        let band = Wavelet53.lowBand(values(), rows: rows, columns: columns, levels: levels)
        let range = representableRange
        let words = band.values.map { StoredFrame.word(Swift.min(Swift.max($0, range.lowerBound), range.upperBound)) }
        return StoredFrame(rows: band.rows, columns: band.columns, bitsStored: bitsStored, isSigned: isSigned,
                           words: words)
    }

    /// The canonical word of a stored value (see the type's documentation).
    static func word(_ value: Int32) -> UInt16 { UInt16(truncatingIfNeeded: value) }

    /// The frame as a `RawFrame` whose layout reads canonical words unchanged (Bits Allocated 16,
    /// High Bit = Bits Stored − 1), for the windowing stage's raw path.
    var asRaw: RawFrame {
        RawFrame(rows: rows, columns: columns,
                 layout: StoredValueLayout(bitsAllocated: 16, bitsStored: bitsStored, highBit: bitsStored - 1,
                                           isSigned: isSigned)!,
                 words: words)
    }
}
