import Foundation
import Synchronization
import Testing
@testable import MammoPrep

/// `BatchRunner`: outcomes in input order, and the decoder threads each input is given (idle cores
/// go to the inputs that start when fewer inputs than workers remain).
@Suite struct BatchRunnerTests {
    @Test(arguments: [(1, 1), (2, 1), (2, 5), (3, 7), (4, 2)])
    func decodeThreadsFollowTheInputsLeft(shape: (jobs: Int, inputs: Int)) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let runner = BatchRunner(jobs: shape.jobs)
        let given = Mutex([Int: Int]())
        let delivered = Mutex([Int]())
        _ = runner.run(Array(0..<shape.inputs), path: { "input \($0)" }, stage: .read,
                       makeWorker: { () },
                       work: { _, input, threads in
                           given.withLock { $0[input] = threads }
                           return .succeeded(input, frames: 1)
                       },
                       deliver: { index, _ in delivered.withLock { $0.append(index) } })
        #expect(delivered.withLock { $0 } == Array(0..<shape.inputs))
        for input in 0..<shape.inputs {
            let left = shape.inputs - input
            let expected = max(1, cores / min(shape.jobs, left))
            #expect(given.withLock { $0[input] } == expected, "input \(input) of \(shape.inputs), -j \(shape.jobs)")
        }
        // The last input may use every core.
        #expect(given.withLock { $0[shape.inputs - 1] } == cores)
    }

    /// Cancelled after the third delivery: no input starts after it, the ones in progress finish
    /// and are delivered in order, and the rest are counted as not started.
    @Test(arguments: [1, 2, 4])
    func cancellationStopsStartingInputs(jobs: Int) {
        let cancellation = BatchCancellation()
        let started = Mutex([Int]())
        let delivered = Mutex([Int]())
        let startedAtCancel = Mutex(0)
        let counts = BatchRunner(jobs: jobs).run(
            Array(0..<50), path: { "input \($0)" }, stage: .read, cancellation: cancellation,
            makeWorker: { () },
            work: { _, input, _ in
                started.withLock { $0.append(input) }
                return .succeeded(input, frames: 1)
            },
            deliver: { index, _ in
                delivered.withLock { $0.append(index) }
                if index == 2 {
                    startedAtCancel.withLock { $0 = started.withLock { $0.count } }
                    cancellation.cancel()
                }
            })
        let ran = started.withLock { $0 }.sorted()
        #expect(ran == Array(0..<ran.count), "inputs start in order")
        // A worker running ahead may have started any number of later inputs before input 2 is
        // delivered (delivery waits for the ones before it); after the cancel, at most the inputs
        // other workers had already been handed (but not yet begun) start.
        let atCancel = startedAtCancel.withLock { $0 }
        #expect(ran.count >= 3 && atCancel >= 3 && ran.count < atCancel + jobs, "no input is handed out after the cancel")
        #expect(delivered.withLock { $0 } == ran)
        #expect(counts.succeeded == ran.count && counts.notStarted == 50 - ran.count && counts.interrupted)
        #expect(counts.finished + counts.notStarted == counts.total)
        // A token cancelled before the run starts nothing.
        let none = BatchRunner(jobs: jobs).run(Array(0..<5), path: { "\($0)" }, stage: .read, cancellation: cancellation,
                                               makeWorker: { () }, work: { _, i, _ in .succeeded(i, frames: 1) },
                                               deliver: { _, _ in })
        #expect(none.notStarted == 5 && none.finished == 0)
        #expect(!BatchRunner(jobs: jobs).run(Array(0..<5), path: { "\($0)" }, stage: .read, makeWorker: { () },
                                             work: { _, i, _ in .succeeded(i, frames: 1) }, deliver: { _, _ in }).interrupted)
    }
}
