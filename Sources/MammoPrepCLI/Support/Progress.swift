import Foundation
import MammoPrep

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on standard error, drawn only when it is a terminal (quiet when piped).
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast

    init(quiet: Bool) {
        enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    /// Redraws the bar with a batch's counts; `succeeded` names what the command did ("ok", "used").
    func update(_ s: BatchProgress, succeeded: String) {
        update(finished: s.finished, total: s.total, counts: "\(succeeded) \(s.succeeded)  skipped \(s.skipped)  failed \(s.failed)")
    }

    func update(finished: Int, total: Int, counts: @autoclosure () -> String) {
        guard enabled else { return }
        lock.withLock {
            let now = Date()
            guard finished == total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            let width = 30
            let fraction = total == 0 ? 1 : Double(finished) / Double(total)
            let filled = Int(fraction * Double(width))
            let elapsed = now.timeIntervalSince(start)
            let eta = finished == 0 ? "--" : Self.clock(elapsed / Double(finished) * Double(total - finished))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            Console.raw("\r[\(bar)] \(finished)/\(total)  \(counts())  eta \(eta) ")
        }
    }

    /// Prints something else on its own line without tearing the bar.
    func interrupt(_ body: () -> Void) {
        lock.withLock {
            if enabled { Console.raw("\r\u{1B}[K") }
            body()
            lastDraw = .distantPast
        }
    }

    func finish() {
        guard enabled else { return }
        Console.raw("\n")
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%02d:%02d", s / 60, s % 60)
    }
}
