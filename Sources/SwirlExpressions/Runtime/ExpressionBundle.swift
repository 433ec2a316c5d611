public import SwirlCore

/// Every runtime expression of a workflow, compiled together, evaluated by index.
///
/// libjq 1.6 spends about 20 ms compiling any program, because each `jq_state` re-compiles jq's
/// builtins, and it binds `$name` arguments while compiling. A bundle therefore compiles many
/// expressions into one program that takes its arguments from its input, and picks the expression
/// to run by an index in that input:
///
/// ```
/// {} as $ENV | .[9] as $__swirl_branch | def env: {}; … |
/// if $__swirl_branch < 2 then
///     if $__swirl_branch < 1 then (.[1] as $context | .[0] | (\n<expression 0>\n))
///     else (.[0] | (\n<expression 1>\n)) end
/// else … end
/// ```
///
/// - The dispatch is a balanced tree of comparisons, so picking one of `n` expressions costs
///   `log2 n` comparisons inside libjq (about 0.25 µs each); jq has no computed jump.
/// - The expressions sit inline in the branches rather than in `def`s: libjq 1.6 binds each
///   `def` over everything after it, which makes compiling `n` of them quadratic (2,000 `def`s
///   take 1.5 s, 6,000 take 42 s), while a chunk of inline branches costs about 0.1 ms per
///   expression on top of the 20 ms of any program.
/// - Expressions are compiled in chunks of at most ``defaultChunkSize`` distinct expressions, one
///   program each: libjq 1.6 refuses a function whose bytecode exceeds 64K words, which a single
///   dispatch reaches at about 2,700 small expressions. A chunk that still comes out too long is
///   split in two and compiled again, down to the one expression that is too long by itself.
/// - Identical sources (same text, same scoped variables) share one branch.
/// - Every variable is bound lexically before the expression: the arguments, `$secret` as well as
///   `$secrets`, and the scoped variables its source declares. A variable it neither declares nor
///   receives as an argument is a compile error.
/// - Only the arguments an expression mentions are converted to libjq values, and an argument
///   passed again as the same value (the same storage, not a rebuilt copy) is converted once and
///   then reused: keep a run's `$workflow` descriptor, which holds the whole definition, and pass
///   that one value every time (with a 2 KB descriptor, `$workflow.id` took 40 µs per evaluation
///   converting it and 3 µs reusing it).
/// - An expression of plain paths, whole numbers, `+` and `-` (`.n + 1`, `$item.id`) is evaluated
///   in Swift when its operands make jq's result certain (``DirectExpression``), and by libjq
///   otherwise: a round trip through libjq costs several microseconds, most of a `set` task's cost.
/// - Nothing of the process shows through: `$ENV` is `{}`, `env` is `{}`, `input` fails, `inputs`
///   is empty, `input_filename` is `null`, and `debug` and `stderr` pass their input through
///   without printing. An expression may still define its own functions of these names.
///
/// A bundle is not `Sendable`: like the ``JQEngine`` that compiled it, it stays on one thread.
/// Keep it on ``JQActor`` (or another actor that runs on ``JQThreadExecutor/shared``) so that one
/// bundle serves every run of its workflow.
public final class ExpressionBundle {
    /// When the chunk programs are compiled.
    public enum Compilation: Sendable {
        /// All of them in `init`, which therefore reports every compile error.
        case eager
        /// Each on the first evaluation of one of its expressions: a bundle of thousands of
        /// expressions is ready at once and pays only for the chunks it uses. `init` still checks
        /// every expression's syntax and variables, so a later compile fails only in the unlikely
        /// case that the checker and libjq disagree.
        case lazy
    }

    /// The most distinct expressions one chunk program holds, unless `init` is told otherwise.
    ///
    /// A trade-off: every program costs about 20 ms to compile and every expression about
    /// 0.1 ms more, so larger chunks compile a big bundle a little faster (10,000 expressions take
    /// 2.0 s in chunks of 256, 1.5 s in chunks of 1,024), but each doubling adds a comparison to
    /// every evaluation. This size keeps a chunk well under libjq's bytecode limit and a lazily
    /// compiled chunk under about 50 ms; workflows of up to 256 expressions are one program.
    public static let defaultChunkSize = 256

