public import SwirlCore
import Synchronization

/// Every runtime expression of a workflow, compiled by Swirl's jq engine, evaluated by index.
///
/// - Identical sources (same text, same scoped variables) share one compiled program.
/// - Every variable is bound lexically around the expression: the DSL's arguments, `$secret` as
///   well as `$secrets`, and the scoped variables its source declares. A variable it neither
///   declares nor receives as an argument is a compile error. Only the variables the text
///   mentions are bound, and values are passed as they are: nothing is converted or copied.
/// - An expression of plain paths, whole numbers, `+` and `-` (`.n + 1`, `$item.id`) is evaluated
///   by ``DirectExpression`` when its operands make jq's result certain, which skips even the
///   engine's small set-up.
/// - Nothing of the process shows through: `$ENV` and `env` are `{}`, `input` fails, `inputs`
///   is empty, `input_filename` is `null`, and `debug` and `stderr` pass their input through
///   without printing. An expression may still define its own functions of these names.
/// - Every evaluation is bounded: steps, call depth, collection sizes (``JQLimits``), and time:
///   the caller's limit or the process's ceiling (``ExpressionLimits``), and its stop requests.
///
/// A bundle is `Sendable` and may be used from any number of threads at once.
public final class ExpressionBundle: Sendable {
    /// When the expressions are compiled.
    public enum Compilation: Sendable {
        /// All of them in `init`, which therefore reports every compile error.
        case eager
        /// Each on its first evaluation: a bundle of thousands of expressions is ready at once
        /// and pays only for those it uses. `init` still checks every expression's variable
        /// names; the syntax of each is checked when it is first compiled.
        case lazy
    }

    /// The sources, in the order given to `init`; an expression's index is its position here.
    public let sources: [ExpressionSource]

    /// How many expressions the bundle holds, duplicates included.
    public var count: Int { sources.count }

    /// How many distinct expressions (text and scoped variables) the bundle holds.
    public var distinctCount: Int { plans.count }

    /// How many distinct expressions are compiled so far.
    public var compiledProgramCount: Int {
        programs.withLock { programs in programs.lazy.filter { $0 != nil }.count }
    }

    /// For each source, its distinct expression.
    private let distinctOfSource: [Int]
    /// For each distinct expression, the first source that has it (to name it in errors).
    private let sourceOfDistinct: [Int]
    private let plans: [ExpressionPlan]
    private let programs: Mutex<[JQCompiledProgram?]>
    private let limits: ExpressionLimits

    /// How deeply an output may nest: as deep as Swirl reads any JSON document, so a value an
    /// expression built is as safe to store and print as one that was parsed.
    static let maxOutputDepth = JSONParser.defaultMaxDepth

    /// Checks and compiles the expressions.
    /// - Parameters:
    ///   - sources: the expressions; the index of each is its position in this array.
    ///   - compilation: whether every expression is compiled now (the default) or on first use.
    ///   - limits: the ceiling and stop requests every evaluation obeys.
    /// - Throws: ``JQError/compile(messages:)`` for the first expression that does not compile,
    ///   naming its index and text, or for a scoped variable name jq cannot bind.
    public init(
        sources: [ExpressionSource],
        compilation: Compilation = .eager,
        limits: ExpressionLimits = .shared
    ) throws(JQError) {
        self.sources = sources
        self.limits = limits
        var distinctIndex: [ExpressionSource: Int] = [:]
        var distinctOfSource: [Int] = []
        var sourceOfDistinct: [Int] = []
        var plans: [ExpressionPlan] = []
        distinctOfSource.reserveCapacity(sources.count)
        for (index, source) in sources.enumerated() {
            if let existing = distinctIndex[source] {
                distinctOfSource.append(existing)
                continue
            }
            distinctIndex[source] = plans.count
            distinctOfSource.append(plans.count)
            sourceOfDistinct.append(index)
            plans.append(try ExpressionPlan(source, index: index))
        }
        self.distinctOfSource = distinctOfSource
        self.sourceOfDistinct = sourceOfDistinct
        self.plans = plans
        var programs: [JQCompiledProgram?] = Array(repeating: nil, count: plans.count)
        if compilation == .eager {
            for distinct in plans.indices {
                programs[distinct] = try Self.compile(plans[distinct], sources[sourceOfDistinct[distinct]], sourceOfDistinct[distinct])
            }
        }
        self.programs = Mutex(programs)
    }

