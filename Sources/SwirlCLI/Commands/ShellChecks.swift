import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime

/// The checks `swirl validate` makes of `run: shell` commands: ShellCheck on literal commands, when it is on the
/// PATH, with its findings placed in the workflow file; and a warning for commands built by joining data into
/// their text.
struct ShellChecks: Sendable {
    /// The `shellcheck` executable, or `nil` when none is on the PATH: literal commands then go unchecked.
    let shellcheck: String?

    /// The longest a ShellCheck run over one file's commands may take before it is stopped and its findings
    /// dropped.
    static let timeoutSeconds = 20.0

    init(enabled: Bool) {
        shellcheck = enabled ? ProcessActivities.locate("shellcheck") : nil
    }

    /// One `run.shell.command` of a document: where it is, and its text.
    struct Command {
        let path: JSONPointer
        let text: String
    }

    /// The command of each of `tasks` (``WorkflowValidator/Result/shellTasks``: every `run: shell` task the
    /// compiler's walk met, wherever tasks nest) that is a string.
    static func commands(of tasks: [JSONPointer], in document: JSON) -> [Command] {
        tasks.compactMap { task in
            let path = task.appending("run").appending("shell").appending("command")
            return path.resolve(in: document)?.stringValue.map { Command(path: path, text: $0) }
        }
    }

    /// The diagnostics of the commands of `tasks` in `document`; `source` gives the file's text, read only when
    /// ShellCheck runs.
    func check(_ tasks: [JSONPointer], in document: JSON, sourceMap: SourceMap, source: () -> String) -> [Diagnostic] {
        let commands = Self.commands(of: tasks, in: document)
        guard !commands.isEmpty else { return [] }
        var diagnostics: [Diagnostic] = []
        var literal: [Command] = []
        for command in commands {
            if let expression = RuntimeExpression.unwrap(command.text) {
                if Self.splices(expression.body) {
                    diagnostics.append(ShellDiagnostics.splicedCommand(path: command.path, location: sourceMap.location(of: command.path)))
                }
            } else {
                literal.append(command)
            }
        }
        if let shellcheck, !literal.isEmpty {
            diagnostics += run(shellcheck, on: literal, sourceMap: sourceMap, source: source())
        }
        return diagnostics
    }

    /// Whether an expression joins text around data: a string literal added to something (`"echo " + .a`) or
    /// interpolated (`"echo \(.a)"`), or a `join` of strings.
    static func splices(_ body: String) -> Bool {
        guard body.contains("\"") else { return false }
        return body.contains("+") || body.contains("\\(") || body.contains("join(")
    }

    /// ShellCheck over `commands`, each written to a file of its own, in one process; findings placed at their
    /// line and column in the workflow file.
    private func run(_ shellcheck: String, on commands: [Command], sourceMap: SourceMap, source: String) -> [Diagnostic] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swirl-shellcheck-\(UUID().uuidString)")
        guard (try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)) != nil else { return [] }
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [String] = []
        for (index, command) in commands.enumerated() {
            let file = folder.appendingPathComponent("\(index).sh").path
            guard FileManager.default.createFile(atPath: file, contents: Data(command.text.utf8)) else { return [] }
            files.append(file)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shellcheck)
        process.arguments = ["--format=json1", "--shell=sh", "--"] + files
        let output = folder.appendingPathComponent("out.json")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        guard let handle = try? FileHandle(forWritingTo: output) else { return [] }
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [] }
        let deadline = Date().addingTimeInterval(Self.timeoutSeconds)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return []
        }
        try? handle.close()
        guard let text = try? String(contentsOf: output, encoding: .utf8), let report = try? JSON(parsing: text) else { return [] }
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        var diagnostics: [Diagnostic] = []
        for comment in report["comments"]?.arrayValue ?? [] {
            guard let file = comment["file"]?.stringValue, let index = files.firstIndex(of: file),
                let code = comment["code"]?.numberValue, let message = comment["message"]?.stringValue
            else { continue }
            let command = commands[index]
            let line = Int(comment["line"]?.numberValue ?? 1)
            let column = Int(comment["column"]?.numberValue ?? 1)
            let location = Self.place(line: line, column: column, of: command, sourceMap: sourceMap, lines: lines)
            diagnostics.append(
                ShellDiagnostics.finding(
                    code: Int(code), level: comment["level"]?.stringValue ?? "info", message: message, path: command.path,
                    location: location))
        }
        return diagnostics
    }

    /// Where line `line`, column `column` of a command is in the workflow file: a one-line plain or quoted scalar
    /// starts at its value's column (after the quote); a literal block (`|`) has its lines below the indicator,
    /// at the indentation of the first. Anything else (folded blocks, escapes) is placed at the value.
    static func place(line: Int, column: Int, of command: Command, sourceMap: SourceMap, lines: [Substring]) -> SourceLocation? {
        guard let start = sourceMap.location(of: command.path) else { return nil }
        guard start.line >= 1, start.line <= lines.count else { return start }
        let first = Array(lines[start.line - 1].unicodeScalars.dropFirst(start.column - 1))
        switch first.first {
        case "|":
            let target = start.line + line
            guard target <= lines.count else { return start }
            let indentation = lines[start.line].unicodeScalars.prefix { $0 == " " }.count
            return SourceLocation(file: start.file, line: target, column: indentation + column)
        case "\"", "'":
            guard line == 1, !command.text.contains("\\"), !command.text.contains("'") else { return start }
            return SourceLocation(file: start.file, line: start.line, column: start.column + column)
        case ">":
            return start
        default:
            guard line == 1 else { return start }
            return SourceLocation(file: start.file, line: start.line, column: start.column + column - 1)
        }
    }
}

/// The tasks of a valid program that this build's runtime cannot carry out: the activities `swirl run` and
/// `swirl worker` register, and the kinds the driver itself performs.
enum RuntimeSupport {
    /// The kinds the driver performs (`emit`, `run: workflow`) and those `ActivityOptions.setup` registers
    /// beside the local activities, as they need its HTTP client (``ActivityRegistry/networkKinds``).
    static let driverKinds: Set<String> = ActivityRegistry.networkKinds.union(["emit", "run:workflow"])

    /// A warning at each of `activities` (``WorkflowValidator/Result/activities``, which the compiler's walk
    /// finds without building the program) whose kind nothing here performs.
    static func check(_ activities: [ActivitySite], sourceMap: SourceMap) -> [Diagnostic] {
        guard !activities.isEmpty else { return [] }
        let registry = ActivityRegistry.local()
        var diagnostics: [Diagnostic] = []
        for task in activities where !driverKinds.contains(task.kind) && registry.activity(for: task.kind) == nil {
            diagnostics.append(
                RuntimeSupportDiagnostics.unsupportedTask(
                    kind: task.kind, path: task.pointer,
                    location: sourceMap.location(of: task.pointer, .key) ?? sourceMap.location(of: task.pointer)))
        }
        return diagnostics
    }
}
