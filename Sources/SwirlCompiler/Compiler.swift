public import SwirlCore
import SwirlSyntax
import SwirlExpressions

/// Turns a validated workflow document into a ``Program``.
///
/// It expects a document that ``WorkflowValidator`` accepted: shapes, names, `then` targets
/// and references are already known to be right, so what is left to report is what only
/// compiling finds, such as a user's `input.schema` that is not a valid JSON Schema.
public struct Compiler: Sendable {
    public init() {}

    /// Why a document could not be compiled.
    public struct Failure: Error, Sendable {
        public var diagnostics: [Diagnostic]
    }

    /// Compiles `document`.
    /// - Throws: ``Failure`` with diagnostics (paths, no locations) when something cannot be compiled.
    public func compile(_ document: JSON) throws(Failure) -> Program {
        var state = CompilerState(document: document)
        let program = state.compileProgram()
        if state.diagnostics.containsErrors { throw Failure(diagnostics: state.diagnostics) }
        return program
    }
}

private struct CompilerState {
    let document: JSON
    var scopes: [Scope] = []
    var expressions: [ProgramExpression] = []
    var diagnostics: [Diagnostic] = []
    var use: OrderedDictionary<String, JSON>
    /// The scope of each function of `use.functions` compiled so far.
    var functionScopes: [String: Int] = [:]

    init(document: JSON) {
        self.document = document
        self.use = document["use"]?.objectValue ?? [:]
    }

    mutating func compileProgram() -> Program {
        let global: [String] = []
        let root = reserveScope(at: "/do")
        fillScope(root, list: document["do"], at: "/do", global)
        let info = document["document"]
        // Registered before the Program is built: its arguments are evaluated in order, and
        // `expressions` must already hold every expression.
        let input = dataFlow(document["input"], key: "from", at: "/input", global)
        let output = dataFlow(document["output"], key: "as", at: "/output", global)
        let timeout = timeout(document["timeout"], at: "/timeout")
        return Program(
            namespace: info?["namespace"]?.stringValue ?? "",
            name: info?["name"]?.stringValue ?? "",
            version: info?["version"]?.stringValue ?? "",
            dsl: info?["dsl"]?.stringValue ?? "",
            definition: document,
            scopes: scopes,
            expressions: expressions,
            input: input,
            output: output,
            timeout: timeout)
    }

    // MARK: scopes and nodes

    mutating func reserveScope(at pointer: JSONPointer) -> Int {
        scopes.append(Scope(pointer: pointer, nodes: []))
        return scopes.count - 1
    }

