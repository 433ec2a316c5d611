import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import Testing

/// Collects what a run tells the outside world.
final class Recorder: @unchecked Sendable {
    // Safe: written and read only under `lock`.
    private let lock = NSLock()
    private var lines: [String] = []

    func add(_ line: String) {
        lock.withLock { lines.append(line) }
    }

    var all: [String] { lock.withLock { lines } }
}

@Suite struct SecretsTests {
    static let secret = "s3cr3t-t0ken-value"

    func compile(_ body: String) throws -> Program {
        let text = "document: {dsl: '1.0.3', namespace: t, name: secrets, version: '1.0.0'}\n" + body
        return try Compiler().compile(try #require(Loader().load(text: text, file: "t.yaml").value))
    }

    @WorkerActor
    static func run(
        _ program: Program, store: MemoryStore, recorder: Recorder, secrets: OrderedDictionary<String, JSON> = [:],
        environment: [String: String] = [:]
    ) async throws -> RunOutcome {
        let interpreter = try Interpreter(
            program: program, store: store, clock: store.clock, secrets: secrets, environment: environment)
        interpreter.onProgress = { recorder.add("\($0)") }
        interpreter.onLifecycleEvent = { recorder.add($0.serialized()) }
        return try await interpreter.run(input: [:], runID: "secrets")
    }

    @Test("secrets come from the provided values or SWIRL_SECRET_ variables, as $secrets and $secret")
    func resolution() async throws {
        let program = try compile(
            """
            use:
              secrets: [apiKey, db-password]
            do:
              - read: {set: {key: '${ $secrets.apiKey }', password: '${ $secret["db-password"] }'}}
            """)
        let outcome = try await Self.run(
            program, store: MemoryStore(clock: ManualClock(), recordingCheckpoints: true), recorder: Recorder(), secrets: ["apiKey": "from-file"],
            environment: ["SWIRL_SECRET_DB_PASSWORD": "from-env", "SWIRL_SECRET_APIKEY": "ignored"])
        #expect(outcome == .completed(["key": "from-file", "password": "from-env"]))
    }

    @Test("a secret that cannot be found faults the run with an authorization error")
    func missing() async throws {
        let program = try compile("use:\n  secrets: [absent]\ndo:\n  - a: {set: {x: 1}}\n")
        let outcome = try await Self.run(program, store: MemoryStore(clock: ManualClock(), recordingCheckpoints: true), recorder: Recorder())
        guard case .faulted(let error) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(error.status == 403)
        #expect(WorkflowError.typesMatch(error.type, WorkflowError.Kind.authorization.type))
        #expect(error.detail?.contains("SWIRL_SECRET_ABSENT") == true)
    }

    @Test("a secret's value appears in no progress line, error, lifecycle event, history or saved state")
    func redaction() async throws {
        let program = try compile(
            """
            use:
              secrets: [token]
            do:
              - guarded:
                  try:
                    - fail: {raise: {error: {type: 'https://example.com/errors/x', status: 500, detail: '${ "token " + $secrets.token }'}}}
                  catch:
                    retry: {delay: PT1S, limit: {attempt: {count: 1}}}
            """)
        let store = MemoryStore(clock: ManualClock(), recordingCheckpoints: true)
        let recorder = Recorder()
        let outcome = try await Self.run(program, store: store, recorder: recorder, secrets: ["token": .string(Self.secret)])
        guard case .faulted(let error) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(error.detail == "token ***")
        #expect(recorder.all.count >= 6)
        for line in recorder.all { #expect(!line.contains(Self.secret), "\(line)") }
        for entry in try await store.history(runID: "secrets") {
            #expect(!(entry.data?.value.serialized().contains(Self.secret) ?? false), "\(entry)")
        }
        for checkpoint in await store.checkpoints {
            #expect(!String(decoding: checkpoint.state, as: UTF8.self).contains(Self.secret))
        }
    }

    @Test("lifecycle events follow the run: workflow started, task phases, workflow faulted or completed")
    func lifecycle() async throws {
        let program = try compile("do:\n  - a: {set: {x: 1}}\n  - b: {wait: PT1S}\n")
        let recorder = Recorder()
        _ = try await Self.run(program, store: MemoryStore(clock: ManualClock(), recordingCheckpoints: true), recorder: recorder)
        let types = recorder.all.compactMap { try? JSON(parsing: $0) }.compactMap { $0["type"]?.stringValue }
        #expect(
            types == [
                "io.serverlessworkflow.workflow.started.v1", "io.serverlessworkflow.task.started.v1",
                "io.serverlessworkflow.task.completed.v1", "io.serverlessworkflow.task.started.v1",
                "io.serverlessworkflow.task.completed.v1", "io.serverlessworkflow.workflow.completed.v1",
            ])
    }
}
