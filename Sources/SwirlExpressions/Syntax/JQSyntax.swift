import SwirlCore

/// Checks jq expressions the way libjq 1.6's `jq_compile` would, without libjq.
///
/// libjq 1.6 spends about 20 ms in every compile (each state re-compiles jq's builtins), far too
/// slow to validate thousands of expressions per second. This checker reads the expression with
/// its own parser for jq 1.6's grammar (`jqlang/jq@jq-1.6: src/parser.y`, `src/lexer.l`) and
/// repeats the checks libjq makes before a program runs, so it accepts exactly what
/// `jq_compile` accepts when the caller's variables are bound around the program:
/// - the grammar, including 1.6's corners: `if` needs `else`, comparisons and assignments do not
///   chain, object values are terms joined by `|`, `.a?//1` is a syntax error (`?//` is one
///   token), `.a.[0]` and `if … end.a` are errors, `{if: 1}` and `{a,}` are fine;
/// - literals as jq's JSON parser reads them: `1.2.3`, `.e3`, `"\q"`, `"\u12"` and an unpaired
///   surrogate escape fail;
/// - every call resolves to a `def` in scope or a builtin with the same name *and* arity, every
///   `$name` to a binding, the caller's `variables` or `$ENV`, every `break $name` to a label;
///   names inside a `def` nothing calls are not checked, because libjq drops such a `def`
///   unread;
/// - constants libjq folds while parsing: a constant division with an infinite result (`1 / 0`)
///   and a constant non-string object key (`{(1): 2}`) fail.
///
/// A program of definitions only (`def f: 1;`), or an empty one, is valid, as it is for libjq
/// (it compiles to `.`). Swirl forbids jq modules, so `import`, `include` and `module` are
/// reported even where libjq would accept them. Expressions nesting more than 200 levels deep
/// are reported rather than risk the stack (libjq itself manages thousands).
public enum JQSyntax {
    /// Checks one jq expression.
    ///
    /// It reads the UTF-8 bytes once, allocates almost nothing for a valid expression, and takes
    /// microseconds for a typical one. It is a pure function, safe to call from any thread.
    /// - Parameters:
    ///   - expression: the jq source text, such as `.items | map(.price * $input.rate)`.
    ///   - variables: the names of the variables bound around the expression, without `$`:
    ///     `input`, `context`, `secrets`, a loop's `item` and `index`, a catch's error variable….
    /// - Returns: `nil` when Swirl's jq engine compiles the expression, or its first problem.
    public static func check(_ expression: String, variables: Set<String>) -> JQSyntaxError? {
        check(expression, variables: variables, dialect: .jq171)
    }

    /// Checks one jq expression against the grammar and builtins of `dialect`: jq 1.7.1's, as
    /// Swirl's engine runs it, or jq 1.6's, as libjq 1.6 compiles it.
    static func check(_ expression: String, variables: Set<String>, dialect: JQDialect) -> JQSyntaxError? {
        var expression = expression
        return expression.withUTF8 { bytes -> JQSyntaxError? in
            // jq_compile reads a C string, so a NUL would silently cut the program short.
            if let nul = bytes.firstIndex(of: 0) {
                return error(from: .nulCharacter(start: nul, end: nul + 1), in: bytes)
            }
            var parser = JQParser(bytes: bytes, variables: variables, dialect: dialect)
            guard let failure = parser.check() else { return nil }
            return error(from: failure, in: bytes)
        }
    }

    /// Reads one jq expression into the tree the evaluator compiles, checking it as ``check(_:variables:)``
    /// does.
    static func parse(
        _ expression: String,
        variables: Set<String>,
        dialect: JQDialect,
        checksBuiltins: Bool = true
    ) -> Result<JQNode, JQSyntaxError> {
        var expression = expression
        return expression.withUTF8 { bytes -> Result<JQNode, JQSyntaxError> in
            if let nul = bytes.firstIndex(of: 0) {
                return .failure(error(from: .nulCharacter(start: nul, end: nul + 1), in: bytes))
            }
            var parser = JQParser(bytes: bytes, variables: variables, dialect: dialect, checksBuiltins: checksBuiltins)
            return parser.parse().mapError { error(from: $0, in: bytes) }
        }
    }

    private static func error(from failure: JQSyntaxFailure, in bytes: UnsafeBufferPointer<UInt8>) -> JQSyntaxError {
        JQSyntaxError(
            kind: failure.kind,
            message: failure.message,
            offset: failure.start,
            length: failure.end - failure.start,
            position: SourcePosition(offset: failure.start, in: bytes)
        )
    }
}
