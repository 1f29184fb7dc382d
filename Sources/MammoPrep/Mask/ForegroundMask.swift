/// The breast: which pixels of a windowed mammogram belong to it (docs/stats.md, "Foreground").
///
/// Rule, per image, on the windowed 0…1 frame (after polarity, so tissue is bright):
/// 1. Candidates are all pixels except Pixel Padding (PS3.3 C.7.5.1.1.2: stored value equal to
///    (0028,0120) Pixel Padding Value, or between it and (0028,0121) Pixel Padding Range Limit).
/// 2. Threshold t by Otsu's method (Otsu 1979) on a 256-bin histogram of the candidates over
///    [0, 1]: the bin edge maximising the between-class variance. Foreground: candidate with
///    v ≥ t, i.e. exactly the bins above Otsu's background class. Constant candidates (no
///    threshold exists) are all foreground.
/// 3. Keep the largest 8-connected foreground component (drops labels, markers, noise).
/// 4. Fill its holes: background regions (4-connected) not touching the image border join it.
/// 5. Padding pixels are never kept.
/// The result also gives the bounding box and centre of mass that `--crop-breast` and
/// `--flip-to` use.
package struct ForegroundMask: Sendable, Equatable {
    package let rows: Int
    package let columns: Int
    /// Row-major, 1 = kept, 0 = not.
    package var bits: [UInt8]
    package let kept: Int
    /// Otsu's threshold on the windowed values (nil when the candidates were constant or absent).
    package let threshold: Double?
    /// Inclusive bounding box of the kept pixels (nil when none).
    package let box: Box?
    /// Centre of mass of the kept pixels, (row, column) in pixel units.
    package let centroid: (row: Double, column: Double)?

    package struct Box: Sendable, Equatable {
        package let top: Int, left: Int, bottom: Int, right: Int
    }

    package var fraction: Double { rows * columns == 0 ? 0 : Double(kept) / Double(rows * columns) }

    package static func == (a: ForegroundMask, b: ForegroundMask) -> Bool {
        a.rows == b.rows && a.columns == b.columns && a.bits == b.bits && a.threshold == b.threshold && a.box == b.box
    }

    /// The mask of a windowed frame. `padding`, when given, marks pixel padding (non-zero = padding).
    package static func compute(pixels: [Float], rows: Int, columns: Int, padding: [UInt8]? = nil) -> ForegroundMask {
        precondition(pixels.count == rows * columns)
        precondition(padding == nil || padding!.count == pixels.count)
        let threshold = otsu(pixels, padding: padding)
        // A padding pixel is never a candidate: fold it into the values as −∞ once, so the run
        // scan below is one comparison per pixel.
        let t = Float(threshold ?? -1)
        var runs = RunSet(rows: rows)
        func scan(_ v: UnsafeBufferPointer<Float>, _ isCandidate: (Int) -> Bool) {
            // t = k/256 is exact in Float, and bin(v) > k − 1 ⇔ v·256 ≥ k ⇔ v ≥ t: the foreground is
            // exactly Otsu's upper class. Constant candidates (t = −1): every candidate.
            for r in 0..<rows {
                let base = r * columns
                var c = 0
                while c < columns {
                    while c < columns && !(v[base + c] >= t && isCandidate(base + c)) { c += 1 }
                    if c == columns { break }
                    let start = c
                    while c < columns && v[base + c] >= t && isCandidate(base + c) { c += 1 }
                    runs.append(row: r, start: start, end: c - 1)
                }
            }
        }
        pixels.withUnsafeBufferPointer { v in
            if let padding {
                padding.withUnsafeBufferPointer { p in scan(v) { p[$0] == 0 } }
            } else {
                scan(v) { _ in true }
            }
        }
        let largest = runs.largestComponent(eightConnected: true)
        let filled = largest.fillingHoles(columns: columns)
        var bits = [UInt8](repeating: 0, count: rows * columns)
        var kept = 0
        var top = Int.max, left = Int.max, bottom = -1, right = -1
        var sumRow = 0.0, sumColumn = 0.0
        func keep(row: Int, from a: Int, to b: Int, into out: UnsafeMutableBufferPointer<UInt8>) {
            // Pixels a...b of one row: set, count, and add to the centroid sums in closed form.
            let base = row * columns
            (out.baseAddress! + base + a).update(repeating: 1, count: b - a + 1)
            let n = b - a + 1
            kept += n
            sumColumn += Double(a + b) * Double(n) / 2
            sumRow += Double(row) * Double(n)
            left = Swift.min(left, a)
            right = Swift.max(right, b)
            top = Swift.min(top, row)
            bottom = Swift.max(bottom, row)
        }
        bits.withUnsafeMutableBufferPointer { out in
            for run in filled.runs {
                guard let padding else {
                    keep(row: run.row, from: run.start, to: run.end, into: out)
                    continue
                }
                // Split the run around padding pixels (holes may contain padding).
                let base = run.row * columns
                var c = run.start
                while c <= run.end {
                    while c <= run.end && padding[base + c] != 0 { c += 1 }
                    if c > run.end { break }
                    let a = c
                    while c <= run.end && padding[base + c] == 0 { c += 1 }
                    keep(row: run.row, from: a, to: c - 1, into: out)
                }
            }
        }
        let box = kept > 0 ? Box(top: top, left: left, bottom: bottom, right: right) : nil
        let centroid = kept > 0 ? (row: sumRow / Double(kept), column: sumColumn / Double(kept)) : nil
        return ForegroundMask(rows: rows, columns: columns, bits: bits, kept: kept, threshold: threshold, box: box,
                              centroid: centroid)
    }

    /// Otsu's threshold over 256 bins of [0, 1]; the returned value is the upper edge of the last
    /// background bin. Nil when fewer than two bins are occupied.
    package static func otsu(_ pixels: [Float], padding: [UInt8]?) -> Double? {
        let bins = 256
        var histogram = [Int](repeating: 0, count: bins)
        // Four interleaved sub-histograms: runs of equal values (the background) do not serialise
        // on one counter.
        var sub = [Int](repeating: 0, count: 4 * bins)
        sub.withUnsafeMutableBufferPointer { h in
            pixels.withUnsafeBufferPointer { v in
                let scale = Float(bins), last = bins - 1
                if let padding {
                    padding.withUnsafeBufferPointer { p in
                        for i in 0..<v.count where p[i] == 0 {
                            h[(i & 3) * bins + UnitHistogram.bin(v[i], scale: scale, last: last)] += 1
                        }
                    }
                } else {
                    for i in 0..<v.count { h[(i & 3) * bins + UnitHistogram.bin(v[i], scale: scale, last: last)] += 1 }
                }
            }
        }
        for b in 0..<bins { histogram[b] = sub[b] + sub[bins + b] + sub[2 * bins + b] + sub[3 * bins + b] }
        let total = histogram.reduce(0, +)
        guard histogram.filter({ $0 > 0 }).count >= 2 else { return nil }
        // Bin centres as the class values (Otsu's ω, μ over the histogram).
        var sumAll = 0.0
        for b in 0..<bins { sumAll += Double(histogram[b]) * (Double(b) + 0.5) }
        var weightB = 0.0, sumB = 0.0
        var best = -1.0, bestBin = 0
        for b in 0..<(bins - 1) {
            weightB += Double(histogram[b])
            guard weightB > 0 else { continue }
            let weightF = Double(total) - weightB
            if weightF == 0 { break }
            sumB += Double(histogram[b]) * (Double(b) + 0.5)
            let meanB = sumB / weightB, meanF = (sumAll - sumB) / weightF
            let between = weightB * weightF * (meanB - meanF) * (meanB - meanF)
            if between > best {
                best = between
                bestBin = b
            }
        }
        return Double(bestBin + 1) / Double(bins)
    }
}

