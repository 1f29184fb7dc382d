import Foundation
import Testing
@testable import MammoPrep

/// `Shard(argument:environment:)` for every job-array form (the environments are those Slurm 22.05
/// sets, as scripts/test-slurm.sh sees them), every refusal's message, and round-robin selection.
@Suite struct ShardTests {
    /// The SLURM_ARRAY_TASK_* variables of task `id` of an array.
    static func task(_ id: Int, min: Int, max: Int, step: Int, count: Int) -> [String: String] {
        ["SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_MIN": "\(min)", "SLURM_ARRAY_TASK_MAX": "\(max)",
         "SLURM_ARRAY_TASK_STEP": "\(step)", "SLURM_ARRAY_TASK_COUNT": "\(count)", "SLURM_JOB_ID": "7"]
    }

    func failure(_ argument: String, _ environment: [String: String] = [:]) -> String {
        do {
            let shard = try Shard(argument: argument, environment: environment)
            return "accepted as \(shard)"
        } catch let error as Shard.Failure {
            return error.description
        } catch {
            return "\(error)"
        }
    }

    @Test func fixedShards() throws {
        #expect(try Shard(argument: "2/3", environment: [:]) == Shard(index: 2, count: 3))
        #expect(try Shard(argument: "1/1", environment: [:]) == Shard(index: 1, count: 1))
        for bad in ["0/3", "4/3", "1/0", "x", "1/", "/2", "1/2/3", "-1/2", ""] {
            #expect(failure(bad) == "'\(bad)' is not I/N with 1 ≤ I ≤ N, 'slurm' or 'slurm:ARRAY'", "\(bad)")
        }
    }

    /// `slurm` for the ranges Slurm describes whole: 1-3, 0-9%2 (the throttle changes nothing),
    /// 0-10:2 (step 2), 5-7. Every task gets a different shard and together they cover 1…N.
    @Test(arguments: [(1, 3, 1), (0, 9, 1), (0, 10, 2), (5, 7, 1), (3, 30, 3)])
    func slurmRanges(range: (low: Int, high: Int, step: Int)) throws {
        let ids = Array(stride(from: range.low, through: range.high, by: range.step))
        let shards = try ids.map {
            try Shard(argument: "slurm", environment: Self.task($0, min: range.low, max: range.high, step: range.step, count: ids.count))
        }
        #expect(shards.map(\.index) == Array(1...ids.count))
        #expect(shards.allSatisfy { $0.count == ids.count })
    }

