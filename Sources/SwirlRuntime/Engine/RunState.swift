public import SwirlCompiler
public import SwirlCore

/// Everything a run needs to continue from where it stopped: the whole position of the
/// interpreter, saved at every checkpoint and loaded to resume.
///
/// It holds the workflow input and one or more fibers (a `fork` spawns one per branch), each a
/// stack of frames. Nothing in it refers to memory: tasks are named by their address in the
/// ``Program``, so a state saved by one process resumes in another.
public struct RunState: Hashable, Sendable, Codable {
    public var runID: String
    public var status: RunStatus
    /// The workflow's raw input, as given.
    public var input: StoredJSON
    /// When the run started, in seconds since 1970.
    public var startedAt: Double
    /// The workflow deadline, if it has a timeout.
    public var deadline: Double?
    public var fibers: [Fiber]
    public var nextFiberID: Int
    /// The workflow output, once completed.
    public var output: StoredJSON?
    /// The error, once faulted.
    public var error: WorkflowError?
    /// State of the random generator used for retry jitter, so a resumed run draws the same numbers.
    public var randomState: UInt64
    /// How many activities the run has asked for: numbers each step's key.
    public var nextStep: Int = 0
    /// The format of this state (``RunStateCoding/formatVersion``); a worker refuses another.
    public var format: Int = RunStateCoding.formatVersion
    /// The content hash of the definition the task addresses refer to.
    public var definitionHash: String?
    /// The highest event sequence number offered to the run's `listen`s; a `listen` that begins
    /// is offered again every event since ``eventBase`` that the run has not consumed.
    public var eventCursor: Int64 = 0
    /// The highest event sequence number when the run was created.
    public var eventBase: Int64 = 0
    /// Events the run has consumed, by sequence number: a run consumes an event at most once.
    public var consumedEvents: [Int64] = []

    public init(runID: String, input: JSON, startedAt: Double, seed: UInt64) {
        self.runID = runID
        self.status = .pending
        self.input = StoredJSON(input)
        self.startedAt = startedAt
        self.fibers = []
        self.nextFiberID = 0
        self.randomState = seed
    }

    /// An empty state, to stand in for one that is moved out and back.
    static var placeholder: RunState { RunState(runID: "", input: .null, startedAt: 0, seed: 0) }

    /// Every activity in flight, to start (again, after a resume) and to keep running.
    ///
    /// An activity is in flight while its fiber waits for it: a task performing one runs nothing
    /// above it, so only top frames are read. A result that has arrived but that its fiber has not
    /// taken yet (another fiber spent the step budget first) ends the flight even though the task
    /// frame still shows the call.
    public var activitiesInFlight: [ActivityRequest] {
        var requests: [ActivityRequest] = []
        // By index: a fiber is not copied to read its wait and top frame.
        for index in fibers.indices {
            guard case .activity(let key) = fibers[index].wait,
                case .task(let task)? = fibers[index].frames.last, case .activity(let request) = task.progress,
                request.key == key
            else { continue }
            requests.append(request)
        }
        return requests
    }

    /// The fiber with `id`.
    func fiberIndex(_ id: Int) -> Int? {
        fibers.firstIndex { $0.id == id }
    }
}

/// The phases of a run (and of a task), as the DSL names them.
public enum RunStatus: String, Hashable, Sendable, Codable {
    case pending
    case running
    case waiting
    case suspended
    case cancelled
    case faulted
    case completed
}

/// One thread of execution: the root fiber runs the workflow, each fork branch runs in a child.
public struct Fiber: Hashable, Sendable, Codable {
    public var id: Int
    /// The fiber whose `fork` started this one, and which branch this is.
    public var parent: Int?
    public var branch: Int
    /// The workflow context as this fiber sees it (branches see the context of the fork's start).
    public var context: StoredJSON
    public var frames: [Frame]
    public var wait: FiberWait
    /// What to hand the top frame when the fiber next runs: a fork's result, or the error of a
    /// timeout that cut the fiber short.
    public var pending: Fiber.Outcome?

