public import SwirlCompiler
public import SwirlCore
public import SwirlExpressions
import Foundation

/// How a run ended.
public enum RunOutcome: Hashable, Sendable {
    case completed(JSON)
    case faulted(WorkflowError)
    case cancelled
}

/// Something worth telling a person watching a run (`swirl run` prints these on stderr).
public struct RunProgress: Sendable {
    public enum Kind: Sendable {
        case waiting(until: Double)
        case completed
        case faulted(WorkflowError)
        case task(TaskEvent)
    }

    public var kind: Kind
    public var time: Double
}

/// Runs a compiled workflow: drives the ``RunStateMachine``, runs the activities it asks for
/// concurrently, sleeps on the injected clock, and checkpoints the state into the store after
/// every step.
///
/// It lives on ``JQActor`` because the machine evaluates expressions through libjq, which must
/// stay on one thread; activities run elsewhere and report back here as events.
@JQActor
public final class Interpreter {
    public let program: Program
    private let bundle: ExpressionBundle
    private let store: any Store
    private let clock: any RuntimeClock
    private let activities: ActivityRegistry
    private let secretValues: OrderedDictionary<String, JSON>
    /// Where `listen` tasks receive events from, if anywhere.
    private let events: EventBus?
    private let environment: [String: String]
    /// The run's secrets once resolved; everything leaving the interpreter is redacted with them.
    private var secrets = Secrets()
    /// Told about waits and the end of the run.
    public var onProgress: (@Sendable (RunProgress) -> Void)?
    /// Given each lifecycle CloudEvent of the run, secrets redacted.
    public var onLifecycleEvent: (@Sendable (JSON) -> Void)?

    /// Prepares `program` to run: compiles all its expressions into one jq program.
    /// - Parameters:
    ///   - secrets: values for the names in `use.secrets` (a `--secrets` file); names not given
    ///     here are read from `environment` as `SWIRL_SECRET_<NAME>`.
    /// - Throws: `JQError` when libjq rejects an expression the checker accepted (a defect).
    public init(
        program: Program, store: any Store, clock: any RuntimeClock = SystemClock(),
        activities: ActivityRegistry = ActivityRegistry(), secrets: OrderedDictionary<String, JSON> = [:],
        environment: [String: String] = [:], events: EventBus? = nil
    ) throws(JQError) {
        self.events = events
        self.program = program
        self.store = store
        self.clock = clock
        self.activities = activities
        self.secretValues = secrets
        self.environment = environment
        self.bundle = try ExpressionBundle(
            sources: program.expressions.map { ExpressionSource($0.text, scopedVariables: $0.scopedVariables) },
            engine: JQEngine())
    }

    /// Starts a new run with `input` and runs it to its end.
    public func run(input: JSON, runID: String, seed: UInt64 = 0) async throws -> RunOutcome {
        var state = RunState(runID: runID, input: input, startedAt: clock.now(), seed: seed)
        try await store.checkpoint(state, history: [HistoryEntry(time: state.startedAt, kind: "run.started", data: input)])
        return try await drive(&state, first: .start)
    }

    /// Continues a run from its last checkpoint: activities that were in flight run again with
    /// the same keys, timers and deadlines keep their absolute times.
    public func resume(_ state: RunState) async throws -> RunOutcome {
        var state = state
        switch state.status {
        case .completed: return .completed(state.output?.value ?? .null)
        case .faulted: return .faulted(state.error ?? WorkflowError(.runtime, title: "Faulted"))
        case .cancelled: return .cancelled
        case .pending: return try await drive(&state, first: .start)
        default: return try await drive(&state, first: .timerFired)
        }
    }

    /// What wakes the driver.
    private enum Wake: Sendable {
        case event(JSON)
        case timer
        case activity(key: String, result: Result<JSON, WorkflowError>)
    }

