import Foundation
import Subprocess
import Synchronization
import SwirlCore

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs one MCP call against a server started as a child process, speaking newline-delimited
/// JSON-RPC on its stdin and stdout (the MCP stdio transport).
///
/// The child is started as `run: process` tasks start theirs (``ProcessRunner``): argv, never a
/// shell; the task's environment on the safe base, plus `SWIRL_IDEMPOTENCY_KEY` and `SWIRL_RUN_ID`;
/// a session and process group of its own, known to ``ChildProcessGroups`` so it never outlives
/// swirl. At the end of the call its stdin is closed; a group still running after
/// ``closeGrace`` gets SIGTERM, then SIGKILL after ``ProcessRunner/grace``. A cancelled call
/// (the task's timeout, `with.timeout`, a cancelled run) ends the group the same way at once.
///
/// Standard error is drained all along, and its last ``ProcessRunner/detailLimit`` bytes go into
/// the error of a server that exits or closes stdout before answering, with its exit status.
struct MCPStdioServer: Sendable {
    /// How long a server has to exit by itself once its stdin is closed.
    static let closeGrace = Duration.seconds(1)

    var launch: MCPCallRequest.StdioLaunch
    var maxMessageBytes: Int
    /// The directories `command` is looked for in when it has no `/`.
    var searchPath: [String] = ProcessRunner.defaultSearchPath

    /// Starts the server, performs `exchange` and stops the server.
    /// - Returns: the call's result.
    /// - Throws: ``MCPFailure`` for every failure; a server that closed early carries its exit
    ///   status and the end of its stderr.
    func perform(_ exchange: MCPExchange, request: ActivityRequest) async throws(MCPFailure) -> JSON {
        let executable: String
        if launch.command.contains("/") {
            executable = launch.command
        } else if let found = ProcessRunner.locate(launch.command, in: searchPath) {
            executable = found
        } else {
            throw MCPFailure(
                title: "MCP server not found",
                detail: "'\(launch.command)' is not an executable in the search path (PATH)")
        }
        _ = Self.ignoreBrokenPipes
        let environment = ProcessRunner.environment(
            launch.environment + [("SWIRL_IDEMPOTENCY_KEY", request.idempotencyKey), ("SWIRL_RUN_ID", request.runID)])
        let configuration = Subprocess.Configuration(
            executable: .path(FilePath(executable)),
            arguments: Subprocess.Arguments(launch.arguments),
            environment: environment,
            platformOptions: ProcessRunner.platformOptions)
        let stderr = MCPStderrTail(limit: ProcessRunner.detailLimit)
        let limit = maxMessageBytes

        let outcome: Result<JSON, MCPFailure>
        let status: TerminationStatus
        // The child's pid, which is also its group's id (it leads a new session).
        let group = Mutex<pid_t?>(nil)
        do {
            let finished = try await Subprocess.run(
                configuration, input: .inputWriter, output: .sequence, error: .sequence
            ) { execution -> Result<JSON, MCPFailure> in
                let pid = execution.processIdentifier.value
                group.withLock { $0 = pid }
                ChildProcessGroups.shared.add(pid)
                return await withTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { await stderr.drain(execution.standardError) }
                    let transport = MCPStdioTransport(
                        writer: execution.standardInputWriter, output: execution.standardOutput, limit: limit)
                    let result: Result<JSON, MCPFailure>
                    do throws(MCPFailure) {
                        result = .success(try await exchange.perform(over: transport))
                    } catch {
                        result = .failure(error)
                    }
                    try? await execution.standardInputWriter.finish()
                    await Self.stop(pid)
                    await tasks.waitForAll()
                    return result
                }
            }
            outcome = finished.closureResult
            status = finished.terminationStatus
        } catch {
            // Failed to start, or Subprocess failed around the child (it has torn it down).
            if let pid = group.withLock({ $0 }) { await ChildProcessGroups.shared.end(pid, grace: ProcessRunner.grace) }
            throw MCPFailure(title: "MCP server failed", detail: "\(launch.command): \(error)")
        }
        if let pid = group.withLock({ $0 }) { ChildProcessGroups.shared.remove(pid) }