    /// The sources, in the order given to `init`; an expression's index is its position here.
    public let sources: [ExpressionSource]

    /// How many expressions the bundle holds, duplicates included.
    public var count: Int { sources.count }

    /// How many distinct expressions (text and scoped variables) the bundle compiled.
    public var distinctCount: Int { plans.count }

    /// How many libjq programs exist so far: one per chunk compiled.
    public var compiledProgramCount: Int { chunks.lazy.filter { $0.program != nil }.count }

    private let engine: JQEngine
    /// For each source, its distinct expression.
    private let distinctOfSource: [Int]
    /// For each distinct expression, the first source that has it (to name it in errors).
    private let sourceOfDistinct: [Int]
    private let plans: [ExpressionPlan]
    /// For each distinct expression, its chunk and its branch number inside that chunk.
    private var placement: [(chunk: Int, branch: Int)]
    private var chunks: [Chunk]
    /// libjq copies of the arguments of recent evaluations, found again by storage identity.
    ///
    /// Arguments such as `$workflow` (which holds the whole workflow definition), `$task` or
    /// `$context` come back unchanged for many evaluations, and converting them dominates the
    /// cost of an expression that reads them. Room for the arguments of several runs at once,
    /// since runs interleave on the jq thread.
    private let argumentCache = JQValueCache(capacity: ExpressionBundle.argumentCacheCapacity)

    /// How many argument values a bundle keeps converted for reuse.
    static let argumentCacheCapacity = 64

    /// One libjq program and the distinct expressions it dispatches to.
    private struct Chunk {
        var members: [Int]
        var program: JQProgram?
    }

    /// Checks and compiles the expressions.
    /// - Parameters:
    ///   - sources: the expressions; the index of each is its position in this array.
    ///   - engine: the engine that compiles the chunk programs; the bundle keeps it.
    ///   - compilation: whether every chunk is compiled now (the default) or on first use.
    ///   - chunkSize: the most distinct expressions per libjq program; at least 1.
    /// - Throws: ``JQError/compile(messages:)`` for the first expression that does not compile,
    ///   naming its index and text, or for a scoped variable name jq cannot bind.
    public init(
        sources: [ExpressionSource],
        engine: JQEngine,
        compilation: Compilation = .eager,
        chunkSize: Int = ExpressionBundle.defaultChunkSize
    ) throws(JQError) {
        precondition(chunkSize >= 1, "an expression bundle needs chunks of at least one expression")
        self.sources = sources
        self.engine = engine

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

        var chunks: [Chunk] = []
        var placement: [(chunk: Int, branch: Int)] = []
        placement.reserveCapacity(plans.count)
        for start in stride(from: 0, to: plans.count, by: chunkSize) {
            let members = Array(start..<min(start + chunkSize, plans.count))
            for (branch, _) in members.enumerated() {
                placement.append((chunks.count, branch))
            }
            chunks.append(Chunk(members: members, program: nil))
        }
        self.chunks = chunks
        self.placement = placement

        if compilation == .eager {
            // Compiling may split a chunk, which appends its second half already compiled: walk
            // by index and skip what is done.
            var chunk = 0
            while chunk < self.chunks.count {
                if self.chunks[chunk].program == nil {
                    try compile(chunk: chunk)
                }
                chunk += 1
            }
        }
    }

