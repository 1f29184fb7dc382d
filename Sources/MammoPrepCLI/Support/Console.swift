import Foundation
import MammoPrep

/// Where commands write: results to standard output, diagnostics to standard error.
enum Console {
    /// Writes one line to standard error (unbuffered, so it interleaves correctly with progress).
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line.hasSuffix("\n") ? line : line + "\n").utf8))
    }
}

extension Console {
    /// Writes text to standard error as is (progress bar redraws).
    static func raw(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

extension Console {
    /// Writes a library error as one line, its remedy named by the flag that applies it.
    static func error(_ error: MammoPrepError) {
        Console.error(error.description(remedy: Console.flagText))
    }

    /// The CLI's wording of a library remedy.
    static func flagText(_ remedy: MammoPrepError.Remedy) -> String {
        switch remedy {
        case .overwrite: return "use --overwrite to replace its outputs"
        case .clip: return "use --clip to clamp them"
        case .selectFrame: return "choose one with --frame"
        }
    }
}
