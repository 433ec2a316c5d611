import Foundation
import Synchronization
import SwirlCore
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs one local process for a `run` task and turns its outcome into the task's output, so that
/// ``ShellRunActivity`` and ``ScriptRunActivity`` share argv, environment, stdin, `return`, `await`
/// and cancellation handling (DSL-NOTES §1.3 "run", §2 #28-29).
struct ProcessRunner: Sendable {
    /// What to start: an absolute executable path and its argv (without argv[0]).
    struct Launch: Sendable {
        var executable: String
        var arguments: [String]
        /// Variables added to (or replacing those of) the safe base (``environment(_:inheriting:from:)``).
        var environment: [(String, String)]
        /// Variables of this process's environment the child inherits besides the safe base.
        var inherited: Set<String> = []
        /// Text fed to the child's standard input; empty when the task has none.
        var stdin: String
        /// Called once the process has finished (or failed to start), for temporary files.
        var cleanup: (@Sendable () -> Void)?
    }

    /// The first executable named `name` in the directories of `searchPath`.
    static func locate(_ name: String, in searchPath: [String]) -> String? {
        searchPath.lazy.map { URL(fileURLWithPath: $0).appendingPathComponent(name).path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The directories of this process's `PATH`.
    static var defaultSearchPath: [String] {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
    }

    /// The DSL's `run.return`.
    enum ReturnMode: String, Sendable {
        case stdout, stderr, code, all, none
    }

    /// The most standard output a task may produce before it fails; the output lands in the run
    /// state and its checkpoints, so it must stay bounded.
    static let outputLimit = 16 << 20
    /// How much of stderr a non-zero exit's error detail carries.
    static let detailLimit = 4096

    /// Runs `launch` as the task `request` asks (`return`, `await`).
    /// - Returns: the output for the return mode; the task's input at once when `await` is false.
    /// - Throws: `configuration` for a bad `return`; `runtime` when the process cannot start,
    ///   overflows its output limit or exits non-zero (unless `return` is `code` or `all`).
    func run(_ launch: Launch, for request: ActivityRequest) async throws(WorkflowError) -> JSON {
        let run = request.arguments.value
        let mode = try Self.returnMode(run["return"], task: request.task)
        let environment = Self.environment(
            launch.environment + [("SWIRL_IDEMPOTENCY_KEY", request.idempotencyKey), ("SWIRL_RUN_ID", request.runID)],
            inheriting: launch.inherited)
        let configuration = Subprocess.Configuration(
            executable: .path(FilePath(launch.executable)),
            arguments: Subprocess.Arguments(launch.arguments),
            environment: environment,
            platformOptions: Self.platformOptions)

        if run["await"]?.boolValue == false {
            // Fire and forget: the child runs on in its own group, reaped by this detached task;
            // it is not killed when the workflow task is cancelled (nothing waits for it), only
            // when this process stops (``ChildProcessGroups/endAll(grace:)``).
            Task.detached {
                var group: pid_t?
                _ = try? await Subprocess.run(
                    configuration, input: .string(launch.stdin), output: .discarded, error: .discarded
                ) { execution in
                    group = execution.processIdentifier.value
                    ChildProcessGroups.shared.add(execution.processIdentifier.value)
                }
                if let group { ChildProcessGroups.shared.remove(group) }
                launch.cleanup?()
            }
            return request.input.value
        }

        defer { launch.cleanup?() }
        // The child's pid, which is also its group's id (it leads a new session).
        var group: pid_t?
        let result: ExecutionResult<Void, StringOutput<UTF8>, StringOutput<UTF8>>
        do {
            result = try await Subprocess.run(
                configuration,
                input: .string(launch.stdin),
                output: .string(limit: Self.outputLimit),
                error: .string(limit: Self.outputLimit)
            ) { execution in
                group = execution.processIdentifier.value
                ChildProcessGroups.shared.add(execution.processIdentifier.value)
            }
        } catch {
            // Cancelled (Subprocess has sent the group SIGTERM, then SIGKILL if the child lingered)
            // or failed: what the child started must not outlive the task either.
            if let group { await ChildProcessGroups.shared.end(group, grace: Self.grace) }
            if Task.isCancelled {
                // The interpreter discards the result of a cancelled activity; the error only ends it.
                throw WorkflowError(.runtime, title: "Process cancelled", instance: request.task)
            }
            throw WorkflowError(
                .runtime, title: "Process failed", detail: "\(launch.executable): \(error)", instance: request.task)
        }
        // The child has exited; what it started in its group (a background job, a grandchild
        // that ignores SIGTERM) must not outlive the task.
        if let group { await ChildProcessGroups.shared.end(group, grace: Self.grace) }
        return try Self.output(
            status: result.terminationStatus, stdout: result.standardOutput, stderr: result.standardError,
            mode: mode, task: request.task)
    }

    /// How long a child's group has between SIGTERM and SIGKILL.
    static let grace = Duration.seconds(2)

    /// Kills the child and everything it started when the Swift task is cancelled: SIGTERM to its
    /// own process group, then SIGKILL after ``grace``. A new session (and so a new group whose id
    /// is the child's pid) keeps `sh -c`'s grandchildren (which would hold the pipes open) in that
    /// group and keeps our group safe.
    static var platformOptions: PlatformOptions {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: grace)]
        return options
    }