    /// Evaluates expression `index` and folds its outputs into one value, the DSL's rule
    /// (DSL-NOTES §2 #24): no output is `null`, one output is itself, several become an array.
    /// - Parameters:
    ///   - index: the expression's position in ``sources``.
    ///   - data: the value the expression sees as `.`.
    ///   - arguments: the values of `$context`, `$input`… and of the expression's scoped variables.
    ///   - timeLimit: the longest the evaluation may run, in seconds, when shorter than the
    ///     ceiling of the engine's ``JQWatchdog``.
    /// - Returns: `null`, the single output, or an array of all outputs.
    /// - Throws: ``JQError/runtime(message:)`` when the expression raises an error;
    ///   ``JQError/timedOut(seconds:ceiling:)`` or ``JQError/interrupted`` when the watchdog
    ///   halts it; ``JQError/compile(messages:)`` only for a lazily compiled chunk that libjq rejects.
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
    /// - Parameters:
    ///   - index: the expression's position in ``sources``.
    ///   - data: the value the expression sees as `.`.
    ///   - arguments: the values of `$context`, `$input`… and of the expression's scoped variables.
    ///   - timeLimit: as for ``evaluate(_:on:arguments:timeLimit:)``.
    /// - Returns: the outputs; empty when the expression produced none.
    /// - Throws: as ``evaluate(_:on:arguments:timeLimit:)`` does.
    public func evaluateAll(_ index: Int, on data: JSON, arguments: ExpressionArguments, timeLimit: Double? = nil)
        throws(JQError) -> [JSON]
    {
        precondition(sources.indices.contains(index), "expression \(index) is not in a bundle of \(count)")
        let distinct = distinctOfSource[index]
        if let direct = plans[distinct].direct, let value = direct.evaluate(data: data, arguments: arguments) {
            return [value]
        }
        if chunks[placement[distinct].chunk].program == nil {
            try compile(chunk: placement[distinct].chunk)
        }
        // Read the placement after compiling: a split may have moved the expression.
        let (chunk, branch) = placement[distinct]
        guard let program = chunks[chunk].program else {
            preconditionFailure("chunk \(chunk) of an expression bundle was not compiled")
        }
        let input = plans[distinct].input(data: data, arguments: arguments, branch: branch)
        return try program.evaluate(
            elements: input, reusing: ExpressionPlan.Slot.arguments, from: argumentCache, timeLimit: timeLimit)
    }

    // MARK: - Compiling

    /// Compiles one chunk; when libjq rejects it, splits it and compiles the halves, down to the
    /// one expression at fault, whose error is then thrown with its index.
    private func compile(chunk: Int) throws(JQError) {
        let members = chunks[chunk].members
        let text = Self.programText(branches: members.map { plans[$0].branch })
        do throws(JQError) {
            chunks[chunk].program = try engine.compile(text)
            return
        } catch {
            guard members.count > 1 else {
                let index = sourceOfDistinct[members[0]]
                guard case .compile(let messages) = error else { throw error }
                throw ExpressionPlan.failure(index, sources[index], messages.joined(separator: "; "))
            }
            // Usually libjq's "function compiled to N bytes which is too long": the chunk's
            // expressions are larger than the chunk size allowed for.
            let half = members.count / 2
            let second = chunks.count
            chunks[chunk].members = Array(members[..<half])
            chunks.append(Chunk(members: Array(members[half...]), program: nil))
            for (branch, member) in members[..<half].enumerated() {
                placement[member] = (chunk, branch)
            }
            for (branch, member) in members[half...].enumerated() {
                placement[member] = (second, branch)
            }
            try compile(chunk: chunk)
            try compile(chunk: second)
        }
    }

    /// The whole program of one chunk: the process is hidden, then the dispatch over `branches`.
    static func programText(branches: [String]) -> String {
        var text = """
            {} as $ENV | .[\(ExpressionPlan.Slot.branch)] as $__swirl_branch |
            def env: {};
            def input: error("input is not available in workflow expressions");
            def inputs: empty;
            def input_filename: null;
            def debug: .;
            def stderr: .;

            """
        appendDispatch(over: branches[...], firstBranch: 0, to: &text)
        text += "\n"
        return text
    }

    /// `if $__swirl_branch < middle then <lower half> else <upper half> end`, down to single
    /// branches: a balanced tree, so each evaluation makes `log2(count)` comparisons.
    private static func appendDispatch(over branches: ArraySlice<String>, firstBranch: Int, to text: inout String) {
        if branches.count == 1 {
            text += branches[branches.startIndex]
            return
        }
        let middle = branches.startIndex + branches.count / 2
        let middleBranch = firstBranch + (middle - branches.startIndex)
        text += "if $__swirl_branch < \(middleBranch) then\n"
        appendDispatch(over: branches[..<middle], firstBranch: firstBranch, to: &text)
        text += "\nelse\n"
        appendDispatch(over: branches[middle...], firstBranch: middleBranch, to: &text)
        text += "\nend"
    }
}

@available(*, unavailable, message: "libjq 1.6 is not thread-safe: keep an ExpressionBundle on one thread or actor")
extension ExpressionBundle: Sendable {}
