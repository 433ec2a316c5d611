import AsyncHTTPClient
import Foundation
import NIOCore
import SwirlCompiler
import SwirlCore
import SwirlTestSupport
import Testing

@testable import SwirlRuntime

/// Runs `call: mcp` against real MCP servers on this machine: a python3 server over stdio and one
/// over streamable HTTP on loopback (`Peers/`), which check the client's handshake themselves and
/// report what they saw.
@Suite struct MCPCallActivityTests {
    static let task = "/do/0/ask"
    static let key = "run-7/do/0/ask"
    static let stdioPeer = PackageRoot.path("Tests/SwirlRuntimeTests/Peers/mcp_stdio_server.py")
    static let httpPeer = PackageRoot.path("Tests/SwirlRuntimeTests/Peers/mcp_http_server.py")

    static func request(_ with: JSON, runID: String = "run-7") -> ActivityRequest {
        ActivityRequest(key: key, kind: "call:mcp", arguments: with, input: ["name": "Ada"], task: task, runID: runID)
    }

    /// `with` for the stdio peer; `extra` members are added (or replace) at the top level.
    static func stdio(
        _ method: String, _ parameters: JSON? = nil, environment: JSON = [:], _ extra: OrderedDictionary<String, JSON> = [:]
    ) -> JSON {
        var with: OrderedDictionary<String, JSON> = [
            "method": .string(method),
            "transport": ["stdio": ["command": "python3", "arguments": [.string(stdioPeer)], "environment": environment]],
        ]
        if let parameters { with["parameters"] = parameters }
        for (name, value) in extra { with[name] = value }
        return .object(with)
    }

