import ArgumentParser
import Foundation
import MammoPrep

/// `mammo-prep-bench`: throughput of the stats kernels (PixelStatistics.add, ForegroundMask.compute,
/// the masked accumulation) on a synthetic windowed mammogram, one thread, no I/O, no decoding;
/// `mammo-prep-bench decode` (DecodeCommand.swift) times one file's decoding instead.
/// A benchmark binary, not part of the `mammo-prep` product: built and run by bench/stats.sh
/// (`swift build -c release --product mammo-prep-bench`); documented in bench/README.md.
@main
struct BenchStats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mammo-prep-bench",
        abstract: "Time the stats accumulation and the foreground mask on a synthetic frame; prints one JSON line.",
        subcommands: [DecodeCommand.self]
    )

    @Option(help: "Frame size, ROWSxCOLUMNS.")
    var size: String = "4096x3328"

    @Option(help: "Timed repetitions per kernel (the best is reported).")
    var reps: Int = 7

    func run() throws {
        let parts = size.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] > 0, parts[1] > 0, reps > 0 else {
            throw ValidationError("--size must be ROWSxCOLUMNS and --reps positive")
        }
        let rows = parts[0], columns = parts[1]
        let pixels = Self.phantom(rows: rows, columns: columns)
        let bytes = Double(pixels.count * MemoryLayout<Float>.size)

        func best(_ body: () -> Void) -> Double {
            var fastest = Double.infinity
            for _ in 0..<reps {
                let t0 = DispatchTime.now().uptimeNanoseconds
                body()
                fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            return fastest
        }

        var sink = 0.0
        let plain = best {
            var s = PixelStatistics()
            s.add(pixels)
            sink += s.mean
        }
        var mask = ForegroundMask.compute(pixels: pixels, rows: rows, columns: columns)
        let maskTime = best {
            mask = ForegroundMask.compute(pixels: pixels, rows: rows, columns: columns)
        }
        let masked = best {
            var s = PixelStatistics()
            s.add(pixels, mask: mask.bits)
            sink += s.mean
        }
        let line = JSONValue.object([
            ("rows", .int(rows)), ("columns", .int(columns)), ("pixels", .int(pixels.count)),
            ("reps", .int(reps)),
            ("accumulateSeconds", .double(plain)), ("accumulateGBps", .double(bytes / plain / 1e9)),
            ("maskSeconds", .double(maskTime)),
            ("maskedAccumulateSeconds", .double(masked)), ("maskedAccumulateGBps", .double(bytes / masked / 1e9)),
            ("maskPlusMaskedAccumulateGBps", .double(bytes / (maskTime + masked) / 1e9)),
            ("maskFraction", .double(mask.fraction)),
            ("checksum", .double(sink)),
        ])
        print(line.serialized())
    }

    /// A deterministic windowed mammogram: dark background, a bright half-ellipse of tissue
    /// against the left edge with texture and noise, a small bright label.
    static func phantom(rows: Int, columns: Int) -> [Float] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func noise() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
        var out = [Float](repeating: 0, count: rows * columns)
        let cy = Double(rows) / 2, ry = Double(rows) * 0.45, rx = Double(columns) * 0.7
        for r in 0..<rows {
            let dy = (Double(r) - cy) / ry
            for c in 0..<columns {
                let dx = Double(c) / rx
                let d = dx * dx + dy * dy
                var v: Float = 0.02 + 0.01 * noise()
                if d < 1 {
                    v = Float(0.35 + 0.4 * (1 - d) + 0.05 * sin(Double(r) * 0.05) * cos(Double(c) * 0.03)) + 0.03 * noise()
                }
                out[r * columns + c] = min(1, max(0, v))
            }
        }
        for r in 40..<min(rows, 140) { for c in max(0, columns - 300)..<max(0, columns - 40) { out[r * columns + c] = 0.95 } }
        return out
    }
}