/// Horizontal runs of pixels, row by row, with union-find labelling (one label per run).
struct RunSet {
    struct Run { var row: Int; var start: Int; var end: Int }
    let rows: Int
    var runs: [Run] = []

    init(rows: Int) {
        self.rows = rows
    }

    /// Runs must be appended in row order, left to right.
    mutating func append(row: Int, start: Int, end: Int) {
        runs.append(Run(row: row, start: start, end: end))
    }

    /// Index of each row's first run, and `runs.count` at index `rows`.
    private func normalizedRowStart() -> [Int] {
        var starts = [Int](repeating: 0, count: rows + 1)
        var r = 0
        for (i, run) in runs.enumerated() {
            while r <= run.row { starts[r] = i; r += 1 }
        }
        while r <= rows { starts[r] = runs.count; r += 1 }
        return starts
    }

    /// Union-find labels: runs of adjacent rows that touch (8-connected: columns overlap or are
    /// diagonal neighbours; 4-connected: columns overlap) share a label.
    func labels(eightConnected: Bool) -> [Int] {
        var parent = Array(0..<runs.count)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x {
                parent[x] = parent[parent[x]]
                x = parent[x]
            }
            return x
        }
        let starts = normalizedRowStart()
        let reach = eightConnected ? 1 : 0
        for r in 1..<Swift.max(rows, 1) {
            var i = starts[r - 1], j = starts[r]
            let iEnd = starts[r], jEnd = starts[r + 1]
            while i < iEnd && j < jEnd {
                let a = runs[i], b = runs[j]
                if a.start <= b.end + reach && b.start <= a.end + reach {
                    let ra = find(i), rb = find(j)
                    if ra != rb { parent[Swift.max(ra, rb)] = Swift.min(ra, rb) }
                }
                // Advance the run that ends first.
                if a.end < b.end { i += 1 } else { j += 1 }
            }
        }
        return (0..<runs.count).map { find($0) }
    }

    /// The component with the most pixels (ties: the one found first), as a new RunSet.
    func largestComponent(eightConnected: Bool) -> RunSet {
        guard !runs.isEmpty else { return RunSet(rows: rows) }
        let label = labels(eightConnected: eightConnected)
        var size = [Int](repeating: 0, count: runs.count)
        for (i, run) in runs.enumerated() { size[label[i]] += run.end - run.start + 1 }
        var best = 0
        for i in 0..<runs.count where size[i] > size[best] { best = i }
        var out = RunSet(rows: rows)
        for (i, run) in runs.enumerated() where label[i] == best { out.append(row: run.row, start: run.start, end: run.end) }
        return out
    }

    /// This set plus every region of its complement (4-connected) that touches no image border.
    func fillingHoles(columns: Int) -> RunSet {
        guard !runs.isEmpty else { return self }
        let starts = normalizedRowStart()
        // Complement runs, row by row.
        var background = RunSet(rows: rows)
        for r in 0..<rows {
            var c = 0
            for k in starts[r]..<starts[r + 1] {
                if runs[k].start > c { background.append(row: r, start: c, end: runs[k].start - 1) }
                c = runs[k].end + 1
            }
            if c < columns { background.append(row: r, start: c, end: columns - 1) }
        }
        guard !background.runs.isEmpty else { return self }
        let label = background.labels(eightConnected: false)
        var touches = [Bool](repeating: false, count: background.runs.count)
        for (i, run) in background.runs.enumerated()
        where run.row == 0 || run.row == rows - 1 || run.start == 0 || run.end == columns - 1 {
            touches[label[i]] = true
        }
        // Merge the foreground runs with the hole runs, row by row, in column order.
        let bgStarts = background.normalizedRowStart()
        var out = RunSet(rows: rows)
        for r in 0..<rows {
            var pieces: [Run] = Array(runs[starts[r]..<starts[r + 1]])
            for k in bgStarts[r]..<bgStarts[r + 1] where !touches[label[k]] { pieces.append(background.runs[k]) }
            pieces.sort { $0.start < $1.start }
            var current: Run?
            for p in pieces {
                if var c = current, p.start <= c.end + 1 {
                    c.end = Swift.max(c.end, p.end)
                    current = c
                } else {
                    if let c = current { out.append(row: r, start: c.start, end: c.end) }
                    current = p
                }
            }
            if let c = current { out.append(row: r, start: c.start, end: c.end) }
        }
        return out
    }
}