    /// Evaluates expression `index` and folds its outputs into one value, the DSL's rule
    /// (DSL-NOTES §2 #24): no output is `null`, one output is itself, several become an array.
    /// - Parameters:
    ///   - index: the expression's position in ``sources``.
    ///   - data: the value the expression sees as `.`.
    ///   - arguments: the values of `$context`, `$input`… and of the expression's scoped variables.
    ///   - timeLimit: the longest the evaluation may run, in seconds, when shorter than the
    ///     ceiling of the bundle's ``ExpressionLimits``.
    /// - Returns: `null`, the single output, or an array of all outputs.
    /// - Throws: ``JQError/runtime(message:)`` when the expression raises an error or exceeds a
    ///   budget; ``JQError/timedOut(seconds:ceiling:)`` when it runs out of time;
    ///   ``JQError/interrupted`` when a stop request ends it; ``JQError/compile(messages:)`` only
    ///   for a lazily compiled expression that does not compile.
    public func evaluate(_ index: Int, on data: JSON, arguments: ExpressionArguments, timeLimit: Double? = nil)
        throws(JQError) -> JSON
    {
        let outputs = try evaluateAll(index, on: data, arguments: arguments, timeLimit: timeLimit)
        switch outputs.count {
        case 0: return .null
        case 1: return outputs[0]
        default: return .array(outputs)
        }
    }

    /// Evaluates expression `index` and returns every output, in the order jq produced them.
    /// - Parameters: as for ``evaluate(_:on:arguments:timeLimit:)``.
    /// - Returns: the outputs; empty when the expression produced none.
    /// - Throws: as ``evaluate(_:on:arguments:timeLimit:)`` does.
    public func evaluateAll(_ index: Int, on data: JSON, arguments: ExpressionArguments, timeLimit: Double? = nil)
        throws(JQError) -> [JSON]
    {
        precondition(sources.indices.contains(index), "expression \(index) is not in a bundle of \(count)")
        let distinct = distinctOfSource[index]
        let plan = plans[distinct]
        if let direct = plan.direct, let value = direct.evaluate(data: data, arguments: arguments) {
            return [value]
        }
        let program = try program(distinct)
        let budget = limits.budget(timeLimit: timeLimit)
        let outputs: [JSON]
        do throws(JQEvalError) {
            outputs = try program.run(data, variables: plan.values(of: arguments), limits: budget.limits)
        } catch {
            switch error {
            case .raised(let value): throw .runtime(message: Self.messageText(value))
            case .halted(let value, let exitCode):
                guard let value else { throw .runtime(message: "halt_error with exit code \(exitCode)") }
                throw .runtime(message: Self.messageText(value))
            case .limitExceeded(let message): throw .runtime(message: message)
            case .timedOut: throw .timedOut(seconds: budget.seconds, ceiling: budget.isCeiling)
            case .interrupted: throw .interrupted
            case .internalFailure(let message): throw .runtime(message: "internal error of Swirl's jq engine: \(message)")
            case .break: throw .runtime(message: "internal error of Swirl's jq engine: a break escaped its label")
            }
        }
        for output in outputs where Self.nests(output, deeperThan: Self.maxOutputDepth, data: data) {
            throw .runtime(message: "the expression's output nests deeper than \(Self.maxOutputDepth) levels")
        }
        return outputs
    }

    /// The text of an error's value: a string as it is, anything else as compact JSON.
    static func messageText(_ value: JSON) -> String {
        value.stringValue ?? value.serialized()
    }

    // MARK: - Compiling

    private func program(_ distinct: Int) throws(JQError) -> JQCompiledProgram {
        if let program = programs.withLock({ $0[distinct] }) { return program }
        // Compiled outside the lock: two threads may both compile it, and one result is kept.
        let index = sourceOfDistinct[distinct]
        let compiled = try Self.compile(plans[distinct], sources[index], index)
        return programs.withLock { programs in
            if let existing = programs[distinct] { return existing }
            programs[distinct] = compiled
            return compiled
        }
    }

    private static func compile(_ plan: ExpressionPlan, _ source: ExpressionSource, _ index: Int) throws(JQError)
        -> JQCompiledProgram
    {
        // Only the variables the text mentions are bound; one it mentions but neither declares
        // nor receives as an argument is left unbound, and compiling names it.
        do throws(JQCompiledProgramError) {
            return try JQCompiledProgram(source.text, variables: plan.names)
        } catch {
            switch error {
            case .syntax(let problem): throw ExpressionPlan.failure(index, source, problem.description)
            case .compile(let problem): throw ExpressionPlan.failure(index, source, problem.message)
            }
        }
    }

    // MARK: - Output depth

    /// Whether `value` nests deeper than `limit`. The data itself (and any value sharing its
    /// storage) was read within the limit, so it is not walked again.
    private static func nests(_ value: JSON, deeperThan limit: Int, data: JSON) -> Bool {
        switch value {
        case .array, .object:
            if let identity = JSONStorageIdentity(value), identity == JSONStorageIdentity(data) { return false }
            // The walk has no budget to count against: it cannot fail.
            return (try? JQValue.nests(value, deeperThan: limit, visit: { () throws(JQEvalError) in })) ?? true
        default:
            return false
        }
    }
}
