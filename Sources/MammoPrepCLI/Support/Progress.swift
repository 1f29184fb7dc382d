import ArgumentParser
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

extension BatchProgress {
    /// The summary's skip reasons: "N not DICOM/TIFF" always, then "M not an image: 1 DICOMDIR,
    /// 2 SR" when objects of non-image SOP Classes were skipped (classes sorted by name).
    var skipReasons: String {
        let content = notImageReasons["not DICOM/TIFF"] ?? 0
        let classes = notImageReasons.filter { $0.key != "not DICOM/TIFF" }.sorted { $0.key < $1.key }
        let objects = classes.reduce(0) { $0 + $1.value }
        return "\(content) not DICOM/TIFF" + (classes.isEmpty ? "" : ", \(objects) not an image: "
            + classes.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
    }
}

extension BatchOptions {
    /// An input set without any DICOM or TIFF image (nothing converted, done or failed, and the run
    /// not interrupted) is a mistake a user wants to hear about: a warning naming the inputs, exit 1.
    static func checkFoundImages(_ summary: BatchProgress, inputs: [String]) throws {
        guard !summary.interrupted, summary.succeeded + summary.alreadyDone + summary.failed == 0 else { return }
        Console.error("mammo-prep: warning: no DICOM or TIFF image found in " + inputs.joined(separator: ", "))
        throw ExitCode(1)
    }
}
