import SwirlCore

/// A jq builtin written in Swift that works on values: it takes its input and the value of each
/// argument, and gives one output or fails.
///
/// These are what jq implements in C. When a program calls one with arguments that produce
/// several outputs, the evaluator calls the body once for each combination, the last argument
/// varying slowest, as jq does.
struct JQNativeFunction: Sendable {
    /// The body, by the number of arguments it takes besides its input.
    enum Body: Sendable {
        case arity0(@Sendable (JSON) throws(JQEvalError) -> JSON)
        case arity1(@Sendable (JSON, JSON) throws(JQEvalError) -> JSON)
        case arity2(@Sendable (JSON, JSON, JSON) throws(JQEvalError) -> JSON)
        case arity3(@Sendable (JSON, JSON, JSON, JSON) throws(JQEvalError) -> JSON)
    }

    /// The name programs call it by, such as `ltrimstr`.
    let name: String
    let body: Body
    /// How the result may nest deeper than what the function was given, which the evaluator
    /// checks against ``JQLimits/nesting``.
    enum Nesting: Sendable {
        /// No deeper than the input and arguments.
        case unchanged
        /// The result itself (`group_by`'s groups wrap the input's elements).
        case result
        /// The second argument, placed as deep as the first (a path) says (`setpath`).
        case placedValue
    }

    private(set) var nesting = Nesting.unchanged
    /// Whether a call runs on a helper thread while the evaluating thread watches the deadline and
    /// the stop signal (``JQWatchedWork``): for bodies that may run long without a step to count
    /// (a backtracking regex).
    private(set) var watched = false

    /// The number of arguments, as in jq's `name/arity`.
    var arity: Int {
        switch body {
        case .arity0: 0
        case .arity1: 1
        case .arity2: 2
        case .arity3: 3
        }
    }

    init(_ name: String, _ body: @escaping @Sendable (JSON) throws(JQEvalError) -> JSON) {
        self.name = name
        self.body = .arity0(body)
    }

    init(_ name: String, _ body: @escaping @Sendable (JSON, JSON) throws(JQEvalError) -> JSON) {
        self.name = name
        self.body = .arity1(body)
    }

    init(_ name: String, _ body: @escaping @Sendable (JSON, JSON, JSON) throws(JQEvalError) -> JSON) {
        self.name = name
        self.body = .arity2(body)
    }

    init(_ name: String, _ body: @escaping @Sendable (JSON, JSON, JSON, JSON) throws(JQEvalError) -> JSON) {
        self.name = name
        self.body = .arity3(body)
    }

    /// This function, marked as one whose calls run watched (``watched``).
    func runningWatched() -> JQNativeFunction {
        var marked = self
        marked.watched = true
        return marked
    }

    /// This function, marked as one whose result may nest deeper than what it was given.
    func nesting(_ nesting: Nesting) -> JQNativeFunction {
        var marked = self
        marked.nesting = nesting
        return marked
    }
}
