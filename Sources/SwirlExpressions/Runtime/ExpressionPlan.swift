import SwirlCore

/// How one distinct expression of an ``ExpressionBundle`` gets its variables: which of the DSL's
/// arguments and of its scoped variables its text mentions, bound in a fixed order.
///
/// An expression binds only the variables its text mentions, so a program that never mentions
/// `$workflow` (whose descriptor holds the whole workflow definition) does not carry it.
struct ExpressionPlan {
    /// The DSL's arguments, each with its position in the input array.
    enum Argument: Int, CaseIterable, Sendable {
        case context = 1, input, output, secrets, task, workflow, runtime, authorization

        /// The names bound from this argument's slot. Secrets have two (DSL-NOTES §2 #25).
        var names: [String] {
            switch self {
            case .context: ["context"]
            case .input: ["input"]
            case .output: ["output"]
            case .secrets: ["secrets", "secret"]
            case .task: ["task"]
            case .workflow: ["workflow"]
            case .runtime: ["runtime"]
            case .authorization: ["authorization"]
            }
        }

        func value(in arguments: ExpressionArguments) -> JSON {
            switch self {
            case .context: arguments.context
            case .input: arguments.input
            case .output: arguments.output
            case .secrets: arguments.secrets
            case .task: arguments.task
            case .workflow: arguments.workflow
            case .runtime: arguments.runtime
            case .authorization: arguments.authorization
            }
        }

        /// Every name an expression may use without declaring it.
        static let allNames: Set<String> = Set(allCases.flatMap(\.names))

        static let byName: [String: Argument] = Dictionary(
            uniqueKeysWithValues: allCases.flatMap { argument in argument.names.map { ($0, argument) } }
        )
    }

    /// Where a bound variable's value comes from.
    enum Binding: Sendable {
        case argument(Argument)
        /// A scoped variable, by name.
        case scoped(String)

        /// The variable's value for one evaluation.
        func value(in arguments: ExpressionArguments) -> JSON {
            switch self {
            case .argument(let argument): argument.value(in: arguments)
            case .scoped(let name): arguments.scoped[name] ?? .null
            }
        }
    }

    /// The variables the text mentions, in the order the program binds them (the last one
    /// innermost), and the names they are bound under.
    let bindings: [(name: String, source: Binding)]
    /// The expression evaluated in Swift when it is simple enough (see ``DirectExpression``).
    let direct: DirectExpression?

    /// Plans `source`, after checking it is a whole, valid jq expression on its own.
    ///
    /// The check matters beyond its message: text that closes parentheses it did not open could
    /// otherwise escape its branch and change the rest of the bundle program.
    /// - Throws: ``JQError/compile(messages:)`` naming the expression when its text or a scoped
    ///   variable name is not valid.
    init(_ source: ExpressionSource, index: Int) throws(JQError) {
        for name in source.scopedVariables where !Self.isVariableName(name) {
            throw Self.failure(index, source, "'\(name)' cannot be a variable name")
        }
        let declared = Set(source.scopedVariables)
        let mentioned = Self.variables(in: source.text)

        // A scoped variable shadows an argument of the same name, as it would in jq: arguments
        // are bound first, scoped variables inside them.
        var bindings: [(name: String, source: Binding)] = []
        for name in mentioned.sorted() where !declared.contains(name) {
            guard let argument = Argument.byName[name] else { continue }
            bindings.append((name, .argument(argument)))
        }
        var seen: Set<String> = []
        for name in source.scopedVariables where mentioned.contains(name) && seen.insert(name).inserted {
            bindings.append((name, .scoped(name)))
        }
        self.bindings = bindings
        direct = DirectExpression(source.text, declared: declared)
    }

    /// The names ``values(of:)`` gives values for, in the same order.
    var names: [String] { bindings.map(\.name) }

    /// The values of the bound variables for one evaluation.
    func values(of arguments: ExpressionArguments) -> [JSON] {
        bindings.map { $0.source.value(in: arguments) }
    }

    /// The names after a `$` in the text's tokens: every variable it may read.
    private static func variables(in text: String) -> Set<String> {
        var text = text
        return text.withUTF8 { bytes in
            var lexer = JQLexer(bytes: bytes, dialect: .jq171)
            var variables: Set<String> = []
            var previous = JQToken(kind: .end, start: 0, end: 0)
            while true {
                let token = lexer.next()
                if token.kind == .end || token.kind == .invalid { break }
                // A keyword that touches its `$` is a name too (`$if`), as jq 1.7 reads it.
                if previous.kind == .dollar, token.kind == .identifier || (token.kind.isKeyword && previous.end == token.start) {
                    variables.insert(
                        String(decoding: UnsafeBufferPointer(rebasing: bytes[token.start..<token.end]), as: UTF8.self)
                    )
                }
                previous = token
            }
            return variables
        }
    }

    /// Whether jq 1.6 reads `$name` as one variable: a plain name (no `a::b`), not a keyword.
    static func isVariableName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            guard !bytes.isEmpty, !bytes.contains(UInt8(ascii: ":")) else { return false }
            var lexer = JQLexer(bytes: bytes)
            let token = lexer.next()
            return token.kind == .identifier && token.start == 0 && token.end == bytes.count
        }
    }

    static func failure(_ index: Int, _ source: ExpressionSource, _ message: String) -> JQError {
        .compile(messages: ["expression \(index) (\(source.text.debugDescription)): \(message)"])
    }
}
