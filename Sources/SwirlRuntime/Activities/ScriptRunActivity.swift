import Foundation
public import SwirlCore

/// Runs a `run.script` task with a local interpreter: `js`/`javascript` with `node`, `python`
/// with `python3`.
///
/// Inline JavaScript is written to a temporary `.mjs` file and run as an ES module (the CTK's
/// script uses `import`), so `process.argv[2]` is the first argument, as for any node script.
/// Inline Python runs as `python3 -c <code> <arguments…>`, so `sys.argv[1]` is the first argument.
/// A `source` must be a `file://` URI (or an absolute path); it is run in place, so its own
/// relative imports work. `arguments`, `environment`, `stdin`, `return` and `await` behave as for
/// ``ShellRunActivity``.
public struct ScriptRunActivity: Activity {
    /// The directories searched for interpreters, in order.
    public var searchPath: [String]

    /// Creates the activity.
    /// - Parameter searchPath: where to look for `node` and `python3`; by default this process's
    ///   `PATH`. Tests inject an empty list to see the missing-interpreter error.
    public init(searchPath: [String]? = nil) {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        self.searchPath = searchPath ?? path.split(separator: ":").map(String.init)
    }

    /// Runs the task's script.
    /// - Returns: the output `return` asks for, or the task's input when `await` is false.
    /// - Throws: `configuration` for an unknown language, a bad source or a missing interpreter;
    ///   `runtime` when the script fails.
    public func run(_ request: ActivityRequest) async throws(WorkflowError) -> JSON {
        let task = request.task
        let script = request.arguments.value["script"] ?? .null
        let language = script["language"]?.stringValue ?? ""
        let interpreter: String
        switch language {
        case "js", "javascript": interpreter = "node"
        case "python": interpreter = "python3"
        default:
            throw WorkflowError(
                .configuration, title: "Unsupported script language",
                detail: "language '\(language)' is not supported; use js, javascript or python", instance: task)
        }
        guard let executable = locate(interpreter) else {
            throw WorkflowError(
                .configuration, title: "Script interpreter not found",
                detail: "'\(interpreter)' (for language \(language)) is not on the search path "
                    + "\(searchPath.joined(separator: ":"))", instance: task)
        }

        var leading: [String]
        var cleanup: (@Sendable () -> Void)?
        if let code = script["code"]?.stringValue {
            if interpreter == "python3" {
                leading = ["-c", code]
            } else {
                let file = FileManager.default.temporaryDirectory
                    .appendingPathComponent("swirl-script-\(UUID().uuidString).mjs").path
                guard FileManager.default.createFile(atPath: file, contents: Data(code.utf8)) else {
                    throw WorkflowError(
                        .runtime, title: "Cannot write script", detail: "cannot create \(file)", instance: task)
                }
                leading = [file]
                cleanup = { try? FileManager.default.removeItem(atPath: file) }
            }
        } else if let source = script["source"] {
            leading = [try Self.sourcePath(source, task: task)]
        } else {
            throw WorkflowError(
                .configuration, title: "Invalid script task", detail: "run.script needs code or source", instance: task)
        }

        let launch = ProcessRunner.Launch(
            executable: executable,
            arguments: leading + (try ProcessRunner.arguments(script["arguments"], task: task)),
            environment: try ProcessRunner.environmentEntries(script["environment"], task: task),
            stdin: ProcessRunner.stdin(script["stdin"]),
            cleanup: cleanup)
        return try await ProcessRunner().run(launch, for: request)
    }

    /// The first executable named `name` on ``searchPath``.
    private func locate(_ name: String) -> String? {
        ProcessRunner.locate(name, in: searchPath)
    }

    /// The local file a `source` names: `{endpoint: "file:///…"}`, `{endpoint: {uri: …}}` or a
    /// string. Only local files: fetching code over the network is not supported yet.
    static func sourcePath(_ source: JSON, task: String) throws(WorkflowError) -> String {
        let endpoint = source["endpoint"] ?? source
        let text = endpoint.stringValue ?? endpoint["uri"]?.stringValue ?? ""
        if text.hasPrefix("/") { return text }
        guard let url = URL(string: text), url.scheme == "file", !url.path.isEmpty else {
            throw WorkflowError(
                .configuration, title: "Unsupported script source",
                detail: "source must be a file:// URI or an absolute path, not '\(text)'", instance: task)
        }
        return url.path
    }
}
