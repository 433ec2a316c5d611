import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import Testing

/// Runs that never wait (a task that jumps back to itself, a long loop, a retry without delay)
/// still meet their timeout, a cancel, and the other runs of their worker: the machine hands
/// the run back to the driver after every step budget.
@Suite struct RunawayRunTests {
    static let header = "document: {dsl: '1.0.3', namespace: runaway, name: w, version: '1.0.0'}\n"

    static func compile(_ body: String, name: String = "w") throws -> Program {
        let text = header.replacing("name: w", with: "name: \(name)") + body
        return try Compiler().compile(try #require(Loader().load(text: text, file: "t.yaml").value))
    }

    static let selfLoop = """
        do:
          - spin:
              set: {n: '${ .n + 1 }'}
              then: spin
        """

    /// Runs `program` on the wall clock, as `swirl run` does.
    @WorkerActor
    static func run(_ program: Program, input: JSON = ["n": 0], store: MemoryStore = MemoryStore()) async throws -> RunOutcome {
        let interpreter = try Interpreter(program: program, store: store)
        return try await interpreter.run(input: input, runID: "runaway")
    }

    /// The run faulted at its workflow's timeout: by the machine's own check, or, when an
    /// expression was still running at the deadline (`[range(2000000)]` on a slow machine), by
    /// the expression watchdog, which cuts it at the time that was left.
    static func workflowTimedOut(_ outcome: RunOutcome) -> Bool {
        guard case .faulted(let error) = outcome, error.type == WorkflowError.Kind.timeout.type else { return false }
        return error.title == "Workflow timed out"
            || (error.title == "Expression timed out" && error.detail?.contains("time left before a timeout") == true)
    }

    @Test("a task that jumps back to itself for ever meets the workflow's timeout")
    func selfLoopTimesOut() async throws {
        let program = try Self.compile("timeout: {after: PT1S}\n" + Self.selfLoop)
        let outcome = try await Self.run(program)
        #expect(Self.workflowTimedOut(outcome), "\(outcome)")
    }

    @Test("a long for loop stops at the workflow's timeout instead of completing")
    func longLoopTimesOut() async throws {
        let program = try Self.compile(
            """
            timeout: {after: PT1S}
            do:
              - sum:
                  for: {in: '${ [range(2000000)] }'}
                  do:
                    - add: {set: {n: '${ .n + $item }'}}
            """)
        let outcome = try await Self.run(program)
        #expect(Self.workflowTimedOut(outcome), "\(outcome)")
    }

    @Test("a retry without delay and without limit meets the workflow's timeout")
    func zeroDelayRetryTimesOut() async throws {
        let program = try Self.compile(
            """
            timeout: {after: PT1S}
            do:
              - again:
                  try:
                    - fail: {raise: {error: {type: https://example.com/boom, status: 500}}}
                  catch:
                    retry: {delay: PT0S}
            """)
        let outcome = try await Self.run(program)
        #expect(Self.workflowTimedOut(outcome), "\(outcome)")
    }

    @Test("cancelling the caller stops a run that never waits")
    func cancelStopsASpinningRun() async throws {
        let program = try Self.compile(Self.selfLoop)
        let running = Task { try await Self.run(program) }
        try await Task.sleep(for: .milliseconds(300))
        running.cancel()
        let outcome = try await running.value
        #expect(outcome == .cancelled)
    }

    @Test("a run in an endless loop does not keep another run of the same worker from completing")
    func spinningRunSharesItsWorker() async throws {
        let store = MemoryStore()
        let (worker, serving) = try await Self.startWorker(store: store)
        // Polled from outside the worker's actor: a worker monopolised by the spinning run would
        // never let the quick one run, and this loop would give up.
        var quick: RunRecord?
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            quick = try await store.run(id: "quick")
            if quick?.status == .completed { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(quick?.status == .completed)
        #expect(quick?.output == ["done": true])
        #expect(try await store.run(id: "spin")?.status != .completed)
        try await Self.cancel("spin", on: worker)
        var spin: RunRecord?
        while ContinuousClock.now < deadline {
            spin = try await store.run(id: "spin")
            if spin?.status == .cancelled { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(spin?.status == .cancelled)
        serving.cancel()
        _ = try? await serving.value
    }

    @WorkerActor
    static func startWorker(store: MemoryStore) async throws -> (Worker, Task<Void, any Error>) {
        let library = WorkflowLibrary()
        let spin = try library.add(try compile(selfLoop, name: "spin"))
        let quick = try library.add(try compile("do:\n  - finish: {set: {done: true}}\n", name: "quick"))
        try await library.save(spin, in: store)
        try await library.save(quick, in: store)
        // The spinning run is created first, so the worker claims it first.
        _ = try await store.createRun(NewRun(id: "spin", definitionHash: spin.definition.hash, input: ["n": 0]))
        _ = try await store.createRun(NewRun(id: "quick", definitionHash: quick.definition.hash, input: [:]))
        let worker = Worker(
            store: store, library: library,
            configuration: Worker.Configuration(owner: "shared", concurrency: 4, pollSeconds: 0.1, graceSeconds: 0.05))
        let serving = Task { @WorkerActor in try await worker.run() }
        return (worker, serving)
    }

    @WorkerActor
    static func cancel(_ runID: String, on worker: Worker) async throws {
        try await worker.cancel(runID: runID)
    }

    // MARK: memory

    @Test("a long loop's history is written while it runs, and the memory store keeps it bounded")
    func historyStaysBounded() async throws {
        let program = try Self.compile(
            """
            do:
              - sum:
                  for: {in: '${ [range(12000)] }'}
                  do:
                    - add: {set: {n: '${ .n + $item }'}}
            """)
        let store = MemoryStore(clock: ManualClock(), historyLimit: 1_000)
        let outcome = try await Self.runOnManualClock(program, store: store)
        #expect(outcome == .completed(["n": 71_994_000]))
        let history = try await store.history(runID: "runaway")
        // 12,000 iterations write about 24,000 task entries; the store keeps at most 1.5 × its limit.
        #expect(history.count <= 1_501)
        #expect(history.first?.kind == "run.started")
        #expect(history.dropFirst().first?.kind == "history.truncated")
        #expect((history.dropFirst().first?.data?.value["dropped"]?.numberValue ?? 0) > 20_000)
        #expect(history.last?.kind == "run.completed")
    }

    @Test("the memory store keeps a run's whole history up to its limit")
    func shortHistoryIsWhole() async throws {
        let program = try Self.compile("do:\n  - a: {set: {n: 1}}\n  - b: {set: {n: 2}}\n")
        let store = MemoryStore(clock: ManualClock())
        _ = try await Self.runOnManualClock(program, store: store)
        let kinds = try await store.history(runID: "runaway").map(\.kind)
        #expect(kinds == ["run.started", "task.started", "task.completed", "task.started", "task.completed", "run.completed"])
    }

    @Test("a long pure run checkpoints its history as it goes rather than holding it to the end")
    func longRunFlushesHistory() async throws {
        let program = try Self.compile(
            """
            do:
              - sum:
                  for: {in: '${ [range(6000)] }'}
                  do:
                    - add: {set: {n: '${ .n + $item }'}}
            """)
        let store = MemoryStore(clock: ManualClock(), recordingCheckpoints: true)
        let outcome = try await Self.runOnManualClock(program, store: store)
        #expect(outcome == .completed(["n": 17_997_000]))
        // About 12,000 history entries, written once 1,024 have gathered at the end of a step budget.
        let checkpoints = await store.checkpoints.count
        #expect(checkpoints >= 5)
    }

    @WorkerActor
    static func runOnManualClock(_ program: Program, store: MemoryStore) async throws -> RunOutcome {
        let interpreter = try Interpreter(program: program, store: store, clock: store.clock)
        return try await interpreter.run(input: ["n": 0], runID: "runaway")
    }

    // MARK: the machine

    @Test("the machine hands a ready run back after its step budget, and goes on with timerFired")
    func machineSpendsItsBudget() async throws {
        let program = try Self.compile(Self.selfLoop)
        let outcome = try await Self.machineRun(program)
        #expect(outcome.spent)
        #expect(outcome.status == .running)
        #expect(outcome.progressed)
    }

    @WorkerActor
    static func machineRun(_ program: Program) throws -> (spent: Bool, status: RunStatus, progressed: Bool) {
        let bundle = try ExpressionBundle(
            sources: program.expressions.map { ExpressionSource($0.text, scopedVariables: $0.scopedVariables) })
        var machine = RunStateMachine(program: program) { id, data, arguments, _ throws(JQError) in
            try bundle.evaluate(id, on: data, arguments: arguments)
        }
        machine.stepBudget = 50
        var state = RunState(runID: "m", input: ["n": 0], startedAt: 0, seed: 1)
        let first = machine.handle(.start, state: &state, now: 0)
        let spent = first.contains(.budgetSpent)
        let afterFirst = state.fibers.first?.frames.count ?? 0
        let second = machine.handle(.timerFired, state: &state, now: 1)
        var n = 0.0
        for case .list(let list) in state.fibers.first?.frames ?? [] { n = list.data.value["n"]?.numberValue ?? 0 }
        return (spent && second.contains(.budgetSpent) && afterFirst > 0, state.status, n > 40)
    }
}