        switch outcome {
        case .success(let result):
            return result
        case .failure(var failure):
            if failure.serverClosed {
                let code: String
                switch status {
                case .exited(let value): code = "exited with code \(value)"
                case .signaled(let signal): code = "was killed by signal \(signal)"
                }
                failure.detail += "; '\(launch.command)' \(code)"
                let tail = stderr.text
                if !tail.isEmpty { failure.detail += ", stderr: " + tail }
            }
            throw failure
        }
    }

    /// Closes nothing (the caller closed stdin); waits up to ``closeGrace`` for the group to be
    /// gone, then ends what is left of it. Runs to its end even in a cancelled task.
    private static func stop(_ group: pid_t) async {
        let clock = ContinuousClock()
        let until = clock.now + closeGrace
        while ChildProcessGroups.exists(group), clock.now < until, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
        await ChildProcessGroups.shared.end(group, grace: ProcessRunner.grace)
    }

    /// Writing to a server that has exited fails with EPIPE instead of killing swirl with SIGPIPE.
    /// (SwiftNIO makes the same process-wide choice on Linux as soon as it opens a socket.)
    private static let ignoreBrokenPipes: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()
}

/// The stdio transport proper: one message per line on the child's stdin and stdout.
final class MCPStdioTransport: MCPTransport {
    private let writer: StandardInputWriter
    private var output: SubprocessOutputSequence.Iterator
    private var framer: MCPLineFramer
    private var closed = false

    init(writer: StandardInputWriter, output: SubprocessOutputSequence, limit: Int) {
        self.writer = writer
        self.output = output.makeAsyncIterator()
        self.framer = MCPLineFramer(limit: limit)
    }

    func send(_ message: JSON, expectsAnswer: Bool) async throws(MCPFailure) {
        var line = Array(message.serialized().utf8)
        line.append(0x0A)
        do {
            _ = try await writer.write(line)
        } catch {
            throw MCPFailure(
                title: "MCP server closed the connection", detail: "the server's stdin is closed: \(error)",
                serverClosed: true)
        }
    }

    func receive() async throws(MCPFailure) -> JSON? {
        while true {
            if let line = try framer.nextLine() {
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                return try Self.parse(line)
            }
            if closed {
                let rest = framer.rest()
                if rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
                return try Self.parse(rest)
            }
            do {
                if let buffer = try await output.next() {
                    buffer.withUnsafeBytes { framer.append($0) }
                } else {
                    closed = true
                }
            } catch {
                // Subprocess ends its reads when the child is gone or the call is cancelled.
                closed = true
            }
        }
    }

    func negotiated(protocolVersion: String) {}

    private static func parse(_ line: ArraySlice<UInt8>) throws(MCPFailure) -> JSON {
        do {
            return try JSONParser.parse(line).value
        } catch {
            throw MCPFailure(
                title: "MCP protocol error",
                detail: "the server wrote a line to stdout that is not JSON (\(error)): "
                    + TextExcerpt.cut(bytes: line))
        }
    }
}

/// The last bytes a server wrote to stderr, for error messages; the rest is read and dropped, so
/// a chatty server never blocks on a full pipe.
final class MCPStderrTail: Sendable {
    private let limit: Int
    /// The last bytes read (between `limit` and twice as many), and how many were read in all.
    private let state = Mutex<(kept: [UInt8], total: Int)>(([], 0))

    init(limit: Int) {
        self.limit = limit
    }

    /// Reads `stream` to its end.
    func drain(_ stream: SubprocessOutputSequence) async {
        do {
            for try await buffer in stream {
                buffer.withUnsafeBytes { chunk in
                    state.withLock { state in
                        state.kept.append(contentsOf: chunk)
                        state.total += chunk.count
                        if state.kept.count > 2 * limit { state.kept.removeFirst(state.kept.count - limit) }
                    }
                }
            }
        } catch {
            // The child is gone or the call was cancelled: what was read is all there is.
        }
    }

    /// The kept bytes as text: the last `limit` bytes, with `…` in front when more was written.
    var text: String {
        let (kept, total) = state.withLock { ($0.kept, $0.total) }
        var text = String(decoding: kept.suffix(limit), as: UTF8.self)
        if total > limit {
            // The cut may split a character; drop the replacement character it leaves.
            if text.first == "\u{FFFD}" { text.removeFirst() }
            text = "…" + text
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
