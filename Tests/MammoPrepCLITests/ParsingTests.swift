import ArgumentParser
import Testing
@testable import MammoPrepCLI

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

    @Test func dumpStoredIsHiddenFromHelp() {
        let help = MammoPrepCommand.helpMessage()
        #expect(help.contains("inspect"))
        #expect(!help.contains("dump-stored"))
    }
}
