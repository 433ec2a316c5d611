import SwirlCore

/// A recursive-descent parser for jq 1.6's grammar that accepts what libjq 1.6's `jq_compile`
/// accepts.
///
/// jq's grammar (`jqlang/jq@jq-1.6: src/parser.y`) is an LALR grammar whose operators are sorted
/// out by precedence declarations. Here the binary operators are parsed by precedence climbing
/// with the same table, lowest first:
///
/// | level | operators | associativity |
/// |---|---|---|
/// | 1 | `\|` | right |
/// | 2 | `,` | left |
/// | 3 | `//` | right |
/// | 4 | `=` `\|=` `+=` `-=` `*=` `/=` `%=` `//=` | none: `a = b = c` is an error |
/// | 5 | `or` | left |
/// | 6 | `and` | left |
/// | 7 | `==` `!=` `<` `>` `<=` `>=` | none: `a < b < c` is an error |
/// | 8 | `+` `-` | left |
/// | 9 | `*` `/` `%` | left |
/// | 10 | postfix `?` | |
/// | 11 | `try`, `catch` | |
///
/// The prefix forms follow from where the grammar's rules end: `def f: …; body`, `… as $x | body`
/// and `label $x | body` take everything to their right; unary `-` takes operands up to `*`;
/// `try` and `catch` take a single operand, so `try 1 + 2` is `(try 1) + 2`, and
/// `try 1? catch 2` is a syntax error in 1.6. `reduce`, `foreach`, `if` and `try` are
/// expressions but not terms, so `if … end.a` and `reduce … (…)[0]` are errors in 1.6; a term's
/// own `?` (`.a?.b`) binds before the expression `?` (`(1)?.a` is an error). Object values are
/// terms joined by `|` only, and `if` requires `else`.
///
/// Beyond the grammar, the parser does what libjq's parser and linker do before a program runs:
/// folds constants (`1 / 0` and `{(1): 2}` fail to compile), and resolves every function,
/// variable and label through ``JQScope``.
struct JQParser {
    /// How deep expressions may nest. libjq itself manages thousands of levels; a recursive parser
    /// has to stop somewhere short of the thread's stack, and no workflow expression comes near.
    static let maximumDepth = 200
    /// The most binary operators (other than `|` and `,`) one expression may hold. libjq's compile
    /// time grows with the square of a chain of them (2,000 `+` take about a second), so a longer
    /// chain is refused at validation rather than stalling a run at its start.
    static let maximumOperators = 1_000
    /// The longest expression, in bytes of UTF-8.
    static let maximumLength = 64 << 10

    private enum Precedence {
        static let lowest = 0
        static let pipe = 1
        static let comma = 2
        static let alternative = 3
        static let assignment = 4
        static let or = 5
        static let and = 6
        static let comparison = 7
        static let additive = 8
        static let multiplicative = 9
        static let postfix = 10
        static let `try` = 11
    }

    private enum Associativity {
        case left, right, none
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var lexer: JQLexer
    /// The lookahead token.
    private var token: JQToken
    /// The token consumed last, for messages that say what came before the problem.
    private var previous: JQToken?
    private var depth = 0
    private var operators = 0
    private var scope: JQScope

    init(bytes: UnsafeBufferPointer<UInt8>, variables: Set<String>) {
        self.bytes = bytes
        lexer = JQLexer(bytes: bytes)
        token = JQToken(kind: .end, start: 0, end: 0)
        scope = JQScope(source: bytes, externalVariables: variables)
    }

    /// Reads the whole expression as a jq program and reports its first problem.
    ///
    /// A program is an expression, possibly after definitions, or definitions alone (or nothing at
    /// all, which is `.`), as jq's `TopLevel` rule says. Definitions alone compile to nothing, so
    /// libjq never looks up the names inside them.
    mutating func check() -> JQSyntaxFailure? {
        if bytes.count > Self.maximumLength {
            return .tooLong(bytes.count, limit: Self.maximumLength)
        }
        do {
            try parseProgram()
        } catch {
            return error
        }
        return scope.firstFailure()
    }