    /// Compiles the tasks of `list` into the scope `index`, resolving every flow directive.
    mutating func fillScope(_ index: Int, list: JSON?, at pointer: JSONPointer, _ variables: [String]) {
        let items = list?.arrayValue ?? []
        var entries: [(name: String, body: OrderedDictionary<String, JSON>)] = []
        for item in items {
            guard let entry = item.objectValue?.elements.first else { continue }
            entries.append((entry.key, entry.value.objectValue ?? [:]))
        }
        let positions = Dictionary(entries.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        func resolve(_ directive: JSON?, after position: Int) -> FlowTarget {
            switch directive?.stringValue {
            case nil, "continue"?: position + 1 < entries.count ? .node(position + 1) : .exit
            case "exit"?: .exit
            case "end"?: .end
            case let name?: positions[name].map(FlowTarget.node) ?? .exit
            }
        }
        var nodes: [Node] = []
        for (position, entry) in entries.enumerated() {
            let taskPointer = pointer.appending(position).appending(entry.name)
            var node = compileTask(entry.name, entry.body, at: taskPointer, variables, resolve: { resolve($0, after: position) })
            node.then = resolve(entry.body["then"], after: position)
            nodes.append(node)
        }
        scopes[index].nodes = nodes
    }

    mutating func compileTask(
        _ name: String, _ body: OrderedDictionary<String, JSON>, at pointer: JSONPointer, _ variables: [String],
        resolve: (JSON?) -> FlowTarget
    ) -> Node {
        let firstExpression = expressions.count
        let kind = compileKind(body, at: pointer, variables, resolve: resolve)
        let condition = body["if"]?.stringValue.map { expressionField($0, at: pointer.appending("if"), variables) }
        let input = dataFlow(body["input"], key: "from", at: pointer.appending("input"), variables)
        let output = dataFlow(body["output"], key: "as", at: pointer.appending("output"), variables)
        let export = dataFlow(body["export"], key: "as", at: pointer.appending("export"), variables)
        let mentionsTask = expressions[firstExpression...].contains { $0.text.contains("$task") }
        return Node(
            name: name,
            pointer: pointer,
            reference: pointer.description,
            mentionsTask: mentionsTask,
            kind: kind,
            then: .exit,
            condition: condition,
            input: input,
            output: output,
            export: export,
            timeout: timeout(body["timeout"], at: pointer.appending("timeout")),
            definition: .object(body))
    }

    mutating func compileKind(
        _ body: OrderedDictionary<String, JSON>, at pointer: JSONPointer, _ variables: [String],
        resolve: (JSON?) -> FlowTarget
    ) -> NodeKind {
        if let loop = body["for"]?.objectValue {
            let each = loop["each"]?.stringValue ?? "item"
            let at = loop["at"]?.stringValue ?? "index"
            let inner = variables + [each, at]
            let collection = expressionField(loop["in"]?.stringValue ?? ".", at: pointer.appending("for").appending("in"), variables)
            let condition = body["while"]?.stringValue.map { expressionField($0, at: pointer.appending("while"), inner) }
            let scope = reserveScope(at: pointer.appending("do"))
            fillScope(scope, list: body["do"], at: pointer.appending("do"), inner)
            return .for(ForLoop(each: each, at: at, collection: collection, condition: condition, body: scope))
        }
        if body["try"] != nil {
            return .try(compileTry(body, at: pointer, variables))
        }
        if let call = body["call"]?.stringValue {
            let arguments = values(body["with"] ?? [:], at: pointer.appending("with"), variables)
            if let scope = functionScope(call) {
                return .function(FunctionCall(name: call, scope: scope, arguments: arguments))
            }
            return .activity(ActivityCall(kind: "call:" + call, arguments: arguments))
        }
        if body["do"] != nil {
            let scope = reserveScope(at: pointer.appending("do"))
            fillScope(scope, list: body["do"], at: pointer.appending("do"), variables)
            return .do(scope: scope)
        }
        if let fork = body["fork"]?.objectValue {
            let branchesPointer = pointer.appending("fork").appending("branches")
            var branches: [Int] = []
            for (index, branch) in (fork["branches"]?.arrayValue ?? []).enumerated() {
                // Each branch is one task; it gets a scope of its own so it can run as a fiber.
                let scope = reserveScope(at: branchesPointer)
                fillBranch(scope, branch: branch, index: index, at: branchesPointer, variables)
                branches.append(scope)
            }
            return .fork(Fork(branches: branches, compete: fork["compete"]?.boolValue ?? false))
        }
        if let raise = body["raise"]?.objectValue {
            return .raise(errorTemplate(raise["error"], at: pointer.appending("raise").appending("error"), variables))
        }
        if let cases = body["switch"]?.arrayValue {
            var compiled: [SwitchCase] = []
            for (index, item) in cases.enumerated() {
                guard let entry = item.objectValue?.elements.first else { continue }
                let casePointer = pointer.appending("switch").appending(index).appending(entry.key)
                compiled.append(
                    SwitchCase(
                        name: entry.key,
                        when: entry.value["when"]?.stringValue.map { expressionField($0, at: casePointer.appending("when"), variables) },
                        then: resolve(entry.value["then"])))
            }
            return .switch(compiled)
        }
        if let wait = body["wait"] {
            return .wait(duration(wait, at: pointer.appending("wait"), variables) ?? .seconds(0))
        }
        if let set = body["set"] {
            return .set(values(set, at: pointer.appending("set"), variables))
        }
        if let emit = body["emit"] {
            return .activity(ActivityCall(kind: "emit", arguments: values(emit, at: pointer.appending("emit"), variables)))
        }
        if let listen = body["listen"]?.objectValue {
            let to = listen["to"]?.objectValue ?? [:]
            var iterator: ListenIterator?
            if let foreach = body["foreach"]?.objectValue {
                let foreachPointer = pointer.appending("foreach")
                let item = foreach["item"]?.stringValue ?? "item"
                let at = foreach["at"]?.stringValue ?? "index"
                let inner = variables + [item, at]
                var scope: Int?
                if foreach["do"] != nil {
                    scope = reserveScope(at: foreachPointer.appending("do"))
                    fillScope(scope!, list: foreach["do"], at: foreachPointer.appending("do"), inner)
                }
                iterator = ListenIterator(
                    item: item, at: at, body: scope,
                    output: dataFlow(foreach["output"], key: "as", at: foreachPointer.appending("output"), inner),
                    export: dataFlow(foreach["export"], key: "as", at: foreachPointer.appending("export"), inner))
            }
            return .listen(
                Listen(
                    strategy: strategy(to, at: pointer.appending("listen").appending("to"), variables),
                    read: listen["read"]?.stringValue ?? "data", iterator: iterator))
        }
        if let run = body["run"]?.objectValue {
            let process = ["container", "script", "shell", "workflow"].first { run[$0] != nil } ?? "unknown"
            return .activity(ActivityCall(kind: "run:" + process, arguments: values(.object(run), at: pointer.appending("run"), variables)))
        }
        return .activity(ActivityCall(kind: "unknown", arguments: .literal(.object(body))))
    }

    /// The scope running function `name` of `use.functions`, compiled on its first call; `nil`
    /// when no such function is defined (a built-in call kind, or a catalog reference).
    mutating func functionScope(_ name: String) -> Int? {
        if let scope = functionScopes[name] { return scope }
        guard let definition = use["functions"]?[name]?.objectValue else { return nil }
        let pointer = JSONPointer(tokens: ["use", "functions", name])
        let scope = reserveScope(at: pointer)
        functionScopes[name] = scope
        // Functions see only the workflow's arguments, not the variables around the call.
        var node = compileTask(name, definition, at: pointer, [], resolve: { _ in .exit })
        node.then = .exit
        scopes[scope].nodes = [node]
        return scope
    }

    mutating func strategy(_ to: OrderedDictionary<String, JSON>, at pointer: JSONPointer, _ variables: [String])
        -> EventStrategy
    {
        func filters(_ list: JSON?, key: String) -> [EventFilter] {
            (list?.arrayValue ?? []).enumerated().map { index, filter in
                eventFilter(filter, at: pointer.appending(key).appending(index), variables)
            }
        }
        if let one = to["one"] { return .one(eventFilter(one, at: pointer.appending("one"), variables)) }
        if to["all"] != nil { return .all(filters(to["all"], key: "all")) }
        var until: EventUntil?
        switch to["until"] {
        case .string(let text)?: until = .expression(expressionField(text, at: pointer.appending("until"), variables))
        case .object(let nested)?: until = .strategy(strategy(nested, at: pointer.appending("until"), variables))
        default: break
        }
        return .any(filters(to["any"], key: "any"), until: until)
    }

    mutating func eventFilter(_ filter: JSON, at pointer: JSONPointer, _ variables: [String]) -> EventFilter {
        var attributes = OrderedDictionary<String, AttributeMatch>()
        for (name, value) in filter["with"]?.objectValue ?? [:] {
            if case .string(let text) = value, let expression = RuntimeExpression.unwrap(text) {
                attributes[name] = .expression(register(expression.body, at: pointer.appending("with").appending(name), variables))
            } else {
                attributes[name] = .literal(value)
            }
        }
        var correlations = OrderedDictionary<String, Correlation>()
        for (key, correlation) in filter["correlate"]?.objectValue ?? [:] {
            let correlationPointer = pointer.appending("correlate").appending(key)
            correlations[key] = Correlation(
                from: expressionField(correlation["from"]?.stringValue ?? ".", at: correlationPointer.appending("from"), variables),
                expect: correlation["expect"].map { values($0, at: correlationPointer.appending("expect"), variables) })
        }
        return EventFilter(attributes: attributes, correlations: correlations)
    }

    mutating func fillBranch(_ scope: Int, branch: JSON, index: Int, at pointer: JSONPointer, _ variables: [String]) {
        guard let entry = branch.objectValue?.elements.first else { return }
        let taskPointer = pointer.appending(index).appending(entry.key)
        let body = entry.value.objectValue ?? [:]
        var node = compileTask(entry.key, body, at: taskPointer, variables, resolve: { _ in .exit })
        node.then = body["then"]?.stringValue == "end" ? .end : .exit
        scopes[scope].nodes = [node]
    }

    mutating func compileTry(_ body: OrderedDictionary<String, JSON>, at pointer: JSONPointer, _ variables: [String]) -> TryCatch {
        let scope = reserveScope(at: pointer.appending("try"))
        fillScope(scope, list: body["try"], at: pointer.appending("try"), variables)
        let handler = body["catch"]?.objectValue ?? [:]
        let catchPointer = pointer.appending("catch")
        let errorVariable = handler["as"]?.stringValue ?? "error"
        let inner = variables + [errorVariable]
        var retry: RetryPolicy?
        switch handler["retry"] {
        case .string(let name)?:
            if let policy = use["retries"]?[name]?.objectValue {
                retry = retryPolicy(policy, at: JSONPointer(tokens: ["use", "retries", name]), inner)
            }
        case .object(let policy)?:
            retry = retryPolicy(policy, at: catchPointer.appending("retry"), inner)
        default:
            break
        }
        var handlerScope: Int?
        if handler["do"] != nil {
            let scope = reserveScope(at: catchPointer.appending("do"))
            fillScope(scope, list: handler["do"], at: catchPointer.appending("do"), inner)
            handlerScope = scope
        }
        return TryCatch(
            body: scope,
            filter: handler["errors"]?["with"]?.objectValue ?? [:],
            errorVariable: errorVariable,
            when: handler["when"]?.stringValue.map { expressionField($0, at: catchPointer.appending("when"), inner) },
            exceptWhen: handler["exceptWhen"]?.stringValue.map {
                expressionField($0, at: catchPointer.appending("exceptWhen"), inner)
            },
            retry: retry,
            handler: handlerScope)
    }

    mutating func retryPolicy(_ policy: OrderedDictionary<String, JSON>, at pointer: JSONPointer, _ variables: [String])
        -> RetryPolicy
    {
        let backoff = policy["backoff"]?.objectValue?.keys.first.flatMap(RetryPolicy.Backoff.init(rawValue:)) ?? .constant
        let limit = policy["limit"]?.objectValue ?? [:]
        var jitter: (from: DurationSpec, to: DurationSpec)?
        if let range = policy["jitter"]?.objectValue,
            let from = range["from"].flatMap({ duration($0, at: pointer.appending("jitter").appending("from"), variables) }),
            let to = range["to"].flatMap({ duration($0, at: pointer.appending("jitter").appending("to"), variables) })
        {
            jitter = (from, to)
        }
        return RetryPolicy(
            when: policy["when"]?.stringValue.map { expressionField($0, at: pointer.appending("when"), variables) },
            exceptWhen: policy["exceptWhen"]?.stringValue.map { expressionField($0, at: pointer.appending("exceptWhen"), variables) },
            delay: policy["delay"].flatMap { duration($0, at: pointer.appending("delay"), variables) },
            backoff: backoff,
            attemptCount: limit["attempt"]?["count"]?.numberValue.map { Int($0) },
            attemptDuration: limit["attempt"]?["duration"].flatMap {
                duration($0, at: pointer.appending("limit").appending("attempt").appending("duration"), variables)
            },
            totalDuration: limit["duration"].flatMap { duration($0, at: pointer.appending("limit").appending("duration"), variables) },
            jitter: jitter)
    }

    mutating func errorTemplate(_ error: JSON?, at pointer: JSONPointer, _ variables: [String]) -> ErrorTemplate {
        if case .string(let name)? = error, let defined = use["errors"]?[name] {
            return ErrorTemplate(fields: values(defined, at: JSONPointer(tokens: ["use", "errors", name]), variables))
        }
        return ErrorTemplate(fields: values(error ?? [:], at: pointer, variables))
    }

    // MARK: values

    mutating func dataFlow(_ block: JSON?, key: String, at pointer: JSONPointer, _ variables: [String]) -> DataFlow {
        guard let block else { return DataFlow() }
        var flow = DataFlow()
        switch block[key] {
        case .string(let text)?: flow.transform = .expression(expressionField(text, at: pointer.appending(key), variables))
        case let template?: flow.transform = values(template, at: pointer.appending(key), variables)
        case nil: break
        }
        if let schema = block["schema"] { flow.schema = compileSchema(schema, at: pointer.appending("schema")) }
        return flow
    }

    mutating func compileSchema(_ schema: JSON, at pointer: JSONPointer) -> ProgramSchema? {
        guard let document = schema["document"] else {
            return schema["resource"].map(ProgramSchema.resource)
        }
        do {
            return .inline(try JSONSchema(document))
        } catch {
            diagnostics.append(SchemaDiagnostics.invalidSchema(error, at: pointer.appending("document")))
            return nil
        }
    }

    mutating func timeout(_ timeout: JSON?, at pointer: JSONPointer) -> DurationSpec? {
        switch timeout {
        case .string(let name)?:
            return use["timeouts"]?[name]?["after"].flatMap {
                duration($0, at: JSONPointer(tokens: ["use", "timeouts", name, "after"]), [])
            }
        case .object(let definition)?:
            return definition["after"].flatMap { duration($0, at: pointer.appending("after"), []) }
        default:
            return nil
        }
    }

    /// A duration: an inline object, an ISO 8601 string, or an expression.
    mutating func duration(_ value: JSON, at pointer: JSONPointer, _ variables: [String]) -> DurationSpec? {
        switch value {
        case .string(let text):
            if let expression = RuntimeExpression.unwrap(text) {
                return .expression(register(expression.body, at: pointer, variables))
            }
            return (try? ISO8601Duration(parsing: text))?.totalSeconds.map(DurationSpec.seconds)
        case .object(let parts):
            return .seconds(ISO8601Duration.seconds(inline: parts))
        default:
            return nil
        }
    }

    /// A value in a value position: whole-string `${ }` leaves become expressions.
    mutating func values(_ value: JSON, at pointer: JSONPointer, _ variables: [String]) -> ValueTemplate {
        switch value {
        case .string(let text):
            guard let expression = RuntimeExpression.unwrap(text) else { return .literal(value) }
            return .expression(register(expression.body, at: pointer, variables))
        case .array(let elements):
            var compiled: [ValueTemplate] = []
            var allLiteral = true
            for (index, element) in elements.enumerated() {
                let template = values(element, at: pointer.appending(index), variables)
                if case .literal = template {} else { allLiteral = false }
                compiled.append(template)
            }
            return allLiteral ? .literal(value) : .array(compiled)
        case .object(let members):
            var compiled = OrderedDictionary<String, ValueTemplate>()
            var allLiteral = true
            for (key, member) in members {
                let template = values(member, at: pointer.appending(key), variables)
                if case .literal = template {} else { allLiteral = false }
                compiled[key] = template
            }
            return allLiteral ? .literal(value) : .object(compiled)
        default:
            return .literal(value)
        }
    }

    /// A field that is always an expression, with or without `${ }`.
    mutating func expressionField(_ text: String, at pointer: JSONPointer, _ variables: [String]) -> ExpressionID {
        register(RuntimeExpression.expressionField(text).body, at: pointer, variables)
    }

    mutating func register(_ text: String, at pointer: JSONPointer, _ variables: [String]) -> ExpressionID {
        let expression = ProgramExpression(text: text, scopedVariables: variables, pointer: pointer)
        expressions.append(expression)
        return expressions.count - 1
    }
}
