import ArgumentParser
import Foundation
import Testing
@testable import MammoPrepCLI

/// Pinned `--help` text of `mammo-prep` and of every subcommand shown in help, rendered at a fixed
/// width so that the terminal does not matter. A changed option, default or help string changes a
/// snapshot on purpose: review the diff, then re-record with
///
///     RECORD_SNAPSHOTS=1 swift test --filter HelpSnapshotTests
///
/// which rewrites Tests/MammoPrepCLITests/Snapshots/*.txt (commit them with the change).
@Suite struct HelpSnapshotTests {
    /// Command paths below `mammo-prep`; [] is the root. Must list every displayed subcommand
    /// (`everyShownSubcommandHasASnapshot`).
    static let commands: [[String]] = [
        [],
        ["convert"],
        ["stats"],
        ["stats", "compute"],
        ["stats", "merge"],
        ["stack"],
        ["stack", "merge"],
        ["inspect"],
    ]

    static let columns = 100

    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" }

    @Test func caseListIsNotEmpty() throws {
        try #require(!Self.commands.isEmpty)
    }

    /// The displayed subcommand tree, walked from the root's configuration: a new subcommand
    /// without a snapshot fails here.
    @Test func everyShownSubcommandHasASnapshot() throws {
        var shown: [[String]] = [[]]
        func walk(_ command: ParsableCommand.Type, _ path: [String]) {
            for sub in command.configuration.subcommands where sub.configuration.shouldDisplay {
                let subPath = path + [sub._commandName]
                shown.append(subPath)
                walk(sub, subPath)
            }
        }
        walk(MammoPrepCommand.self, [])
        try #require(shown.count > 1)
        #expect(Set(shown) == Set(Self.commands), "shown subcommands \(shown) vs snapshot list \(Self.commands)")
    }

    @Test(arguments: commands)
    func helpMatchesSnapshot(_ path: [String]) throws {
        try #require(!Self.commands.isEmpty)
        let command = try #require(Self.command(at: path), "no subcommand \(path)")
        let help = MammoPrepCommand.helpMessage(for: command, columns: Self.columns) + "\n"
        let name = (["mammo-prep"] + path).joined(separator: "-") + ".txt"
        let file = Self.snapshots.appendingPathComponent(name)
        if Self.recording {
            try FileManager.default.createDirectory(at: Self.snapshots, withIntermediateDirectories: true)
            try help.write(to: file, atomically: true, encoding: .utf8)
            print("recorded \(file.path)")
            return
        }
        let rerecord = "Re-record after reviewing: RECORD_SNAPSHOTS=1 swift test --filter HelpSnapshotTests"
        guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
            Issue.record("missing snapshot \(file.path). \(rerecord)")
            return
        }
        if help != expected {
            let invocation = (["mammo-prep"] + path + ["--help"]).joined(separator: " ")
            let diff = Self.lineDiff(expected: expected, actual: help)
            Issue.record("`\(invocation)` differs from Snapshots/\(name) (- pinned, + now):\n\(diff)\n\(rerecord)")
        }
    }

    /// The command type at PATH (subcommand names), from the root.
    static func command(at path: [String]) -> ParsableCommand.Type? {
        var command: ParsableCommand.Type = MammoPrepCommand.self
        for name in path {
            guard let sub = command.configuration.subcommands.first(where: { $0._commandName == name }) else { return nil }
            command = sub
        }
        return command
    }

    /// The differing lines, numbered, as `-` expected / `+` actual.
    static func lineDiff(expected: String, actual: String) -> String {
        let a = expected.components(separatedBy: "\n"), b = actual.components(separatedBy: "\n")
        var out: [String] = []
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : nil, y = i < b.count ? b[i] : nil
            guard x != y else { continue }
            let number = String(i + 1)
            let line = String(repeating: " ", count: max(0, 4 - number.count)) + number
            if let x { out.append("\(line) - \(x)") }
            if let y { out.append("\(line) + \(y)") }
        }
        return out.joined(separator: "\n")
    }
}
