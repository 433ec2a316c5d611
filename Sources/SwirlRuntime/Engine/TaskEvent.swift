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
    /// Where the run was, for people reading progress (``Detail/description``).
    public var detail: Detail? = nil

    /// For a task that starts inside a `for` or a retried `try`, the iteration and the attempt; for a `switch`
    /// that completes, the case taken. Kept as numbers and names: only a progress line formats them.
    public enum Detail: Hashable, Sendable, CustomStringConvertible {
        /// The innermost loop's iteration (from 0) of `items`, and the innermost retried `try`'s attempt (from 1;
        /// only retries, 2 and up); either may be absent.
        case position(item: Int?, items: Int, attempt: Int?)
        /// The `switch` case taken.
        case switchCase(String, isDefault: Bool)
        case noCaseMatched

        /// `item 2 of 3, attempt 2`; `case big`, `case other (default)`, `no case matched`.
        public var description: String {
            switch self {
            case .position(let item, let items, let attempt):
                var parts: [String] = []
                if let item { parts.append("item \(item + 1) of \(items)") }
                if let attempt { parts.append("attempt \(attempt)") }
                return parts.joined(separator: ", ")
            case .switchCase(let name, let isDefault): return "case \(name)" + (isDefault ? " (default)" : "")
            case .noCaseMatched: return "no case matched"
            }
        }
    }
}
