public import SwirlCompiler
public import SwirlCore
public import SwirlExpressions
import SwirlSyntax

/// The interpreter's decisions: events in, a new ``RunState`` and actions out.
///
/// It performs no I/O and reads no clock: time arrives with each event, and the ``Interpreter``
/// carries out the actions (sleeping until a timer, saving checkpoints, reporting the end).
/// Pure tasks (`set`, `switch`, the structural ones) run inside the call; a run leaves the
/// machine when every fiber waits, when the run is over, or when the call has spent its
/// ``stepBudget`` (then the run is still ready, and goes on with the next ``Event/timerFired``).
public struct RunStateMachine {
    /// Something that happened to the run.
    public enum Event: Sendable {
        /// Begin the run with the state's input.
        case start
        /// The run was loaded from a checkpoint: its in-flight activities must start again (with
        /// the same step keys) and timers that are due fire.
        case resume
        /// Time has passed; timers and deadlines up to now are due.
        case timerFired
        /// Someone asked the run to stop.
        case cancel
        /// An activity finished with the task's raw output.
        case activityCompleted(key: String, output: JSON)
        /// An activity failed.
        case activityFailed(key: String, error: WorkflowError)
        /// A stored CloudEvent, with its sequence number, offered to the run's `listen`s.
        case eventReceived(JSON, sequence: Int64)
        /// An activity in flight saved what it has learnt (``ActivityProgress``): kept in its
        /// request, so a resumed run asks for the step again with it.
        case activityProgress(key: String, details: JSON)
    }

    /// What the driver must do next. The machine says everything explicitly: the driver never
    /// infers work by comparing states.
    public enum Action: Hashable, Sendable {
        /// Run this activity and report its result with ``Event/activityCompleted(key:output:)``
        /// or ``Event/activityFailed(key:error:)``.
        case startActivity(ActivityRequest)
        /// Stop this activity: nobody waits for its result any more.
        case cancelActivity(key: String)
        /// Every fiber waits: call back with ``Event/timerFired`` at `wakeAt` (never, when `nil`),
        /// and offer stored events after ``RunState/eventCursor`` when the run listens for some
        /// (`subscription` says which).
        case park(wakeAt: Double?, subscription: EventSubscription?)
        case complete(JSON)
        case fault(WorkflowError)
        case cancelled
        /// A task changed phase: for progress lines, lifecycle events and the history.
        case task(TaskEvent)
        /// The event could not be used in the run's state (a late result of a task that timed
        /// out, an event for an ended run): nothing changed.
        case discarded(String)
        /// The call spent its ``RunStateMachine/stepBudget`` with fibers still ready: look at
        /// the clock, signals and other runs, then go on with ``Event/timerFired`` (which also
        /// applies the deadlines that have passed meanwhile).
        case budgetSpent
    }

    /// Evaluates expression `id` of the program on `data` with `arguments`, to finish by
    /// `deadline` when it is not `nil`: the nearest pending timeout of the enclosing tasks and of
    /// the workflow, in seconds since 1970. The machine reads no clock, and its `now` is the
    /// time its call began, so the evaluator turns the deadline into a time limit with a clock
    /// of its own (and may apply a shorter ceiling).
    public typealias Evaluate = (_ id: ExpressionID, _ data: JSON, _ arguments: ExpressionArguments, _ deadline: Double?)
        throws(JQError) -> JSON

    public let program: Program
    let evaluateExpression: Evaluate
    /// `$secrets`: given to every call, never stored in the state.
    let secrets: JSON
    /// How many steps (a task starting, a loop iteration, a retry, …) one ``handle(_:state:now:)``
    /// call takes at most before it hands the run back with ``Action/budgetSpent``: a run that
    /// loops forever still meets its timeout, a cancel, and the other runs of its worker.
    public var stepBudget: Int = RunStateMachine.defaultStepBudget
    public static let defaultStepBudget = 1_000
    /// `$workflow` of the run last handled: the same for every call of a run, and worth keeping,
    /// since building it formats the start time.
    let descriptor = DescriptorCache()

    public init(program: Program, secrets: JSON = [:], evaluate: @escaping Evaluate) {
        self.program = program
        self.secrets = secrets
        self.evaluateExpression = evaluate
    }

    /// Applies `event` to `state` at time `now` and returns what to do.
    public func handle(_ event: Event, state: inout RunState, now: Double) -> [Action] {
        // The state moves into the call and back rather than being copied: a copy would share
        // the fibers' storage, and the call's first change to each fiber would then copy it whole.
        var run = Run(machine: self, now: now)
        swap(&run.state, &state)
        let actions = run.handle(event)
        swap(&run.state, &state)
        return actions
    }
}