    static func returnMode(_ value: JSON?, task: String) throws(WorkflowError) -> ReturnMode {
        guard let value, !value.isNull else { return .stdout }
        guard let text = value.stringValue, let mode = ReturnMode(rawValue: text) else {
            throw WorkflowError(
                .configuration, title: "Invalid run return",
                detail: "return must be stdout, stderr, code, all or none, not \(value.serialized())", instance: task)
        }
        return mode
    }

    /// The task output for a finished process.
    static func output(
        status: TerminationStatus, stdout: String?, stderr: String?, mode: ReturnMode, task: String
    ) throws(WorkflowError) -> JSON {
        let code: Int
        switch status {
        case .exited(let value): code = Int(value)
        // A shell reports death by signal N as 128 + N; do the same so `code` is always a number.
        case .signaled(let signal): code = 128 + Int(signal)
        }
        let stdout = stdout ?? "", stderr = stderr ?? ""
        if code != 0 && mode != .code && mode != .all {
            var detail = "exit code \(code)"
            // Cut at a byte count (the limit is about the error's size); a split character decodes as U+FFFD.
            if !stderr.isEmpty { detail += ": " + String(decoding: stderr.utf8.prefix(detailLimit), as: UTF8.self) }
            throw WorkflowError(.runtime, title: "Process exited with a non-zero code", detail: detail, instance: task)
        }
        switch mode {
        case .stdout: return .string(trimmingOneNewline(stdout))
        case .stderr: return .string(trimmingOneNewline(stderr))
        case .code: return .number(Double(code))
        case .all: return ["code": .number(Double(code)), "stdout": .string(stdout), "stderr": .string(stderr)]
        case .none: return .null
        }
    }

    /// Drops one trailing newline: `echo hi` should give `"hi"`, as in other runtimes, while any
    /// other whitespace the process meant to print is kept. `all` keeps the texts exactly.
    static func trimmingOneNewline(_ text: String) -> String {
        if text.hasSuffix("\r\n") { return String(text.dropLast(2)) }
        if text.hasSuffix("\n") { return String(text.dropLast()) }
        return text
    }

    /// The variables of this process's environment a child inherits: what programs need to find
    /// commands, files, the user, the locale and the time zone. Nothing else of Swirl's
    /// environment (above all no `SWIRL_SECRET_*`) reaches a child unless its task declares it.
    static let inheritedNames: Set<String> = ["PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM"]

    /// Whether a child inherits the variable `name` (``inheritedNames`` and `LC_*`).
    static func isInherited(_ name: String) -> Bool {
        inheritedNames.contains(name) || name.hasPrefix("LC_")
    }

    /// The safe base of `parent` (``isInherited(_:)``, plus the variables `extra`) with `overrides`
    /// applied in order, as `NAME=value` byte strings.
    /// (Raw entries because `Environment.Key` cannot be made from a run-time string.)
    static func environment(
        _ overrides: [(String, String)], inheriting extra: Set<String> = [],
        from parent: [String: String] = ProcessInfo.processInfo.environment
    ) -> Subprocess.Environment {
        var names = parent.keys.filter { isInherited($0) || extra.contains($0) }.sorted()
        var values = parent.filter { isInherited($0.key) || extra.contains($0.key) }
        for (name, value) in overrides {
            if values.updateValue(value, forKey: name) == nil { names.append(name) }
        }
        // Subprocess 1.0 hands each entry to `strdup`, which needs the terminating NUL: without it
        // a variable picks up whatever bytes follow its array in memory.
        return .custom(names.map { Array("\($0)=\(values[$0]!)".utf8) + [0] })
    }

