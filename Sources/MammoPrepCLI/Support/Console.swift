import Foundation

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
