import SwirlCore

// The catalogue of every message the jq syntax checker produces; call sites pick a factory and
// never format text themselves. Token descriptions arrive quoted (`'|'`) or as phrases (`a string`).

extension JQSyntaxFailure {
    // MARK: - Grammar

    static func unexpected(_ found: String, after previous: String?, at token: JQToken) -> Self {
        guard let previous else {
            return Self(.syntax, "unexpected \(found) at the start of the expression", at: token)
        }
        return Self(.syntax, "unexpected \(found) after \(previous)", at: token)
    }

    static func unexpectedEnd(after previous: String?, at token: JQToken) -> Self {
        guard let previous else { return Self(.syntax, "unexpected end of the expression", at: token) }
        return Self(.syntax, "unexpected end of the expression after \(previous)", at: token)
    }

    static func expected(_ expectation: String, found: String, at token: JQToken) -> Self {
        Self(.syntax, "expected \(expectation), found \(found)", at: token)
    }

    static func unclosed(_ closer: String, opener: String, at position: SourcePosition, _ token: JQToken) -> Self {
        Self(.syntax, "expected \(closer) to close the \(opener) at \(describe(position))", at: token)
    }

    static func unmatchedCloser(_ closer: String, at token: JQToken) -> Self {
        Self(.syntax, "unexpected '\(closer)': it does not close the innermost open bracket", at: token)
    }

    static func invalidCharacter(_ character: String, isCarriageReturn: Bool, start: Int, end: Int) -> Self {
        if isCarriageReturn {
            return Self(
                .syntax,
                "unexpected carriage return: jq 1.6 allows only spaces, tabs and newlines between tokens",
                start: start,
                end: end
            )
        }
        // Invisible characters (a no-break space, a control character) are named by code point.
        let scalar = character.unicodeScalars.first ?? "\u{FFFD}"
        let isInvisible = scalar.properties.isWhitespace || scalar.value < 0x20
        let shown = isInvisible ? "U+" + String(scalar.value, radix: 16, uppercase: true) : "'\(character)'"
        return Self(.syntax, "unexpected character \(shown)", start: start, end: end)
    }

    static func unterminatedString(start: Int, end: Int) -> Self {
        Self(.syntax, "unterminated string", start: start, end: end)
    }

    static func chained(_ operation: String, after previous: String, at token: JQToken) -> Self {
        if operation == previous {
            return Self(.syntax, "\(operation) cannot be chained; add parentheses", at: token)
        }
        return Self(.syntax, "\(operation) cannot be chained with \(previous); add parentheses", at: token)
    }

    static func destructuringAlternativeOutsidePattern(at token: JQToken) -> Self {
        Self(
            .syntax,
            "'?//' is the destructuring alternative, allowed only between patterns after 'as'; "
                + "to apply '//' after '?', write '? //'",
            at: token
        )
    }

    static func indexAfterExpression(_ found: String, after previous: String, at token: JQToken) -> Self {
        Self(
            .syntax,
            "unexpected \(found) after \(previous): jq 1.6 cannot index the result of 'if', 'reduce', "
                + "'foreach', 'try' or '?' directly; wrap the expression in parentheses",
            at: token
        )
    }

    static func missingElse(at token: JQToken) -> Self {
        Self(.syntax, "'else' is required in jq 1.6 'if' expressions", at: token)
    }

    static func unfinishedConditional(found: String, opener: SourcePosition, at token: JQToken) -> Self {
        Self(
            .syntax,
            "expected 'elif' or 'else' (required in jq 1.6) to continue the 'if' at \(describe(opener)), "
                + "found \(found)",
            at: token
        )
    }

    static func unclosedConditional(found: String, opener: SourcePosition, at token: JQToken) -> Self {
        Self(.syntax, "expected 'end' to close 'if' at \(describe(opener)), found \(found)", at: token)
    }

    static func tooManyClauses(_ keyword: String, at token: JQToken) -> Self {
        let shape = keyword == "reduce" ? "(init; update)" : "(init; update) or (init; update; extract)"
        return Self(.syntax, "'\(keyword)' takes \(shape); unexpected ';'", at: token)
    }

    static func labelNeedsName(found: String, at token: JQToken) -> Self {
        Self(.syntax, "expected '$name' after 'label', found \(found)", at: token)
    }

    static func breakNeedsLabel(found: String, at token: JQToken) -> Self {
        Self(.syntax, "'break' needs a label: write 'break $name', found \(found)", at: token)
    }

    static func spaceAfterDot(_ name: String, at token: JQToken) -> Self {
        Self(.syntax, "unexpected '\(name)' after '.': write '.\(name)' without a space, or .[\"\(name)\"]", at: token)
    }

    static func dotBeforeBracket(at token: JQToken) -> Self {
        Self(.syntax, "jq 1.6 does not accept '.[' after a path: write '.a[0]', not '.a.[0]'", at: token)
    }