    private mutating func parseProgram() throws(JQSyntaxFailure) {
        token = lexer.next()
        if let failure = lexer.literalFailure {
            throw failure
        }
        if token.kind == .kwModule || token.kind == .kwImport || token.kind == .kwInclude {
            throw .modulesUnsupported(keyword(token), at: token)
        }
        var definitions: [JQScope.DefinitionMark] = []
        var onlyDefinitions = token.kind == .end
        while token.kind == .kwDef {
            definitions.append(try parseDefinition())
            if token.kind == .end {
                onlyDefinitions = true
            }
        }
        if !onlyDefinitions {
            _ = try parseExpression(Precedence.lowest)
            guard token.kind == .end else { throw unexpectedAfterExpression() }
        }
        for definition in definitions.reversed() {
            scope.endDefinitionScope(definition, dropped: onlyDefinitions)
        }
    }

    // MARK: - Expressions

    private mutating func parseExpression(_ minimum: Int) throws(JQSyntaxFailure) -> JQExpressionInfo {
        try enter()
        defer { depth -= 1 }
        var left = try parsePrefix()
        var lastPrecedence = -1
        var lastOperator = token
        while true {
            if token.kind == .question {
                guard Precedence.postfix > minimum else { break }
                try advance()
                left = .code
                lastPrecedence = Precedence.postfix
                continue
            }
            guard let (precedence, associativity) = Self.binaryOperator(token.kind), precedence > minimum else {
                break
            }
            if associativity == .none && precedence == lastPrecedence {
                throw .chained(spelling(token), after: spelling(lastOperator), at: token)
            }
            let operation = token
            if operation.kind != .pipe && operation.kind != .comma {
                operators += 1
                guard operators <= Self.maximumOperators else {
                    throw .tooManyOperators(Self.maximumOperators, at: operation)
                }
            }
            try advance()
            let right = try parseExpression(associativity == .right ? precedence - 1 : precedence)
            left = try combine(operation, left, right)
            lastPrecedence = precedence
            lastOperator = operation
        }
        return left
    }

    private static func binaryOperator(_ kind: JQToken.Kind) -> (Int, Associativity)? {
        switch kind {
        case .pipe: (Precedence.pipe, .right)
        case .comma: (Precedence.comma, .left)
        case .alternative: (Precedence.alternative, .right)
        case .assign, .updatePipe, .updatePlus, .updateMinus, .updateStar, .updateSlash, .updatePercent,
            .updateAlternative:
            (Precedence.assignment, .none)
        case .kwOr: (Precedence.or, .left)
        case .kwAnd: (Precedence.and, .left)
        case .equal, .notEqual, .less, .greater, .lessEqual, .greaterEqual: (Precedence.comparison, .none)
        case .plus, .minus: (Precedence.additive, .left)
        case .star, .slash, .percent: (Precedence.multiplicative, .left)
        default: nil
        }
    }

    /// Builds `left op right` as libjq does: folding constants, and calling the builtin that
    /// implements the operator otherwise (which a user `def` of the same name would replace).
    private mutating func combine(
        _ operation: JQToken,
        _ left: JQExpressionInfo,
        _ right: JQExpressionInfo
    ) throws(JQSyntaxFailure) -> JQExpressionInfo {
        switch operation.kind {
        case .pipe:
            return .piped(left, right)
        case .comma:
            return .comma(left, right)
        case .alternative, .kwAnd, .kwOr:
            return .code
        case .assign:
            scope.referenceImplicitFunction("_assign", arity: 2)
        case .updatePipe, .updateAlternative:
            scope.referenceImplicitFunction("_modify", arity: 2)
        case .updatePlus:
            scope.referenceImplicitFunction("_modify", arity: 2)
            scope.referenceImplicitFunction("_plus", arity: 2)
        case .updateMinus:
            scope.referenceImplicitFunction("_modify", arity: 2)
            scope.referenceImplicitFunction("_minus", arity: 2)
        case .updateStar:
            scope.referenceImplicitFunction("_modify", arity: 2)
            scope.referenceImplicitFunction("_multiply", arity: 2)
        case .updateSlash:
            scope.referenceImplicitFunction("_modify", arity: 2)
            scope.referenceImplicitFunction("_divide", arity: 2)
        case .updatePercent:
            scope.referenceImplicitFunction("_modify", arity: 2)
            scope.referenceImplicitFunction("_mod", arity: 2)
        case .percent:
            scope.referenceImplicitFunction("_mod", arity: 2)
        default:
            if let a = left.constant, let b = right.constant, let value = JQConstant.folded(operation.kind, a, b) {
                if case .number(let number) = value, operation.kind == .slash, number.isInfinite {
                    throw .divisionByZero(at: operation)
                }
                return .constant(value)
            }
            referenceOperatorFunction(operation.kind)
        }
        return .code
    }

