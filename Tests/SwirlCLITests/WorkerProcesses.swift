import Foundation
import SwirlPostgres
import SwirlTestSupport
import Testing

/// A database of its own for a test that runs `swirl` processes against PostgreSQL: created on
/// the test server, dropped (connections and all) when the test ends.
final class ScratchDatabase {
    let name: String
    let url: String
    private let serverURL: String

    init() throws {
        serverURL = try #require(try TestDatabase.url(), "\(TestDatabase.urlVariable) is not set; use scripts/test")
        name = "swirl_e2e_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let connection = try PGConnection(url: serverURL)
        // Identifiers cannot be parameters; the name is lowercase hex, so quoting it is enough.
        try connection.execute("CREATE DATABASE \"\(name)\"")
        url = try Self.url(serverURL, database: name)
    }

    deinit {
        if let connection = try? PGConnection(url: serverURL) {
            _ = try? connection.execute("DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)")
        }
    }

    /// `url` with its database replaced by `database`.
    static func url(_ url: String, database: String) throws -> String {
        var components = try #require(URLComponents(string: url), "the test database URL must be a postgresql:// URL")
        components.path = "/" + database
        return try #require(components.string)
    }

    /// The command that restarts the test server (set by scripts/test), if any.
    static var restartCommand: String? {
        ProcessInfo.processInfo.environment["SWIRL_TEST_PG_RESTART"].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// `posix_spawn` failed.
struct SpawnFailure: Error, CustomStringConvertible {
    var executable: String
    var code: Int32
    var description: String { "cannot start \(executable): error \(code)" }
}

/// A child process started with `posix_spawn` and reaped with `waitpid` by the test itself:
/// Foundation's `Process` can miss the exit of a child when used from tasks, so these tests do
/// not depend on it.
final class ChildProcess {
    let pid: pid_t
    private var status: Int32?

    /// Starts `executable` with `arguments` and `environment`, its output appended to `log`.
    init(executable: String, arguments: [String], environment: [String: String], log: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw SpawnFailure(executable: executable, code: result) }
        pid = child
    }

    /// Whether the process still runs (reaping it when it has exited).
    var isRunning: Bool {
        if status != nil { return false }
        var raw: Int32 = 0
        let reaped = waitpid(pid, &raw, WNOHANG)
        if reaped == pid {
            // WIFEXITED / WEXITSTATUS, or 128 + the signal that ended it.
            status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            return false
        }
        return reaped == 0
    }

    /// The exit code (128 + signal when killed), once the process has ended.
    var exitCode: Int32? {
        _ = isRunning
        return status
    }

    func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// Waits up to `seconds` for the process to end; returns whether it did.
    @discardableResult
    func wait(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning, Date() < deadline { usleep(5_000) }
        return !isRunning
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            wait(seconds: 10)
        }
    }
}

/// `swirl` processes started by a test, stopped and reaped when it ends.
final class SwirlProcess {
    let child: ChildProcess
    let name: String
    private let log: String

    /// Starts `swirl arguments` with `environment` added to the test's, its output going to a file.
    init(_ arguments: [String], name: String, environment: [String: String] = [:], scratch: String) throws {
        self.name = name
        log = scratch + "/\(name)-\(UUID().uuidString.prefix(6)).log"
        var variables = ProcessInfo.processInfo.environment
        variables["NO_COLOR"] = "1"
        for (key, value) in environment { variables[key] = value }
        child = try ChildProcess(executable: RunBinary.swirlPath, arguments: arguments, environment: variables, log: log)
    }

    var isRunning: Bool { child.isRunning }
    var exitCode: Int32? { child.exitCode }

    func signal(_ number: Int32) {
        child.signal(number)
    }

    /// SIGKILL, then waits for the process to be gone.
    func kill9() {
        child.signal(SIGKILL)
        child.wait(seconds: 10)
    }

    /// SIGTERM, then waits up to `seconds` before SIGKILL; the exit code, or `nil` if it had to be killed.
    func terminate(within seconds: Double = 20) -> Int32? {
        child.signal(SIGTERM)
        if child.wait(seconds: seconds) { return child.exitCode }
        kill9()
        return nil
    }

    var output: String {
        (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    }
}

/// Runs `command` with `/bin/sh -c` and waits for it; returns its exit code.
func runShell(_ command: String, scratch: String, seconds: Double = 90) throws -> Int32? {
    let child = try ChildProcess(
        executable: "/bin/sh", arguments: ["-c", command], environment: ProcessInfo.processInfo.environment,
        log: scratch + "/shell-\(UUID().uuidString.prefix(6)).log")
    child.wait(seconds: seconds)
    return child.exitCode
}

/// A scratch folder, removed when the test ends.
final class ScratchFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("swirl-durable-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ content: String) throws -> String {
        let file = path + "/" + name
        try Data(content.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Waits until `condition` holds, checking every `interval` seconds, for at most `seconds`.
/// - Returns: whether it held in time.
func eventually(within seconds: Double, every interval: Double = 0.1, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .seconds(interval))
    }
    return try await condition()
}
