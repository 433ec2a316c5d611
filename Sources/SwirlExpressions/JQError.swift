/// Why a runtime expression failed: it did not compile, it raised an error while running, or a
/// limit or stop request ended it.
public enum JQError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The filter did not compile.
    ///
    /// Each message names the expression and what is wrong with it, as ``ExpressionBundle``
    /// reports it.
    case compile(messages: [String])

    /// The filter raised an error while running, through `error(…)`, `halt_error` or a failing
    /// built-in such as indexing a string with a key.
    ///
    /// A string error value is the message itself; any other value is rendered as compact JSON
    /// text, so `error({code: 1})` reads `{"code":1}`.
    case runtime(message: String)

    /// The filter ran longer than its limit and stopped; its outputs are dropped.
    ///
    /// `seconds` is the limit that applied; `ceiling` says whether it was the process's ceiling
    /// for every evaluation (``ExpressionLimits``) rather than the shorter limit the caller
    /// passed (such as the time left before a task's or workflow's timeout).
    case timedOut(seconds: Double, ceiling: Bool)

    /// A stop request (``ExpressionLimits/interrupt()``, on SIGINT or SIGTERM) ended the filter.
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
