public import SwirlCompiler
public import SwirlCore
public import SwirlExpressions
import Foundation

/// Runs one compiled workflow to its end in this process, through a store: the engine of
/// `swirl run` and of the tests. It registers the definition, creates the run, and serves it
/// (and the child runs it starts) with a ``Worker`` until it ends; the run is durable exactly
/// as far as the store is.
///
/// It lives on ``WorkerActor`` with the worker it drives; the run advances on a driver thread, and
/// activities report back to it as events.
@WorkerActor
public final class Interpreter {
    public let program: Program
    private let store: any Store
    private let worker: Worker
    private let workflow: CompiledWorkflow
    /// Where `listen` tasks receive events from, if anywhere: forwarded into the store.
    private let events: EventBus?
    /// Told about waits, task phases and the end of the run (not of its children).
    public var onProgress: (@Sendable (RunProgress) -> Void)?
    /// Given each lifecycle CloudEvent of the run and its children, secrets redacted.
    public var onLifecycleEvent: (@Sendable (JSON) -> Void)? {
        get { worker.onLifecycleEvent }
        set { worker.onLifecycleEvent = newValue }
    }

    /// Prepares `program` to run: compiles all its expressions into one jq program.
    /// - Parameters:
    ///   - catalog: the definitions `run: workflow` tasks may start.
    ///   - secrets: values for the names in `use.secrets` (a `--secrets` file); names not given
    ///     here are read from `environment` as `SWIRL_SECRET_<NAME>`.
    ///   - events: a bus whose events are delivered to the store, for the run's `listen`s.
    /// - Throws: `JQError` when the engine rejects an expression the checker accepted (a defect).
    public init(
        program: Program, store: any Store, clock: any RuntimeClock = SystemClock(),
        activities: ActivityRegistry = ActivityRegistry(), catalog: DefinitionCatalog = DefinitionCatalog(),
        secrets: OrderedDictionary<String, JSON> = [:], environment: [String: String] = [:], events: EventBus? = nil,
        configuration: Worker.Configuration = Worker.Configuration()
    ) throws(JQError) {
        self.program = program
        self.store = store
        self.events = events
        let library = WorkflowLibrary(catalog: catalog)
        self.workflow = try library.add(program)
        self.worker = Worker(
            store: store, library: library, activities: activities, clock: clock, secrets: secrets,
            environment: environment, configuration: configuration)
    }

    /// Starts a new run with `input` and runs it to its end.
    public func run(input: JSON, runID: String, idempotencyKey: String? = nil) async throws -> RunOutcome {
        let created = try await store.startRun(of: workflow.definition, input: input, id: runID, idempotencyKey: idempotencyKey)
        return try await serve(created.id)
    }

    /// Continues the run `runID` of the store from its last checkpoint (activities that were in
    /// flight run again with the same keys; timers and deadlines keep their absolute times), and
    /// runs it to its end.
    public func resume(runID: String) async throws -> RunOutcome {
        try await store.saveDefinition(workflow.definition)
        return try await serve(runID)
    }

    /// Continues from `state`, a checkpoint of a run of this program: the state is placed in
    /// `store` (a ``MemoryStore``) as the run's last checkpoint, then resumed.
    public func resume(_ state: RunState, in store: MemoryStore) async throws -> RunOutcome {
        try await store.saveDefinition(workflow.definition)
        try await store.restore(state, definition: workflow.definition)
        return try await serve(state.runID)
    }

    /// Serves the run until it ends. Cancelling the calling task cancels the run: it stops at
    /// its next step, saves its state and reports cancelled.
    private func serve(_ runID: String) async throws -> RunOutcome {
        let worker = self.worker
        let rootProgress = onProgress
        worker.onProgress = { progress in if progress.runID == runID { rootProgress?(progress) } }
        var forwarding: (token: UUID, task: Task<Void, Never>)?
        if let events {
            let (token, stream) = await events.subscribe()
            let store = self.store
            forwarding = (token, Task { for await event in stream { _ = try? await store.deliver(event: event) } })
        }
        defer {
            if let forwarding, let events {
                forwarding.task.cancel()
                Task { await events.unsubscribe(forwarding.token) }
            }
        }
        // The worker's loop runs in a task of its own, so that cancelling the caller becomes a
        // cancel request for the run rather than an abandoned loop.
        let serving = Task { @WorkerActor in try await worker.serve(runID: runID, giveUpWhenIdle: events == nil) }
        let outcome = try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: {
            Task { @WorkerActor in try? await worker.cancel(runID: runID) }
        }
        guard let outcome else {
            return .faulted(
                WorkflowError(
                    .runtime, title: "Run parked with nothing to wake it",
                    detail: "it waits for events or another worker, but no event source is connected", instance: "/"))
        }
        return outcome
    }
}
