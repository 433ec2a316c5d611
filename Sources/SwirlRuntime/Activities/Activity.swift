public import SwirlCompiler
public import SwirlCore

/// Work a task hands to the outside world: an HTTP call, a process, an event. The state machine
/// only asks for it; the ``Interpreter`` runs it, concurrently with other activities, and
/// reports its result back as an event.
public protocol Activity: Sendable {
    /// Performs the request and returns the task's raw output.
    /// - Throws: a ``WorkflowError`` for a failure the workflow can catch; cancellation when the
    ///   task was cancelled (a timeout, a losing fork branch, a cancelled run).
    func run(_ request: ActivityRequest) async throws(WorkflowError) -> JSON
}

/// An activity that needs to know the workflow and the run's secrets it serves (`call: http`
/// resolves `authentication: {use: name}` in the workflow's `use.authentications`). A worker
/// serves many workflows with one registry and binds such an activity to each run's.
public protocol WorkflowBoundActivity: Activity {
    /// This activity for runs of `program` whose secrets are `secrets`.
    func bound(to program: Program, secrets: Secrets) -> any Activity
}

/// An activity that learns something on its way worth keeping with the run (an OpenAPI call's
/// document): it saves it through ``ActivityProgress`` before going on, and a run resumed after a
/// crash asks for the step again with that saved in ``ActivityRequest/progress``.
public protocol ProgressReportingActivity: Activity {
    /// Performs the request, saving what it must find again on a retry of the same step through `progress`.
    func run(_ request: ActivityRequest, progress: ActivityProgress) async throws(WorkflowError) -> JSON
}

extension ProgressReportingActivity {
    /// Performs the request with nowhere to save progress (outside a run's driver, in tests).
    public func run(_ request: ActivityRequest) async throws(WorkflowError) -> JSON {
        try await run(request, progress: .discarded)
    }
}

/// Where an activity in flight saves its progress: into its request in the run state, written
/// with the run's next checkpoint.
public struct ActivityProgress: Sendable {
    private let saver: @Sendable (JSON) async -> Void

    public init(_ saver: @escaping @Sendable (JSON) async -> Void) {
        self.saver = saver
    }

    /// Saves `details` as the step's progress, replacing what was saved before, and returns once
    /// the checkpoint holding it is written (or the run is no longer this process's: then the
    /// activity is being cancelled).
    public func save(_ details: JSON) async {
        await saver(details)
    }

    /// Progress that goes nowhere.
    public static let discarded = ActivityProgress { _ in }
}

/// One activity to perform, saved in the run state while it is in flight, so that a run
/// resumed after a crash asks for it again with the same key (at-least-once).
public struct ActivityRequest: Hashable, Sendable, Codable {
    /// Unique within the run and stable across a resume: the idempotency key of the step.
    public var key: String
    /// `call:http`, `run:shell`, `emit`, `listen`, `call:<function>` …
    public var kind: String
    /// The task's arguments with their expressions evaluated.
    public var arguments: StoredJSON
    /// The task's transformed input.
    public var input: StoredJSON
    /// The task's pointer.
    public var task: String
    public var runID: String
    /// What the activity saved while in flight (``ActivityProgress``), handed back when a resumed
    /// run asks for the step again; `nil` until it saves something.
    public var progress: StoredJSON?

    /// The key a side effect is deduplicated by, the same everywhere (the `Idempotency-Key` of
    /// HTTP calls, `SWIRL_IDEMPOTENCY_KEY` of processes): the run id and the step key.
    public var idempotencyKey: String { "\(runID):\(key)" }

    /// A UUID-shaped id derived from ``idempotencyKey`` (name-based, SHA-256): the same step, the
    /// same id, so a step sent again after a resume carries the id it had (an `emit`'s event id,
    /// an A2A message id).
    public var derivedID: String {
        let digest = Array(RunStateCoding.hash(Array(idempotencyKey.utf8)).prefix(32))
        var text = ""
        for (index, character) in digest.enumerated() {
            if [8, 12, 16, 20].contains(index) { text.append("-") }
            // Version 8 (custom) and the RFC 4122 variant, so it reads as a UUID.
            if index == 12 { text.append("8") } else if index == 16 { text.append("a") } else { text.append(character) }
        }
        return text
    }

    public init(key: String, kind: String, arguments: JSON, input: JSON, task: String, runID: String) {
        self.key = key
        self.kind = kind
        self.arguments = StoredJSON(arguments)
        self.input = StoredJSON(input)
        self.task = task
        self.runID = runID
    }
}

/// The activities a runtime offers, by kind.
public struct ActivityRegistry: Sendable {
    private var activities: [String: any Activity]

    public init(_ activities: [String: any Activity] = [:]) {
        self.activities = activities
    }

    /// Adds or replaces the activity for `kind`.
    public mutating func register(_ activity: any Activity, for kind: String) {
        activities[kind] = activity
    }

    public func activity(for kind: String) -> (any Activity)? {
        activities[kind]
    }
}