    @Test func slurmOutsideAnArrayNamesTheMissingVariables() {
        #expect(failure("slurm") == "not a Slurm job array task: SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, "
            + "SLURM_ARRAY_TASK_MAX, SLURM_ARRAY_TASK_STEP, SLURM_ARRAY_TASK_COUNT are not set; submit with sbatch --array, or give I/N")
        var partial = Self.task(2, min: 1, max: 3, step: 1, count: 3)
        partial["SLURM_ARRAY_TASK_STEP"] = nil
        #expect(failure("slurm", partial) == "an incomplete Slurm job array environment: SLURM_ARRAY_TASK_STEP is not set "
            + "(SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_MAX=3, SLURM_ARRAY_TASK_COUNT=3); "
            + "submit with sbatch --array, or give I/N")
        partial["SLURM_ARRAY_TASK_STEP"] = "one"
        #expect(failure("slurm", partial) == "SLURM_ARRAY_TASK_STEP='one' is not a task index")
    }

    @Test func slurmRefusesAListNamingTheVariables() {
        // --array=1,3,5: Slurm reports MIN 1, MAX 5, STEP 1, COUNT 3.
        let message = failure("slurm", Self.task(3, min: 1, max: 5, step: 1, count: 3))
        #expect(message == "the array is not one range (SLURM_ARRAY_TASK_ID=3, SLURM_ARRAY_TASK_MIN=1, "
            + "SLURM_ARRAY_TASK_MAX=5, SLURM_ARRAY_TASK_STEP=1, SLURM_ARRAY_TASK_COUNT=3): a list such as --array=1,3,5, "
            + "or a resubmitted part of an array, does not tell which part of the run this task is; give the array's "
            + "indices as first submitted, e.g. 'slurm:1,3,5' (docs/cluster.md)")
        // --array=0-6:3,10 (MIN 0, MAX 10, STEP 3, COUNT 4) and --array=2,5 (STEP 1).
        #expect(failure("slurm", Self.task(10, min: 0, max: 10, step: 3, count: 4)).hasPrefix("the array is not one range"))
        #expect(failure("slurm", Self.task(5, min: 2, max: 5, step: 1, count: 2)).hasPrefix("the array is not one range"))
        // A task ID outside the range it claims.
        #expect(failure("slurm", Self.task(9, min: 1, max: 3, step: 1, count: 3)).hasPrefix("the array is not one range"))
    }

    @Test func slurmRefusesAOneTaskArray() {
        // A resubmitted task (--array=2) cannot tell it was shard 2 of 3.
        #expect(failure("slurm", Self.task(2, min: 2, max: 2, step: 1, count: 1)) == "a one-task array "
            + "(SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_MIN=2, SLURM_ARRAY_TASK_MAX=2, SLURM_ARRAY_TASK_STEP=1, "
            + "SLURM_ARRAY_TASK_COUNT=1), e.g. a resubmitted task, does not tell which part of the run it is; give the "
            + "array as first submitted, e.g. 'slurm:0-9' for --array=0-9 (docs/cluster.md)")
    }

    /// `slurm:ARRAY` reads only the task ID: a resubmitted task gets the shard it had at first.
    @Test func slurmWithTheArraysIndices() throws {
        func shard(_ argument: String, _ id: Int) throws -> Shard {
            try Shard(argument: argument, environment: ["SLURM_ARRAY_TASK_ID": "\(id)"])
        }
        #expect(try [1, 3, 5].map { try shard("slurm:1,3,5", $0) } == [Shard(index: 1, count: 3), Shard(index: 2, count: 3), Shard(index: 3, count: 3)])
        #expect(try shard("slurm:3", 2) == Shard(index: 2, count: 3))          // N = 1-N
        #expect(try shard("slurm:0-9%2", 0) == Shard(index: 1, count: 10))     // the throttle is ignored
        #expect(try shard("slurm:0-10:2", 4) == Shard(index: 3, count: 6))
        #expect(try shard("slurm:0-6:3,10", 10) == Shard(index: 4, count: 4))
        #expect(try shard("slurm:5,1-3,3", 5) == Shard(index: 4, count: 4))    // sorted, each index once
        // The environment of a resubmitted one-task array does not matter.
        #expect(try Shard(argument: "slurm:1-3", environment: Self.task(2, min: 2, max: 2, step: 1, count: 1)) == Shard(index: 2, count: 3))
    }

    @Test func slurmWithIndicesRefusesATaskNotAmongThem() {
        #expect(failure("slurm:10", Self.task(0, min: 0, max: 9, step: 1, count: 10)) == "SLURM_ARRAY_TASK_ID=0 is not among "
            + "the array's indices 1-10 of 'slurm:10' (this array runs 0-9); give the indices of --array as first submitted (docs/cluster.md)")
        #expect(failure("slurm:1,3,5", ["SLURM_ARRAY_TASK_ID": "4"]) == "SLURM_ARRAY_TASK_ID=4 is not among the array's "
            + "indices 1,3,5 of 'slurm:1,3,5'; give the indices of --array as first submitted (docs/cluster.md)")
        #expect(failure("slurm:0-100:2", ["SLURM_ARRAY_TASK_ID": "3"]).contains("indices 0,2,…,100 (51 indices)"))
        #expect(failure("slurm:1-3") == "not a Slurm job array task: SLURM_ARRAY_TASK_ID is not set; submit with sbatch --array, or give I/N")
    }

    @Test(arguments: [("1-", "'' is not an index from 0 to 4000000"), ("5-3", "'5-3' ends before it starts"),
                      ("0", "slurm:N needs N ≥ 1"), ("1-9:0", "a step must be at least 1"), ("3:2", "a step needs a range A-B:S"),
                      ("1-2-3", "'1-2-3' is not A-B"), ("1-9:2:3", "'1-9:2:3' has two steps"), ("1,,3", "'' is not an index"),
                      ("1-3%0", "a throttle %K needs K ≥ 1"), ("1-3%x", "a throttle %K needs K ≥ 1"), ("+2", "'+2' is not an index"),
                      ("4000001", "'4000001' is not an index"), ("", "'' is not an index")])
    func slurmIndicesSyntax(case: (text: String, why: String)) {
        let message = failure("slurm:" + `case`.text, ["SLURM_ARRAY_TASK_ID": "1"])
        #expect(message.hasPrefix("'slurm:\(`case`.text)' is not a job array's indices ("), "\(message)")
        #expect(message.contains(`case`.why), "\(message)")
        #expect(message.hasSuffix("write them as for sbatch --array: A, A-B or A-B:S separated by commas, "
            + "e.g. slurm:0-9, slurm:0-10:2, slurm:1,3,5; slurm:N is 1-N"))
    }

    @Test func selectionAndOrdinals() {
        let items = Array(0..<10)
        for n in 1...4 {
            var seen: [Int] = []
            for i in 1...n {
                let shard = Shard(index: i, count: n)!
                #expect(shard.select(items) == shard.ordinals(total: items.count).map { items[$0] })
                seen += shard.select(items)
            }
            #expect(seen.sorted() == items)
        }
        let inputs = (0..<5).map { InputFile(path: "/d/\($0).dcm", outputStem: "\($0)") }
        let part = ShardInputs(Shard(index: 2, count: 2)!, of: inputs)
        #expect(part.inputs.map(\.outputStem) == ["1", "3"] && part.ordinals == [1, 3])
        #expect(part.runInputs == 5)
        #expect(part.runInputsHash == Shard.inputListKey(inputs.map(\.path)).hash)
        #expect(part.runInputsHash != Shard.inputListKey(inputs.dropLast().map(\.path)).hash)
    }
}
