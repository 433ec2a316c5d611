/// A failure reported by libjq: the filter did not compile, or it raised an error while running.
///
/// Only text crosses this boundary, never a libjq value, so the error is `Sendable` and can leave
/// the thread that owns the ``JQEngine``.
public enum JQError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The filter did not compile.
    ///
    /// Each message is one report from libjq's parser or linker, for example
    /// `jq: error: syntax error, unexpected $end (Unix shell quoting issues?) at <top-level>, line 1:`
    /// followed by the offending line. libjq's closing `jq: N compile error(s)` tally is left out:
    /// it repeats what the count of `messages` already says.
    case compile(messages: [String])

    /// The filter raised an error while running, through `error(…)`, `halt_error` or a failing
    /// built-in such as indexing a string with a key.
    ///
    /// A string error value is the message itself; any other value is rendered as compact JSON
    /// text, so `error({code: 1})` reads `{"code":1}`.
    case runtime(message: String)

    /// The filter ran longer than its limit and ``JQWatchdog`` halted it; its outputs are dropped.
    ///
    /// `seconds` is the limit that applied; `ceiling` says whether it was the watchdog's
    /// ceiling for every evaluation rather than the shorter limit the caller passed (such as the
    /// time left before a task's or workflow's timeout).
    case timedOut(seconds: Double, ceiling: Bool)

    /// A stop request (``JQWatchdog/interrupt()``, on SIGINT or SIGTERM) halted the filter.
    case interrupted

    /// The error as text for people; compile messages are joined with `; `.
    public var description: String {
        switch self {
        case .compile(let messages):
            "jq compile error: " + messages.joined(separator: "; ")
        case .runtime(let message):
            "jq error: " + message
        case .timedOut(let seconds, _):
            "jq evaluation did not finish within \(ExpressionLimits.format(seconds))"
        case .interrupted:
            "jq evaluation interrupted"
        }
    }
}
