import SwirlCore

/// Which jq's grammar the parser reads.
enum JQDialect: Sendable {
    /// jq 1.6, what libjq 1.6 accepts: validation checks expressions against it while libjq runs
    /// them.
    case jq16
    /// jq 1.7.1: `if` without `else`, `.a.[0]`, `{$__loc__}`, and constant divisions by zero left
    /// to run time.
    case jq171
}

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
    /// Which jq's grammar to accept.
    private let dialect: JQDialect

    /// - Parameter checksBuiltins: whether a call no `def` answers must name a builtin of the
    ///   dialect (jq 1.6's, or those of Swirl's engine); `false` leaves it to the engine's
    ///   compiler, for the engine's own prelude.
    init(bytes: UnsafeBufferPointer<UInt8>, variables: Set<String>, dialect: JQDialect, checksBuiltins: Bool = true) {
        self.bytes = bytes
        self.dialect = dialect
        lexer = JQLexer(bytes: bytes, dialect: dialect)
        token = JQToken(kind: .end, start: 0, end: 0)
        let builtins: JQBuiltinTable? =
            switch (checksBuiltins, dialect) {
            case (false, _): nil
            case (true, .jq16): JQBuiltins.jq16
            case (true, .jq171): JQBuiltins.engine
            }
        scope = JQScope(source: bytes, externalVariables: variables, builtins: builtins)
    }

    /// Reads the whole expression as a jq program and reports its first problem.
    ///
    /// A program is an expression, possibly after definitions, or definitions alone (or nothing at
    /// all, which is `.`), as jq's `TopLevel` rule says. Definitions alone compile to nothing, so
    /// libjq never looks up the names inside them.
    mutating func check() -> JQSyntaxFailure? {
        switch parse() {
        case .success: nil
        case .failure(let failure): failure
        }
    }

    /// Reads the whole expression as a jq program and gives its tree, or its first problem.
    mutating func parse() -> Result<JQNode, JQSyntaxFailure> {
        if bytes.count > Self.maximumLength {
            return .failure(.tooLong(bytes.count, limit: Self.maximumLength))
        }
        let tree: JQNode
        do {
            tree = try parseProgram()
        } catch {
            return .failure(error)
        }
        if let failure = scope.firstFailure() {
            return .failure(failure)
        }
        return .success(tree)
    }

    private mutating func parseProgram() throws(JQSyntaxFailure) -> JQNode {
        token = lexer.next()
        if let failure = lexer.literalFailure {
            throw failure
        }
        if token.kind == .kwModule || token.kind == .kwImport || token.kind == .kwInclude {
            throw .modulesUnsupported(keyword(token), at: token)
        }
        var definitions: [(mark: JQScope.DefinitionMark, tree: JQDefinition)] = []
        var onlyDefinitions = token.kind == .end
        while token.kind == .kwDef {
            definitions.append(try parseDefinition())
            if token.kind == .end {
                onlyDefinitions = true
            }
        }
        var tree = JQNode.identity
        if !onlyDefinitions {
            tree = try parseExpression(Precedence.lowest).node
            guard token.kind == .end else { throw unexpectedAfterExpression() }
        }
        for definition in definitions.reversed() {
            scope.endDefinitionScope(definition.mark, dropped: onlyDefinitions)
            tree = .definition(definition.tree, rest: tree)
        }
        return tree
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
                left = .code(.optional(left.node))
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
        let node: JQNode
        switch operation.kind {
        case .pipe:
            return .piped(left, right)
        case .comma:
            return .comma(left, right)
        case .alternative:
            return .code(.alternative(left.node, right.node))
        case .kwAnd:
            return .code(.and(left.node, right.node))
        case .kwOr:
            return .code(.or(left.node, right.node))
        case .assign:
            scope.referenceImplicitFunction("_assign", arity: 2)
            node = .assign(.set, path: left.node, value: right.node)
        case .updatePipe:
            scope.referenceImplicitFunction("_modify", arity: 2)
            node = .assign(.update, path: left.node, value: right.node)
        case .updateAlternative:
            scope.referenceImplicitFunction("_modify", arity: 2)
            node = .assign(.alternative, path: left.node, value: right.node)
        case .updatePlus, .updateMinus, .updateStar, .updateSlash, .updatePercent:
            scope.referenceImplicitFunction("_modify", arity: 2)
            let arithmetic = Self.arithmeticOperator(operation.kind)
            referenceOperatorFunction(arithmetic)
            node = .assign(.arithmetic(arithmetic), path: left.node, value: right.node)
        default:
            let binary = Self.binaryNodeOperator(operation.kind)
            node = .binary(binary, left.node, right.node)
            if binary != .modulo, let a = left.constant, let b = right.constant,
                let value = JQConstant.folded(operation.kind, a, b)
            {
                if case .number(let number) = value, operation.kind == .slash, number.isInfinite,
                    dialect == .jq16
                {
                    throw .divisionByZero(at: operation)
                }
                return .constant(value, node)
            }
            referenceOperatorFunction(binary)
        }
        return .code(node)
    }

    /// The operator an update such as `+=` combines values with.
    private static func arithmeticOperator(_ kind: JQToken.Kind) -> JQBinaryOperator {
        switch kind {
        case .updatePlus: .add
        case .updateMinus: .subtract
        case .updateStar: .multiply
        case .updateSlash: .divide
        default: .modulo
        }
    }

    /// The operator a binary operator token stands for.
    private static func binaryNodeOperator(_ kind: JQToken.Kind) -> JQBinaryOperator {
        switch kind {
        case .plus: .add
        case .minus: .subtract
        case .star: .multiply
        case .slash: .divide
        case .percent: .modulo
        case .equal: .equal
        case .notEqual: .notEqual
        case .less: .less
        case .greater: .greater
        case .lessEqual: .lessOrEqual
        default: .greaterOrEqual
        }
    }

    private mutating func referenceOperatorFunction(_ operation: JQBinaryOperator) {
        switch operation {
        case .add: scope.referenceImplicitFunction("_plus", arity: 2)
        case .subtract: scope.referenceImplicitFunction("_minus", arity: 2)
        case .multiply: scope.referenceImplicitFunction("_multiply", arity: 2)
        case .divide: scope.referenceImplicitFunction("_divide", arity: 2)
        case .modulo: scope.referenceImplicitFunction("_mod", arity: 2)
        case .equal: scope.referenceImplicitFunction("_equal", arity: 2)
        case .notEqual: scope.referenceImplicitFunction("_notequal", arity: 2)
        case .less: scope.referenceImplicitFunction("_less", arity: 2)
        case .greater: scope.referenceImplicitFunction("_greater", arity: 2)
        case .lessOrEqual: scope.referenceImplicitFunction("_lesseq", arity: 2)
        case .greaterOrEqual: scope.referenceImplicitFunction("_greatereq", arity: 2)
        }
    }

    /// An expression up to its binary operators: a prefix form or a term, possibly bound with `as`.
    private mutating func parsePrefix() throws(JQSyntaxFailure) -> JQExpressionInfo {
        switch token.kind {
        case .kwDef:
            let definition = try parseDefinition()
            let body = try parseExpression(Precedence.lowest)
            let node = JQNode.definition(definition.tree, rest: body.node)
            // An unused definition is dropped, leaving the body as it was (even a constant).
            if scope.endDefinitionScope(definition.mark) { return .code(node) }
            var info = body
            info.node = node
            return info
        case .kwReduce, .kwForeach:
            return .code(try parseReduction())
        case .kwIf:
            return .code(try parseConditional())
        case .kwTry:
            try advance()
            let body = try parseExpression(Precedence.try).node
            var handler: JQNode?
            if token.kind == .kwCatch {
                try advance()
                handler = try parseExpression(Precedence.try).node
                // The handler is wrapped in `if type == "object" and .__jq then error else … end`.
                scope.referenceImplicitFunction("_equal", arity: 2)
                scope.referenceImplicitFunction("error", arity: 0)
            }
            return .code(.try(body, catch: handler))
        case .kwLabel:
            return .code(try parseLabel())
        case .minus:
            try advance()
            let operand = try parseExpression(Precedence.additive).node
            scope.referenceImplicitFunction("_negate", arity: 0)
            return .code(.negate(operand))
        default:
            let term = try parseTerm()
            guard token.kind == .kwAs else { return term }
            try advance()
            let (patterns, trees) = try parsePatterns()
            try expect(.pipe, "'|' after the patterns of 'as'")
            let count = scope.bindPatternVariables(patterns)
            let body = try parseExpression(Precedence.lowest).node
            scope.unbindVariables(to: count)
            return .code(.bind(source: term.node, patterns: trees, body: body))
        }
    }

    /// `def name: body;` or `def name(params): body;`, leaving the definition in scope.
    private mutating func parseDefinition() throws(JQSyntaxFailure) -> (
        mark: JQScope.DefinitionMark, tree: JQDefinition
    ) {
        try advance()
        let name = try parseName(.function)
        let functionCount = scope.functionCount
        let variableCount = scope.variableCount
        var arity = 0
        var parameters: [JQDefinition.Parameter] = []
        if token.kind == .leftParen {
            let opener = token
            try advance()
            if token.kind == .rightParen { throw .emptyParameters(at: opener) }
            while true {
                if token.kind == .dollar {
                    try advance()
                    let parameter = try parseName(.parameter)
                    scope.bindParameter(parameter, isVariable: true)
                    parameters.append(JQDefinition.Parameter(name: text(parameter), isValue: true))
                } else {
                    let parameter = try parseName(.parameter)
                    scope.bindParameter(parameter, isVariable: false)
                    parameters.append(JQDefinition.Parameter(name: text(parameter), isValue: false))
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
        let body = try parseExpression(Precedence.lowest).node
        guard token.kind == .semicolon else {
            throw failure(expected: "';' to end the definition of '\(text(name))'")
        }
        try advance()
        scope.endDefinitionBody(definition)
        return (definition, JQDefinition(name: text(name), parameters: parameters, body: body))
    }

    /// `reduce SOURCE as PATTERNS (INIT; UPDATE)` or `foreach … (INIT; UPDATE[; EXTRACT])`. The
    /// patterns' variables are bound in UPDATE and EXTRACT, not in INIT.
    private mutating func parseReduction() throws(JQSyntaxFailure) -> JQNode {
        let keyword = token
        let isForeach = keyword.kind == .kwForeach
        let name = isForeach ? "foreach" : "reduce"
        try advance()
        if !Self.startsTerm(token.kind) {
            throw failure(expected: "the input of '\(name)' (a term such as .[])")
        }
        let source = try parseTerm().node
        guard token.kind == .kwAs else {
            throw failure(expected: "'as' after the input of '\(name)'")
        }
        try advance()
        let (patterns, trees) = try parsePatterns()
        guard token.kind == .leftParen else {
            throw failure(expected: "'(' after the patterns of '\(name)'")
        }
        let opener = token
        try advance()
        let initial = try parseExpression(Precedence.lowest).node
        guard token.kind == .semicolon else {
            throw failure(expected: "';' after the initial value of '\(name)'")
        }
        try advance()
        let count = scope.bindPatternVariables(patterns)
        let update = try parseExpression(Precedence.lowest).node
        var extract: JQNode?
        if isForeach && token.kind == .semicolon {
            try advance()
            extract = try parseExpression(Precedence.lowest).node
        }
        if token.kind == .semicolon {
            throw .tooManyClauses(name, at: token)
        }
        try expectCloser(.rightParen, opener: opener)
        scope.unbindVariables(to: count)
        if isForeach {
            return .foreach(source: source, patterns: trees, initial: initial, update: update, extract: extract)
        }
        return .reduce(source: source, patterns: trees, initial: initial, update: update)
    }

    /// `if C then A (elif C then A)* else B end`; jq 1.6 requires the `else`.
    private mutating func parseConditional() throws(JQSyntaxFailure) -> JQNode {
        let opener = token
        try advance()
        var branches: [(condition: JQNode, then: JQNode)] = []
        var otherwise: JQNode?
        branches: while true {
            let condition = try parseExpression(Precedence.lowest).node
            guard token.kind == .kwThen else {
                throw failure(expected: "'then' after the condition of 'if'")
            }
            try advance()
            branches.append((condition, try parseExpression(Precedence.lowest).node))
            switch token.kind {
            case .kwElif:
                try advance()
                continue
            case .kwElse:
                try advance()
                otherwise = try parseExpression(Precedence.lowest).node
                guard token.kind == .kwEnd else {
                    throw .unclosedConditional(found: describe(token), opener: position(of: opener), at: token)
                }
                try advance()
                break branches
            case .kwEnd where dialect == .jq171:
                // jq 1.7 lets `else` go: the input passes through unchanged.
                try advance()
                break branches
            case .kwEnd:
                throw .missingElse(at: token)
            default:
                throw .unfinishedConditional(found: describe(token), opener: position(of: opener), at: token)
            }
        }
        var node = otherwise
        for branch in branches.reversed() {
            node = .conditional(branch.condition, then: branch.then, else: node)
        }
        return node!
    }

    /// `label $name | body`.
    private mutating func parseLabel() throws(JQSyntaxFailure) -> JQNode {
        try advance()
        guard token.kind == .dollar else { throw .labelNeedsName(found: describe(token), at: token) }
        try advance()
        let name = try parseName(.label)
        try expect(.pipe, "'|' after 'label $\(text(name))'")
        let count = scope.variableCount
        scope.bindLabel(name)
        let body = try parseExpression(Precedence.lowest).node
        scope.unbindVariables(to: count)
        // `label` is compiled as `try body catch if . == $label then empty else error end`.
        scope.referenceImplicitFunction("_equal", arity: 2)
        scope.referenceImplicitFunction("error", arity: 0)
        return .label(text(name), body: body)
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
                let key = try parseIndexString()
                let optional = try skipOptionalQuestion()
                info = .code(.index(.identity, key: key, optional: optional))
            case .identifier:
                throw .spaceAfterDot(text(token), at: token)
            default:
                info = .empty
            }
        case .recurse:
            try advance()
            scope.referenceImplicitFunction("recurse", arity: 0)
            info = .code(.call("recurse", arguments: [], offset: first.start))
        case .kwBreak:
            try advance()
            guard token.kind == .dollar else { throw .breakNeedsLabel(found: describe(token), at: token) }
            try advance()
            let name = try parseName(.label)
            scope.referenceLabel(name, start: first.start)
            scope.referenceImplicitFunction("error", arity: 0)
            info = .code(.break(text(name), offset: first.start))
        case .field:
            let key = fieldName(token)
            try advance()
            let optional = try skipOptionalQuestion()
            info = .code(.index(.identity, key: .literal(.string(key)), optional: optional))
        case .number:
            let value = lexer.numberValue(token)
            try advance()
            info = .constant(.number(value), .literal(.number(value)))
        case .stringStart:
            info = try parseString(format: nil)
        case .format:
            let format = formatName(token)
            try advance()
            if token.kind == .stringStart {
                info = try parseString(format: format)
            } else {
                scope.referenceImplicitFunction("format", arity: 1)
                info = .code(.format(format))
            }
        case .leftParen:
            try advance()
            info = try parseExpression(Precedence.lowest)
            try expectCloser(.rightParen, opener: first)
        case .leftBracket:
            try advance()
            if token.kind == .rightBracket {
                try advance()
                info = .constant(.array, .array(nil))
            } else {
                let elements = try parseExpression(Precedence.lowest)
                try expectCloser(.rightBracket, opener: first)
                let node = JQNode.array(elements.node)
                info = elements.foldsIntoArray ? .constant(.array, node) : .code(node)
            }
        case .leftBrace:
            info = try parseObject()
        case .dollar:
            try advance()
            if token.kind == .kwLoc {
                try advance()
                info = .constant(.object, .location(line: line(of: first.start)))
            } else {
                let name = try parseName(.variable)
                scope.referenceVariable(name, dollar: first.start)
                info = .code(.variable(text(name), offset: first.start))
            }
        case .identifier:
            let name = JQScope.Name(start: token.start, end: token.end)
            try advance()
            if token.kind == .leftParen {
                let arguments = try parseArguments(name)
                scope.referenceFunction(name, arity: arguments.count)
                info = .code(.call(text(name), arguments: arguments, offset: first.start))
            } else if let constant = constantName(name) {
                info = .constant(constant, .literal(constant.literalValue))
            } else {
                scope.referenceFunction(name, arity: 0)
                info = .code(.call(text(name), arguments: [], offset: first.start))
            }
        default:
            throw unexpected()
        }
        while true {
            let suffix: IndexSuffix
            switch token.kind {
            case .field:
                suffix = .index(.literal(.string(fieldName(token))))
                try advance()
            case .dot:
                let dot = token
                try advance()
                if token.kind == .leftBracket && dialect == .jq171 {
                    // jq 1.7 reads `.a.[0]` as `.a[0]`.
                    suffix = try parseIndexSuffix()
                } else {
                    guard token.kind == .stringStart || token.kind == .format else {
                        throw token.kind == .leftBracket
                            ? .dotBeforeBracket(at: dot) : .expectedStringAfterDot(found: describe(token), at: token)
                    }
                    suffix = .index(try parseIndexString())
                }
            case .leftBracket:
                suffix = try parseIndexSuffix()
            default:
                return info
            }
            let optional = try skipOptionalQuestion()
            switch suffix {
            case .iterate: info = .code(.iterate(info.node, optional: optional))
            case .index(let key): info = .code(.index(info.node, key: key, optional: optional))
            case .slice(let from, let to): info = .code(.slice(info.node, from: from, to: to, optional: optional))
            }
        }
    }

    /// What follows a term in brackets.
    private enum IndexSuffix {
        case iterate
        case index(JQNode)
        case slice(from: JQNode?, to: JQNode?)
    }

    /// The `?` a field, index or slice may carry as part of the term (`.a?.b`).
    /// - Returns: whether there was one.
    private mutating func skipOptionalQuestion() throws(JQSyntaxFailure) -> Bool {
        guard token.kind == .question else { return false }
        try advance()
        return true
    }

    /// `[]`, `[E]`, `[E:E]`, `[E:]` or `[:E]` after a term.
    private mutating func parseIndexSuffix() throws(JQSyntaxFailure) -> IndexSuffix {
        let opener = token
        try advance()
        let suffix: IndexSuffix
        switch token.kind {
        case .rightBracket:
            try advance()
            return .iterate
        case .colon:
            try advance()
            suffix = .slice(from: nil, to: try parseExpression(Precedence.lowest).node)
        default:
            let index = try parseExpression(Precedence.lowest).node
            if token.kind == .colon {
                try advance()
                var to: JQNode?
                if token.kind != .rightBracket {
                    to = try parseExpression(Precedence.lowest).node
                }
                suffix = .slice(from: index, to: to)
            } else {
                suffix = .index(index)
            }
        }
        try expectCloser(.rightBracket, opener: opener)
        return suffix
    }

    /// The string after `.` in `."key"` or `.@base64 "key"`.
    private mutating func parseIndexString() throws(JQSyntaxFailure) -> JQNode {
        var format: String?
        if token.kind == .format {
            let formatToken = token
            format = formatName(formatToken)
            try advance()
            guard token.kind == .stringStart else {
                throw .expectedStringAfterFormat(text(formatToken), found: describe(token), at: token)
            }
        }
        return try parseString(format: format).node
    }

    /// A string from its opening quote: text, escapes and `\(…)` interpolations. A string without
    /// interpolations is a literal, even under a format; the format applies to interpolated values.
    private mutating func parseString(format: String?) throws(JQSyntaxFailure) -> JQExpressionInfo {
        let opener = token
        try advance()
        var parts: [JQStringPart] = []
        var text = ""
        while true {
            switch token.kind {
            case .stringText:
                lexer.appendText(of: token, to: &text)
                try advance()
            case .interpolationStart:
                let interpolation = token
                try advance()
                let expression = try parseExpression(Precedence.lowest).node
                guard token.kind == .interpolationEnd else {
                    if token.kind == .end {
                        throw .unclosed("')'", opener: "'\\('", at: position(of: interpolation), token)
                    }
                    throw unexpected()
                }
                try advance()
                // Each interpolation is `format(…)` of its value, joined with `+`.
                scope.referenceImplicitFunction("format", arity: 1)
                if !text.isEmpty {
                    parts.append(.text(text))
                    text = ""
                }
                parts.append(.expression(expression))
            case .stringEnd:
                try advance()
                if parts.isEmpty {
                    return .constant(.string, .literal(.string(text)))
                }
                if !text.isEmpty {
                    parts.append(.text(text))
                }
                scope.referenceImplicitFunction("_plus", arity: 2)
                return .code(.interpolated(format: format ?? "text", parts: parts))
            default:
                throw .unterminatedString(start: opener.start, end: opener.end)
            }
        }
    }

    /// `(A; B; …)` after a function name.
    private mutating func parseArguments(_ name: JQScope.Name) throws(JQSyntaxFailure) -> [JQNode] {
        let opener = token
        try advance()
        if token.kind == .rightParen {
            throw .emptyArguments(text(name), at: opener)
        }
        var arguments: [JQNode] = []
        while true {
            arguments.append(try parseExpression(Precedence.lowest).node)
            guard token.kind == .semicolon else { break }
            try advance()
        }
        try expectCloser(.rightParen, opener: opener)
        return arguments
    }

    private func constantName(_ name: JQScope.Name) -> JQConstant? {
        switch name.end - name.start {
        case 4 where matches("null", name.start): .null
        case 4 where matches("true", name.start): .true
        case 5 where matches("false", name.start): .false
        default: nil
        }
    }

    /// The key of a `.name` token.
    private func fieldName(_ token: JQToken) -> String {
        text(token.start + 1, token.end)
    }

    /// The name of a `@name` token, without the `@`.
    private func formatName(_ token: JQToken) -> String {
        text(token.start + 1, token.end)
    }

    /// The line `offset` is on, counting from 1, for `$__loc__`.
    private func line(of offset: Int) -> Int {
        var line = 1
        for index in 0..<offset where bytes[index] == UInt8(ascii: "\n") {
            line += 1
        }
        return line
    }

    // MARK: - Objects

    /// `{…}`: keys are names, keywords, strings, `$name` or `(expression)`; values are terms joined
    /// by `|` (jq's `ExpD`). A trailing comma is allowed.
    private mutating func parseObject() throws(JQSyntaxFailure) -> JQExpressionInfo {
        let opener = token
        try advance()
        var constant = true
        var entries: [JQObjectEntry] = []
        while token.kind != .rightBrace {
            var keyIsConstantString = true
            let key: JQNode
            // The value of the short forms: `{a}` is `{a: .a}`, `{$a}` is `{a: $a}`.
            var shortValue: JQNode?
            switch token.kind {
            case .identifier:
                key = .literal(.string(text(token)))
                try advance()
                if token.kind != .colon {
                    shortValue = .index(.identity, key: key, optional: false)
                }
            case .dollar:
                let dollar = token
                try advance()
                if token.kind == .kwLoc {
                    guard dialect == .jq171 else { throw .locInObject(at: token) }
                    try advance()
                    key = .literal(.string("__loc__"))
                    shortValue = .location(line: line(of: dollar.start))
                } else {
                    let name = try parseName(.variable)
                    scope.referenceVariable(name, dollar: dollar.start)
                    if token.kind == .colon {
                        // jq 1.7 reads `{$k: v}` as `{($k): v}`.
                        guard dialect == .jq171 else { throw .variableKeyWithValue(text(name), at: token) }
                        key = .variable(text(name), offset: dollar.start)
                        keyIsConstantString = false
                    } else {
                        key = .literal(.string(text(name)))
                        shortValue = .variable(text(name), offset: dollar.start)
                    }
                }
            case .stringStart, .format:
                let string = try parseIndexString()
                key = string
                if case .literal = string {} else { keyIsConstantString = false }
                if token.kind != .colon {
                    shortValue = .index(.identity, key: key, optional: false)
                }
            case .leftParen:
                let keyOpener = token
                try advance()
                let computed = try parseExpression(Precedence.lowest)
                try expectCloser(.rightParen, opener: keyOpener)
                if let value = computed.constant, !value.isString {
                    throw .constantObjectKey(value.kindName, start: keyOpener.start, end: previous?.end ?? token.start)
                }
                keyIsConstantString = computed.constant != nil
                key = computed.node
                guard token.kind == .colon else {
                    throw failure(expected: "':' after the computed key of an object")
                }
            default:
                if token.kind.isKeyword {
                    let keyword = token
                    try advance()
                    key = .literal(.string(text(keyword)))
                    if token.kind != .colon {
                        // jq 1.7 reads `{if}` as `{if: .if}`, as it reads `{a}`.
                        guard dialect == .jq171 else { throw .keywordKeyNeedsValue(self.keyword(keyword), at: token) }
                        shortValue = .index(.identity, key: key, optional: false)
                    }
                } else if token.kind == .end {
                    throw .unclosed("'}'", opener: "'{'", at: position(of: opener), token)
                } else if token.kind == .invalid {
                    throw invalidCharacter()
                } else {
                    throw .invalidObjectKey(found: describe(token), at: token)
                }
            }
            if let shortValue {
                // `{a}`, `{$a}` and `{"a"}` read their value at run time.
                constant = false
                entries.append(JQObjectEntry(key: key, value: shortValue))
            } else {
                try advance()
                let value = try parseObjectValue()
                constant = constant && keyIsConstantString && value.constant != nil
                entries.append(JQObjectEntry(key: key, value: value.node))
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
        let node = JQNode.object(entries)
        return constant ? .constant(.object, node) : .code(node)
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
            let operand = try parseObjectValueTerm().node
            scope.referenceImplicitFunction("_negate", arity: 0)
            return .code(.negate(operand))
        case .kwIf, .kwTry, .kwReduce, .kwForeach, .kwDef, .kwLabel:
            throw .expressionInObjectValue(keyword(token), at: token)
        default:
            return try parseTerm()
        }
    }

    // MARK: - Patterns

    /// One or more patterns joined by `?//`, after `as`.
    private mutating func parsePatterns() throws(JQSyntaxFailure) -> (JQScope.PatternMark, [JQPattern]) {
        let mark = scope.beginPatterns()
        var patterns = [try parsePattern()]
        while token.kind == .destructuringAlternative {
            try advance()
            patterns.append(try parsePattern())
        }
        scope.endPatterns(mark, alternatives: patterns.count > 1)
        return (mark, patterns)
    }

    /// `$name`, `[P, …]` or `{key: P, $name, $name: P, …}`.
    private mutating func parsePattern() throws(JQSyntaxFailure) -> JQPattern {
        try enter()
        defer { depth -= 1 }
        switch token.kind {
        case .dollar:
            try advance()
            let name = try parseName(.variable)
            scope.addPatternVariable(name)
            return .variable(text(name))
        case .leftBracket:
            let opener = token
            try advance()
            var elements: [JQPattern] = []
            while true {
                elements.append(try parsePattern())
                guard token.kind == .comma else { break }
                try advance()
            }
            try expectCloser(.rightBracket, opener: opener)
            return .array(elements)
        case .leftBrace:
            let opener = token
            try advance()
            var entries: [JQObjectPatternEntry] = []
            while true {
                entries.append(try parseObjectPatternEntry())
                guard token.kind == .comma else { break }
                try advance()
            }
            try expectCloser(.rightBrace, opener: opener)
            return .object(entries)
        default:
            throw .expectedPattern(found: describe(token), at: token)
        }
    }

    private mutating func parseObjectPatternEntry() throws(JQSyntaxFailure) -> JQObjectPatternEntry {
        let key: JQNode
        var variable: String?
        switch token.kind {
        case .dollar:
            try advance()
            let name = try parseName(.variable)
            scope.addPatternVariable(name)
            key = .literal(.string(text(name)))
            variable = text(name)
            guard token.kind == .colon else { return JQObjectPatternEntry(key: key, variable: variable, pattern: nil) }
        case .identifier:
            let name = token
            try advance()
            guard token.kind == .colon else { throw .objectPatternNeedsValue(text(name), at: token) }
            key = .literal(.string(text(name)))
        case .stringStart, .format:
            key = try parseIndexString()
            guard token.kind == .colon else { throw .objectPatternNeedsValue(nil, at: token) }
        case .leftParen:
            let opener = token
            try advance()
            let computed = try parseExpression(Precedence.lowest)
            try expectCloser(.rightParen, opener: opener)
            if let value = computed.constant, !value.isString {
                throw .constantObjectKey(value.kindName, start: opener.start, end: previous?.end ?? token.start)
            }
            guard token.kind == .colon else { throw .objectPatternNeedsValue(nil, at: token) }
            key = computed.node
        default:
            guard token.kind.isKeyword else { throw .invalidPatternKey(found: describe(token), at: token) }
            let name = token
            try advance()
            guard token.kind == .colon else { throw .objectPatternNeedsValue(keyword(name), at: token) }
            key = .literal(.string(text(name)))
        }
        try advance()
        return JQObjectPatternEntry(key: key, variable: variable, pattern: try parsePattern())
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
        // jq 1.7 reads `$` and the name that touches it as one token, so a keyword is a name
        // there: `$if`, `label $then`.
        if dialect == .jq171, role != .function, token.kind.isKeyword, let previous, previous.kind == .dollar,
            previous.end == token.start
        {
            let name = JQScope.Name(start: token.start, end: token.end)
            try advance()
            return name
        }
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