/// One call of the machine: the state being changed, and the time.
struct Run {
    let machine: RunStateMachine
    var state: RunState
    let now: Double
    /// The machine's program, held here so that reading a node does not copy the program.
    let program: Program

    /// `$workflow`, built once per event rather than once per expression.
    var workflowDescriptor: JSON = .null
    /// What tasks did during this call, in order.
    var taskEvents: [TaskEvent] = []
    /// Steps this call may still take; at zero, the fiber that runs stops at its next step.
    var budget: Int
    /// Set when a fiber stopped because the budget was spent.
    var budgetSpent = false
    /// The index of the fiber being stepped, whose tasks' timeouts bound its evaluations.
    var activeFiber: Int?
    /// Branch fibers handed to their forks and not yet removed from the state.
    var settledFibers = 0
    /// No fiber before this index is ready: ``markReady(_:)`` lowers it, ``runReadyFibers()``
    /// searches from it.
    var readyFrom = 0
    /// For the forks that branches joined during this call: how many results each still
    /// misses, by the id of its first branch fiber.
    var forkResultsMissing: [Int: Int] = [:]

    /// A call on a placeholder state, into which the caller moves the run's state.
    init(machine: RunStateMachine, now: Double) {
        self.machine = machine
        self.program = machine.program
        self.state = .placeholder
        self.now = now
        self.budget = max(1, machine.stepBudget)
    }

    mutating func handle(_ event: RunStateMachine.Event) -> [RunStateMachine.Action] {
        workflowDescriptor = machine.descriptor.value(for: state, program: program)
        var before = Set(state.activitiesInFlight.map(\.key))
        switch event {
        case .resume: before = []
        // The activity that reported is over: it leaves the flight without being cancelled.
        case .activityCompleted(let key, _), .activityFailed(let key, _): before.remove(key)
        default: break
        }
        let actions = dispatch(event)
        // Activities the step asked for, and those it stopped waiting for.
        let inFlight = state.activitiesInFlight
        let after = Set(inFlight.map(\.key))
        var changes: [RunStateMachine.Action] = before.subtracting(after).sorted().map { .cancelActivity(key: $0) }
        changes += inFlight.filter { !before.contains($0.key) }.map { .startActivity($0) }
        return taskEvents.map(RunStateMachine.Action.task) + changes + actions
    }

    mutating func dispatch(_ event: RunStateMachine.Event) -> [RunStateMachine.Action] {
        switch event {
        case .start:
            guard state.status == .pending else { return [.discarded("the run has started already")] }
            return start()
        case .resume:
            if state.status == .pending { return start() }
            guard state.status == .running || state.status == .waiting else { return [.discarded("the run has ended")] }
            return dispatch(.timerFired)
        case .timerFired:
            guard state.status == .running || state.status == .waiting else { return [.discarded("the run has ended")] }
            if let deadline = state.deadline, now >= deadline {
                return finish(
                    .failure(WorkflowError(.timeout, title: "Workflow timed out", detail: "the workflow's timeout expired", instance: "/")))
            }
            // By id: an expired fork removes its branch fibers, which moves the indices. The
            // next index is tried first, so a wide fork costs a search only after a removal.
            var hint = 0
            for id in state.fibers.map(\.id) {
                let guess = hint < state.fibers.count && state.fibers[hint].id == id ? hint : nil
                guard let index = guess ?? state.fiberIndex(id) else { continue }
                hint = index + 1
                expireDeadlines(fiber: index)
                if case .timer(let until) = state.fibers[index].wait, until <= now { markReady(index) }
            }
            return runReadyFibers()
        case .activityCompleted(let key, let output):
            guard resumeActivity(key, with: .value(StoredJSON(output))) else {
                return [.discarded("no task waits for the result of activity \(key)")]
            }
            return runReadyFibers()
        case .activityFailed(let key, let error):
            guard resumeActivity(key, with: .failure(error)) else {
                return [.discarded("no task waits for the result of activity \(key)")]
            }
            return runReadyFibers()
        case .activityProgress(let key, let details):
            guard saveProgress(key, details) else { return [.discarded("no task waits for activity \(key)")] }
            return []
        case .eventReceived(let event, let sequence):
            guard state.status == .running || state.status == .waiting else { return [.discarded("the run has ended")] }
            state.eventCursor = max(state.eventCursor, sequence)
            guard !state.consumedEvents.contains(sequence) else { return [.discarded("event \(sequence) was consumed already")] }
            guard deliver(event) else { return [.discarded("no listen of the run wants event \(sequence)")] }
            state.consumedEvents.append(sequence)
            return runReadyFibers()
        case .cancel:
            guard state.status != .completed, state.status != .faulted, state.status != .cancelled else {
                return [.discarded("the run has ended")]
            }
            state.status = .cancelled
            state.fibers.removeAll()
            return [.cancelled]
        }
    }

