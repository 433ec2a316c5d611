public import SwirlCore

/// Why a jq expression would not compile with libjq 1.6, and where inside the expression.
///
/// Positions are relative to the expression text itself (not to the document holding it):
/// ``offset`` and ``length`` count UTF-8 bytes, ``position`` counts lines and Unicode scalars,
/// so a caller that knows where the expression starts can place a caret under the problem.
public struct JQSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The broad reason, for callers that map errors to diagnostic codes.
    public enum Kind: String, Hashable, Sendable, Codable {
        /// The text does not follow jq 1.6's grammar: an unexpected or missing token.
        case syntax
        /// A number or string literal that jq 1.6's JSON parser rejects, such as `1.2.3` or `"\q"`.
        case invalidLiteral
        /// A call to a `name/arity` that no `def` in scope and no builtin provides.
        case undefinedFunction
        /// A `$name` bound by nothing in scope and not among the variables the caller binds.
        case undefinedVariable
        /// A `break $name` with no `label $name` around it.
        case undefinedLabel
        /// A constant expression libjq evaluates while compiling and rejects: `1 / 0`, `{(1): 2}`.
        case invalidConstant
        /// Valid jq that Swirl does not allow: modules (`import`, `include`, `module`).
        case unsupported
        /// The expression is beyond what the checker handles, such as nesting hundreds of levels deep.
        case limit
    }

    /// The broad reason.
    public var kind: Kind
    /// A sentence for people, such as `undefined function 'lenght/0'; did you mean 'length'?`.
    public var message: String
    /// 0-based offset of the problem's first byte in the expression's UTF-8.
    public var offset: Int
    /// The problem's length in UTF-8 bytes; 0 at the end of the expression.
    public var length: Int
    /// 1-based line and 1-based column (in Unicode scalars) of ``offset`` inside the expression.
    public var position: SourcePosition

    /// Creates an error; the checker makes these, tests and callers may too.
    /// - Parameters:
    ///   - kind: the broad reason.
    ///   - message: the sentence for people.
    ///   - offset: 0-based UTF-8 offset of the problem.
    ///   - length: UTF-8 length of the problem.
    ///   - position: 1-based line and column of `offset`.
    public init(kind: Kind, message: String, offset: Int, length: Int, position: SourcePosition) {
        self.kind = kind
        self.message = message
        self.offset = offset
        self.length = length
        self.position = position
    }

    /// 1-based line of the problem inside the expression.
    public var line: Int { position.line }
    /// 1-based column of the problem, in Unicode scalars.
    public var column: Int { position.column }

    /// `line:column: message`.
    public var description: String { "\(position.line):\(position.column): \(message)" }
}