    private mutating func referenceOperatorFunction(_ kind: JQToken.Kind) {
        switch kind {
        case .plus: scope.referenceImplicitFunction("_plus", arity: 2)
        case .minus: scope.referenceImplicitFunction("_minus", arity: 2)
        case .star: scope.referenceImplicitFunction("_multiply", arity: 2)
        case .slash: scope.referenceImplicitFunction("_divide", arity: 2)
        case .equal: scope.referenceImplicitFunction("_equal", arity: 2)
        case .notEqual: scope.referenceImplicitFunction("_notequal", arity: 2)
        case .less: scope.referenceImplicitFunction("_less", arity: 2)
        case .greater: scope.referenceImplicitFunction("_greater", arity: 2)
        case .lessEqual: scope.referenceImplicitFunction("_lesseq", arity: 2)
        case .greaterEqual: scope.referenceImplicitFunction("_greatereq", arity: 2)
        default: break
        }
    }

    /// An expression up to its binary operators: a prefix form or a term, possibly bound with `as`.
    private mutating func parsePrefix() throws(JQSyntaxFailure) -> JQExpressionInfo {
        switch token.kind {
        case .kwDef:
            let definition = try parseDefinition()
            let body = try parseExpression(Precedence.lowest)
            // An unused definition is dropped, leaving the body as it was (even a constant).
            return scope.endDefinitionScope(definition) ? .code : body
        case .kwReduce, .kwForeach:
            try parseReduction()
            return .code
        case .kwIf:
            try parseConditional()
            return .code
        case .kwTry:
            try advance()
            _ = try parseExpression(Precedence.try)
            if token.kind == .kwCatch {
                try advance()
                _ = try parseExpression(Precedence.try)
                // The handler is wrapped in `if type == "object" and .__jq then error else … end`.
                scope.referenceImplicitFunction("_equal", arity: 2)
                scope.referenceImplicitFunction("error", arity: 0)
            }
            return .code
        case .kwLabel:
            try parseLabel()
            return .code
        case .minus:
            try advance()
            _ = try parseExpression(Precedence.additive)
            scope.referenceImplicitFunction("_negate", arity: 0)
            return .code
        default:
            let term = try parseTerm()
            guard token.kind == .kwAs else { return term }
            try advance()
            let patterns = try parsePatterns()
            try expect(.pipe, "'|' after the patterns of 'as'")
            let count = scope.bindPatternVariables(patterns)
            _ = try parseExpression(Precedence.lowest)
            scope.unbindVariables(to: count)
            return .code
        }
    }

    /// `def name: body;` or `def name(params): body;`, leaving the definition in scope.
    private mutating func parseDefinition() throws(JQSyntaxFailure) -> JQScope.DefinitionMark {
        try advance()
        let name = try parseName(.function)
        let functionCount = scope.functionCount
        let variableCount = scope.variableCount
        var arity = 0
        if token.kind == .leftParen {
            let opener = token
            try advance()
            if token.kind == .rightParen { throw .emptyParameters(at: opener) }
            while true {
                if token.kind == .dollar {
                    try advance()
                    scope.bindParameter(try parseName(.parameter), isVariable: true)
                } else {
                    scope.bindParameter(try parseName(.parameter), isVariable: false)
                }
                arity += 1
                guard token.kind == .semicolon else { break }
                try advance()
            }
            try expectCloser(.rightParen, opener: opener)
        }
        guard token.kind == .colon else {
            throw failure(expected: "':' after 'def \(text(name))'")
        }
        try advance()
        let definition = scope.beginDefinition(
            name,
            arity: arity,
            functionCount: functionCount,
            variableCount: variableCount
        )
        _ = try parseExpression(Precedence.lowest)
        guard token.kind == .semicolon else {
            throw failure(expected: "';' to end the definition of '\(text(name))'")
        }
        try advance()
        scope.endDefinitionBody(definition)
        return definition
    }

