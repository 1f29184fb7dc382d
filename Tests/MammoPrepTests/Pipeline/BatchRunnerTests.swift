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
}