    /// Runs `body` with an activity whose HTTP client is shut down afterwards.
    static func withActivity<T>(_ body: (MCPCallActivity) async throws -> T) async throws -> T {
        let client = HTTPCallActivity.makeClient()
        do {
            let result = try await body(MCPCallActivity(http: HTTPCallActivity(client: client)))
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func run(_ with: JSON) async throws -> JSON {
        try await withActivity { activity in try await activity.run(request(with)) }
    }

    /// The workflow error `body` throws; `nil`, with an issue recorded, when it returns.
    static func error(_ body: () async throws -> JSON) async -> WorkflowError? {
        await HTTPCallActivityTests.error(body)
    }

    /// Every method of the DSL, with parameters, where its answer from either peer holds a value and which.
    static let methodCases: [(String, JSON?, String, String)] = [
        ("tools/list", nil, "/tools/0/name", "echo"),
        ("tools/call", ["name": "echo", "arguments": ["a": "b"]], "/structuredContent/a", "b"),
        ("prompts/list", nil, "/prompts/0/name", "greet"),
        ("prompts/get", ["name": "greet", "arguments": ["who": "Ada"]], "/messages/0/content/text", "Hello, Ada"),
        ("resources/list", nil, "/resources/0/uri", "file:///a.txt"),
        ("resources/read", ["uri": "file:///b.txt"], "/contents/0/text", "contents of file:///b.txt"),
        ("resources/templates/list", nil, "/resourceTemplates/0/uriTemplate", "file:///{name}"),
    ]

    // MARK: stdio

    @Test(
        "every method of the DSL reaches the stdio server and returns its result",
        arguments: methodCases)
    func stdioMethods(method: String, parameters: JSON?, pointer: String, expected: String) async throws {
        let output = try await Self.run(Self.stdio(method, parameters))
        let found = try JSONPointer(parsing: pointer).resolve(in: output)
        #expect(found == .string(expected), "\(output)")
    }

    @Test("initialize comes first with the default protocol version, client info and no capabilities")
    func handshakeDefaults() async throws {
        // The peer refuses any request before initialize and notifications/initialized.
        let seen = try #require(try await Self.run(Self.stdio("tools/call", ["name": "whoami"]))["structuredContent"])
        #expect(seen["protocolVersion"] == "2025-06-18")
        #expect(seen["clientInfo"] == ["name": "swirl", "version": .string(SwirlVersion.current)])
        #expect(seen["capabilities"] == [:])
    }

    @Test("protocolVersion and client override the defaults")
    func handshakeOverrides() async throws {
        let with = Self.stdio(
            "tools/call", ["name": "whoami"],
            ["protocolVersion": "2025-03-26", "client": ["name": "planner", "version": "2.1.0"]])
        let seen = try #require(try await Self.run(with)["structuredContent"])
        #expect(seen["protocolVersion"] == "2025-03-26")
        #expect(seen["clientInfo"] == ["name": "planner", "version": "2.1.0"])
    }

    @Test("the request id is the idempotency key, also in _meta, and the same when the request runs again")
    func idempotencyKey() async throws {
        let with = Self.stdio("tools/call", ["name": "whoami"])
        let (first, second) = try await Self.withActivity { activity in
            (try await activity.run(Self.request(with)), try await activity.run(Self.request(with)))
        }
        let expected: JSON = .string("run-7:" + Self.key)
        #expect(first["structuredContent"]?["id"] == expected)
        #expect(first["structuredContent"]?["meta"] == ["io.swirl/idempotency-key": expected])
        #expect(second["structuredContent"]?["id"] == expected)
        #expect(second["structuredContent"]?["meta"] == first["structuredContent"]?["meta"])
    }

    @Test("a task's own _meta is kept: the key is added beside it, and a key the task set wins")
    func metaMerge() async throws {
        let with = Self.stdio(
            "tools/call", ["name": "whoami", "_meta": ["progressToken": "p1"]])
        let seen = try await Self.run(with)["structuredContent"]?["meta"]
        #expect(seen == ["progressToken": "p1", "io.swirl/idempotency-key": .string("run-7:" + Self.key)])
        let own = Self.stdio("tools/call", ["name": "whoami", "_meta": ["io.swirl/idempotency-key": "mine"]])
        #expect(try await Self.run(own)["structuredContent"]?["meta"] == ["io.swirl/idempotency-key": "mine"])
    }

    @Test("the server gets the task's environment and the idempotency key on the safe base")
    func environment() async throws {
        let with = Self.stdio("tools/call", ["name": "whoami"], environment: ["MCP_GREETING": "hi"])
        let environment = try await Self.run(with)["structuredContent"]?["environment"]
        #expect(environment?["MCP_GREETING"] == "hi")
        #expect(environment?["SWIRL_IDEMPOTENCY_KEY"] == .string("run-7:" + Self.key))
        #expect(environment?["SWIRL_RUN_ID"] == "run-7")
    }

    @Test("requests of the server are answered while waiting: ping with {}, others with -32601")
    func serverRequests() async throws {
        let seen = try await Self.run(Self.stdio("tools/call", ["name": "ping-first"]))["structuredContent"]
        #expect(seen == ["pong": [:], "refused": -32601])
    }

    @Test("a tool result with isError is a runtime error with the tool's text")
    func toolError() async throws {
        let error = await Self.error {
            try await Self.run(Self.stdio("tools/call", ["name": "fail", "arguments": ["why": "because"]]))
        }
        #expect(error?.type == WorkflowError.Kind.runtime.type)
        #expect(error?.instance == Self.task)
        #expect(error?.title == "MCP tool failed")
        #expect(error?.detail?.contains("the tool broke: because") == true, "\(String(describing: error))")
    }

    @Test("a JSON-RPC error is a runtime error with its code and message")
    func rpcError() async throws {
        let error = await Self.error { try await Self.run(Self.stdio("tools/call", ["name": "nope"])) }
        #expect(error?.type == WorkflowError.Kind.runtime.type)
        #expect(error?.status == 500)
        #expect(error?.detail?.contains("error -32602: Unknown tool: nope") == true, "\(String(describing: error))")
    }

    @Test("a server that dies before answering: its exit code and the end of its stderr")
    func serverDies() async throws {
        let error = await Self.error { try await Self.run(Self.stdio("tools/call", ["name": "crash"])) }
        #expect(error?.type == WorkflowError.Kind.runtime.type)
        let detail = error?.detail ?? ""
        #expect(detail.contains("before answering tools/call"), "\(detail)")
        #expect(detail.contains("exited with code 3"), "\(detail)")
        #expect(detail.contains("RuntimeError: the server fell over"), "\(detail)")
    }

    @Test("with.timeout bounds the call: an error soon after it, naming what was awaited", .timeLimit(.minutes(1)))
    func timeout() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let error = await Self.error {
            try await Self.run(Self.stdio("tools/call", ["name": "sleep"], ["timeout": "PT3S"]))
        }
        let elapsed = clock.now - start
        #expect(error?.type == WorkflowError.Kind.runtime.type)
        #expect(error?.title == "MCP call timed out")
        #expect(error?.detail?.contains("tools/call took longer than its timeout of PT3S") == true)
        // On a busy machine the server may still be starting; normally the call waits for tools/call.
        #expect(error?.detail?.contains("while waiting for the answer to") == true, "\(String(describing: error))")
        #expect(elapsed >= .seconds(3))
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }

    @Test("cancelling the task stops the server process", .timeLimit(.minutes(1)))
    func cancellation() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("swirl-mcp-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let with = Self.stdio("tools/call", ["name": "sleep"], environment: ["MCP_PID_FILE": .string(pidFile)])
        try await Self.withActivity { activity in
            let running = Task { try await activity.run(Self.request(with)) }
            while !FileManager.default.fileExists(atPath: pidFile) { try await Task.sleep(for: .milliseconds(10)) }
            let pid = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8)))
            #expect(kill(pid, 0) == 0)
            // Let the request reach the server, so the cancellation meets a server at work.
            try await Task.sleep(for: .milliseconds(200))
            running.cancel()
            let result = await running.result
            #expect(throws: WorkflowError.self) { try result.get() }
            #expect(!ChildProcessGroups.exists(pid), "the server's group is still running")
            #expect(kill(pid, 0) != 0, "the server process is still there")
        }
    }

    @Test("a command that is not on the search path is a runtime error naming it")
    func missingCommand() async throws {
        let with: JSON = ["method": "tools/list", "transport": ["stdio": ["command": "no-such-mcp-server-here"]]]
        let error = await Self.error { try await Self.run(with) }
        #expect(error?.type == WorkflowError.Kind.runtime.type)
        #expect(error?.detail?.contains("'no-such-mcp-server-here'") == true)
    }

    @Test("a method outside the DSL's list, or a non-object parameters, is a configuration error")
    func invalidArguments() async throws {
        let method = await Self.error { try await Self.run(Self.stdio("tools/destroy")) }
        #expect(method?.type == WorkflowError.Kind.configuration.type)
        let parameters = await Self.error { try await Self.run(Self.stdio("tools/call", "name=echo")) }
        #expect(parameters?.type == WorkflowError.Kind.configuration.type)
    }

    // MARK: streamable HTTP

    @Test(
        "every method reaches the HTTP server, answered as JSON or as an event stream",
        arguments: methodCases)
    func httpMethods(method: String, parameters: JSON?, pointer: String, expected: String) async throws {
        try await MCPHTTPPeer.with { peer in
            var with: OrderedDictionary<String, JSON> = ["method": .string(method), "transport": peer.transport]
            if let parameters { with["parameters"] = parameters }
            let output = try await Self.run(.object(with))
            #expect(try JSONPointer(parsing: pointer).resolve(in: output) == .string(expected), "\(output)")
        }
    }

    @Test("the HTTP session: initialize, initialized, the request with session id and version, then DELETE")
    func httpSession() async throws {
        try await MCPHTTPPeer.with { peer in
            let with: JSON = [
                "method": "tools/call", "parameters": ["name": "whoami"], "protocolVersion": "2025-03-26",
                "transport": peer.transport,
            ]
            let seen = try #require(try await Self.run(with)["structuredContent"])
            #expect(seen["id"] == .string("run-7:" + Self.key))
            #expect(seen["meta"] == ["io.swirl/idempotency-key": .string("run-7:" + Self.key)])
            #expect(seen["clientInfo"]?["name"] == "swirl")
            #expect(seen["protocolVersion"] == "2025-03-26")

            let log = try await peer.log()
            #expect(log.map { $0["body"]?["method"]?.stringValue ?? $0["method"]!.stringValue! } == [
                "initialize", "notifications/initialized", "tools/call", "DELETE",
            ])
            #expect(log[0]["headers"]?["mcp-session-id"] == nil)
            #expect(log[0]["headers"]?["accept"] == "application/json, text/event-stream")
            #expect(log[0]["headers"]?["content-type"] == "application/json")
            let session = try #require(log[1]["headers"]?["mcp-session-id"])
            for later in log.dropFirst() {
                #expect(later["headers"]?["mcp-session-id"] == session)
                #expect(later["headers"]?["mcp-protocol-version"] == "2025-03-26")
            }
        }
    }

    @Test("endpoint authentication and transport headers go with every HTTP request")
    func httpAuthentication() async throws {
        try await MCPHTTPPeer.with(token: "abc") { peer in
            let with: JSON = [
                "method": "tools/call", "parameters": ["name": "whoami"],
                "transport": [
                    "http": [
                        "endpoint": ["uri": .string(peer.endpoint), "authentication": ["bearer": ["token": "abc"]]],
                        "headers": ["X-Custom": "yes"],
                    ]
                ],
            ]
            let seen = try await Self.run(with)["structuredContent"]
            #expect(seen?["authorization"] == "Bearer abc")
            #expect(seen?["custom"] == "yes")
            let refused = await Self.error { try await Self.run(["method": "tools/list", "transport": peer.transport]) }
            #expect(refused?.type == WorkflowError.Kind.runtime.type)
            #expect(refused?.title == "MCP HTTP 401 Unauthorized", "\(String(describing: refused))")
        }
    }

    @Test("over HTTP, a server ping in the event stream is answered before the result comes")
    func httpServerPing() async throws {
        try await MCPHTTPPeer.with { peer in
            let output = try await Self.run(["method": "tools/call", "parameters": ["name": "ping-first"], "transport": peer.transport])
            #expect(output["structuredContent"] == ["pong": [:]])
        }
    }

    @Test("over HTTP: isError, a JSON-RPC error and a stream that ends unanswered are runtime errors")
    func httpErrors() async throws {
        try await MCPHTTPPeer.with { peer in
            func call(_ tool: String) async -> WorkflowError? {
                await Self.error {
                    try await Self.run(["method": "tools/call", "parameters": ["name": .string(tool)], "transport": peer.transport])
                }
            }
            let failed = await call("fail")
            #expect(failed?.title == "MCP tool failed")
            #expect(failed?.detail?.contains("the tool broke") == true)
            let unknown = await call("nope")
            #expect(unknown?.detail?.contains("error -32602: Unknown tool: nope") == true, "\(String(describing: unknown))")
            let dropped = await call("drop")
            #expect(dropped?.type == WorkflowError.Kind.runtime.type)
            #expect(dropped?.detail?.contains("before answering tools/call") == true, "\(String(describing: dropped))")
        }
    }

    @Test("over HTTP, with.timeout ends a stream that never answers", .timeLimit(.minutes(1)))
    func httpTimeout() async throws {
        try await MCPHTTPPeer.with { peer in
            let clock = ContinuousClock()
            let start = clock.now
            let error = await Self.error {
                try await Self.run([
                    "method": "tools/call", "parameters": ["name": "sleep"], "timeout": ["milliseconds": 500],
                    "transport": peer.transport,
                ])
            }
            #expect(error?.title == "MCP call timed out")
            #expect(clock.now - start < .seconds(3))
        }
    }

    // MARK: a workflow

    @Test("a workflow's call: mcp task runs through the interpreter, with its expressions evaluated")
    func workflow() async throws {
        let text = """
            document: {dsl: '1.0.3', namespace: t, name: mcp-echo, version: '1.0.0'}
            do:
              - ask:
                  call: mcp
                  with:
                    method: tools/call
                    parameters:
                      name: echo
                      arguments: {greeting: '${ "Hello, " + .name }'}
                    timeout: PT30S
                    transport:
                      stdio:
                        command: python3
                        arguments: ['\(Self.stdioPeer)']
                  output:
                    as: ${ .structuredContent }
            """
        let validated = WorkflowValidator.standard().validate(bytes: Array(text.utf8), file: "mcp-echo.yaml")
        let program = try #require(validated.program, "\(DiagnosticRenderer().text(validated.diagnostics))")
        let outcome = try await Self.withActivity { activity in
            try await Self.interpret(program, input: ["name": "Ada"], activity: activity)
        }
        #expect(outcome == .completed(["greeting": "Hello, Ada"]))
    }

    @WorkerActor
    static func interpret(_ program: Program, input: JSON, activity: MCPCallActivity) async throws -> RunOutcome {
        let interpreter = try Interpreter(
            program: program, store: MemoryStore(), clock: SystemClock(),
            activities: ActivityRegistry(["call:mcp": activity]))
        return try await interpreter.run(input: input, runID: "mcp-example")
    }
}

