import ArgumentParser
import Testing
@testable import MammoPrepCLI
import MammoPrep

/// Parse-only tests: option spelling, validation, exit statuses (docs/design.md §2).
@Suite struct ParsingTests {
    @Test func inspectParsesFilesAndFlags() throws {
        let command = try MammoPrepCommand.parseAsRoot(["inspect", "--json", "--verify", "a.dcm", "b.tif"])
        let inspect = try #require(command as? MammoPrepCommand.Inspect)
        #expect(inspect.files == ["a.dcm", "b.tif"])
        #expect(inspect.json && inspect.verify)
        #expect(inspect.limits.limits.maxFramePixels == 1 << 28)
    }

    @Test func usageErrorsAreValidationFailures() {
        for arguments in [["inspect"], ["inspect", "--max-frame-pixels", "0", "a.dcm"], ["inspect", "--nope", "a"]] {
            do {
                _ = try MammoPrepCommand.parseAsRoot(arguments)
                Issue.record("\(arguments) parsed")
            } catch {
                // mainWithDesignExitCodes maps these to exit status 2.
                #expect(MammoPrepCommand.exitCode(for: error) == .validationFailure, "\(arguments)")
            }
        }
    }

    @Test func reduceTakesALevelCountOrAuto() throws {
        for command in ["convert", "stats"] {
            let prefix = command == "stats" ? ["stats", "compute", "--out", "s.json"] : ["convert", "--out", "o"]
            for (text, expected) in [("0", ReductionRequest.levels(0)), ("4", .levels(4)), ("16", .levels(16))] {
                let parsed = try MammoPrepCommand.parseAsRoot(prefix + ["--reduce", text, "a.dcm"])
                let geometry = (parsed as? MammoPrepCommand.Convert)?.geometry ?? (parsed as? MammoPrepCommand.Stats.Compute)?.geometry
                #expect(geometry?.reduce == expected, "\(command) --reduce \(text)")
            }
            for text in ["-1", "17", "1.5", "two", ""] {
                do {
                    _ = try MammoPrepCommand.parseAsRoot(prefix + ["--reduce", text, "a.dcm"])
                    Issue.record("\(command) --reduce \(text) parsed")
                } catch {
                    #expect(MammoPrepCommand.exitCode(for: error) == .validationFailure)
                    #expect(MammoPrepCommand.message(for: error).contains("--reduce"), "\(command) --reduce \(text)")
                }
            }
        }
    }

    @Test func dumpStoredIsHiddenFromHelp() {
        let help = MammoPrepCommand.helpMessage()
        #expect(help.contains("inspect"))
        #expect(!help.contains("dump-stored"))
    }
}
