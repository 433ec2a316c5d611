import SwirlCore

/// Where the evaluator hands each output: the rest of the program, as a closure that lives only
/// for the call (no allocation per output).
typealias JQEmit = (JSON) throws(JQEvalError) -> Void

/// Where a path expression hands each output: the path it reached and the value there.
typealias JQPathEmit = (JQPathValue) throws(JQEvalError) -> Void

/// An output of a path expression (`path(…)`, the left side of `|=`, `del(…)`): the keys leading
/// from the input to a value, and that value.
struct JQPathValue: Sendable {
    var path: [JSON]
    var value: JSON

    /// One step further: `key` inside this value, whose content is `value`.
    func appending(_ key: JSON, value: JSON) -> JQPathValue {
        var path = self.path
        path.append(key)
        return JQPathValue(path: path, value: value)
    }
}

/// A compiled jq expression: a closure that feeds each output for an input to its continuation,
/// and another that does the same for the expression read as a path.
///
/// The tree is compiled once into nested closures, so evaluating runs no interpreter loop over
/// nodes; generators are continuation-passing, so `first(f)` and `limit` stop a generator by
/// throwing rather than by collecting its outputs.
struct JQFilter: Sendable {
    /// Runs the expression on `input` with the variables and closures of `env`.
    let run: @Sendable (JSON, JQEnv?, JQRun, JQEmit) throws(JQEvalError) -> Void
    /// Runs the expression as a path expression.
    let paths: @Sendable (JQPathValue, JQEnv?, JQRun, JQPathEmit) throws(JQEvalError) -> Void

    init(
        run: @escaping @Sendable (JSON, JQEnv?, JQRun, JQEmit) throws(JQEvalError) -> Void,
        paths: @escaping @Sendable (JQPathValue, JQEnv?, JQRun, JQPathEmit) throws(JQEvalError) -> Void
    ) {
        self.run = run
        self.paths = paths
    }

    /// An expression that is no path expression: as a path, each of its outputs is an error, as
    /// `path(1)` is in jq.
    init(run: @escaping @Sendable (JSON, JQEnv?, JQRun, JQEmit) throws(JQEvalError) -> Void) {
        self.run = run
        self.paths = { input, env, context, _ throws(JQEvalError) in
            try run(input.value, env, context) { value throws(JQEvalError) in
                throw JQFilter.invalidPath(value)
            }
        }
    }

    /// `.`, in either mode.
    static let identity = JQFilter(
        run: { input, _, _, emit throws(JQEvalError) in try emit(input) },
        paths: { input, _, _, emit throws(JQEvalError) in try emit(input) }
    )

    /// The error for a value that reached a path expression without a path, as `path(1)` does.
    static func invalidPath(_ value: JSON) -> JQEvalError {
        .raised(.string("Invalid path expression with result \(truncated(value))"))
    }

    /// The expression that gives one value whatever its input.
    static func constant(_ value: JSON) -> JQFilter {
        JQFilter { _, _, _, emit throws(JQEvalError) in try emit(value) }
    }

    /// The outputs of running the filter once, collected.
    func collect(_ input: JSON, _ env: JQEnv?, _ context: JQRun) throws(JQEvalError) -> [JSON] {
        var outputs: [JSON] = []
        try run(input, env, context) { value throws(JQEvalError) in
            try context.count(outputs.count)
            outputs.append(value)
        }
        return outputs
    }

    /// A value as jq's messages about paths show it: its compact text, cut to 26 bytes and `...`
    /// when it is longer than 29.
    static func truncated(_ value: JSON) -> String {
        var writer = JQTextWriter(limit: 64)
        try? writer.write(value, depth: 0)
        let text = writer.bytes
        guard text.count > 29 else { return String(decoding: text, as: UTF8.self) }
        return String(decoding: text.prefix(26), as: UTF8.self) + "..."
    }
}

/// What a name in scope stands for while the program runs.
enum JQSlot: Sendable {
    /// A variable's value.
    case value(JSON)
    /// A filter argument of a function: the argument's code and the environment of its caller.
    case closure(JQFilter, JQEnv?)
    /// A `label`: the number that tells its `break` from other activations of the same label.
    case label(Int)
}

/// The variables, filter arguments and labels in scope, innermost first: a persistent list the
/// compiler resolves every name in to a distance from the head.
final class JQEnv: Sendable {
    let slot: JQSlot
    let parent: JQEnv?

    init(_ slot: JQSlot, _ parent: JQEnv?) {
        self.slot = slot
        self.parent = parent
    }

    /// The slot `distance` entries from the head of `env`.
    static func slot(_ env: JQEnv?, _ distance: Int) throws(JQEvalError) -> JQSlot {
        guard let entry = up(env, distance) else { throw .internalFailure("a name resolved outside its scope") }
        return entry.slot
    }

    /// The list without its first `distance` entries.
    static func up(_ env: JQEnv?, _ distance: Int) -> JQEnv? {
        var env = env
        for _ in 0..<distance {
            env = env?.parent
        }
        return env
    }
}

/// The bounds on one evaluation, so that no expression can run forever, recurse past the
/// thread's stack or fill memory.
struct JQLimits: Sendable {
    /// The most steps (calls, loop iterations, builtin calls) an evaluation may take.
    var steps = 100_000_000
    /// How deep calls may nest.
    var depth = 2_000
    /// The most values one generator may collect into an array, or an evaluation may output.
    var collection = 10_000_000
    /// What `$ENV` and `env` give: nothing of the worker's own environment unless the host
    /// passes it.
    var environment: JSON = .object([:])
}

/// One evaluation's state: the work done so far, how deep calls are, and the numbers that keep
/// each `label` activation apart.
///
/// It belongs to one evaluation on one thread at a time.
final class JQRun {
    let limits: JQLimits
    private(set) var steps = 0
    private var depth = 0
    private var labels = 0

    init(limits: JQLimits = JQLimits()) {
        self.limits = limits
    }

    /// What `$ENV` gives.
    var environment: JSON { limits.environment }

    /// Counts one step of work.
    @inline(__always)
    func step() throws(JQEvalError) {
        steps &+= 1
        if steps > limits.steps {
            throw .limitExceeded("the expression took more than \(limits.steps) steps")
        }
    }

    /// Enters a call; `leave` must follow.
    @inline(__always)
    func enter() throws(JQEvalError) {
        depth += 1
        if depth > limits.depth {
            depth -= 1
            throw .limitExceeded("calls nested more than \(limits.depth) deep")
        }
        try step()
    }

    @inline(__always)
    func leave() {
        depth -= 1
    }

    /// A number no other `label` activation of this evaluation has.
    func newLabel() -> Int {
        labels += 1
        return labels
    }

    /// Checks that a collection of `count` values may grow by one more.
    @inline(__always)
    func count(_ count: Int) throws(JQEvalError) {
        if count >= limits.collection {
            throw .limitExceeded("a collection grew past \(limits.collection) values")
        }
    }
}