    /// `reduce SOURCE as PATTERNS (INIT; UPDATE)` or `foreach … (INIT; UPDATE[; EXTRACT])`. The
    /// patterns' variables are bound in UPDATE and EXTRACT, not in INIT.
    private mutating func parseReduction() throws(JQSyntaxFailure) {
        let keyword = token
        let isForeach = keyword.kind == .kwForeach
        let name = isForeach ? "foreach" : "reduce"
        try advance()
        if !Self.startsTerm(token.kind) {
            throw failure(expected: "the input of '\(name)' (a term such as .[])")
        }
        _ = try parseTerm()
        guard token.kind == .kwAs else {
            throw failure(expected: "'as' after the input of '\(name)'")
        }
        try advance()
        let patterns = try parsePatterns()
        guard token.kind == .leftParen else {
            throw failure(expected: "'(' after the patterns of '\(name)'")
        }
        let opener = token
        try advance()
        _ = try parseExpression(Precedence.lowest)
        guard token.kind == .semicolon else {
            throw failure(expected: "';' after the initial value of '\(name)'")
        }
        try advance()
        let count = scope.bindPatternVariables(patterns)
        _ = try parseExpression(Precedence.lowest)
        if isForeach && token.kind == .semicolon {
            try advance()
            _ = try parseExpression(Precedence.lowest)
        }
        if token.kind == .semicolon {
            throw .tooManyClauses(name, at: token)
        }
        try expectCloser(.rightParen, opener: opener)
        scope.unbindVariables(to: count)
    }

    /// `if C then A (elif C then A)* else B end`; jq 1.6 requires the `else`.
    private mutating func parseConditional() throws(JQSyntaxFailure) {
        let opener = token
        try advance()
        while true {
            _ = try parseExpression(Precedence.lowest)
            guard token.kind == .kwThen else {
                throw failure(expected: "'then' after the condition of 'if'")
            }
            try advance()
            _ = try parseExpression(Precedence.lowest)
            switch token.kind {
            case .kwElif:
                try advance()
                continue
            case .kwElse:
                try advance()
                _ = try parseExpression(Precedence.lowest)
                guard token.kind == .kwEnd else {
                    throw .unclosedConditional(found: describe(token), opener: position(of: opener), at: token)
                }
                try advance()
                return
            case .kwEnd:
                throw .missingElse(at: token)
            default:
                throw .unfinishedConditional(found: describe(token), opener: position(of: opener), at: token)
            }
        }
    }

    /// `label $name | body`.
    private mutating func parseLabel() throws(JQSyntaxFailure) {
        try advance()
        guard token.kind == .dollar else { throw .labelNeedsName(found: describe(token), at: token) }
        try advance()
        let name = try parseName(.label)
        try expect(.pipe, "'|' after 'label $\(text(name))'")
        let count = scope.variableCount
        scope.bindLabel(name)
        _ = try parseExpression(Precedence.lowest)
        scope.unbindVariables(to: count)
        // `label` is compiled as `try body catch if . == $label then empty else error end`.
        scope.referenceImplicitFunction("_equal", arity: 2)
        scope.referenceImplicitFunction("error", arity: 0)
    }

    // MARK: - Terms

    private static func startsTerm(_ kind: JQToken.Kind) -> Bool {
        switch kind {
        case .dot, .recurse, .kwBreak, .field, .number, .stringStart, .format, .leftParen, .leftBracket, .leftBrace,
            .dollar, .identifier:
            true
        default:
            false
        }
    }

