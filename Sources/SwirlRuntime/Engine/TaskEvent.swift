public import SwirlCore

/// A task changing phase, as the run state machine reports it.
public struct TaskEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case started
        /// Finished; how long it took, in seconds.
        case completed(duration: Double)
        /// Its `if` was false.
        case skipped
        case faulted(WorkflowError)
        /// A `try` will run its body again at `at`; `attempt` counts retries from 1.
        case retrying(attempt: Int, at: Double, error: WorkflowError)
        /// A `wait` until `until`.
        case waiting(until: Double)
    }

    public var kind: Kind
    /// The task's JSON Pointer.
    public var task: String
    public var time: Double
}
