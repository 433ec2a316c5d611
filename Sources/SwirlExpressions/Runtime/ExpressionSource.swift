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