    /// A term and its suffixes: `.a`, `."a"`, `[…]`, `[]`, slices, each optionally followed by `?`.
    private mutating func parseTerm() throws(JQSyntaxFailure) -> JQExpressionInfo {
        var info: JQExpressionInfo
        let first = token
        switch token.kind {
        case .dot:
            try advance()
            switch token.kind {
            case .stringStart, .format:
                try parseIndexString()
                try skipOptionalQuestion()
                info = .code
            case .identifier:
                throw .spaceAfterDot(text(token), at: token)
            default:
                info = .empty
            }
        case .recurse:
            try advance()
            scope.referenceImplicitFunction("recurse", arity: 0)
            info = .code
        case .kwBreak:
            try advance()
            guard token.kind == .dollar else { throw .breakNeedsLabel(found: describe(token), at: token) }
            try advance()
            let name = try parseName(.label)
            scope.referenceLabel(name, start: first.start)
            scope.referenceImplicitFunction("error", arity: 0)
            info = .code
        case .field:
            try advance()
            try skipOptionalQuestion()
            info = .code
        case .number:
            let value = lexer.numberValue(token)
            try advance()
            info = .constant(.number(value))
        case .stringStart:
            info = try parseString()
        case .format:
            try advance()
            if token.kind == .stringStart {
                info = try parseString()
            } else {
                scope.referenceImplicitFunction("format", arity: 1)
                info = .code
            }
        case .leftParen:
            try advance()
            info = try parseExpression(Precedence.lowest)
            try expectCloser(.rightParen, opener: first)
        case .leftBracket:
            try advance()
            if token.kind == .rightBracket {
                try advance()
                info = .constant(.array)
            } else {
                let elements = try parseExpression(Precedence.lowest)
                try expectCloser(.rightBracket, opener: first)
                info = elements.foldsIntoArray ? .constant(.array) : .code
            }
        case .leftBrace:
            info = try parseObject()
        case .dollar:
            try advance()
            if token.kind == .kwLoc {
                try advance()
                info = .constant(.object)
            } else {
                let name = try parseName(.variable)
                scope.referenceVariable(name, dollar: first.start)
                info = .code
            }
        case .identifier:
            let name = JQScope.Name(start: token.start, end: token.end)
            try advance()
            if token.kind == .leftParen {
                let arity = try parseArguments(name)
                scope.referenceFunction(name, arity: arity)
                info = .code
            } else if let constant = constantName(name) {
                info = .constant(constant)
            } else {
                scope.referenceFunction(name, arity: 0)
                info = .code
            }
        default:
            throw unexpected()
        }
        while true {
            switch token.kind {
            case .field:
                try advance()
            case .dot:
                let dot = token
                try advance()
                guard token.kind == .stringStart || token.kind == .format else {
                    throw token.kind == .leftBracket
                        ? .dotBeforeBracket(at: dot) : .expectedStringAfterDot(found: describe(token), at: token)
                }
                try parseIndexString()
            case .leftBracket:
                try parseIndexSuffix()
            default:
                return info
            }
            try skipOptionalQuestion()
            info = .code
        }
    }

    /// The `?` a field, index or slice may carry as part of the term (`.a?.b`).
    private mutating func skipOptionalQuestion() throws(JQSyntaxFailure) {
        if token.kind == .question {
            try advance()
        }
    }

    /// `[]`, `[E]`, `[E:E]`, `[E:]` or `[:E]` after a term.
    private mutating func parseIndexSuffix() throws(JQSyntaxFailure) {
        let opener = token
        try advance()
        switch token.kind {
        case .rightBracket:
            try advance()
            return
        case .colon:
            try advance()
            _ = try parseExpression(Precedence.lowest)
        default:
            _ = try parseExpression(Precedence.lowest)
            if token.kind == .colon {
                try advance()
                if token.kind != .rightBracket {
                    _ = try parseExpression(Precedence.lowest)
                }
            }
        }
        try expectCloser(.rightBracket, opener: opener)
    }

    /// The string after `.` in `."key"` or `.@base64 "key"`.
    private mutating func parseIndexString() throws(JQSyntaxFailure) {
        if token.kind == .format {
            let format = token
            try advance()
            guard token.kind == .stringStart else {
                throw .expectedStringAfterFormat(text(format), found: describe(token), at: token)
            }
        }
        _ = try parseString()
    }

    /// A string from its opening quote: text, escapes and `\(…)` interpolations.
    private mutating func parseString() throws(JQSyntaxFailure) -> JQExpressionInfo {
        let opener = token
        try advance()
        var interpolated = false
        while true {
            switch token.kind {
            case .stringText:
                try advance()
            case .interpolationStart:
                let interpolation = token
                try advance()
                _ = try parseExpression(Precedence.lowest)
                guard token.kind == .interpolationEnd else {
                    if token.kind == .end {
                        throw .unclosed("')'", opener: "'\\('", at: position(of: interpolation), token)
                    }
                    throw unexpected()
                }
                try advance()
                // Each interpolation is `format(…)` of its value, joined with `+`.
                scope.referenceImplicitFunction("format", arity: 1)
                interpolated = true
            case .stringEnd:
                try advance()
                if interpolated {
                    scope.referenceImplicitFunction("_plus", arity: 2)
                    return .code
                }
                return .constant(.string)
            default:
                throw .unterminatedString(start: opener.start, end: opener.end)
            }
        }
    }

