import ArgumentParser
import MammoPrep

#if canImport(Glibc)
import Glibc
#endif

/// The root command: configuration only (swift-argument-parser's `Math` example).
public struct MammoPrepCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mammo-prep",
        abstract: "Turn 12/16-bit mammograms (DICOM, TIFF) into the tensors a pretrained PyTorch model expects.",
        version: MammoPrepVersion.string,
        subcommands: [Convert.self, Stats.self, Stack.self, Inspect.self, DumpStored.self]
    )

    public init() {}

    /// Runs the command line with the exit statuses of docs/design.md §2: 0 success, 1 some inputs
    /// failed, 2 usage error or nothing could start (ArgumentParser's default for usage is 64).
    public static func mainWithDesignExitCodes(_ arguments: [String]? = nil) -> Never {
        Allocator.keepLargeBuffersForReuse()
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Glibc.exit(0)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                let message = fullMessage(for: error)
                Console.error(message)
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Version of the tool, recorded in manifests.
public enum MammoPrepVersion {
    public static let string = "0.1.0"
}
