import ArgumentParser
import Dispatch
import Foundation
import MammoPrep

#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM and SIGINT during a batch command: what Slurm sends at a time limit or `scancel`
/// (SIGKILL follows after its KillWait), and Ctrl-C. The first one cancels the run: no input
/// starts, those in progress finish and are recorded, and the command ends after its summary with
/// a resume hint and status 128 + the signal. A second one removes this process's temporary files
/// in `folders` and exits at once. The library only sees the `BatchCancellation` token.
final class Interruption: @unchecked Sendable {
    let cancellation = BatchCancellation()
    private let lock = NSLock()
    private var signalNumber: Int32?
    private var sources: [DispatchSourceSignal] = []
    private static let handled = [SIGTERM, SIGINT]

    /// Installs the handlers until `deinit`.
    init(temporariesIn folders: [String]) {
        // A queue of its own: it gets a thread even while the batch's workers hold the global pool.
        let queue = DispatchQueue(label: "mammo-prep.signals")
        for number in Self.handled {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.received(number, folders: folders) }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
        // After a signal the command is ending with 128 + it: a second one arriving now (the
        // images in progress just finished) must not kill the process with the default action
        // instead, so the signals stay ignored. Otherwise the default handlers come back.
        if received == nil {
            for number in Self.handled { signal(number, SIG_DFL) }
        }
    }

    private func received(_ number: Int32, folders: [String]) {
        let first = lock.withLock { () -> Bool in
            guard signalNumber == nil else { return false }
            signalNumber = number
            return true
        }
        if first {
            cancellation.cancel()
            Console.error("mammo-prep: \(Self.name(number)): finishing the images in progress and starting no more "
                          + "(send it again to stop at once)")
            return
        }
        let removed = folders.reduce(0) { $0 + AtomicFile.removeTemporaries(of: getpid(), in: $1) }
        Console.error("mammo-prep: \(Self.name(number)) again: stopped at once (\(removed) temporary files removed)")
        _exit(128 + number)
    }

    /// The signal received, if any.
    var received: Int32? { lock.withLock { signalNumber } }

    /// After an interrupted run: prints `hint` (one line, standard error) and ends the command
    /// with 128 + the signal (SIGTERM 143, SIGINT 130).
    func stop(_ counts: BatchProgress, _ hint: String) throws -> Never {
        let number = received ?? SIGTERM
        fflush(nil)  // the summary line (standard output) first, also in a Slurm output file
        Console.error("mammo-prep: interrupted by \(Self.name(number)): \(counts.notStarted) of \(counts.total) inputs "
                      + "not started; \(hint)")
        throw ExitCode(128 + number)
    }

    static func name(_ number: Int32) -> String {
        switch number {
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        default: return "signal \(number)"
        }
    }
}
