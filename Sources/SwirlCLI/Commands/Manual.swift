import ArgumentParser
import Foundation
import SwirlCore

/// `swirl manual`: prints Swirl's manual page (roff, section 1), generated from the same help as `--help`.
struct Manual: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manual",
        abstract: "Print the manual page of swirl (roff), made from the commands' help.",
        discussion: "For example 'swirl manual > /usr/local/share/man/man1/swirl.1', then 'man swirl'."
    )

    func run() throws {
        Terminal.writeOutput(try ManualPage.render(Self.helpDump()))
    }

    /// The description of every command that argument-parser prints with `--experimental-dump-help`, read from
    /// this executable run once more (the library offers it only that way).
    static func helpDump() throws -> JSON {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["--experimental-dump-help"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw EnvironmentFailure(message: "cannot describe the commands: \(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let dump = try? JSON(parsing: String(decoding: data, as: UTF8.self)) else {
            throw EnvironmentFailure(message: "cannot describe the commands: the help dump failed")
        }
        return dump
    }
}

/// A manual page in roff (`man 7 groff_man`) from argument-parser's description of the commands.
enum ManualPage {
    static func render(_ dump: JSON) throws -> String {
        guard let root = dump["command"] else { throw EnvironmentFailure(message: "the help dump has no command") }
        var page = ".TH SWIRL 1 \"\" \"swirl \(SwirlVersion.current)\" \"User Commands\"\n"
        page += ".SH NAME\nswirl \\- \(escape(root["abstract"]?.stringValue ?? ""))\n"
        page += ".SH SYNOPSIS\n.B swirl\n.I subcommand\n.RI [ options ]\n"
        if let discussion = root["discussion"]?.stringValue, !discussion.isEmpty {
            page += ".SH DESCRIPTION\n\(paragraphs(discussion))"
        }
        page += ".SH COMMANDS\n"
        for command in root["subcommands"]?.arrayValue ?? [] where command["commandName"]?.stringValue != "help" {
            page += section(command, path: ["swirl"])
        }
        page += ".SH EXIT STATUS\n0 success; 1 a workflow is invalid or a run faulted; 2 a usage or environment error; "
        page += "130 interrupted (SIGINT); 143 stopped by SIGTERM.\n"
        page += ".SH SEE ALSO\n" + escape("'swirl explain' for the diagnostic codes; 'swirl COMMAND --help'.") + "\n"
        return page
    }

    /// One command and, below it, its subcommands.
    private static func section(_ command: JSON, path: [String]) -> String {
        let name = path + [command["commandName"]?.stringValue ?? ""]
        var text = ".SS \(escape(name.joined(separator: " ")))\n"
        if let abstract = command["abstract"]?.stringValue { text += escape(abstract) + "\n" }
        if let discussion = command["discussion"]?.stringValue, !discussion.isEmpty { text += paragraphs(discussion) }
        for argument in command["arguments"]?.arrayValue ?? [] where argument["shouldDisplay"] != .bool(false) {
            text += ".TP\n" + argumentLabel(argument) + "\n" + escape(argument["abstract"]?.stringValue ?? "") + "\n"
        }
        for subcommand in command["subcommands"]?.arrayValue ?? [] where subcommand["commandName"]?.stringValue != "help" {
            text += section(subcommand, path: name)
        }
        return text
    }

    /// `\fB--format\fR \fIformat\fR`, `\fIpaths\fR ...`.
    private static func argumentLabel(_ argument: JSON) -> String {
        let value = argument["valueName"]?.stringValue ?? ""
        let repeating = argument["isRepeating"] == .bool(true) ? " ..." : ""
        guard argument["kind"]?.stringValue != "positional" else { return "\\fI\(escape(value))\\fR\(repeating)" }
        let names = (argument["names"]?.arrayValue ?? []).compactMap { name -> String? in
            guard let text = name["name"]?.stringValue else { return nil }
            return name["kind"]?.stringValue == "short" ? "-" + text : "--" + text
        }
        let label = names.map { "\\fB\(escape($0))\\fR" }.joined(separator: ", ")
        return argument["kind"]?.stringValue == "flag" ? label : "\(label) \\fI\(escape(value))\\fR\(repeating)"
    }

    private static func paragraphs(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: true).map { ".PP\n" + escape(String($0)) + "\n" }.joined()
    }

    /// Text that roff prints as written: backslashes and hyphens escaped, and no line starting with a control
    /// character.
    static func escape(_ text: String) -> String {
        var escaped = text.replacing("\\", with: "\\e").replacing("-", with: "\\-")
        if escaped.hasPrefix(".") || escaped.hasPrefix("'") { escaped = "\\&" + escaped }
        return escaped
    }
}