    /// A `run.*.arguments` value as argv: an array's strings as they are and other values as JSON
    /// text; an object's members as `name=value` in declaration order. Never joined into a command
    /// line, so no value is ever parsed by a shell.
    static func arguments(_ value: JSON?, task: String) throws(WorkflowError) -> [String] {
        switch value {
        case nil, .null?: return []
        case .array(let items)?: return items.map(argument)
        case .object(let members)?: return members.map { "\($0.key)=\(argument($0.value))" }
        case let other?:
            throw WorkflowError(
                .configuration, title: "Invalid run arguments",
                detail: "arguments must be an array or an object, not \(other.typeName)", instance: task)
        }
    }

    private static func argument(_ value: JSON) -> String {
        if case .string(let text) = value { text } else { value.serialized() }
    }

    /// `run.*.environment` as ordered pairs; scalars are stringified, null entries dropped.
    static func environmentEntries(_ value: JSON?, task: String) throws(WorkflowError) -> [(String, String)] {
        switch value {
        case nil, .null?: return []
        case .object(let members)?: return members.compactMap { $0.value.isNull ? nil : ($0.key, argument($0.value)) }
        case let other?:
            throw WorkflowError(
                .configuration, title: "Invalid run environment",
                detail: "environment must be an object, not \(other.typeName)", instance: task)
        }
    }

    /// `run.*.stdin`: a string as it is, another value as JSON text, nothing as empty input.
    static func stdin(_ value: JSON?) -> String {
        switch value {
        case nil, .null?: ""
        case let value?: argument(value)
        }
    }
}

/// The process groups of the children this process started and has not seen end, so that none
/// outlives its task or this process: each child leads its own group, and a group is ended as a
/// whole (SIGTERM, SIGKILL after a grace period) and waited for.
///
/// A group's id stays reserved while any member lives, so signalling it after its leader was
/// reaped reaches only that group's leftovers.
final class ChildProcessGroups: Sendable {
    static let shared = ChildProcessGroups()

    private let groups = Mutex<Set<pid_t>>([])

    func add(_ group: pid_t) {
        _ = groups.withLock { $0.insert(group) }
    }

    /// Forgets `group`, whose processes have all been reaped: its id may be reused.
    func remove(_ group: pid_t) {
        _ = groups.withLock { $0.remove(group) }
    }

    var live: Set<pid_t> { groups.withLock { $0 } }

    /// Whether some process of `group` still runs. A zombie does not count: an orphan's zombie
    /// waits for its new parent to reap it, which may never happen in a container.
    static func exists(_ group: pid_t) -> Bool {
        guard kill(-group, 0) == 0 || errno == EPERM else { return false }
        #if os(Linux)
        return !runningMembers(of: group).isEmpty
        #else
        return true
        #endif
    }

    /// The pids of the processes of `group` that are not zombies, from `/proc/<pid>/stat`.
    static func runningMembers(of group: pid_t) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry in
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // After "pid (command)": state, parent pid, group id, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, pid_t(fields[2]) == group else { return nil }
            return fields[0] == "Z" ? nil : pid
        }
    }

    /// Ends whatever is left of `group`: SIGTERM, then SIGKILL after `grace`, then waits (a
    /// little) for it to be gone, and forgets it. Runs to its end even in a cancelled task.
    func end(_ group: pid_t, grace: Duration) async {
        await Task.detached {
            await Self.terminate([group], grace: grace)
        }.value
        remove(group)
    }

    /// Ends every child group still known, as ``end(_:grace:)`` does, all at once: for a process
    /// about to exit.
    func endAll(grace: Duration) async {
        let groups = live
        guard !groups.isEmpty else { return }
        await Task.detached { await Self.terminate(groups, grace: grace) }.value
        self.groups.withLock { $0.subtract(groups) }
    }

    private static func terminate(_ groups: Set<pid_t>, grace: Duration) async {
        var left = groups.filter(exists)
        for group in left { kill(-group, SIGTERM) }
        let clock = ContinuousClock()
        let killAt = clock.now + grace
        while !left.isEmpty, clock.now < killAt {
            try? await Task.sleep(for: .milliseconds(20))
            left = left.filter(exists)
        }
        for group in left { kill(-group, SIGKILL) }
        // Killed processes vanish once reaped: by Subprocess for a child, by their new parent for
        // the orphans. A zombie that nobody reaps is harmless; stop waiting for it after a while.
        let giveUpAt = clock.now + .seconds(1)
        while !left.isEmpty, clock.now < giveUpAt {
            try? await Task.sleep(for: .milliseconds(20))
            left = left.filter(exists)
        }
    }
}
