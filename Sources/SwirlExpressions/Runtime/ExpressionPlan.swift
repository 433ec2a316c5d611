import SwirlCore

/// How one distinct expression of an ``ExpressionBundle`` is wired into its bundle program: which
/// variables it reads, where it finds them in the program's input array, and its text as a branch
/// of the dispatch.
///
/// The program's input is an array with a fixed layout (``Slot``): the data at 0, each DSL argument
/// at its own position, the branch to take, then the expression's scoped variables in the order
/// its source declares them. A branch binds only the variables its text mentions, so evaluating an
/// expression converts only the arguments it reads: most expressions never mention `$workflow`,
/// whose descriptor holds the whole workflow definition.
struct ExpressionPlan {
    /// Fixed positions in the bundle program's input array.
    enum Slot {
        static let data = 0
        /// The DSL's arguments, each at its ``Argument/rawValue``.
        static let arguments = 1..<9
        static let branch = 9
        static let firstScoped = 10
    }

    /// The DSL's arguments, each with its position in the input array.
    enum Argument: Int, CaseIterable {
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

    /// A variable the branch binds: its name and the input slot it reads.
    struct Binding {
        var name: String
        var slot: Int
    }

    /// The arguments the text mentions, each once, in slot order.
    let arguments: [Argument]
    /// The scoped variables the text mentions: name and position in the source's declaration.
    let scoped: [(name: String, position: Int)]
    /// How long the input array must be for this expression.
    let inputCount: Int
    /// The branch text: bindings, then the expression applied to the data.
    let branch: String
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
        if let problem = JQSyntax.check(source.text, variables: Argument.allNames.union(declared)) {
            throw Self.failure(index, source, problem.description)
        }
        let scan = Self.scan(source.text)

        // A scoped variable shadows an argument of the same name, as it would in jq.
        var bindings: [Binding] = []
        var arguments: Set<Argument> = []
        for name in scan.variables.sorted() where !declared.contains(name) {
            guard let argument = Argument.byName[name] else { continue }
            arguments.insert(argument)
            bindings.append(Binding(name: name, slot: argument.rawValue))
        }
        var scoped: [(name: String, position: Int)] = []
        for (position, name) in source.scopedVariables.enumerated() where scan.variables.contains(name) {
            // With a name declared twice, jq's innermost binding (the later one) wins.
            if let earlier = scoped.firstIndex(where: { $0.name == name }) {
                scoped.remove(at: earlier)
            }
            scoped.append((name, position))
        }
        bindings += scoped.map { Binding(name: $0.name, slot: Slot.firstScoped + $0.position) }

        self.arguments = arguments.sorted { $0.rawValue < $1.rawValue }
        self.scoped = scoped
        inputCount = Slot.firstScoped + (scoped.map(\.position).max().map { $0 + 1 } ?? 0)
        branch = Self.branch(source.text, bindings: bindings, identity: scan.compilesToIdentity)
        direct = DirectExpression(source.text, declared: declared)
    }

    /// The elements of the input array for one evaluation: unused slots stay `null`, so only what
    /// the expression reads is converted to libjq values.
    func input(data: JSON, arguments values: ExpressionArguments, branch: Int) -> [JSON] {
        var slots = [JSON](repeating: .null, count: inputCount)
        slots[Slot.data] = data
        slots[Slot.branch] = .number(Double(branch))
        for argument in arguments {
            slots[argument.rawValue] = argument.value(in: values)
        }
        for (name, position) in scoped {
            slots[Slot.firstScoped + position] = values.scoped[name] ?? .null
        }
        return slots
    }

    // MARK: - Text

    /// `(.[1] as $context | .[10] as $item | .[0] | (\n<text>\n))`.
    ///
    /// The text sits on lines of its own, so a trailing `# comment` ends at the newline instead of
    /// swallowing the closing parenthesis. An empty text, or one of definitions only, is a whole
    /// program for jq (it acts as `.`) but not a valid expression inside parentheses: a `.` after
    /// it restores the meaning.
    private static func branch(_ text: String, bindings: [Binding], identity: Bool) -> String {
        var branch = "("
        for binding in bindings {
            branch += ".[\(binding.slot)] as $\(binding.name) | "
        }
        branch += ".[\(Slot.data)] | (\n"
        branch += text
        branch += identity ? "\n.\n))" : "\n))"
        return branch
    }

    /// What the tokens of a valid expression say: the variables it mentions, and whether it is
    /// empty or only definitions.
    private static func scan(_ text: String) -> (variables: Set<String>, compilesToIdentity: Bool) {
        var text = text
        return text.withUTF8 { bytes in
            var lexer = JQLexer(bytes: bytes)
            var variables: Set<String> = []
            var previous = JQToken.Kind.end
            while true {
                let token = lexer.next()
                if token.kind == .end || token.kind == .invalid { break }
                if previous == .dollar, token.kind == .identifier {
                    variables.insert(
                        String(decoding: UnsafeBufferPointer(rebasing: bytes[token.start..<token.end]), as: UTF8.self)
                    )
                }
                previous = token.kind
            }
            // In a valid program a `;` outside brackets only ends a definition, so a program whose
            // last token is `;` has no body.
            return (variables, previous == .end || previous == .semicolon)
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
