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

    /// The key a side effect is deduplicated by, the same everywhere (the `Idempotency-Key` of
    /// HTTP calls, `SWIRL_IDEMPOTENCY_KEY` of processes): the run id and the step key.
    public var idempotencyKey: String { "\(runID):\(key)" }

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
