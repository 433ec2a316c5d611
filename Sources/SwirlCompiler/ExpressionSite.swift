public import SwirlCore

/// One runtime expression of a document as the compiler's walk met it: its text, where it is,
/// and the variables in scope there.
///
/// The walk reports a site for every expression, including those a run never evaluates (a
/// retry policy nothing uses, a schedule), so the semantic checks check exactly what the
/// compiler compiles, with the same variables.
public struct ExpressionSite: Sendable {
    /// The jq text, its pointer, and the scoped variables besides the DSL's arguments.
    public var expression: ProgramExpression
    /// Where the jq text starts inside the string value, in UTF-8 bytes (after `${`).
    public var offsetInValue: Int
    /// For an expression of a reusable definition under `use` compiled where it is used (a
    /// named retry policy in its catch, a named error in its raise): that place.
    public var usedBy: JSONPointer?
}
