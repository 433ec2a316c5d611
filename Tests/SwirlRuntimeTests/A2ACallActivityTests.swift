import Foundation
import NIOHTTP1
import Synchronization
import SwirlCompiler
import SwirlCore
import SwirlSyntax
import Testing

@testable import SwirlRuntime

/// `call: a2a` against the loopback server's agent, found from an agent card or named directly.
@Suite struct A2ACallActivityTests {
    /// Runs `body` with the server serving an agent card for `/a2a` and one for `/secure/a2a`,
    /// whose security scheme is an API key in `X-API-Key`.
    static func withActivity<T>(
        authentications: [String: JSON] = [:],
        _ body: (LoopbackHTTPServer, A2ACallActivity, HTTPCallActivity) async throws -> T
    ) async throws -> T {
        try await HTTPCallActivityTests.withActivity(authentications: authentications) { server, http in
            server.serve(
                "/.well-known/agent-card.json", contentType: "application/json",
                body: JSON.object([
                    "name": "Reporter", "url": .string(server.baseURL + "/a2a"), "version": "1.0.0",
                    "capabilities": ["streaming": true],
                ]).serialized())
            server.serve(
                "/secure/agent-card.yaml", contentType: "application/yaml",
                body: """
                    name: Secure reporter
                    url: /secure/a2a
                    preferredTransport: JSONRPC
                    securitySchemes:
                      apiKey: {type: apiKey, in: header, name: X-API-Key}
                    security:
                      - apiKey: []
                    """)
            return try await body(server, A2ACallActivity(http: http), http)
        }
    }

    static func request(_ arguments: JSON, key: String = "/do/0/ask#0", runID: String = "run-1") -> ActivityRequest {
        ActivityRequest(key: key, kind: "call:a2a", arguments: arguments, input: [:], task: "/do/0/ask", runID: runID)
    }

    static func card(_ server: LoopbackHTTPServer) -> JSON {
        ["endpoint": .string(server.baseURL + "/.well-known/agent-card.json")]
    }

    static let message: JSON = ["message": ["parts": [["kind": "text", "text": "Q1 sales"]]]]