    static func expectedStringAfterDot(found: String, at token: JQToken) -> Self {
        Self(.syntax, "expected a field name or a string after '.', found \(found)", at: token)
    }

    static func expectedStringAfterFormat(_ format: String, found: String, at token: JQToken) -> Self {
        Self(.syntax, "expected a string after '\(format)', found \(found)", at: token)
    }

    static func emptyArguments(_ function: String, at token: JQToken) -> Self {
        Self(.syntax, "empty argument list: call '\(function)' without parentheses", at: token)
    }

    static func emptyParameters(at token: JQToken) -> Self {
        Self(.syntax, "empty parameter list: define the function without parentheses", at: token)
    }

    static func keywordAsName(_ keyword: String, role: String, at token: JQToken) -> Self {
        Self(.syntax, "'\(keyword)' is a keyword and cannot be used as a \(role) name", at: token)
    }

    static func expectedName(_ role: String, found: String, at token: JQToken) -> Self {
        Self(.syntax, "expected a \(role) name, found \(found)", at: token)
    }

    // MARK: - Objects and patterns

    static func invalidObjectKey(found: String, at token: JQToken) -> Self {
        Self(
            .syntax,
            "unexpected \(found) as an object key: use a name, a string, $name or a parenthesised "
                + "expression such as (.key)",
            at: token
        )
    }

    static func keywordKeyNeedsValue(_ keyword: String, at token: JQToken) -> Self {
        Self(.syntax, "the keyword '\(keyword)' can be an object key only with a value: {\(keyword): …}", at: token)
    }

    static func variableKeyWithValue(_ name: String, at token: JQToken) -> Self {
        Self(
            .syntax,
            "'{$\(name)}' is short for {\(name): $\(name)} and takes no value; for a computed key write "
                + "{($\(name)): …}",
            at: token
        )
    }

    static func locInObject(at token: JQToken) -> Self {
        Self(.syntax, "$__loc__ cannot be used as an object shorthand; write {loc: $__loc__}", at: token)
    }

    static func operatorInObjectValue(_ operation: String, at token: JQToken) -> Self {
        Self(
            .syntax,
            "unexpected \(operation) in an object value: jq 1.6 object values allow only '|' between terms; "
                + "wrap the value in parentheses",
            at: token
        )
    }

    static func expressionInObjectValue(_ keyword: String, at token: JQToken) -> Self {
        Self(
            .syntax,
            "'\(keyword)' cannot start an object value in jq 1.6; wrap the value in parentheses",
            at: token
        )
    }

    static func expectedPattern(found: String, at token: JQToken) -> Self {
        Self(.syntax, "expected a pattern ($name, [$a, $b] or {key: $v}), found \(found)", at: token)
    }

    static func invalidPatternKey(found: String, at token: JQToken) -> Self {
        Self(
            .syntax,
            "unexpected \(found) in an object pattern: use $name, name: pattern, \"key\": pattern or "
                + "(expression): pattern",
            at: token
        )
    }

    static func objectPatternNeedsValue(_ key: String?, at token: JQToken) -> Self {
        guard let key else { return Self(.syntax, "expected ':' and a pattern after the key", at: token) }
        return Self(.syntax, "expected ':' after '\(key)' in an object pattern; write {\(key): $v}", at: token)
    }

    // MARK: - Modules and limits

    static func modulesUnsupported(_ keyword: String, at token: JQToken) -> Self {
        Self(
            .unsupported,
            "jq modules are not supported: '\(keyword)' cannot be used in a workflow expression",
            at: token
        )
    }

    static func tooDeep(_ limit: Int, at token: JQToken) -> Self {
        Self(.limit, "the expression nests more than \(limit) levels deep", at: token)
    }

    static func tooManyOperators(_ limit: Int, at token: JQToken) -> Self {
        Self(
            .limit,
            "the expression has more than \(limit) operators (Swirl's limit for one expression); "
                + "split it across tasks, or fold a list with add or reduce",
            at: token
        )
    }

    static func tooLong(_ size: Int, limit: Int) -> Self {
        Self(
            .limit, "the expression is \(size) bytes long, more than Swirl's limit of \(limit) bytes for one expression",
            start: 0, end: 0)
    }

    static func nulCharacter(start: Int, end: Int) -> Self {
        Self(.syntax, "the expression contains a NUL character", start: start, end: end)
    }

    // MARK: - Literals

    static func invalidNumber(_ text: String, start: Int, end: Int) -> Self {
        Self(.invalidLiteral, "invalid number literal '\(text)'", start: start, end: end)
    }

    static func invalidEscape(_ escape: String, start: Int, end: Int) -> Self {
        Self(
            .invalidLiteral,
            "invalid escape '\(escape)' in a string; jq accepts \\\\ \\\" \\/ \\b \\f \\n \\r \\t \\uXXXX and \\(…)",
            start: start,
            end: end
        )
    }

