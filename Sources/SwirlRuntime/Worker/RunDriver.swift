public import SwirlCore
import Foundation
import SwirlCompiler
import SwirlExpressions
import Synchronization

/// Drives one claimed run: feeds the ``RunStateMachine`` its events, performs the actions it
/// returns (runs activities concurrently, emits events, starts child runs, arms timers), and
/// writes one fenced checkpoint per batch of side-effecting results, until the run parks, ends,
/// is suspended, or its lease is lost.
///
/// Checkpoint policy: pure tasks advance in memory and are saved with the next checkpoint;
/// every result of a side-effecting task (an activity, an emit, a timer, a consumed event, a
/// child's end) is saved before the run goes on waiting, results that arrive together share one
/// write, and a run with nothing left in this process is released (parked) in the same write.
///
/// Each driver is an actor of its own, whose jobs run on one of the process's ``DriverThreads``:
/// the runs of a worker advance in parallel, and what reaches a driver from outside
/// (``signal(_:)``, ``renewed(expiresAt:)``) goes through a lock, never a hop.
actor RunDriver {
    /// How a drive ended.
    enum Result: Sendable {
        case ended(RunOutcome)
        /// Saved and released: waiting for a timer, an event or a child.
        case parked
        case suspended
        /// Another worker claimed the run: nothing more was written.
        case leaseLost
        /// The worker is stopping: in-flight work was cancelled and the lease released.
        case stopped
    }

    /// What reaches the driver from outside the machine.
    enum Wake: Sendable {
        case activity(key: String, result: Swift.Result<JSON, WorkflowError>)
        case timer
        case control(ControlRequest)
        case fenced
        case stop
        /// Look for stored events again (a listen while activities run).
        case pollEvents
        /// An activity in flight saved progress; `saved` resumes it once a checkpoint holds it.
        case progress(key: String, details: JSON, saved: CheckedContinuation<Void, Never>)
    }

    /// What woke the driver and has not been handled, and the driver's wait for it.
    private struct Mailbox {
        var queue: [Wake] = []
        var waiter: CheckedContinuation<Void, Never>?
        /// The drive is over: progress that arrives now is resumed at once, as nothing will save it.
        var closed = false
    }

    let context: WorkerContext
    let workflow: CompiledWorkflow
    nonisolated let runID: String
    /// The thread every job of this driver runs on, and its activities prefer.
    nonisolated let thread: DriverThread
    /// The lease as last renewed: the heartbeat reads and renews it from the worker's actor.
    private let leaseBox: Mutex<Lease>
    private let mailbox = Mutex(Mailbox())
    private var state: RunState
    private var storedValues: Set<String>
    /// The large values of the last checkpoint, so the next one does not serialize them again.
    private var valueCache = ValueCache()
    private let record: RunRecord
    private let claimed: ClaimedRun
    private var machine: RunStateMachine
    private var secrets = Secrets()
    private let lifecycle: LifecycleEvents

    private var running: [String: Task<Void, Never>] = [:]
    /// Activities asked for and not started yet, in order.
    private var pendingStarts: [(request: ActivityRequest, activity: (any Activity)?)] = []
    /// `run: workflow` steps waiting for a child run, by step key: the child's id.
    private var awaitedChildren: [String: String] = [:]
    /// Step keys of the activities in flight, by task pointer, for the history.
    private var stepKeys: [String: String] = [:]
    private var timer: (at: Double, task: Task<Void, Never>)?
    private var poller: Task<Void, Never>?
    /// Activities waiting for the checkpoint that holds the progress they saved.
    private var progressSaved: [CheckedContinuation<Void, Never>] = []

    // What the next checkpoint writes.
    private var history: [HistoryEntry] = []
    private var outbox: [JSON] = []
    private var children: [NewRun] = []
    private var lifecycleOutbox: [JSON] = []
    private var progressOutbox: [RunProgress] = []
    private var clearsControl = false
    private var dirty = false

    nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }

    init(claimed: ClaimedRun, workflow: CompiledWorkflow, context: WorkerContext, thread: DriverThread) {
        self.thread = thread
        self.claimed = claimed
        self.context = context
        self.workflow = workflow
        self.runID = claimed.lease.runID
        self.leaseBox = Mutex(claimed.lease)
        self.record = claimed.record
        self.storedValues = claimed.storedValues
        self.lifecycle = LifecycleEvents(program: workflow.program, runID: claimed.lease.runID)
        if let saved = claimed.state {
            state = saved
        } else {
            state = RunState(
                runID: claimed.lease.runID, input: claimed.record.input, startedAt: claimed.record.createdAt,
                seed: Self.seed(claimed.lease.runID))
            state.definitionHash = workflow.definition.hash
            state.eventBase = claimed.eventBase
            state.eventCursor = claimed.eventBase
        }
        machine = workflow.machine(secrets: [:], clock: context.clock)
    }

    nonisolated var lease: Lease { leaseBox.withLock { $0 } }

    /// Called by the worker (heartbeats, stop) and by activities reporting back, from any thread.
    nonisolated func signal(_ wake: Wake) {
        let (waiter, closed) = mailbox.withLock { mailbox -> (CheckedContinuation<Void, Never>?, Bool) in
            if mailbox.closed { return (nil, true) }
            mailbox.queue.append(wake)
            defer { mailbox.waiter = nil }
            return (mailbox.waiter, false)
        }
        if closed, case .progress(_, _, let saved) = wake { saved.resume() }
        waiter?.resume()
    }

    /// Ends the mailbox with the drive: progress still queued, and any that comes later, is let go.
    private func closeMailbox() {
        let left = mailbox.withLock { mailbox in
            mailbox.closed = true
            defer { mailbox.queue.removeAll() }
            return mailbox.queue
        }
        for case .progress(_, _, let saved) in left { saved.resume() }
    }

    /// Saves progress for the activity `key` through the mailbox, returning once it is written.
    nonisolated func saveProgress(_ details: JSON, key: String) async {
        await withCheckedContinuation { (saved: CheckedContinuation<Void, Never>) in
            signal(.progress(key: key, details: details, saved: saved))
        }
    }

    nonisolated func renewed(expiresAt: Double) {
        leaseBox.withLock { $0.expiresAt = expiresAt }
    }

    /// What woke the driver since it last looked, emptying the mailbox.
    private func takeWakes() -> [Wake] {
        mailbox.withLock { mailbox in
            defer { mailbox.queue.removeAll() }
            return mailbox.queue
        }
    }

    // MARK: driving

    func drive() async -> Result {
        defer {
            stopEverything()
            closeMailbox()
        }
        do {
            return try await driveThrowing()
        } catch {
            // The store failed (unreachable, or refused a write): give the run back untouched.
            // Whatever was not saved is recomputed by whoever claims it next.
            context.log("run \(runID): \(error); released for another attempt")
            try? await context.store.release(lease, wakeAt: context.clock.now() + 1)
            return .stopped
        }
    }

    private func driveThrowing() async throws -> Result {
        if let refusal = refusal() { return try await faultWithoutRunning(refusal) }
        let names = workflow.program.definition["use"]?["secrets"]?.arrayValue?.compactMap(\.stringValue) ?? []
        do {
            secrets = try Secrets.resolve(names, provided: context.secretValues, environment: context.environment)
            machine = workflow.machine(secrets: secrets.json, clock: context.clock)
        } catch {
            return try await faultWithoutRunning(error)
        }

        var batch: [RunStateMachine.Event]
        switch claimed.control {
        case .cancel?:
            clearsControl = true
            batch = [.cancel]
        case .suspend?:
            return try await suspend()
        default:
            batch = [claimed.state == nil ? .start : .resume]
        }
        if claimed.state == nil, claimed.control != .cancel {
            let now = context.clock.now()
            // Saved before the first side effect starts, so `runs history` shows a run that began a long
            // activity as started: one write per run more than the side effects need.
            history.append(HistoryEntry(time: now, kind: "run.started", data: redacted(state.input.value)))
            if context.wantsLifecycleEvents { lifecycleOutbox.append(lifecycle.workflowStarted(at: now)) }
            dirty = true
        }

        // The machine's latest word on what the run waits for; kept across batches that leave it unchanged.
        var park: (wakeAt: Double?, subscription: EventSubscription?)?
        while true {
            var ending: RunOutcome?
            var budgetSpent = false
            for event in batch {
                let step = try await apply(event)
                if let outcome = step.ending { ending = outcome }
                if let parked = step.park { park = parked }
                budgetSpent = step.budgetSpent
            }
            // Offer stored events to the run's listens until none is left.
            while ending == nil, park?.subscription != nil {
                let events = try await context.store.events(after: state.eventCursor, limit: 64)
                if events.isEmpty { break }
                for stored in events {
                    let step = try await apply(.eventReceived(stored.event, sequence: stored.sequence))
                    if let outcome = step.ending { ending = outcome }
                    if let parked = step.park { park = parked }
                    budgetSpent = step.budgetSpent
                    if ending != nil { break }
                }
            }
            if ending == nil, budgetSpent {
                switch try await pause(subscription: park?.subscription) {
                case .events(let events):
                    batch = events
                    continue
                case .finished(let result):
                    return result
                }
            }
            // Children that have ended hand their results back before anything is saved.
            if ending == nil, !awaitedChildren.isEmpty {
                batch = try await endedChildren()
                if !batch.isEmpty { continue }
            }

            if let ending { return try await end(ending) }
            // Results that are ready already (an emit's) are handled before anything is saved.
            let ready = takeWakes()
            if !ready.isEmpty {
                switch try await translate(ready) {
                case .events(let events):
                    batch = events
                    continue
                case .finished(let result):
                    return result
                }
            }
            if running.isEmpty && pendingStarts.isEmpty {
                // Nothing runs in this process: save and release the run until it is due.
                switch try await save(status: .waiting, release: true, wakeAt: park?.wakeAt, subscription: park?.subscription) {
                case .saved: return .parked
                case .leaseLost: return .leaseLost
                }
            }
            if dirty || !children.isEmpty || !outbox.isEmpty {
                switch try await save(status: .running, release: false, wakeAt: nil, subscription: park?.subscription) {
                case .saved(let control?) where control != .resume: signal(.control(control))
                case .saved: break
                case .leaseLost: return .leaseLost
                }
            }
            launchPending()
            arm(park)

            batch = []
            while batch.isEmpty {
                switch try await translate(await nextWakes()) {
                case .events(let events): batch = events
                case .finished(let result): return result
                }
            }
        }
    }

    private enum Translation {
        case events([RunStateMachine.Event])
        case finished(Result)
    }

    /// Turns what woke the driver into events for the machine, or ends the drive.
    private func translate(_ wakes: [Wake]) async throws -> Translation {
        var batch: [RunStateMachine.Event] = []
        for wake in wakes {
            switch wake {
            case .activity(let key, let result):
                running[key] = nil
                switch result {
                case .success(let output): batch.append(.activityCompleted(key: key, output: output))
                case .failure(let error): batch.append(.activityFailed(key: key, error: error))
                }
            case .timer:
                timer = nil
                batch.append(.timerFired)
            case .control(.cancel):
                clearsControl = true
                batch.append(.cancel)
            case .control(.suspend):
                return .finished(try await suspend())
            case .control(.resume):
                break
            case .fenced:
                return .finished(.leaseLost)
            case .stop:
                stopEverything()
                try await context.store.release(lease, wakeAt: nil)
                return .finished(.stopped)
            case .pollEvents:
                // Offers stored events to the listens; changes nothing else.
                batch.append(.timerFired)
            case .progress(let key, let details, let saved):
                // An activity that is no longer awaited has nothing to save.
                guard running[key] != nil else {
                    saved.resume()
                    continue
                }
                progressSaved.append(saved)
                batch.append(.activityProgress(key: key, details: details))
            }
        }
        return .events(batch)
    }

    /// What one machine call produced.
    private struct Step {
        var ending: RunOutcome?
        var park: (wakeAt: Double?, subscription: EventSubscription?)?
        /// The machine spent its step budget: the run is ready and goes on after a pause.
        var budgetSpent = false
    }

    /// How deep `run: workflow` may nest runs: a run started by a run started by … the root,
    /// at most this many levels below it.
    static let maximumNesting = 64

    /// History entries the driver holds before it writes a checkpoint for them, even while the
    /// run is busy with pure steps: what a long run keeps in memory stays bounded (by this, or
    /// by four entries per fiber when the run has more fibers than a quarter of it).
    static let historyFlushThreshold = 1_024

    /// Between two step budgets of a run that is still ready: lets the worker's other runs, its
    /// heartbeat and requests in, writes what should not wait (activities to start, children,
    /// events, a full history buffer), and hands back what to apply next, always ending with
    /// ``RunStateMachine/Event/timerFired`` (which first applies the deadlines that passed).
    private func pause(subscription: EventSubscription?) async throws -> Translation {
        flushProgress()
        // A checkpoint encodes every fiber: with a wide fork, wait for as many entries as there
        // are fibers, so the writes cost O(1) per entry however wide the run is.
        let flushAt = max(Self.historyFlushThreshold, state.fibers.count * 4)
        if !pendingStarts.isEmpty || !children.isEmpty || !outbox.isEmpty || history.count >= flushAt {
            switch try await save(status: .running, release: false, wakeAt: nil, subscription: subscription) {
            case .saved(let control?) where control != .resume: signal(.control(control))
            case .saved: break
            case .leaseLost: return .finished(.leaseLost)
            }
            launchPending()
        }
        await Task.yield()
        switch try await translate(takeWakes()) {
        case .events(let events): return .events(events + [.timerFired])
        case .finished(let result): return .finished(result)
        }
    }

    /// Hands `event` to the machine and performs its actions.
    private func apply(_ event: RunStateMachine.Event) async throws -> Step {
        let now = context.clock.now()
        let interruptions = workflow.limits.interruptions
        let actions = machine.handle(event, state: &state, now: now)
        // A stop request may have cut an evaluation of this step short, and the machine took
        // that for the task's failure: give the run back as its last checkpoint left it.
        guard workflow.limits.interruptions == interruptions else { throw EvaluationInterrupted() }
        var step = Step()
        var discarded = false
        var changed = false
        for action in actions {
            switch action {
            case .task(let taskEvent):
                changed = true
                let redacted = redact(taskEvent)
                history.append(historyEntry(redacted))
                progressOutbox.append(RunProgress(runID: runID, kind: .task(redacted), time: now))
                if context.wantsLifecycleEvents, let cloudEvent = lifecycle.task(redacted) { lifecycleOutbox.append(cloudEvent) }
            case .startActivity(let request):
                stepKeys[request.task] = request.key
                try await start(request)
            case .cancelActivity(let key):
                running.removeValue(forKey: key)?.cancel()
                pendingStarts.removeAll { $0.request.key == key }
                if let child = awaitedChildren.removeValue(forKey: key) { _ = try? await context.store.request(.cancel, runID: child) }
            case .park(let wakeAt, let subscription):
                step.park = (wakeAt, subscription)
            case .complete(let output):
                step.ending = .completed(output)
            case .fault(let error):
                step.ending = .faulted(secrets.redact(error))
            case .cancelled:
                step.ending = .cancelled
            case .discarded:
                discarded = true
            case .budgetSpent:
                step.budgetSpent = true
            }
        }
        // Worth saving: a result, an event or a request the machine used, or time that moved a
        // task on. Starting or resuming recomputes only what the last checkpoint already implies.
        switch event {
        case .start, .resume: break
        case .timerFired: if changed || step.ending != nil { dirty = true }
        default: if !discarded { dirty = true }
        }
        return step
    }

    /// Starts what the machine asked for. `emit` and `run: workflow` are the driver's own:
    /// their effects are written with the checkpoint, not performed beside it.
    private func start(_ request: ActivityRequest) async throws {
        switch request.kind {
        case "emit":
            signal(.activity(key: request.key, result: emitted(request)))
        case "run:workflow":
            try await startChild(request)
        default:
            var activity = context.activities.activity(for: request.kind)
            if let bindable = activity as? any WorkflowBoundActivity { activity = bindable.bound(to: workflow.program, secrets: secrets) }
            // Started once the checkpoint holding what led to it is saved: a worker that lost
            // the run never performs its next side effect.
            pendingStarts.append((request, activity))
        }
    }

    /// Starts the activities the machine asked for since the last save.
    private func launchPending() {
        for (request, activity) in pendingStarts {
            // On the driver's thread: an activity runs there until it awaits I/O (a request, a process), and
            // its result comes back through the mailbox without waking another thread. (Detached, each start
            // and each result cost a thread wake-up: most of a no-op activity's cost.) Activities must not
            // block; one that computes for long should move that work off the thread itself.
            let progress = ActivityProgress { [weak self] details in await self?.saveProgress(details, key: request.key) }
            running[request.key] = Task(executorPreference: thread) { [weak self] in
                let result = await Self.perform(request, with: activity, progress: progress)
                if !Task.isCancelled { self?.signal(.activity(key: request.key, result: result)) }
            }
        }
        pendingStarts.removeAll()
    }

    /// The event an `emit` task publishes: its id, when the task gives none, is derived from the
    /// run and the step, so an emit that runs again after a crash is deduplicated by the store.
    private func emitted(_ request: ActivityRequest) -> Swift.Result<JSON, WorkflowError> {
        guard case .object(var attributes)? = request.arguments.value["event"]?["with"] else {
            return .failure(WorkflowError(.configuration, title: "Invalid event", detail: "emit.event.with is missing", instance: request.task))
        }
        if attributes["id"] == nil { attributes["id"] = .string(request.derivedID) }
        let event = CloudEvents.envelope(attributes, time: context.clock.now())
        outbox.append(event)
        return .success(event)
    }

    /// `run: workflow`: the child is a run of its own, created with the next checkpoint and
    /// idempotent on the parent's step; this run waits until the child's end nudges it.
    private func startChild(_ request: ActivityRequest) async throws {
        let process = request.arguments.value["workflow"] ?? [:]
        guard let namespace = process["namespace"]?.stringValue, let name = process["name"]?.stringValue,
            let version = process["version"]?.stringValue
        else {
            return signal(.activity(key: request.key, result: .failure(WorkflowError(
                .configuration, title: "Invalid sub-workflow", detail: "run.workflow needs namespace, name and version",
                instance: request.task))))
        }
        let childID = "\(runID)/\(request.key)"
        let existing = try await context.store.run(id: childID)
        if existing == nil {
            // A workflow that runs itself (directly or through others) stops at the limit
            // instead of nesting runs for ever.
            var depth = 1
            var ancestor = record.parentID
            while let id = ancestor {
                depth += 1
                if depth > Self.maximumNesting {
                    return signal(.activity(key: request.key, result: .failure(WorkflowError(
                        .runtime, title: "Sub-workflows nested too deep",
                        detail: "starting \(namespace)/\(name):\(version) would nest sub-workflow runs more than "
                            + "\(Self.maximumNesting) deep (the limit of nested sub-workflows)",
                        instance: request.task))))
                }
                ancestor = try await context.store.run(id: id)?.parentID
            }
            let key = DefinitionCatalog.Key(namespace: namespace, name: name, version: version)
            guard let program = context.library.catalog.program(for: key) else {
                return signal(.activity(key: request.key, result: .failure(WorkflowError(
                    .configuration, title: "Unknown sub-workflow",
                    detail: "no definition of \(namespace)/\(name):\(version) is known (\(context.library.catalog.count) definitions loaded)",
                    instance: request.task))))
            }
            let child: CompiledWorkflow
            do {
                child = try await context.library.add(program)
            } catch {
                return signal(.activity(key: request.key, result: .failure(WorkflowError(
                    .runtime, title: "Sub-workflow cannot be compiled", detail: "\(error)", instance: request.task))))
            }
            try await context.library.save(child, in: context.store)
            children.append(
                NewRun(
                    id: childID, definitionHash: child.definition.hash, input: process["input"] ?? request.input.value,
                    idempotencyKey: "child:" + request.idempotencyKey, parentID: runID))
        }
        if request.arguments.value["await"]?.boolValue == false {
            signal(.activity(key: request.key, result: .success(request.input.value)))
        } else {
            awaitedChildren[request.key] = childID
        }
    }

    /// Results of awaited children that have ended.
    private func endedChildren() async throws -> [RunStateMachine.Event] {
        var events: [RunStateMachine.Event] = []
        for (key, childID) in awaitedChildren.sorted(by: { $0.key < $1.key }) {
            guard let child = try await context.store.run(id: childID) else { continue }
            let task = state.activitiesInFlight.first { $0.key == key }?.task
            switch child.status {
            case .completed: events.append(.activityCompleted(key: key, output: child.output ?? .null))
            case .faulted:
                events.append(
                    .activityFailed(key: key, error: child.error ?? WorkflowError(.runtime, title: "Sub-workflow faulted", instance: task)))
            case .cancelled:
                events.append(
                    .activityFailed(
                        key: key,
                        error: WorkflowError(.runtime, title: "Sub-workflow cancelled", detail: "run \(childID) was cancelled", instance: task)))
            default: continue
            }
            awaitedChildren[key] = nil
        }
        return events
    }

    /// Runs one activity (off the driver's actor) and gives its result.
    private nonisolated static func perform(
        _ request: ActivityRequest, with activity: (any Activity)?, progress: ActivityProgress
    ) async -> Swift.Result<JSON, WorkflowError> {
        guard let activity else {
            if request.kind.hasPrefix("call:"), request.kind.contains("@") {
                return .failure(
                    WorkflowError(
                        .configuration, status: 501, title: "Catalog functions not supported",
                        detail: "'\(request.kind.dropFirst(5))' names a function in a catalog; Swirl cannot fetch "
                            + "catalog functions yet, so define it in use.functions", instance: request.task))
            }
            return .failure(
                WorkflowError(
                    .configuration, status: 501, title: "Task kind not supported",
                    detail: "this build of Swirl cannot run '\(request.kind)' tasks", instance: request.task))
        }
        do throws(WorkflowError) {
            if let reporting = activity as? any ProgressReportingActivity {
                return .success(try await reporting.run(request, progress: progress))
            }
            return .success(try await activity.run(request))
        } catch {
            var failure = error
            if failure.instance == nil { failure.instance = request.task }
            return .failure(failure)
        }
    }

    // MARK: waiting

    private func arm(_ park: (wakeAt: Double?, subscription: EventSubscription?)?) {
        if let wakeAt = park?.wakeAt {
            if timer?.at != wakeAt {
                timer?.task.cancel()
                let clock = context.clock
                timer = (wakeAt, Task { [weak self] in
                    try? await clock.sleep(until: wakeAt)
                    if !Task.isCancelled { self?.signal(.timer) }
                })
                progressOutbox.append(RunProgress(runID: runID, kind: .waiting(until: wakeAt), time: context.clock.now()))
            }
        } else {
            timer?.task.cancel()
            timer = nil
        }
        // A listen beside running activities: nothing nudges a run that is held, so look for
        // stored events now and then (jittered, on the wall clock).
        if park?.subscription != nil {
            if poller == nil {
                poller = Task { [weak self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(Int.random(in: 400...800)))
                        self?.signal(.pollEvents)
                    }
                }
            }
        } else {
            poller?.cancel()
            poller = nil
        }
        flushProgress()
    }

    private func nextWakes() async -> [Wake] {
        let ready = takeWakes()
        if !ready.isEmpty { return ready }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let woken = mailbox.withLock { mailbox -> Bool in
                if !mailbox.queue.isEmpty { return true }
                mailbox.waiter = continuation
                return false
            }
            if woken { continuation.resume() }
        }
        return takeWakes()
    }

    private func stopEverything() {
        for task in running.values { task.cancel() }
        running.removeAll()
        pendingStarts.removeAll()
        timer?.task.cancel()
        timer = nil
        poller?.cancel()
        poller = nil
        resumeProgressSaved()
    }

    /// Lets the activities waiting for their progress to be saved go on: it is, or will never be.
    private func resumeProgressSaved() {
        for saved in progressSaved { saved.resume() }
        progressSaved.removeAll()
    }

    // MARK: writing

    private func save(
        status: RunStatus, release: Bool, wakeAt: Double?, subscription: EventSubscription?, output: JSON? = nil, error: WorkflowError? = nil
    )
        async throws -> CheckpointResult
    {
        var saved = state
        saved.error = state.error.map(secrets.redact)
        let encoded = try RunStateCoding.encode(saved, skipping: storedValues, cache: &valueCache)
        let checkpoint = Checkpoint(
            lease: lease, state: encoded, status: status, wakeAt: wakeAt, release: release, subscription: subscription,
            eventCursor: state.eventCursor, output: output, error: error, history: history, events: outbox, children: children,
            clearsControl: clearsControl)
        let result = try await context.store.checkpoint(checkpoint)
        guard case .saved = result else { return result }
        storedValues.formUnion(encoded.newValues.keys)
        history.removeAll()
        outbox.removeAll()
        // The worker hears of a child once the checkpoint that creates it is committed: told
        // earlier, it could look for the run before it exists and lose sight of it.
        for child in children { context.discovered(child.id) }
        children.removeAll()
        clearsControl = false
        dirty = false
        resumeProgressSaved()
        // Effects leave only once their checkpoint is committed.
        for event in lifecycleOutbox { context.publishLifecycle(secrets.redact(event)) }
        lifecycleOutbox.removeAll()
        flushProgress()
        return result
    }

    private func flushProgress() {
        for progress in progressOutbox { context.report(progress) }
        progressOutbox.removeAll()
    }

    private func end(_ outcome: RunOutcome) async throws -> Result {
        let now = context.clock.now()
        let status: RunStatus
        var output: JSON?
        var error: WorkflowError?
        switch outcome {
        case .completed(let value):
            status = .completed
            output = value
            history.append(HistoryEntry(time: now, kind: "run.completed", data: redacted(value)))
            progressOutbox.append(RunProgress(runID: runID, kind: .completed, time: now))
        case .faulted(let failure):
            status = .faulted
            error = failure
            history.append(HistoryEntry(time: now, kind: "run.faulted", task: failure.instance, data: failure.json))
            progressOutbox.append(RunProgress(runID: runID, kind: .faulted(failure), time: now))
        case .cancelled:
            status = .cancelled
            history.append(HistoryEntry(time: now, kind: "run.cancelled"))
        }
        if context.wantsLifecycleEvents { lifecycleOutbox.append(lifecycle.workflowEnded(outcome, at: now)) }
        stopEverything()
        switch try await save(status: status, release: true, wakeAt: nil, subscription: nil, output: output, error: error) {
        case .saved: return .ended(outcome)
        case .leaseLost: return .leaseLost
        }
    }

    private func suspend() async throws -> Result {
        stopEverything()
        clearsControl = true
        history.append(HistoryEntry(time: context.clock.now(), kind: "run.suspended"))
        switch try await save(status: .suspended, release: true, wakeAt: nil, subscription: nil) {
        case .saved: return .suspended
        case .leaseLost: return .leaseLost
        }
    }

    /// Why this worker must not run the claimed run, if it must not.
    private func refusal() -> WorkflowError? {
        if claimed.takeovers > context.maxTakeovers {
            return WorkflowError(
                .runtime, title: "Run abandoned",
                detail: "the run was taken over \(claimed.takeovers) times from workers that stopped holding it "
                    + "(the limit is \(context.maxTakeovers)); it is faulted rather than tried again",
                instance: "/")
        }
        if state.format != RunStateCoding.formatVersion {
            return WorkflowError(
                .runtime, title: "Run state from another version",
                detail: "the run was saved in state format \(state.format); this worker reads format "
                    + "\(RunStateCoding.formatVersion), so it cannot resume it exactly", instance: "/")
        }
        if let hash = state.definitionHash, hash != workflow.definition.hash {
            return WorkflowError(
                .runtime, title: "Run state for another definition",
                detail: "the run's state refers to definition \(hash.prefix(12)), not the \(workflow.definition.hash.prefix(12)) it pins",
                instance: "/")
        }
        return nil
    }

    /// Ends the run with `error` without running it (it cannot be resumed exactly).
    private func faultWithoutRunning(_ error: WorkflowError) async throws -> Result {
        state.status = .faulted
        state.error = error
        state.fibers.removeAll()
        return try await end(.faulted(error))
    }

    // MARK: helpers

    private func redacted(_ value: JSON) -> JSON { secrets.redact(value) }

    private func redact(_ event: TaskEvent) -> TaskEvent {
        var redacted = event
        switch event.kind {
        case .faulted(let error): redacted.kind = .faulted(secrets.redact(error))
        case .retrying(let attempt, let at, let error): redacted.kind = .retrying(attempt: attempt, at: at, error: secrets.redact(error))
        default: break
        }
        return redacted
    }

    private func historyEntry(_ event: TaskEvent) -> HistoryEntry {
        // Only tasks that performed an activity have a step key: most events skip the lookup.
        let key = stepKeys.isEmpty ? nil : stepKeys[event.task]
        switch event.kind {
        case .started: return HistoryEntry(time: event.time, kind: "task.started", task: event.task)
        case .completed(let duration):
            if key != nil { stepKeys[event.task] = nil }
            return HistoryEntry(time: event.time, kind: "task.completed", task: event.task, stepKey: key, data: ["duration": .number(duration)])
        case .skipped: return HistoryEntry(time: event.time, kind: "task.skipped", task: event.task)
        case .faulted(let error):
            if key != nil { stepKeys[event.task] = nil }
            return HistoryEntry(time: event.time, kind: "task.faulted", task: event.task, stepKey: key, data: error.json)
        case .retrying(let attempt, let at, let error):
            return HistoryEntry(
                time: event.time, kind: "task.retried", task: event.task, stepKey: key, attempt: attempt,
                data: ["attempt": .number(Double(attempt)), "at": .number(at), "error": error.json])
        case .waiting(let until):
            return HistoryEntry(time: event.time, kind: "task.waiting", task: event.task, data: ["until": .number(until)])
        }
    }

    /// A seed for the run's random generator, fixed by its id.
    static func seed(_ runID: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in runID.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

}

/// A stop request (SIGINT, SIGTERM) interrupted an expression while the driver applied an event:
/// what the machine made of it must not be saved, so the driver releases the run unchanged.
struct EvaluationInterrupted: Error, CustomStringConvertible {
    var description: String { "a stop request interrupted an expression, so the step was not saved" }
}
