public import SwirlCore

/// What a task does.
public enum NodeKind: Sendable {
    /// `set`: the new data.
    case set(ValueTemplate)
    /// `do`: a nested task list.
    case `do`(scope: Int)
    /// `switch`: cases tried in order; the first whose `when` holds decides where to go.
    case `switch`([SwitchCase])
    /// `for`: runs a scope once per item of a collection.
    case `for`(ForLoop)
    /// `fork`: runs one scope per branch concurrently.
    case fork(Fork)
    /// `try`: runs a scope and handles its errors.
    case `try`(TryCatch)
    /// `raise`: faults with an error.
    case raise(ErrorTemplate)
    /// `wait`: pauses for a duration.
    case wait(DurationSpec)
    /// A task performed by an activity (`call`, `run`, `emit`, `listen`).
    case activity(ActivityCall)
    /// `listen`: waits for events.
    case listen(Listen)
    /// `call` of a function from `use.functions`: its arguments become the input of the
    /// function's task, which runs in a scope of its own.
    case function(FunctionCall)
}

/// One case of a `switch`.
public struct SwitchCase: Sendable {
    public var name: String
    /// `nil` for the default case.
    public var when: ExpressionID?
    public var then: FlowTarget
}

/// A `for` task.
public struct ForLoop: Sendable {
    /// The name the item is bound to (`each`, default `item`).
    public var each: String
    /// The name the index is bound to (`at`, default `index`).
    public var at: String
    /// `in`: the collection.
    public var collection: ExpressionID
    /// `while`: checked before each iteration, with the item and index bound.
    public var condition: ExpressionID?
    public var body: Int
}

/// A `fork` task.
public struct Fork: Sendable {
    /// One scope per branch, each holding the branch's single task.
    public var branches: [Int]
    /// Whether the first branch to complete wins and the others are cancelled.
    public var compete: Bool
}

/// A `try` task and its `catch`.
public struct TryCatch: Sendable {
    public var body: Int
    /// `catch.errors.with`: static values an error must match (type, status, instance, title, details).
    public var filter: OrderedDictionary<String, JSON>
    /// `catch.as`, default `error`.
    public var errorVariable: String
    public var when: ExpressionID?
    public var exceptWhen: ExpressionID?
    public var retry: RetryPolicy?
    /// `catch.do`, if any.
    public var handler: Int?
}

/// How to retry a failed `try` body (DSL-NOTES §2 #22).
public struct RetryPolicy: Sendable {
    public enum Backoff: String, Sendable, Codable {
        case constant
        case linear
        case exponential
    }

    public var when: ExpressionID?
    public var exceptWhen: ExpressionID?
    public var delay: DurationSpec?
    public var backoff: Backoff
    /// Most retries (not counting the first attempt); `nil` for no limit.
    public var attemptCount: Int?
    /// The longest one attempt may take.
    public var attemptDuration: DurationSpec?
    /// The longest all attempts together may take, counted from the first failure.
    public var totalDuration: DurationSpec?
    /// Uniform random extra delay, in seconds.
    public var jitter: (from: DurationSpec, to: DurationSpec)?
}

/// An error a `raise` task builds.
public struct ErrorTemplate: Sendable {
    /// The error object: `type`, `status`, `title`, `detail`, `instance`, possibly with expressions.
    public var fields: ValueTemplate
}

/// A task whose work an activity does.
public struct ActivityCall: Sendable {
    /// `call: http`, `run: shell`, `emit`, `listen`, `call: <function>` …
    public var kind: String
    /// The task's arguments (`with`, the `run` process, the event …) with expressions compiled.
    public var arguments: ValueTemplate
}

/// A call of a function defined in `use.functions`.
public struct FunctionCall: Sendable {
    public var name: String
    /// The scope holding the function's task.
    public var scope: Int
    /// `with`: the function task's input.
    public var arguments: ValueTemplate
}
