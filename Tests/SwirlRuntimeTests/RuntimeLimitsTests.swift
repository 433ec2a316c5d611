import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import Testing

/// Limits the engine enforces while a run goes: durations computed too long, sub-workflows
/// nested too deep; and what the workflow's `output.as` sees.
@Suite struct RuntimeLimitsTests {
    static func compile(_ text: String) throws -> Program {
        try Compiler().compile(try #require(Loader().load(text: text, file: "t.yaml").value))
    }

    static let header = "document: {dsl: '1.0.3', namespace: limits, name: w, version: '1.0.0'}\n"

    @WorkerActor
    static func run(_ program: Program, input: JSON = [:], catalog: DefinitionCatalog = DefinitionCatalog(), store: MemoryStore? = nil)
        async throws -> RunOutcome
    {
        let store = store ?? MemoryStore(clock: ManualClock())
        let interpreter = try Interpreter(program: program, store: store, clock: store.clock, catalog: catalog)
        return try await interpreter.run(input: input, runID: "limits")
    }

    static func fault(_ outcome: RunOutcome) -> WorkflowError? {
        if case .faulted(let error) = outcome { error } else { nil }
    }

    // MARK: durations

    @Test("a computed wait longer than the maximum duration faults, naming the task and the limit")
    func computedWaitTooLong() async throws {
        let program = try Self.compile(Self.header + "do:\n  - pause: {wait: '${ .delay }'}\n")
        for delay in ["P99999999999999999999D", "PT1" + String(repeating: "0", count: 400) + "S", "P36526D"] {
            let outcome = try await Self.run(program, input: ["delay": .string(delay)])
            let error = try #require(Self.fault(outcome), "\(delay): \(outcome)")
            #expect(error.title == "Duration too long")
            #expect(error.detail?.contains("task 'pause'") == true)
            #expect(error.detail?.contains("maximum duration of 100 years") == true)
        }
        // Just under the limit is a wait like any other.
        let outcome = try await Self.run(program, input: ["delay": "P36524D"])
        #expect(outcome == .completed(["delay": "P36524D"]))
    }

    @Test("a computed timeout or retry delay longer than the maximum faults, naming the task")
    func computedTimeoutAndDelayTooLong() async throws {
        let timeout = try Self.compile(
            Self.header + "do:\n  - slow:\n      set: {a: 1}\n      timeout: {after: '${ .limit }'}\n")
        let timedOut = try #require(Self.fault(try await Self.run(timeout, input: ["limit": "P99999999999999999999D"])))
        #expect(timedOut.title == "Duration too long")
        #expect(timedOut.detail?.contains("task 'slow'") == true)

        let workflowTimeout = try Self.compile(Self.header + "timeout: {after: '${ .limit }'}\ndo:\n  - a: {set: {a: 1}}\n")
        let whole = try #require(Self.fault(try await Self.run(workflowTimeout, input: ["limit": "P99999999999999999999D"])))
        #expect(whole.detail?.contains("the workflow") == true)

        let retry = try Self.compile(
            Self.header
                + """
                do:
                  - again:
                      try:
                        - fail: {raise: {error: {type: https://example.com/boom, status: 500}}}
                      catch:
                        retry: {delay: '${ .delay }', limit: {attempt: {count: 3}}}
                """)
        let delayed = try #require(Self.fault(try await Self.run(retry, input: ["delay": "P99999999999999999999D"])))
        #expect(delayed.title == "Duration too long")
        #expect(delayed.detail?.contains("task 'again'") == true)
    }

    @Test("an exponential backoff that grows past the maximum duration faults instead of overflowing")
    func backoffPastTheLimit() async throws {
        let program = try Self.compile(
            Self.header
                + """
                do:
                  - again:
                      try:
                        - fail: {raise: {error: {type: https://example.com/boom, status: 500}}}
                      catch:
                        retry:
                          delay: PT1S
                          backoff: {exponential: {}}
                          limit: {attempt: {count: 40}}
                """)
        let error = try #require(Self.fault(try await Self.run(program)))
        // 2^32 seconds is about 136 years: the 33rd retry would wait longer than the limit.
        #expect(error.title == "Duration too long")
        #expect(error.detail?.contains("the retry delay of task 'again'") == true)
    }

    // MARK: sub-workflows

    @Test("a workflow that runs itself stops at 64 nested sub-workflows, with an error naming the limit")
    func recursionDepth() async throws {
        let recursive = try Self.compile(
            """
            document: {dsl: '1.0.3', namespace: limits, name: recurse, version: '1.0.0'}
            do:
              - deeper:
                  run:
                    workflow: {namespace: limits, name: recurse, version: '1.0.0', input: {depth: '${ .depth + 1 }'}}
            """)
        let store = MemoryStore()
        let serving = try await Self.startWorker(recursive, store: store)
        var root: RunRecord?
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            root = await store.run(id: "root")
            if root?.status == .faulted || root?.status == .completed { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        serving.cancel()
        _ = try? await serving.value
        let error = try #require(root?.error, "\(String(describing: root))")
        #expect(error.title == "Sub-workflows nested too deep")
        #expect(error.detail?.contains("limits/recurse:1.0.0") == true)
        #expect(error.detail?.contains("64") == true)
        // The root and 64 nested runs below it.
        let runs = await store.runs(RunQuery(limit: 1_000))
        #expect(runs.count == 65)
    }

    /// A worker's loop (as `swirl worker` runs it) serving a run of `program` with id `root`.
    @WorkerActor
    static func startWorker(_ program: Program, store: MemoryStore) async throws -> Task<Void, any Error> {
        let library = WorkflowLibrary(catalog: DefinitionCatalog([program]))
        let workflow = try library.add(program)
        try await library.save(workflow, in: store)
        _ = try await store.createRun(NewRun(id: "root", definitionHash: workflow.definition.hash, input: ["depth": 0]))
        let worker = Worker(
            store: store, library: library,
            configuration: Worker.Configuration(owner: "deep", concurrency: 8, pollSeconds: 0.1, graceSeconds: 0.05))
        return Task { @WorkerActor in try await worker.run() }
    }

    // MARK: workflow output

    @Test("the workflow's output.as sees the final $context")
    func outputSeesContext() async throws {
        let program = try Self.compile(
            Self.header
                + """
                do:
                  - a:
                      set: {x: 1}
                      export: {as: '${ {total: 41} }'}
                output:
                  as: '${ {x: .x, total: $context.total} }'
                """)
        let outcome = try await Self.run(program)
        #expect(outcome == .completed(["x": 1, "total": 41]))
    }
}
