public import SwirlCore

/// Runs a `run.shell` task: `/bin/sh -c <command> sh <arguments…>`, so the command sees its
/// arguments as `$1`, `$2` … (DSL-NOTES §2 #28).
///
/// The command is the workflow author's text and is the only thing the shell parses; arguments,
/// environment and stdin are passed as argv, variables and a pipe, never spliced into the command.
/// The process sees the task's `environment`, `SWIRL_IDEMPOTENCY_KEY` (`<run id>:<step key>`,
/// stable across a resume), `SWIRL_RUN_ID` and a safe base of this process's environment (PATH,
/// HOME, the locale...: ``ProcessRunner/inheritedNames``), never Swirl's other variables such as
/// `SWIRL_SECRET_*`. See ``ProcessRunner`` for `return`, `await` and cancellation.
public struct ShellRunActivity: Activity {
    /// The shell that runs the command.
    public var shell: String

    /// Creates the activity.
    /// - Parameter shell: the POSIX shell to run commands with.
    public init(shell: String = "/bin/sh") {
        self.shell = shell
    }

    /// Runs the task's shell command.
    /// - Returns: the output `return` asks for, or the task's input when `await` is false.
    /// - Throws: `configuration` for a malformed `shell`; `runtime` when the command fails.
    public func run(_ request: ActivityRequest) async throws(WorkflowError) -> JSON {
        let shellTask = request.arguments.value["shell"] ?? .null
        guard let command = shellTask["command"]?.stringValue else {
            throw WorkflowError(
                .configuration, title: "Invalid shell task", detail: "run.shell.command must be a string",
                instance: request.task)
        }
        // "sh" fills $0, so the first argument becomes $1.
        let arguments = try ["-c", command, "sh"] + ProcessRunner.arguments(shellTask["arguments"], task: request.task)
        let launch = ProcessRunner.Launch(
            executable: shell,
            arguments: arguments,
            environment: try ProcessRunner.environmentEntries(shellTask["environment"], task: request.task),
            stdin: ProcessRunner.stdin(shellTask["stdin"]))
        return try await ProcessRunner().run(launch, for: request)
    }
}