    /// `(A; B; …)` after a function name.
    /// - Returns: the number of arguments.
    private mutating func parseArguments(_ name: JQScope.Name) throws(JQSyntaxFailure) -> Int {
        let opener = token
        try advance()
        if token.kind == .rightParen {
            throw .emptyArguments(text(name), at: opener)
        }
        var arity = 0
        while true {
            _ = try parseExpression(Precedence.lowest)
            arity += 1
            guard token.kind == .semicolon else { break }
            try advance()
        }
        try expectCloser(.rightParen, opener: opener)
        return arity
    }

    private func constantName(_ name: JQScope.Name) -> JQConstant? {
        switch name.end - name.start {
        case 4 where matches("null", name.start): .null
        case 4 where matches("true", name.start): .true
        case 5 where matches("false", name.start): .false
        default: nil
        }
    }

    // MARK: - Objects

    /// `{…}`: keys are names, keywords, strings, `$name` or `(expression)`; values are terms joined
    /// by `|` (jq's `ExpD`). A trailing comma is allowed.
    private mutating func parseObject() throws(JQSyntaxFailure) -> JQExpressionInfo {
        let opener = token
        try advance()
        var constant = true
        while token.kind != .rightBrace {
            var keyIsConstantString = true
            var hasValue = true
            switch token.kind {
            case .identifier:
                try advance()
                hasValue = token.kind == .colon
            case .dollar:
                let dollar = token
                try advance()
                if token.kind == .kwLoc { throw .locInObject(at: token) }
                let name = try parseName(.variable)
                scope.referenceVariable(name, dollar: dollar.start)
                hasValue = false
                if token.kind == .colon { throw .variableKeyWithValue(text(name), at: token) }
            case .stringStart, .format:
                if token.kind == .format {
                    let format = token
                    try advance()
                    guard token.kind == .stringStart else {
                        throw .expectedStringAfterFormat(text(format), found: describe(token), at: token)
                    }
                }
                keyIsConstantString = try parseString().constant != nil
                hasValue = token.kind == .colon
            case .leftParen:
                let keyOpener = token
                try advance()
                let key = try parseExpression(Precedence.lowest)
                try expectCloser(.rightParen, opener: keyOpener)
                if let value = key.constant, !value.isString {
                    throw .constantObjectKey(value.kindName, start: keyOpener.start, end: previous?.end ?? token.start)
                }
                keyIsConstantString = key.constant != nil
                guard token.kind == .colon else {
                    throw failure(expected: "':' after the computed key of an object")
                }
            default:
                if token.kind.isKeyword {
                    let keyword = token
                    try advance()
                    guard token.kind == .colon else { throw .keywordKeyNeedsValue(self.keyword(keyword), at: token) }
                } else if token.kind == .end {
                    throw .unclosed("'}'", opener: "'{'", at: position(of: opener), token)
                } else if token.kind == .invalid {
                    throw invalidCharacter()
                } else {
                    throw .invalidObjectKey(found: describe(token), at: token)
                }
            }
            if hasValue {
                try advance()
                let value = try parseObjectValue()
                constant = constant && keyIsConstantString && value.constant != nil
            } else {
                // `{a}`, `{$a}` and `{"a"}` read their value at run time.
                constant = false
            }
            if token.kind == .comma {
                try advance()
                continue
            }
            guard token.kind == .rightBrace else {
                if token.kind == .end {
                    throw .unclosed("'}'", opener: "'{'", at: position(of: opener), token)
                }
                if Self.binaryOperator(token.kind) != nil || token.kind == .question || token.kind == .kwAs {
                    throw .operatorInObjectValue(spelling(token), at: token)
                }
                throw unexpected()
            }
        }
        try advance()
        return constant ? .constant(.object) : .code
    }

    /// An object value: terms joined by `|`, each possibly negated.
    private mutating func parseObjectValue() throws(JQSyntaxFailure) -> JQExpressionInfo {
        var value = try parseObjectValueTerm()
        while token.kind == .pipe {
            try advance()
            value = .piped(value, try parseObjectValueTerm())
        }
        return value
    }

