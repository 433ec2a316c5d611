import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import Testing

/// A jq expression that never ends fails its task with a timeout error when the enclosing
/// timeout runs out, as any task error does, and the process's other runs carry on.
///
/// These runs use the process's shared watchdog and the system clock: the limits come from the
/// workflows' own timeouts, which are short, so the shared ceiling never matters.
@Suite(.timeLimit(.minutes(2))) struct RunawayExpressionTests {
    static func compile(_ name: String, _ body: String) throws -> Program {
        let text = "document: {dsl: '1.0.3', namespace: t, name: \(name), version: '1.0.0'}\n" + body
        return try Compiler().compile(try #require(Loader().load(text: text, file: "t.yaml").value))
    }

    @WorkerActor
    static func run(_ program: Program, store: MemoryStore, runID: String, input: JSON = [:]) async throws -> RunOutcome {
        try await Interpreter(program: program, store: store, clock: SystemClock()).run(input: input, runID: runID)
    }

    @Test("a run stuck in an expression faults at its workflow timeout, saved, while another run of the process completes")
    func stuckRunFaults() async throws {
        let stuck = try Self.compile(
            "stuck",
            """
            timeout: {after: PT1S}
            do:
              - spin: {set: {n: '${ if .spin then last(range(1e12)) else 1 end }'}}
            """)
        let other = try Self.compile(
            "other",
            """
            do:
              - pause: {wait: PT0.2S}
              - add: {set: {n: '${ 40 + 2 }'}}
            """)
        let store = MemoryStore()
        async let stuckOutcome = Self.run(stuck, store: store, runID: "stuck", input: ["spin": true])
        async let otherOutcome = Self.run(other, store: store, runID: "other")
        let (faulted, completed) = try await (stuckOutcome, otherOutcome)

        guard case .faulted(let error) = faulted else {
            Issue.record("the stuck run ended \(faulted)")
            return
        }
        #expect(error.type == WorkflowError.Kind.timeout.type)
        #expect(error.title == "Expression timed out")
        #expect(error.instance == "/do/0/spin")
        #expect(error.detail?.contains("did not finish within") == true, "\(error)")
        #expect(completed == .completed(["n": 42]))
        // The fault was saved like any other.
        let record = try #require(await store.run(id: "stuck"))
        #expect(record.status == .faulted)
        #expect(record.error?.title == "Expression timed out")

        // The same workflow runs again in this process, its expressions as good as before.
        #expect(try await Self.run(stuck, store: store, runID: "again", input: ["spin": false]) == .completed(["n": 1]))
    }

    @Test("the timeout of a never-ending expression is caught by a try, as a task's own timeout is")
    func caught() async throws {
        let program = try Self.compile(
            "caught",
            """
            do:
              - guarded:
                  timeout: {after: PT1S}
                  try:
                    - spin: {set: {n: '${ last(repeat(1)) }'}}
                  catch:
                    errors: {with: {type: 'https://serverlessworkflow.io/spec/1.0.0/errors/timeout'}}
                    as: failure
                    do:
                      - fallback: {set: {recovered: '${ $failure.title }'}}
            """)
        let outcome = try await Self.run(program, store: MemoryStore(), runID: "caught")
        #expect(outcome == .completed(["recovered": "Expression timed out"]))
    }

    @Test("a run computing in an expression keeps its lease: the heartbeat does not wait for the driver's thread")
    func leaseKeptWhileComputing() async throws {
        let program = try Self.compile(
            "busy",
            """
            timeout: {after: PT2S}
            do:
              - spin: {set: {n: '${ last(range(1e12)) }'}}
            """)
        let store = MemoryStore()
        let library = await WorkflowLibrary()
        let workflow = try await library.add(program)
        try await library.save(workflow, in: store)
        _ = try await store.createRun(NewRun(id: "busy", definitionHash: workflow.definition.hash, input: [:]))
        // Leases of 0.6 s, renewed every 0.2 s: two seconds of computing outlast three of them.
        let worker = await Worker(
            store: store, library: library, configuration: Worker.Configuration(owner: "busy-worker", leaseSeconds: 0.6, pollSeconds: 0.2))
        let serving = Task { @WorkerActor in try await worker.run() }
        defer { serving.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        let early = try #require(await store.run(id: "busy"))
        try await Task.sleep(for: .milliseconds(1_200))
        let late = try #require(await store.run(id: "busy"))
        #expect(early.status == .running && late.status == .running)
        #expect(late.leaseOwner == "busy-worker")
        let (first, second) = (try #require(early.leaseExpiresAt), try #require(late.leaseExpiresAt))
        #expect(second - first > 0.8, "the lease was not renewed while the expression ran")
        // It ends at its timeout, claimed once: never taken over.
        var record = late
        let deadline = ContinuousClock.now + .seconds(20)
        while record.status == .running, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            record = try #require(await store.run(id: "busy"))
        }
        #expect(record.status == .faulted)
        #expect(record.error?.title == "Expression timed out")
        #expect(record.claims == 1)
    }

    @Test("a regular expression that backtracks for seconds faults its task at the task's timeout")
    func catastrophicRegex() async throws {
        // `(a+)+$` on 18 `a`s and a `!` backtracks for about 6 s; the task's timeout is half of one.
        // (The bound below leaves room for runs of other tests computing on the same driver thread.)
        let program = try Self.compile(
            "regex",
            """
            do:
              - guarded:
                  timeout: {after: PT0.5S}
                  do:
                    - scan: {set: {found: '${ .text | test("(a+)+$") }'}}
            """)
        let started = ContinuousClock.now
        let outcome = try await Self.run(program, store: MemoryStore(), runID: "regex", input: ["text": .string(String(repeating: "a", count: 18) + "!")])
        guard case .faulted(let error) = outcome else {
            Issue.record("the run ended \(outcome)")
            return
        }
        #expect(error.type == WorkflowError.Kind.timeout.type, "\(error)")
        #expect(error.instance?.hasPrefix("/do/0/guarded") == true, "\(error)")
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
