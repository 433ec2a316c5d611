import SwirlCore

/// Where the evaluator hands each output: the rest of the program, as a closure that lives only
/// for the call (no allocation per output).
typealias JQEmit = (JSON) throws(JQEvalError) -> Void

/// Where a path expression hands each output: the path it reached and the value there.
typealias JQPathEmit = (JQPathValue) throws(JQEvalError) -> Void

/// An output of a path expression (`path(…)`, the left side of `|=`, `del(…)`): the keys leading
/// from the input to a value, and that value.
///
/// A value that is no path (a literal, a variable, the result of `reverse`) travels on as such,
/// as in jq: using it as one fails where that happens, when it is indexed or iterated, or when
/// the path expression ends with it.
struct JQPathValue: Sendable {
    /// The keys from the input to the value; `nil` when the value is no path.
    private var keys: [JSON]?
    var value: JSON

    init(path: [JSON], value: JSON) {
        keys = path
        self.value = value
    }

    /// A value that is no path.
    init(notAPath value: JSON) {
        keys = nil
        self.value = value
    }

    /// The keys leading to the value.
    /// - Throws: jq's error for a path expression that ends with a value that is no path.
    var path: [JSON] {
        get throws(JQEvalError) {
            guard let keys else { throw JQFilter.invalidPath(value) }
            return keys
        }
    }

    /// Checks that the value may be indexed with `key` as part of a path.
    func checkAccess(_ key: JSON) throws(JQEvalError) {
        guard keys == nil else { return }
        throw .raised(
            .string(
                "Invalid path expression near attempt to access element \(JQFilter.truncated(key, size: 15)) of "
                    + JQFilter.truncated(value)))
    }

    /// Checks that the value may be iterated as part of a path.
    func checkIteration() throws(JQEvalError) {
        guard keys == nil else { return }
        throw .raised(.string("Invalid path expression near attempt to iterate through \(JQFilter.truncated(value))"))
    }

    /// One step further: `key` inside this value, whose content is `value`. The caller has
    /// checked the access (``checkAccess(_:)``).
    func appending(_ key: JSON, value: JSON) -> JQPathValue {
        guard var path = keys else { return JQPathValue(notAPath: value) }
        path.append(key)
        return JQPathValue(path: path, value: value)
    }