    static func shortUnicodeEscape(start: Int, end: Int) -> Self {
        Self(.invalidLiteral, "invalid '\\u' escape: it needs four hexadecimal digits", start: start, end: end)
    }

    static func badUnicodeEscape(_ escape: String, start: Int, end: Int) -> Self {
        Self(
            .invalidLiteral,
            "invalid '\\u' escape '\(escape)': it needs four hexadecimal digits",
            start: start,
            end: end
        )
    }

    static func unpairedSurrogate(_ escape: String, start: Int, end: Int) -> Self {
        Self(
            .invalidLiteral,
            "'\(escape)' is a UTF-16 high surrogate and must be followed by a low surrogate escape (\\uDC00-\\uDFFF)",
            start: start,
            end: end
        )
    }

    static func controlCharacterInString(start: Int, end: Int) -> Self {
        Self(.invalidLiteral, "a control character in a string escape", start: start, end: end)
    }

    // MARK: - Constants

    static func divisionByZero(at token: JQToken) -> Self {
        Self(
            .invalidConstant,
            "division by zero: this constant division has an infinite result, which jq 1.6 rejects",
            at: token
        )
    }

    static func constantObjectKey(_ kind: String, start: Int, end: Int) -> Self {
        Self(
            .invalidConstant,
            "a constant \(kind) cannot be an object key; keys must be strings",
            start: start,
            end: end
        )
    }

    // MARK: - Names

    static func undefinedFunction(
        _ name: String,
        arity: Int,
        otherArities: [Int],
        suggestion: String?,
        start: Int,
        end: Int
    ) -> Self {
        if otherArities.isEmpty, let newer = NewerBuiltin.named(name, arity: arity) {
            let instead = newer.instead.map { "; instead, write \($0)" } ?? ""
            return Self(
                .undefinedFunction,
                "undefined function '\(name)/\(arity)': it is a builtin of jq \(newer.since), and Swirl's expressions are "
                    + "jq \(NewerBuiltin.engineVersion)\(instead)",
                start: start,
                end: end
            )
        }
        if !otherArities.isEmpty {
            let counts = otherArities.map(String.init)
            let list = counts.count == 1 ? counts[0] : counts.dropLast().joined(separator: ", ") + " or " + counts.last!
            let takes =
                otherArities == [0] ? "no arguments" : list + (otherArities == [1] ? " argument" : " arguments")
            return Self(
                .undefinedFunction,
                "undefined function '\(name)/\(arity)'; '\(name)' takes \(takes)",
                start: start,
                end: end
            )
        }
        if let suggestion {
            return Self(
                .undefinedFunction,
                "undefined function '\(name)/\(arity)'; did you mean '\(suggestion)'?",
                start: start,
                end: end
            )
        }
        return Self(.undefinedFunction, "undefined function '\(name)/\(arity)'", start: start, end: end)
    }

    static func undefinedVariable(_ name: String, suggestion: String?, start: Int, end: Int) -> Self {
        if let suggestion {
            return Self(
                .undefinedVariable,
                "undefined variable $\(name); did you mean $\(suggestion)?",
                start: start,
                end: end
            )
        }
        return Self(.undefinedVariable, "undefined variable $\(name)", start: start, end: end)
    }

    static func undefinedLabel(_ name: String, start: Int, end: Int) -> Self {
        Self(.undefinedLabel, "'break $\(name)' has no enclosing 'label $\(name)'", start: start, end: end)
    }

    // MARK: - Helpers

    private static func describe(_ position: SourcePosition) -> String {
        position.line == 1 ? "column \(position.column)" : "line \(position.line), column \(position.column)"
    }
}

/// Builtins of jq versions after the one Swirl's expressions follow, so that an expression written for a newer jq
/// is told why a function it uses is missing, and what to write instead.
struct NewerBuiltin {
    /// The jq whose language Swirl's expressions speak (what Swirl's jq engine follows).
    static let engineVersion = "1.7.1"

    let name: String
    let arity: Int
    /// The jq releases that have it.
    let since: String
    /// The same in jq 1.7.1, when there is a short way to write it.
    let instead: String?

    static let all: [NewerBuiltin] = [
        NewerBuiltin(name: "trimstr", arity: 1, since: "1.8", instead: "`ltrimstr(S) | rtrimstr(S)`"),
        NewerBuiltin(name: "add", arity: 1, since: "1.8", instead: "`[EXPRESSION] | add`"),
        NewerBuiltin(name: "skip", arity: 2, since: "1.8", instead: "`[EXPRESSION][N:][]`"),
        NewerBuiltin(
            name: "toboolean", arity: 0, since: "1.8",
            instead: #"`if . == "true" then true elif . == "false" then false else . end`"#),
    ]

    static func named(_ name: String, arity: Int) -> NewerBuiltin? {
        all.first { $0.name == name && $0.arity == arity }
    }
}
