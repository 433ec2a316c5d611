import Foundation
import SwirlCore
import SwirlTestSupport
import Testing

/// What a command-line tool owes its users beyond its commands: help when called bare, completions, a manual
/// page, clean help texts, and example files an editor can check as they are typed.
@Suite struct CLIConventionsTests {
    @Test("bare swirl prints its help on stderr and exits 2")
    func bareCommand() throws {
        let result = try RunBinary.swirl([])
        #expect(result.exitCode == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("USAGE: swirl <subcommand>"), "\(result.stderr)")
        #expect(result.stderr.contains("130"))
    }

    @Test("swirl completion prints a script for each shell; bash's parses", arguments: ["bash", "zsh", "fish"])
    func completion(shell: String) throws {
        let result = try RunBinary.swirl(["completion", shell])
        #expect(result.exitCode == 0, "\(result.stderr)")
        for command in ["validate", "run", "graph", "runs", "emit"] {
            #expect(result.stdout.contains(command), "the \(shell) script does not complete \(command)")
        }
        if shell == "bash" {
            let checked = try RunBinary.run("/bin/bash", ["-n"], standardInput: result.stdout)
            #expect(checked.exitCode == 0, "\(checked.stderr)")
        }
        let refused = try RunBinary.swirl(["completion", "powershell"])
        #expect(refused.exitCode == 2)
    }

    @Test("swirl manual prints a man page with every command, which groff reads without a warning")
    func manual() throws {
        let result = try RunBinary.swirl(["manual"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let page = result.stdout
        #expect(page.hasPrefix(".TH SWIRL 1 "))
        for command in Self.commands() where command.count >= 1 {
            #expect(page.contains(".SS swirl \(command.joined(separator: " "))\n"), "no section for \(command)")
        }
        #expect(page.contains("\\fB\\-\\-format\\fR \\fIformat\\fR"))
        // Debian's groff-base (scripts/deps installs it) renders it; a warning means broken markup.
        let groff = "/usr/bin/groff"
        try #require(FileManager.default.isExecutableFile(atPath: groff), "groff is missing: run scripts/deps")
        let rendered = try RunBinary.run(groff, ["-man", "-ww", "-z"], standardInput: page)
        #expect(rendered.exitCode == 0)
        #expect(rendered.stderr.isEmpty, "\(rendered.stderr)")
    }

    @Test("one flag, --format, chooses the output of every command that has a choice; --output and --json stay")
    func formatFlag() throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write(
            "hello.yaml", "document: {dsl: '1.0.3', namespace: t, name: hello, version: '1.0.0'}\ndo:\n  - only: {set: {a: 1}}\n")
        for flag in ["--format", "--output"] {
            let run = try RunBinary.swirl(["run", file, "--quiet", flag, "json"], directory: scratch.path)
            #expect(run.exitCode == 0, "\(run.stderr)")
            #expect(run.stdout == "{\"a\":1}\n", "\(flag): \(run.stdout)")
        }
        for arguments in [["runs", "list", "--format", "json"], ["runs", "list", "--json"], ["schedules", "list", "--format", "json"]] {
            let listed = try RunBinary.swirl(arguments, directory: scratch.path)
            #expect(listed.exitCode == 0, "\(arguments): \(listed.stderr)")
            #expect((try? JSON(parsing: listed.stdout)) != nil, "\(arguments): \(listed.stdout)")
        }
        let table = try RunBinary.swirl(["runs", "list", "--format", "table"], directory: scratch.path)
        #expect(table.exitCode == 0 && table.stdout.hasPrefix("ID ") && table.stdout.contains("t/hello:1.0.0"), "\(table.stdout)")
        for (command, format) in [("validate", "sarif"), ("graph", "dot")] {
            let result = try RunBinary.swirl([command, "--format", format, file], directory: scratch.path)
            #expect(result.exitCode == 0, "\(command): \(result.stderr)")
        }
    }

    @Test("no help text shows a stray backslash")
    func helpTexts() throws {
        for command in [[]] + Self.commands() {
            let result = try RunBinary.swirl(command + ["--help"])
            #expect(result.exitCode == 0, "\(command): \(result.stderr)")
            #expect(!result.stdout.contains("\\"), "swirl \(command.joined(separator: " ")) --help:\n\(result.stdout)")
        }
    }

    @Test("every example workflow in YAML names the schema for editors, by a path that exists")
    func modelines() throws {
        let folder = PackageRoot.path("Workflows")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            let first = text.prefix { $0 != "\n" }
            let prefix = "# yaml-language-server: $schema="
            #expect(first.hasPrefix(prefix), "\(file) starts with \(first)")
            let schema = folder + "/" + first.dropFirst(prefix.count)
            #expect(FileManager.default.fileExists(atPath: schema), "\(file): no schema at \(schema)")
        }
    }

    /// Every command path below `swirl` (`["runs", "list"]`...), from argument-parser's description of them.
    static func commands() -> [[String]] {
        guard let dump = try? RunBinary.swirl(["--experimental-dump-help"]), let root = try? JSON(parsing: dump.stdout)["command"]
        else { return [] }
        var paths: [[String]] = []
        func walk(_ command: JSON, _ path: [String]) {
            for subcommand in command["subcommands"]?.arrayValue ?? [] {
                guard let name = subcommand["commandName"]?.stringValue, name != "help" else { continue }
                paths.append(path + [name])
                walk(subcommand, path + [name])
            }
        }
        walk(root, [])
        return paths
    }
}