    private mutating func parseObjectValueTerm() throws(JQSyntaxFailure) -> JQExpressionInfo {
        try enter()
        defer { depth -= 1 }
        switch token.kind {
        case .minus:
            try advance()
            _ = try parseObjectValueTerm()
            scope.referenceImplicitFunction("_negate", arity: 0)
            return .code
        case .kwIf, .kwTry, .kwReduce, .kwForeach, .kwDef, .kwLabel:
            throw .expressionInObjectValue(keyword(token), at: token)
        default:
            return try parseTerm()
        }
    }

    // MARK: - Patterns

    /// One or more patterns joined by `?//`, after `as`.
    private mutating func parsePatterns() throws(JQSyntaxFailure) -> JQScope.PatternMark {
        let mark = scope.beginPatterns()
        try parsePattern()
        var alternatives = false
        while token.kind == .destructuringAlternative {
            try advance()
            try parsePattern()
            alternatives = true
        }
        scope.endPatterns(mark, alternatives: alternatives)
        return mark
    }

    /// `$name`, `[P, …]` or `{key: P, $name, $name: P, …}`.
    private mutating func parsePattern() throws(JQSyntaxFailure) {
        try enter()
        defer { depth -= 1 }
        switch token.kind {
        case .dollar:
            try advance()
            scope.addPatternVariable(try parseName(.variable))
        case .leftBracket:
            let opener = token
            try advance()
            while true {
                try parsePattern()
                guard token.kind == .comma else { break }
                try advance()
            }
            try expectCloser(.rightBracket, opener: opener)
        case .leftBrace:
            let opener = token
            try advance()
            while true {
                try parseObjectPatternEntry()
                guard token.kind == .comma else { break }
                try advance()
            }
            try expectCloser(.rightBrace, opener: opener)
        default:
            throw .expectedPattern(found: describe(token), at: token)
        }
    }

    private mutating func parseObjectPatternEntry() throws(JQSyntaxFailure) {
        switch token.kind {
        case .dollar:
            try advance()
            scope.addPatternVariable(try parseName(.variable))
            guard token.kind == .colon else { return }
        case .identifier:
            let key = token
            try advance()
            guard token.kind == .colon else { throw .objectPatternNeedsValue(text(key), at: token) }
        case .stringStart, .format:
            try parseIndexString()
            guard token.kind == .colon else { throw .objectPatternNeedsValue(nil, at: token) }
        case .leftParen:
            let opener = token
            try advance()
            let key = try parseExpression(Precedence.lowest)
            try expectCloser(.rightParen, opener: opener)
            if let value = key.constant, !value.isString {
                throw .constantObjectKey(value.kindName, start: opener.start, end: previous?.end ?? token.start)
            }
            guard token.kind == .colon else { throw .objectPatternNeedsValue(nil, at: token) }
        default:
            guard token.kind.isKeyword else { throw .invalidPatternKey(found: describe(token), at: token) }
            let key = token
            try advance()
            guard token.kind == .colon else { throw .objectPatternNeedsValue(keyword(key), at: token) }
        }
        try advance()
        try parsePattern()
    }

    // MARK: - Names

    private enum NameRole {
        case function, parameter, variable, label

        var noun: String {
            switch self {
            case .function: "function"
            case .parameter: "parameter"
            case .variable: "variable"
            case .label: "label"
            }
        }
    }

    /// The name a function, parameter, variable or label is given or referred to by.
    private mutating func parseName(_ role: NameRole) throws(JQSyntaxFailure) -> JQScope.Name {
        guard token.kind == .identifier else {
            if token.kind == .invalid {
                throw invalidCharacter()
            }
            if token.kind.isKeyword {
                throw .keywordAsName(keyword(token), role: role.noun, at: token)
            }
            throw .expectedName(role.noun, found: describe(token), at: token)
        }
        let name = JQScope.Name(start: token.start, end: token.end)
        try advance()
        return name
    }

    // MARK: - Tokens

    /// Moves to the next token; a literal libjq's lexer rejects fails here, where libjq reports it.
    @inline(__always)
    private mutating func advance() throws(JQSyntaxFailure) {
        previous = token
        token = lexer.next()
        if let failure = lexer.literalFailure {
            throw failure
        }
    }