    /// Hands an activity's result to the fiber waiting for it. A result nobody waits for (the
    /// task timed out, or its branch lost) is dropped, and the call says so.
    /// Keeps `details` in the request of the activity `key`, which stays in flight.
    mutating func saveProgress(_ key: String, _ details: JSON) -> Bool {
        guard let index = state.fibers.firstIndex(where: { $0.wait == .activity(key: key) }),
            case .task(var task)? = state.fibers[index].frames.last, case .activity(var request) = task.progress, request.key == key
        else { return false }
        request.progress = StoredJSON(details)
        task.progress = .activity(request)
        replaceTop(index, .task(task))
        return true
    }

    mutating func resumeActivity(_ key: String, with outcome: Fiber.Outcome) -> Bool {
        guard let index = state.fibers.firstIndex(where: { $0.wait == .activity(key: key) }) else { return false }
        markReady(index)
        state.fibers[index].pending = outcome
        return true
    }

    // MARK: start and finish

    mutating func start() -> [RunStateMachine.Action] {
        state.status = .running
        if let timeout = program.timeout {
            switch seconds(timeout, data: state.input.value, arguments: workflowArguments(), for: "the workflow", instance: "/timeout") {
            case .success(let seconds): state.deadline = state.startedAt + seconds
            case .failure(let error): return finish(.failure(error))
            }
        }
        let raw = state.input.value
        if let schema = program.input.schema?.inline, !schema.isValid(raw) {
            return finish(.failure(validationError(schema, raw, what: "workflow input", instance: "/input")))
        }
        var input = raw
        if let transform = program.input.transform {
            switch render(transform, on: raw, arguments: workflowArguments(), instance: "/input/from") {
            case .success(let value): input = value
            case .failure(let error): return finish(.failure(error))
            }
        }
        // The transformed input is also the initial context (DSL-NOTES §2 #4).
        let root = Fiber(
            id: state.nextFiberID, parent: nil, branch: 0, context: StoredJSON(input),
            frames: [.list(ListFrame(scope: Program.rootScope, next: 0, data: StoredJSON(input), variables: [:]))],
            wait: .none, pending: nil)
        state.nextFiberID += 1
        state.fibers = [root]
        return runReadyFibers()
    }

    /// Ends the run with the root fiber's outcome, applying the workflow's `output`.
    mutating func finish(_ outcome: Fiber.Outcome) -> [RunStateMachine.Action] {
        // `output.as` sees the root fiber's final `$context` (DSL-NOTES §1.5), so take it
        // before the fibers go.
        let arguments = workflowArguments()
        state.fibers.removeAll()
        switch outcome {
        case .value(let value), .ending(let value):
            var output = value.value
            if let transform = program.output.transform {
                switch render(transform, on: output, arguments: arguments, instance: "/output/as") {
                case .success(let transformed): output = transformed
                case .failure(let error): return finish(.failure(error))
                }
            }
            if let schema = program.output.schema?.inline, !schema.isValid(output) {
                return finish(.failure(validationError(schema, output, what: "workflow output", instance: "/output")))
            }
            state.status = .completed
            state.output = StoredJSON(output)
            return [.complete(output)]
        case .failure(let error):
            state.status = .faulted
            state.error = error
            return [.fault(error)]
        }
    }

    // MARK: scheduling

    /// Runs every ready fiber until all wait or the run ends.
    mutating func runReadyFibers() -> [RunStateMachine.Action] {
        // Lowest index first, searching from `readyFrom` rather than 0: in a wide fork the
        // fibers before it are the fork's parent and branches that have ended.
        while let index = state.fibers[min(readyFrom, state.fibers.count)...].firstIndex(where: { if case .none = $0.wait { true } else { false } }) {
            readyFrom = index
            step(fiber: index)
            if let outcome = settle(fiber: index) { return finish(outcome) }
            if budgetSpent {
                removeSettledFibers()
                state.status = .running
                return [.budgetSpent]
            }
        }
        removeSettledFibers(always: true)
        state.status = .waiting
        return [.park(wakeAt: nextWake(), subscription: subscription)]
    }

