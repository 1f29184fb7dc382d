import Dispatch
import Foundation

/// Counts of a batch run over many inputs (`convert`, `stats`), finished or in progress.
public struct BatchProgress: Sendable, Equatable {
    public var total = 0
    /// Inputs processed now.
    public var succeeded = 0
    /// Inputs already complete from an earlier run with the same configuration (`convert` resumes).
    public var alreadyDone = 0
    /// Neither DICOM nor TIFF (by content), or a DICOM object of a non-image SOP Class without
    /// Pixel Data (DICOMDIR, SR, KO, PR, …): skipped, not failed.
    public var notImage = 0
    /// `notImage` by reason: "not DICOM/TIFF" or the SOP Class's short name ("SR", "KO", …).
    public var notImageReasons: [String: Int] = [:]
    public var failed = 0
    /// Inputs never started because the run was cancelled (`BatchCancellation`).
    public var notStarted = 0
    /// Frames the succeeded inputs gave.
    public var frames = 0
    /// Wall time since the run started.
    public var seconds = 0.0

    public init() {}

    public var finished: Int { succeeded + alreadyDone + notImage + failed }
    public var skipped: Int { alreadyDone + notImage }
    /// The run was cancelled before it started every input.
    public var interrupted: Bool { notStarted > 0 }
}

/// Asks a batch run to stop starting new inputs (`Converter.run`, `StatsRunner.run`): inputs in
/// progress finish and are recorded, the others are counted as `notStarted`. Thread-safe, and
/// safe to cancel from any thread (e.g. a signal handler's queue); cancelling twice is harmless.
/// One token per run: the library holds no process-wide state for this.
public final class BatchCancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public func cancel() { lock.withLock { cancelled = true } }

    public var isCancelled: Bool { lock.withLock { cancelled } }
}

/// What one input came to.
package enum BatchOutcome<Value> {
    case succeeded(Value, frames: Int)
    case alreadyDone
    /// Skipped, with the reason counted in `BatchProgress.notImageReasons`.
    case notImage(String)
    case failed(MammoPrepError)
}

/// The worker loop every batch command shares: `jobs` workers take inputs in order, each with its
/// own workspace and state; outcomes are delivered one at a time **in input order** (an input
/// finished early waits for the ones before it), so whatever `deliver` builds does not depend on
/// `-j` or timing. Only outcomes finished out of order are held, so memory does not grow with the
/// number of inputs.
package struct BatchRunner {
    package let jobs: Int

    package init(jobs: Int) { self.jobs = max(1, jobs) }

    /// Threads a decoder may use inside one frame when `inputs` inputs (this one included) are
    /// still to start: the cores that parallel inputs leave free. All of them for a lone input
    /// (one JPEG 2000 volume) and for the last input of a batch, whose peers are finishing.
    package func decodeThreads(inputs: Int) -> Int {
        Swift.max(1, ProcessInfo.processInfo.activeProcessorCount / Swift.min(jobs, Swift.max(inputs, 1)))
    }

    /// Runs `work` for every input. `makeWorker` gives each worker its state (called on that
    /// worker's thread); `finishWorker` is called with it once its worker has no more inputs.
    /// `deliver` (serialised, in input order) gets each outcome; `progress` the counts after it.
    /// `work` also gets the decoder threads the input may use (`decodeThreads(inputs:)` of the
    /// inputs not yet started): when fewer inputs than workers remain, idle cores go to one image.
    /// A thrown error that is not a `MammoPrepError` is recorded as an internal error of stage `stage`.
    /// Once `cancellation` is cancelled no input is started; the counts then say how many were not.
    package func run<Input: Sendable, Worker, Value>(
        _ inputs: [Input], path: @Sendable (Input) -> String, stage: MammoPrepError.Stage,
        cancellation: BatchCancellation? = nil,
        makeWorker: @Sendable () -> Worker,
        work: @Sendable (inout Worker, Input, Int) throws -> BatchOutcome<Value>,
        finishWorker: @Sendable (inout Worker) -> Void = { _ in },
        deliver: @Sendable (Int, BatchOutcome<Value>) -> Void,
        progress: @Sendable (BatchProgress) -> Void = { _ in }
    ) -> BatchProgress {
        let start = DispatchTime.now()
        let state = OrderedDelivery<BatchOutcome<Value>>(total: inputs.count, cancellation: cancellation)
        let workers = Swift.min(jobs, Swift.max(inputs.count, 1))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var worker = makeWorker()
            while let index = state.next() {
                let input = inputs[index]
                let outcome: BatchOutcome<Value>
                do {
                    outcome = try work(&worker, input, decodeThreads(inputs: inputs.count - index))
                } catch let error as MammoPrepError {
                    outcome = .failed(error)
                } catch {
                    outcome = .failed(MammoPrepError(path: path(input), stage: stage, code: .internalError, detail: "\(error)"))
                }
                state.finish(index, outcome) { i, o, counts in
                    BatchRunner.count(o, into: &counts)
                    deliver(i, o)
                    progress(counts)
                }
            }
            finishWorker(&worker)
        }
        var counts = state.counts
        counts.notStarted = counts.total - state.started
        counts.seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return counts
    }

    static func count<Value>(_ outcome: BatchOutcome<Value>, into counts: inout BatchProgress) {
        switch outcome {
        case .succeeded(_, let frames): counts.succeeded += 1; counts.frames += frames
        case .alreadyDone: counts.alreadyDone += 1
        case .notImage(let reason): counts.notImage += 1; counts.notImageReasons[reason, default: 0] += 1
        case .failed: counts.failed += 1
        }
    }
}

/// Hands out input indices and releases outcomes in index order, under one lock.
private final class OrderedDelivery<Outcome>: @unchecked Sendable {
    private let lock = NSLock()
    private var cursor = 0
    private var nextToDeliver = 0
    private var pending: [Int: Outcome] = [:]
    private let cancellation: BatchCancellation?
    private(set) var counts = BatchProgress()

    init(total: Int, cancellation: BatchCancellation?) {
        counts.total = total
        self.cancellation = cancellation
    }

    /// Inputs handed out.
    var started: Int { lock.withLock { cursor } }

    func next() -> Int? {
        lock.withLock {
            guard cursor < counts.total, cancellation?.isCancelled != true else { return nil }
            defer { cursor += 1 }
            return cursor
        }
    }

    /// Records `outcome` and delivers every outcome now in order (with the lock held, so
    /// deliveries never overlap).
    func finish(_ index: Int, _ outcome: Outcome, deliver: (Int, Outcome, inout BatchProgress) -> Void) {
        lock.withLock {
            pending[index] = outcome
            while let ready = pending.removeValue(forKey: nextToDeliver) {
                deliver(nextToDeliver, ready, &counts)
                nextToDeliver += 1
            }
        }
    }
}