    @Test("message/send through the agent card: the result, with messageId, role and kind filled in and the key as id")
    func send() async throws {
        try await Self.withActivity { server, activity, _ in
            let output = try await activity.run(
                Self.request(["method": "message/send", "agentCard": Self.card(server), "parameters": Self.message]))
            #expect(output["kind"] == "task")
            #expect(output["artifacts"]?[0]?["parts"]?[0]?["text"] == "report: Q1 sales")
            let sent = try JSON(parsing: try #require(server.seen.last { $0.uri == "/a2a" }).body)
            #expect(sent["jsonrpc"] == "2.0")
            #expect(sent["id"] == "run-1:/do/0/ask#0")
            #expect(sent["method"] == "message/send")
            let message = try #require(sent["params"]?["message"])
            #expect(message["role"] == "user")
            #expect(message["kind"] == "message")
            let messageID = try #require(message["messageId"]?.stringValue)
            #expect(UUID(uuidString: messageID) != nil)
            #expect(output["history"]?[0]?["messageId"] == .string(messageID))

            // The same step (a resumed run asking again) sends the same message id; another step another one.
            _ = try await activity.run(Self.request(["method": "message/send", "agentCard": Self.card(server), "parameters": Self.message]))
            let again = try JSON(parsing: try #require(server.seen.last { $0.uri == "/a2a" }).body)
            #expect(again["params"]?["message"]?["messageId"] == .string(messageID))
            _ = try await activity.run(
                Self.request(["method": "message/send", "agentCard": Self.card(server), "parameters": Self.message], key: "/do/0/ask#1"))
            let other = try JSON(parsing: try #require(server.seen.last { $0.uri == "/a2a" }).body)
            #expect(other["params"]?["message"]?["messageId"] != .string(messageID))
            // The card was fetched once for the three calls.
            #expect(server.seen.filter { $0.uri == "/.well-known/agent-card.json" }.count == 1)
        }
    }

    @Test("a messageId and role the workflow gives are kept")
    func givenIdentity() async throws {
        try await Self.withActivity { server, activity, _ in
            let parameters: JSON = ["message": ["messageId": "m-1", "role": "agent", "parts": [["kind": "text", "text": "hi"]]]]
            _ = try await activity.run(
                Self.request(["method": "message/send", "server": .string(server.baseURL + "/a2a"), "parameters": parameters]))
            let sent = try JSON(parsing: try #require(server.seen.last).body)
            #expect(sent["params"]?["message"]?["messageId"] == "m-1")
            #expect(sent["params"]?["message"]?["role"] == "agent")
        }
    }

    @Test("message/stream gives every event's result in order, asking for an event stream")
    func stream() async throws {
        try await Self.withActivity { server, activity, _ in
            let output = try await activity.run(
                Self.request(["method": "message/stream", "agentCard": Self.card(server), "parameters": Self.message]))
            let states = output.arrayValue?.map { $0["status"]?["state"] ?? .null }
            #expect(states == ["submitted", "working", "completed"])
            #expect(server.seen.last?.headers.first(name: "Accept") == "text/event-stream")
        }
    }

    @Test("tasks/get with a server given directly, as a URI template")
    func tasksGet() async throws {
        try await Self.withActivity { server, activity, _ in
            let output = try await activity.run(
                Self.request(["method": "tasks/get", "server": .string(server.baseURL + "/a2a"), "parameters": ["id": "task-9"]]))
            #expect(output == ["kind": "task", "id": "task-9", "status": ["state": "completed"]])
        }
    }

    @Test("a JSON-RPC error is a runtime error with the error object in its detail")
    func rpcError() async throws {
        try await Self.withActivity { server, activity, _ in
            let error = await HTTPCallActivityTests.error {
                try await activity.run(Self.request(["method": "tasks/cancel", "agentCard": Self.card(server), "parameters": ["id": "t"]]))
            }
            #expect(error?.type == WorkflowError.Kind.runtime.type)
            #expect(error?.title == "A2A error -32002: Task cannot be canceled")
            #expect(error?.detail?.contains(#""code":-32002"#) == true)
            #expect(error?.instance == "/do/0/ask")
        }
    }

    @Test("the card's apiKey scheme takes the bearer token of the policy of its name; without it the agent refuses (runtime, 401)")
    func cardSecurity() async throws {
        let card: JSON = ["endpoint": "http://127.0.0.1:{port}/secure/agent-card.yaml"]
        try await Self.withActivity(authentications: ["apiKey": ["bearer": ["token": "s3cr3t"]]]) { server, activity, _ in
            var request = Self.request(["method": "tasks/get", "agentCard": card, "parameters": ["id": "t-1"]])
            request.input = StoredJSON(["port": .number(Double(server.port))])
            let output = try await activity.run(request)
            #expect(output["id"] == "t-1")
            #expect(server.seen.last?.uri == "/secure/a2a")
            #expect(server.seen.last?.headers.first(name: "X-API-Key") == "s3cr3t")
        }
        try await Self.withActivity { server, activity, _ in
            var request = Self.request(["method": "tasks/get", "agentCard": card, "parameters": ["id": "t-1"]])
            request.input = StoredJSON(["port": .number(Double(server.port))])
            let error = await HTTPCallActivityTests.error { try await activity.run(request) }
            #expect(error?.type == WorkflowError.Kind.runtime.type)
            #expect(error?.status == 401)
        }
    }

    @Test("an unknown method, a message/send without a message, no agent: configuration errors")
    func configurationErrors() async throws {
        try await Self.withActivity { server, activity, _ in
            for arguments: JSON in [
                ["method": "tasks/explode", "agentCard": Self.card(server)],
                ["method": "message/send", "agentCard": Self.card(server), "parameters": [:]],
                ["method": "tasks/get", "parameters": ["id": "t"]],
            ] {
                let error = await HTTPCallActivityTests.error { try await activity.run(Self.request(arguments)) }
                #expect(error?.type == WorkflowError.Kind.configuration.type, "\(arguments)")
            }
        }
    }

    @Test("a card that cannot be fetched is a runtime error that keeps the status")
    func missingCard() async throws {
        try await Self.withActivity { server, activity, _ in
            let error = await HTTPCallActivityTests.error {
                try await activity.run(
                    Self.request(["method": "tasks/get", "agentCard": ["endpoint": .string(server.baseURL + "/no-card.json")]]))
            }
            #expect(error?.type == WorkflowError.Kind.runtime.type)
            #expect(error?.status == 404)
            #expect(error?.title?.hasPrefix("Agent card not fetched") == true)
        }
    }

    @Test("a step resumed with its saved card calls the agent the card named, though the card has changed since")
    func savedCard() async throws {
        try await Self.withActivity { server, activity, http in
            let saved = Mutex<JSON?>(nil)
            _ = try await activity.run(
                Self.request(["method": "tasks/get", "agentCard": Self.card(server), "parameters": ["id": "x"]]),
                progress: ActivityProgress { details in saved.withLock { $0 = details } })
            let details = try #require(saved.withLock { $0 })
            #expect(details["agentCard"]?["name"] == "Reporter")
            server.serve("/.well-known/agent-card.json", contentType: "application/json", body: #"{"name": "Moved", "url": "http://127.0.0.1:1/gone"}"#)
            var resumed = Self.request(["method": "tasks/get", "agentCard": Self.card(server), "parameters": ["id": "x"]])
            resumed.progress = StoredJSON(details)
            let output = try await A2ACallActivity(http: http).run(resumed)
            #expect(output["id"] == "x")
        }
    }
}

/// `call: a2a` inside a run.
@Suite struct A2ARunTests {
    @Test("the DSL's example shape: message/send through an agent card, in a workflow")
    func workflow() async throws {
        try await A2ACallActivityTests.withActivity { server, activity, _ in
            let text = """
                document: {dsl: '1.0.3', namespace: t, name: a2a-report, version: '1.0.0'}
                do:
                  - generateReport:
                      call: a2a
                      with:
                        method: message/send
                        agentCard:
                          endpoint: \(server.baseURL)/.well-known/agent-card.json
                        parameters:
                          message:
                            parts:
                              - kind: text
                                text: ${ "Generate the " + .quarter + " sales report." }
                      output:
                        as: .artifacts[0].parts[0].text
                """
            let validated = WorkflowValidator.standard().validate(bytes: Array(text.utf8), file: "a2a.yaml")
            let program = try #require(validated.program, "\(DiagnosticRenderer().text(validated.diagnostics))")
            let outcome = try await Self.run(program, activity: activity)
            #expect(outcome == .completed("report: Generate the Q1 sales report."))
        }
    }

    @WorkerActor
    static func run(_ program: Program, activity: A2ACallActivity) async throws -> RunOutcome {
        let interpreter = try Interpreter(
            program: program, store: MemoryStore(), clock: SystemClock(), activities: ActivityRegistry(["call:a2a": activity]))
        return try await interpreter.run(input: ["quarter": "Q1"], runID: "a2a-run")
    }
}
