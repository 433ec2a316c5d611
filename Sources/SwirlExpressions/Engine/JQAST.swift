import SwirlCore

/// A jq program as Swirl's parser reads it: the tree the evaluator compiles.
///
/// The tree is close to the text: names are kept as written and resolved when the tree is
/// compiled, `elif` chains become nested conditionals, and `$name` parameters stay marked as
/// such. Nodes carry the byte offset where they start in the expression, for error messages and
/// `$__loc__`.
indirect enum JQNode: Sendable {
    /// `.`; `..` is a call of `recurse`, as in jq.
    case identity
    /// A number, string, `true`, `false`, `null`, or an array or object made of literals only.
    case literal(JSON)
    /// A string with interpolations, `"a\(.b)c"`, or one under a format, `@base64 "…\(.)"`: the
    /// interpolated values go through the format (`@text` for a plain string).
    case interpolated(format: String, parts: [JQStringPart])
    /// A format used as a filter: `@base64` formats `.`.
    case format(String)
    /// `term[key]` and `term.key`: `optional` when followed by `?` (errors are dropped).
    case index(JQNode, key: JQNode, optional: Bool)
    /// `term[from:to]`, either bound may be absent.
    case slice(JQNode, from: JQNode?, to: JQNode?, optional: Bool)
    /// `term[]`
    case iterate(JQNode, optional: Bool)
    /// `a | b`
    case pipe(JQNode, JQNode)
    /// `a, b`
    case comma(JQNode, JQNode)
    /// `-a`
    case negate(JQNode)
    /// `a + b`, `a == b` and the other operators that combine two values.
    case binary(JQBinaryOperator, JQNode, JQNode)
    /// `a and b`
    case and(JQNode, JQNode)
    /// `a or b`
    case or(JQNode, JQNode)
    /// `a // b`
    case alternative(JQNode, JQNode)
    /// `path = value`, `path |= update`, `path += value`, ….
    case assign(JQAssignOperator, path: JQNode, value: JQNode)
    /// `[…]`; `nil` for `[]`.
    case array(JQNode?)
    /// `{…}`
    case object([JQObjectEntry])
    /// `if c then a else b end`; `else` may be absent (jq 1.7), meaning `.`.
    case conditional(JQNode, then: JQNode, else: JQNode?)
    /// `try body catch handler`; without `catch`, errors are dropped.
    case `try`(JQNode, catch: JQNode?)
    /// `body?`: the same as `try body`.
    case optional(JQNode)
    /// `reduce source as $x (initial; update)`
    case reduce(source: JQNode, patterns: [JQPattern], initial: JQNode, update: JQNode)
    /// `foreach source as $x (initial; update; extract)`
    case foreach(source: JQNode, patterns: [JQPattern], initial: JQNode, update: JQNode, extract: JQNode?)
    /// `def name(params): body; rest`
    case definition(JQDefinition, rest: JQNode)
    /// `name` or `name(a; b)`: a call of a definition, parameter or builtin.
    case call(String, arguments: [JQNode], offset: Int)
    /// `$name`
    case variable(String, offset: Int)
    /// `$__loc__`: the line it is on.
    case location(line: Int)
    /// `source as $x | body`; several patterns are alternatives (`?//`).
    case bind(source: JQNode, patterns: [JQPattern], body: JQNode)
    /// `label $name | body`
    case label(String, body: JQNode)
    /// `break $name`
    case `break`(String, offset: Int)
}

/// A piece of an interpolated string.
enum JQStringPart: Sendable {
    /// Text as written, escapes decoded.
    case text(String)
    /// `\(expression)`
    case expression(JQNode)
}

/// The operators that take two values and give one, in jq's spelling.
enum JQBinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%"
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

/// The assignment operators.
enum JQAssignOperator: Sendable {
    /// `a = b`: each output of `b`, evaluated on `.`, is set at every path of `a`.
    case set
    /// `a |= f`: each value at the paths of `a` is replaced by the first output of `f` on it.
    case update
    /// `a += b` and the like: `b` on `.`, then every value at the paths of `a` combined with it.
    case arithmetic(JQBinaryOperator)
    /// `a //= b`
    case alternative
}

/// One `key: value` of an object construction.
struct JQObjectEntry: Sendable {
    /// The key: a literal, or an expression whose outputs (strings) are the keys.
    var key: JQNode
    /// The value. The short forms are spelled out: `{a}` and `{"a"}` as `{a: .a}`, `{$a}` as
    /// `{a: $a}`.
    var value: JQNode
}

/// A destructuring pattern after `as`.
indirect enum JQPattern: Sendable {
    /// `$name`
    case variable(String)
    /// `[p0, p1, …]`
    case array([JQPattern])
    /// `{key: p, $name, $name: p, (expression): p, …}`
    case object([JQObjectPatternEntry])
}

/// One entry of an object pattern.
struct JQObjectPatternEntry: Sendable {
    /// The key, as an expression (a literal for names and `$name`).
    var key: JQNode
    /// The variable `$name` binds to the whole value, for `$name` and `$name: pattern`.
    var variable: String?
    /// The pattern the value is matched against, if any.
    var pattern: JQPattern?
}

/// `def name(params): body;`
struct JQDefinition: Sendable {
    /// A parameter: a filter, or a value (`$name`) bound once for each output of its argument.
    struct Parameter: Sendable {
        var name: String
        var isValue: Bool
    }

    var name: String
    var parameters: [Parameter]
    var body: JQNode
}