    /// What a fiber is doing when it is not running.
    public enum FiberWait: Hashable, Sendable, Codable {
        /// Ready to run.
        case none
        /// Until a point in time (a `wait`, a retry delay).
        case timer(until: Double)
        /// Until its branch fibers finish.
        case branches
        /// Until the activity with this key reports.
        case activity(key: String)
        /// Until events arrive for its `listen`.
        case events
        /// Finished, with its result.
        case finished(Outcome)
    }

    /// How a fiber ended.
    public enum Outcome: Hashable, Sendable, Codable {
        case value(StoredJSON)
        /// A `then: end` reached the top of the branch.
        case ending(StoredJSON)
        case failure(WorkflowError)
    }
}

/// One level of a fiber's stack.
public enum Frame: Hashable, Sendable, Codable {
    /// A task list being run.
    case list(ListFrame)
    /// A task being run.
    case task(TaskFrame)
}

/// A task list in progress: which task is next, and the data it will receive.
public struct ListFrame: Hashable, Sendable, Codable {
    public var scope: Int
    /// The next task, or `nil` when the list is done.
    public var next: Int?
    /// The previous task's output (the list's input before the first task).
    public var data: StoredJSON
    /// Variables bound around this list: a loop's item and index, a catch's error.
    public var variables: [String: StoredJSON]
}

/// A task in progress.
public struct TaskFrame: Hashable, Sendable, Codable {
    public var address: NodeAddress
    public var rawInput: StoredJSON
    /// The input after `input.from`: `.` and `$input` for the task.
    public var input: StoredJSON
    public var startedAt: Double
    /// When the task's timeout expires.
    public var deadline: Double?
    /// When the current attempt of a `try` with `limit.attempt.duration` expires.
    public var attemptDeadline: Double?
    public var progress: Progress
    /// Whether a `then: end` is passing through this task.
    public var ending: Bool = false

    /// Where a composite or waiting task is.
    public enum Progress: Hashable, Sendable, Codable {
        case starting
        /// `do`: its list runs above.
        case body
        /// `for`: the items (an array, saved once however long the loop runs), the index of the
        /// iteration running above (or next), and the data so far.
        case loop(items: StoredJSON, index: Int, data: StoredJSON)
        /// `fork`: the branch fibers, and their results and contexts as they arrive.
        case fork(children: [Int], results: [StoredJSON?], contexts: [StoredJSON?])
        /// `try`: the body runs above; `attempt` counts from 0, `firstFailure` starts the retry budget.
        case trying(attempt: Int, firstFailure: Double?)
        /// `try`: waiting to retry.
        case retrying(attempt: Int, firstFailure: Double, until: Double)
        /// `catch.do`: the handler runs above.
        case handling
        /// `wait`: until when.
        case waiting(until: Double)
        /// An activity is in flight.
        case activity(ActivityRequest)
        /// `listen`: what it has consumed so far.
        case listening(ListenProgress)
    }
}

/// What a `listen` has consumed so far; saved, so a resumed run keeps its events.
public struct ListenProgress: Hashable, Sendable, Codable {
    /// The consumed events, as read (`data`, `envelope` or `raw`), in order.
    public var consumed: [StoredJSON] = []
    /// For `all`: which filters an event has matched.
    public var matched: [Bool] = []
    /// Correlation values fixed by the first correlated event, by key.
    public var correlation: [String: StoredJSON] = [:]
    /// With `foreach`: whether the strategy has all it waits for.
    public var satisfied = false
    /// With `foreach`: the outputs of the iterations done, in order.
    public var results: [StoredJSON] = []
    /// With `foreach`: whether an iteration runs above the listen.
    public var iterating = false
    /// With `foreach`: every event is processed and the strategy satisfied; the listen completes.
    public var finished = false
}
