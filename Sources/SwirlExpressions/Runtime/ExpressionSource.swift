/// One runtime expression of a workflow, as an ``ExpressionBundle`` compiles it.
public struct ExpressionSource: Hashable, Sendable {
    /// The jq text, already taken out of its `${ … }` wrapper.
    public var text: String
    /// Names in scope for this expression besides the DSL's arguments, without `$`: a `for`
    /// loop's item and index, a `catch`'s error variable…
    ///
    /// An expression that uses a variable it does not declare here, and that is not an argument,
    /// fails to compile.
    public var scopedVariables: [String]

    /// Creates a source.
    /// - Parameters:
    ///   - text: the jq text without `${ … }`.
    ///   - scopedVariables: the extra variable names in scope, without `$`.
    public init(_ text: String, scopedVariables: [String] = []) {
        self.text = text
        self.scopedVariables = scopedVariables
    }
}

extension ExpressionSource {
    /// The DSL's arguments every expression may use without declaring them: `$context`,
    /// `$input`, `$output`, `$secrets` (and its alias `$secret`), `$task`, `$workflow`,
    /// `$runtime`, `$authorization`. The bundle binds exactly these; the semantic checks read the
    /// same set, so the two cannot drift apart.
    public static let argumentNames: Set<String> = ExpressionPlan.Argument.allNames

    /// Whether `name` can be bound as a scoped variable (`$name`): a jq identifier that is not a
    /// keyword (`reduce`, `if`, `as`, …). A bundle refuses an expression with any other name in
    /// its ``scopedVariables``.
    public static func isVariableName(_ name: String) -> Bool {
        ExpressionPlan.isVariableName(name)
    }
}