    /// Makes fiber `index` ready to run.
    mutating func markReady(_ index: Int) {
        state.fibers[index].wait = .none
        readyFrom = min(readyFrom, index)
    }

    /// Hands fiber `index`, if it has finished, to its fork; returns the root's outcome once it has one.
    ///
    /// A settled branch fiber stays in place (finished, with no frames: it waits for nothing and
    /// holds nothing) until ``removeSettledFibers(always:)`` drops many at once: removing each
    /// from the middle of the array as it ends would make a wide fork quadratic.
    mutating func settle(fiber index: Int) -> Fiber.Outcome? {
        guard case .finished(let outcome) = state.fibers[index].wait else { return nil }
        let fiber = state.fibers[index]
        guard let parentID = fiber.parent, let parent = state.fiberIndex(parentID) else {
            return outcome
        }
        state.fibers[index].wait = .finished(.value(StoredJSON(.null)))
        state.fibers[index].context = StoredJSON(.null)
        settledFibers += 1
        branchFinished(parent: parent, branch: fiber.branch, context: fiber.context, outcome: outcome)
        removeSettledFibers()
        return nil
    }

    /// Drops the settled branch fibers (see ``settle(fiber:)``), keeping the others in order.
    ///
    /// Settled fibers are dropped once they are many, at least 256 and half of all fibers, so that
    /// each fiber is moved a bounded number of times however wide the fork; `always` drops every
    /// one, also those an earlier call left in the state.
    mutating func removeSettledFibers(always: Bool = false) {
        guard always || settledFibers >= max(256, state.fibers.count / 2) else { return }
        state.fibers.removeAll { fiber in
            if fiber.parent != nil, case .finished = fiber.wait { true } else { false }
        }
        settledFibers = 0
        readyFrom = 0
    }

    /// Whether a `listen` of the run waits for events.
    func nextWake() -> Double? {
        var times: [Double] = []
        if let deadline = state.deadline { times.append(deadline) }
        for fiber in state.fibers {
            if case .timer(let until) = fiber.wait { times.append(until) }
            for case .task(let task) in fiber.frames {
                if let deadline = task.deadline { times.append(deadline) }
                if let deadline = task.attemptDeadline { times.append(deadline) }
            }
        }
        return times.min()
    }

    /// Fails the outermost task of a waiting fiber whose timeout has expired. A `try` whose
    /// attempt ran past `limit.attempt.duration` gets the timeout itself, so it may retry.
    mutating func expireDeadlines(fiber index: Int) {
        let frames = state.fibers[index].frames
        for (position, frame) in frames.enumerated() {
            guard case .task(let task) = frame, task.deadline != nil || task.attemptDeadline != nil else { continue }
            let node = program[task.address]
            if let deadline = task.deadline, deadline <= now {
                cancelDescendants(of: Array(frames[position...]))
                state.fibers[index].frames.removeSubrange(position...)
                markReady(index)
                state.fibers[index].pending = .failure(
                    WorkflowError(
                        .timeout, title: "Task timed out", detail: "task '\(node.name)' did not finish within its timeout",
                        instance: node.reference))
                return
            }
            if let deadline = task.attemptDeadline, deadline <= now {
                cancelDescendants(of: Array(frames[(position + 1)...]))
                state.fibers[index].frames.removeSubrange((position + 1)...)
                markReady(index)
                state.fibers[index].pending = .failure(
                    WorkflowError(
                        .timeout, title: "Attempt timed out",
                        detail: "an attempt of task '\(node.name)' ran past its retry policy's attempt duration",
                        instance: node.reference))
                return
            }
        }
    }

    /// Removes the branch fibers of every fork among `frames`, and theirs in turn.
    mutating func cancelDescendants(of frames: [Frame]) {
        for case .task(let task) in frames {
            guard case .fork(let children, _, _) = task.progress else { continue }
            for child in children {
                guard let index = state.fiberIndex(child) else { continue }
                let grandchildren = state.fibers[index].frames
                state.fibers.remove(at: index)
                readyFrom = 0
                cancelDescendants(of: grandchildren)
            }
        }
    }
}

/// The `$workflow` value a machine built last, for the run it was built for.
final class DescriptorCache {
    private var key: (runID: String, startedAt: Double)?
    private var descriptor: JSON = .null

    /// `$workflow` for the run of `state`: built once per run, then kept.
    func value(for state: RunState, program: Program) -> JSON {
        if let key, key.runID == state.runID, key.startedAt == state.startedAt { return descriptor }
        descriptor = Run.describeWorkflow(state: state, program: program)
        key = (state.runID, state.startedAt)
        return descriptor
    }
}