    private func drive(_ state: inout RunState, first: RunStateMachine.Event) async throws -> RunOutcome {
        let names = program.definition["use"]?["secrets"]?.arrayValue?.compactMap(\.stringValue) ?? []
        do {
            secrets = try Secrets.resolve(names, provided: secretValues, environment: environment)
        } catch {
            state.status = .faulted
            state.error = error
            try await store.checkpoint(state, history: [HistoryEntry(time: clock.now(), kind: "run.faulted", data: error.json)])
            return .faulted(error)
        }
        let lifecycle = LifecycleEvents(program: program, runID: state.runID)
        if case .start = first { publish(lifecycle.workflowStarted(at: clock.now())) }
        let bundle = self.bundle
        let machine = RunStateMachine(program: program, secrets: secrets.json) { id, data, arguments throws(JQError) in
            try bundle.evaluate(id, on: data, arguments: arguments)
        }
        let (wakes, continuation) = AsyncStream.makeStream(of: Wake.self)
        var running: [String: Task<Void, Never>] = [:]
        var timer: (at: Double, task: Task<Void, Never>)?
        defer {
            for task in running.values { task.cancel() }
            timer?.task.cancel()
            continuation.finish()
        }
        var iterator = wakes.makeAsyncIterator()
        // Events published while the run is alive reach its listens.
        var subscription: (token: UUID, task: Task<Void, Never>)?
        if let events {
            let (token, stream) = await events.subscribe()
            subscription = (token, Task { for await event in stream { continuation.yield(.event(event)) } })
        }
        defer {
            if let subscription, let events {
                subscription.task.cancel()
                Task { await events.unsubscribe(subscription.token) }
            }
        }
        var event = first
        while true {
            let now = clock.now()
            let actions = machine.handle(event, state: &state, now: now)
            var wakeAt: Double?
            for action in actions {
                switch action {
                case .checkpoint:
                    var saved = state
                    saved.error = state.error.map(secrets.redact)
                    try await store.checkpoint(saved, history: history(for: actions, at: now))
                case .park(let time):
                    wakeAt = time
                case .complete(let output):
                    onProgress?(RunProgress(kind: .completed, time: now))
                    publish(lifecycle.workflowEnded(.completed(output), at: now))
                    return .completed(output)
                case .fault(let error):
                    let redacted = secrets.redact(error)
                    onProgress?(RunProgress(kind: .faulted(redacted), time: now))
                    publish(lifecycle.workflowEnded(.faulted(redacted), at: now))
                    return .faulted(redacted)
                case .cancelled:
                    publish(lifecycle.workflowEnded(.cancelled, at: now))
                    return .cancelled
                case .task(let taskEvent):
                    let redacted = redact(taskEvent)
                    onProgress?(RunProgress(kind: .task(redacted), time: now))
                    if let event = lifecycle.task(redacted) { publish(event) }
                }
            }

            // Start what the machine asks for; stop what it no longer waits for.
            let inFlight = state.activitiesInFlight
            let wanted = Set(inFlight.map(\.key))
            for (key, task) in running where !wanted.contains(key) {
                task.cancel()
                running[key] = nil
            }
            for request in inFlight where running[request.key] == nil {
                running[request.key] = start(request, reportingTo: continuation)
            }
            if let wakeAt, timer?.at != wakeAt {
                timer?.task.cancel()
                onProgress?(RunProgress(kind: .waiting(until: wakeAt), time: now))
                let clock = self.clock
                timer = (wakeAt, Task { try? await clock.sleep(until: wakeAt); if !Task.isCancelled { continuation.yield(.timer) } })
            } else if wakeAt == nil {
                timer?.task.cancel()
                timer = nil
            }
            let listening = state.fibers.contains { $0.wait == .events }
            guard !running.isEmpty || timer != nil || (listening && events != nil) else {
                let error = WorkflowError(
                    .runtime, title: "Run parked with nothing to wake it",
                    detail: listening ? "it listens for events, but no event source is connected" : nil, instance: "/")
                return .faulted(error)
            }

            guard let wake = await iterator.next(), !Task.isCancelled else {
                _ = machine.handle(.cancel, state: &state, now: clock.now())
                try await store.checkpoint(state, history: [HistoryEntry(time: clock.now(), kind: "run.cancelled")])
                publish(lifecycle.workflowEnded(.cancelled, at: clock.now()))
                return .cancelled
            }
            switch wake {
            case .event(let cloudEvent):
                event = .eventReceived(cloudEvent)
            case .timer:
                timer = nil
                event = .timerFired
            case .activity(let key, let result):
                running[key] = nil
                switch result {
                case .success(let output): event = .activityCompleted(key: key, output: output)
                case .failure(let error): event = .activityFailed(key: key, error: error)
                }
            }
        }
    }