    /// Whether `a` is `b` itself: the same storage for a non-empty array or object, the same
    /// value for anything else.
    static func identical(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.array(let x), .array(let y)) where !x.isEmpty || !y.isEmpty:
            return JSONStorageIdentity(a) == JSONStorageIdentity(b)
        case (.object(let x), .object(let y)) where !x.isEmpty || !y.isEmpty:
            return JSONStorageIdentity(a) == JSONStorageIdentity(b)
        case (.array, .array), (.object, .object), (.null, .null):
            return true
        case (.bool(let x), .bool(let y)):
            return x == y
        case (.number(let x), .number(let y)):
            return x.bitPattern == y.bitPattern
        case (.string(let x), .string(let y)):
            return x == y
        default:
            return false
        }
    }

    /// The value at `steps` further on (`getpath`): no path when this is none.
    func appending(contentsOf steps: [JSON], value: JSON) -> JQPathValue {
        guard let keys else { return JQPathValue(notAPath: value) }
        return JQPathValue(path: keys + steps, value: value)
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

    /// An expression that is no path expression: as a path, its outputs are values that are no
    /// path, which fail when used as one, as `path(1)` does in jq; an output that is the input
    /// itself keeps the input's path, as jq's identity test keeps it (`path(tostring)` of a
    /// string, `path(. as $x | $x)`).
    init(run: @escaping @Sendable (JSON, JQEnv?, JQRun, JQEmit) throws(JQEvalError) -> Void) {
        self.run = run
        self.paths = { input, env, context, emit throws(JQEvalError) in
            try run(input.value, env, context) { value throws(JQEvalError) in
                try emit(JQPathValue.identical(value, input.value) ? input : JQPathValue(notAPath: value))
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

    /// A value as jq's messages about paths show it: its compact text, cut to `size - 4` bytes
    /// and `...` when it is longer than `size - 1` (jq writes it into a buffer of `size` bytes).
    static func truncated(_ value: JSON, size: Int = 30) -> String {
        var writer = JQTextWriter(limit: 2 * size + 4)
        try? writer.write(value, depth: 0)
        let text = writer.bytes
        guard text.count > size - 1 else { return String(decoding: text, as: UTF8.self) }
        return String(decoding: text.prefix(size - 4), as: UTF8.self) + "..."
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
    /// How deep calls may nest. The stack is checked too (``JQStack``), so a thread with a small
    /// stack stops sooner.
    var depth = 10_000
    /// The most values one generator may collect into an array, or an evaluation may output.
    var collection = 10_000_000
    /// How deeply a value the evaluation builds may nest. Releasing a value descends it
    /// recursively, so a value nested a million deep (`reduce range(1e6) as $i (0; [.])`) would
    /// overflow the stack of whichever thread drops it.
    var nesting = 512
    /// What `$ENV` and `env` give: nothing of the worker's own environment unless the host
    /// passes it.
    var environment: JSON = .object([:])
    /// When the evaluation must have ended, on the continuous clock; `nil` for no deadline.
    var deadline: ContinuousClock.Instant?
    /// A stop request the evaluation obeys: it ends with ``JQEvalError/interrupted`` once the
    /// signal's count has moved past `since`.
    var stop: (signal: JQStopSignal, since: UInt64)?
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
    /// The lowest stack address a call may start at on the thread evaluating (see ``JQStack``).
    private var stackFloor: UInt

    /// How many steps pass between two looks at the clock and the stop signal: reading the clock
    /// costs tens of nanoseconds, a step a few.
    static let clockInterval = 1_024

    init(limits: JQLimits = JQLimits()) {
        self.limits = limits
        stackFloor = JQStack.floor()
    }

    /// What `$ENV` gives.
    var environment: JSON { limits.environment }

    /// Counts one step of work.
    @inline(__always)
    func step() throws(JQEvalError) {
        steps &+= 1
        if steps & (Self.clockInterval - 1) == 0 {
            try checkpoint()
        }
    }

    /// The checks too costly for every step: the step budget, the deadline, the stop signal.
    @inline(never)
    private func checkpoint() throws(JQEvalError) {
        if steps > limits.steps {
            throw .limitExceeded("the expression took more than \(limits.steps) steps")
        }
        if let deadline = limits.deadline, ContinuousClock.now >= deadline {
            throw .timedOut
        }
        if let stop = limits.stop, stop.signal.count != stop.since {
            throw .interrupted
        }
    }

    /// Runs the body of a call one level deeper: counted against the depth limit and as a step,
    /// and on this thread while its stack lasts. Past the stack's floor, the body goes on on a
    /// fresh thread with a stack of its own (``JQStack/freshStackSize``), which this thread
    /// waits for: recursion is bounded by ``JQLimits/depth``, not by the stack of whichever
    /// thread evaluates.
    @inline(__always)
    func call(_ body: () throws(JQEvalError) -> Void) throws(JQEvalError) {
        depth += 1
        defer { depth -= 1 }
        if depth > limits.depth {
            throw .limitExceeded("calls nested more than \(limits.depth) deep")
        }
        try step()
        if JQStack.address() < stackFloor {
            return try continueOnFreshStack(body)
        }
        try body()
    }

    @inline(never)
    private func continueOnFreshStack(_ body: () throws(JQEvalError) -> Void) throws(JQEvalError) {
        let floor = stackFloor
        defer { stackFloor = floor }
        let outcome: Result<Void, JQEvalError>? = withoutActuallyEscaping(body) { body in
            // This thread waits while the helper runs the body: the evaluation's state is used
            // by one thread at a time, as ever.
            let job = UncheckedJob(run: self, body: body)
            let helper = HelperThread(stackSize: JQStack.freshStackSize) { () -> Result<Void, JQEvalError> in
                job.run.stackFloor = JQStack.floor()
                do throws(JQEvalError) {
                    try job.body()
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            return helper.hasThread ? helper.join() : nil
        }
        guard let outcome else {
            throw .limitExceeded("calls nested \(depth) deep, as deep as the thread's stack allows")
        }
        try outcome.get()
    }

    /// Checks that `value`, about to be placed `levels` deep inside a new value, keeps the whole
    /// within ``JQLimits/nesting``. Every container visited counts as a step, so a value that
    /// shares its parts many times over is bounded by time as well.
    func checkNesting(_ value: JSON, below levels: Int) throws(JQEvalError) {
        switch value {
        case .array, .object:
            if try JQValue.nests(value, deeperThan: limits.nesting - levels, visit: step) {
                throw .limitExceeded("a value nests deeper than \(limits.nesting) levels")
            }
        default:
            return
        }
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

/// A call's body and its evaluation, handed to the thread that continues it while the caller
/// waits.
private struct UncheckedJob: @unchecked Sendable {
    let run: JQRun
    let body: () throws(JQEvalError) -> Void
}