/// The streamable HTTP peer (`Peers/mcp_http_server.py`) as a child process of the test, on an
/// ephemeral loopback port; it stops when its stdin closes.
final class MCPHTTPPeer {
    private let process = Process()
    private let stdin = Pipe()
    let endpoint: String
    private let base: String

    /// `transport` for this server.
    var transport: JSON { ["http": ["endpoint": .string(endpoint)]] }

    private init(token: String?) throws {
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", MCPCallActivityTests.httpPeer] + (token.map { ["--token", $0] } ?? [])
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = stdout.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw CocoaError(.fileReadUnknown) }
            line.append(chunk)
        }
        let port = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        base = "http://127.0.0.1:\(port)"
        endpoint = base + "/mcp"
    }

    /// Runs `body` with a started server, stopped afterwards.
    static func with<T>(token: String? = nil, _ body: (MCPHTTPPeer) async throws -> T) async throws -> T {
        let peer = try MCPHTTPPeer(token: token)
        defer { peer.stop() }
        return try await body(peer)
    }

    /// Every request the server has seen: `{method, path, headers, body}`.
    func log() async throws -> [JSON] {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            let response = try await client.execute(HTTPClientRequest(url: base + "/log"), timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            try await client.shutdown()
            return try JSONParser.parse(Array(buffer: body)).value.arrayValue ?? []
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func stop() {
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