    /// Runs one activity off the jq thread and reports its result.
    private func start(_ request: ActivityRequest, reportingTo continuation: AsyncStream<Wake>.Continuation) -> Task<Void, Never> {
        let activity = activities.activity(for: request.kind)
        return Task.detached {
            let result: Result<JSON, WorkflowError>
            if let activity {
                do throws(WorkflowError) {
                    result = .success(try await activity.run(request))
                } catch {
                    var failure = error
                    if failure.instance == nil { failure.instance = request.task }
                    result = .failure(failure)
                }
            } else if request.kind.hasPrefix("call:"), request.kind.contains("@") {
                result = .failure(
                    WorkflowError(
                        .configuration, status: 501, title: "Catalog functions not supported",
                        detail: "'\(request.kind.dropFirst(5))' names a function in a catalog; Swirl cannot fetch "
                            + "catalog functions yet, so define it in use.functions", instance: request.task))
            } else {
                result = .failure(
                    WorkflowError(
                        .configuration, status: 501, title: "Task kind not supported",
                        detail: "this build of Swirl cannot run '\(request.kind)' tasks", instance: request.task))
            }
            if !Task.isCancelled { continuation.yield(.activity(key: request.key, result: result)) }
        }
    }

    private func publish(_ event: JSON) {
        onLifecycleEvent?(secrets.redact(event))
    }

    /// A task event with the texts of its error redacted.
    private func redact(_ event: TaskEvent) -> TaskEvent {
        var redacted = event
        switch event.kind {
        case .faulted(let error): redacted.kind = .faulted(secrets.redact(error))
        case .retrying(let attempt, let at, let error): redacted.kind = .retrying(attempt: attempt, at: at, error: secrets.redact(error))
        default: break
        }
        return redacted
    }

    private static func historyEntry(_ event: TaskEvent) -> HistoryEntry {
        switch event.kind {
        case .started: HistoryEntry(time: event.time, kind: "task.started", task: event.task)
        case .completed(let duration): HistoryEntry(time: event.time, kind: "task.completed", task: event.task, data: ["duration": .number(duration)])
        case .skipped: HistoryEntry(time: event.time, kind: "task.skipped", task: event.task)
        case .faulted(let error): HistoryEntry(time: event.time, kind: "task.faulted", task: event.task, data: error.json)
        case .retrying(let attempt, let at, let error):
            HistoryEntry(time: event.time, kind: "task.retried", task: event.task, data: ["attempt": .number(Double(attempt)), "at": .number(at), "error": error.json])
        case .waiting(let until): HistoryEntry(time: event.time, kind: "task.waiting", task: event.task, data: ["until": .number(until)])
        }
    }

    /// The history lines for `actions`, secrets redacted: the history is for people and tools.
    private func history(for actions: [RunStateMachine.Action], at time: Double) -> [HistoryEntry] {
        actions.compactMap { action -> HistoryEntry? in
            var entry: HistoryEntry
            switch action {
            case .complete(let output): entry = HistoryEntry(time: time, kind: "run.completed", data: output)
            case .fault(let error): entry = HistoryEntry(time: time, kind: "run.faulted", task: error.instance, data: error.json)
            case .park(let wakeAt): entry = HistoryEntry(time: time, kind: "run.waiting", data: wakeAt.map { .number($0) } ?? .null)
            case .task(let event): entry = Self.historyEntry(event)
            default: return nil
            }
            entry.data = entry.data.map { StoredJSON(secrets.redact($0.value)) }
            return entry
        }
    }
}