    private mutating func enter() throws(JQSyntaxFailure) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw .tooDeep(Self.maximumDepth, at: token) }
    }

    private mutating func expect(_ kind: JQToken.Kind, _ expectation: String) throws(JQSyntaxFailure) {
        guard token.kind == kind else { throw failure(expected: expectation) }
        try advance()
    }

    /// The closing bracket of `opener`; at the end of the text, or at a closer that does not
    /// match, the message names the bracket left open.
    private mutating func expectCloser(_ kind: JQToken.Kind, opener: JQToken) throws(JQSyntaxFailure) {
        if token.kind == kind {
            try advance()
            return
        }
        if token.kind == .end || (token.kind == .invalid && isCloserByte(token)) {
            throw .unclosed(kind.spelling, opener: spelling(opener), at: position(of: opener), token)
        }
        throw unexpected()
    }

    /// The failure for the lookahead token where it cannot go.
    private func unexpected() -> JQSyntaxFailure {
        switch token.kind {
        case .invalid:
            return invalidCharacter()
        case .end:
            return .unexpectedEnd(after: previous.map(describe), at: token)
        case .destructuringAlternative:
            return .destructuringAlternativeOutsidePattern(at: token)
        case .kwModule, .kwImport, .kwInclude:
            return .modulesUnsupported(keyword(token), at: token)
        default:
            return .unexpected(describe(token), after: previous.map(describe), at: token)
        }
    }

    /// The failure for a token left over after a complete expression.
    private func unexpectedAfterExpression() -> JQSyntaxFailure {
        let indexes = token.kind == .field || token.kind == .leftBracket || token.kind == .dot
        let closesExpression = [.kwEnd, .rightParen, .question].contains(previous?.kind)
        if indexes, closesExpression, let previous {
            return .indexAfterExpression(describe(token), after: describe(previous), at: token)
        }
        return unexpected()
    }

    /// A failure that names what was expected instead of the lookahead token.
    private func failure(expected: String) -> JQSyntaxFailure {
        switch token.kind {
        case .invalid: invalidCharacter()
        case .destructuringAlternative: .destructuringAlternativeOutsidePattern(at: token)
        default: .expected(expected, found: describe(token), at: token)
        }
    }

    private func invalidCharacter() -> JQSyntaxFailure {
        let byte = bytes[token.start]
        if isCloserByte(token) {
            return .unmatchedCloser(text(token), at: token)
        }
        var end = token.start + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 {
            end += 1
        }
        let character = String(decoding: UnsafeBufferPointer(rebasing: bytes[token.start..<end]), as: UTF8.self)
        return .invalidCharacter(character, isCarriageReturn: byte == UInt8(ascii: "\r"), start: token.start, end: end)
    }

    private func isCloserByte(_ token: JQToken) -> Bool {
        let byte = bytes[token.start]
        return byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")
    }

    /// How a message quotes a token: its text for names, numbers and punctuation, a phrase for
    /// the rest.
    private func describe(_ token: JQToken) -> String {
        switch token.kind {
        case .end, .stringStart, .stringText:
            return token.kind.spelling
        case .stringEnd:
            return "a string"
        case .invalid:
            return "an invalid character"
        default:
            let limit = 24
            if token.end - token.start > limit {
                return "'" + text(token.start, token.start + limit) + "…'"
            }
            return "'" + text(token) + "'"
        }
    }

    private func spelling(_ token: JQToken) -> String {
        "'" + text(token) + "'"
    }

    private func keyword(_ token: JQToken) -> String {
        text(token)
    }

    private func text(_ token: JQToken) -> String {
        text(token.start, token.end)
    }

    private func text(_ name: JQScope.Name) -> String {
        text(name.start, name.end)
    }

    private func text(_ start: Int, _ end: Int) -> String {
        // A token may end inside a multi-byte character (flex's one-byte catch-all); decoding
        // replaces the broken tail rather than failing.
        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    private func matches(_ word: StaticString, _ start: Int) -> Bool {
        let pointer = word.utf8Start
        for index in 0..<word.utf8CodeUnitCount where bytes[start + index] != pointer[index] {
            return false
        }
        return true
    }

    /// Line and column of a token, for messages that point back at an opening bracket.
    private func position(of token: JQToken) -> SourcePosition {
        SourcePosition(offset: token.start, in: bytes)
    }
}
