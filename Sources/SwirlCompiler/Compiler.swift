public import SwirlCore
import SwirlSyntax
import SwirlExpressions

/// Turns a validated workflow document into a ``Program``.
///
/// It expects a document that the schema accepted; shapes, names, `then` targets and
/// references are checked by ``SemanticChecks``, so what is left to report is what only
/// compiling finds, such as a user's `input.schema` that is not a valid JSON Schema.
///
/// Its walk is the one place that knows the DSL's scoping rules: which strings are runtime
/// expressions and which variables each construct binds for the expressions inside it (a `for`
/// its `each` and `at`, a `catch` its `as` for its filters, its retry policy and its handler, a
/// listen's `foreach` its `item` and `at`). A reusable definition under `use` is compiled where
/// it is used, in that place's scope. The same walk reports every expression as an
/// ``ExpressionSite``, those the run never evaluates too (definitions nothing uses, schedules,
/// extensions), and ``SemanticChecks`` checks exactly those sites, so a document
/// `swirl validate` accepts has no expression a run cannot compile.
public struct Compiler: Sendable {
    public init() {}

    /// Why a document could not be compiled.
    public struct Failure: Error, Sendable {
        public var diagnostics: [Diagnostic]
    }

    /// Compiles `document`.
    /// - Throws: ``Failure`` with diagnostics (paths, no locations) when something cannot be compiled.
    public func compile(_ document: JSON) throws(Failure) -> Program {
        let walk = Self.walk(document)
        if walk.diagnostics.containsErrors { throw Failure(diagnostics: walk.diagnostics) }
        guard let program = walk.program else { preconditionFailure("a walk that builds the program returned none") }
        return program
    }

    /// What one walk over a document found: the program (unless the walk was told not to build
    /// it), the compile diagnostics, and every expression site with its scope.
    struct Walk: Sendable {
        var program: Program?
        var diagnostics: [Diagnostic]
        var sites: [ExpressionSite]
        /// Every variable name the document binds explicitly (`for.each`, `catch.as`, …), where.
        var bindings: [(name: String, pointer: JSONPointer)]
        /// Every task of the program an activity performs, with its kind: found whether or not
        /// the program is built.
        var activities: [ActivitySite]
        /// Every `run: shell` task the walk met, in the order met, those no run reaches
        /// (functions nothing calls, extensions) too: the commands `swirl validate` checks.
        var shellTasks: [JSONPointer]
    }

    /// Walks `document` once, compiling it and collecting its expression sites.
    /// - Parameter buildingProgram: build the ``Program`` (its nodes, templates and numbered
    ///   expressions); without it the walk is the same and finds the same sites and diagnostics,
    ///   for a caller that only validates.
    static func walk(_ document: JSON, buildingProgram: Bool = true) -> Walk {
        var state = CompilerState(document: document, buildingProgram: buildingProgram)
        let program = state.compileProgram()
        return Walk(
            program: program, diagnostics: state.diagnostics, sites: state.sites, bindings: state.bindings,
            activities: state.activities, shellTasks: state.shellTasks)
    }
}

private struct CompilerState {
    let document: JSON
    var scopes: [Scope] = []
    var expressions: [ProgramExpression] = []
    var diagnostics: [Diagnostic] = []
    /// Every expression met, compiled or only checked, in the order met.
    var sites: [ExpressionSite] = []
    /// Every variable name bound explicitly, and where it is written.
    var bindings: [(name: String, pointer: JSONPointer)] = []
    /// Every task of the program compiled to an activity, and its kind.
    var activities: [ActivitySite] = []
    /// Every `run: shell` task met, reachable or not.
    var shellTasks: [JSONPointer] = []
    var use: OrderedDictionary<String, JSON>
    /// The scope of each function of `use.functions` compiled so far.
    var functionScopes: [String: Int] = [:]
    /// Names of `use.retries`, `use.errors` and `use.timeouts` entries something refers to.
    var usedRetries: Set<String> = []
    var usedErrors: Set<String> = []
    var usedTimeouts: Set<String> = []
    var usedAuthentications: Set<String> = []
    /// While compiling a reusable definition where it is used: that place.
    var usedBy: JSONPointer?
    /// AsyncAPI subscriptions, whose expressions are checked after the program is built.
    var subscriptions: [(value: JSON, pointer: JSONPointer, variables: [String])] = []
    /// Above zero while walking what the run never evaluates: expressions are sites only.
    var checkingOnly = 0
    /// How many expressions so far mention `$task`: a task whose expressions (its own or its
    /// inner tasks') do needs the `$task` descriptor built.
    var taskMentions = 0
    /// Whether the walk builds the program, or only finds its sites and diagnostics.
    let buildsProgram: Bool

    init(document: JSON, buildingProgram: Bool) {
        self.document = document
        self.use = document["use"]?.objectValue ?? [:]
        self.buildsProgram = buildingProgram
    }

    /// What a walk that does not build the program gives for each task.
    static let unbuiltNode = Node(
        name: "", pointer: .root, reference: "", mentionsTask: false, kind: .do(scope: Program.rootScope), then: .exit,
        condition: nil, input: DataFlow(), output: DataFlow(), export: DataFlow(), timeout: nil, definition: .null)

    mutating func compileProgram() -> Program? {
        let global: [String] = []
        _ = compileScope(document["do"], at: "/do", global)
        let info = document["document"]
        // Registered before the Program is built: its arguments are evaluated in order, and
        // `expressions` must already hold every expression.
        let input = dataFlow(document["input"], key: "from", at: "/input", global)
        let output = dataFlow(document["output"], key: "as", at: "/output", global)
        let timeout = timeout(document["timeout"], at: "/timeout")
        guard buildsProgram else {
            walkUnevaluated()
            return nil
        }
        let program = Program(
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
        walkUnevaluated()
        return program
    }

    /// Walks, for their sites only, the expressions no run evaluates: `use` entries nothing
    /// refers to (in the scope they would have with a default reference: a retry policy sees
    /// `$error`), authentications nothing refers to, extensions, the schedule and
    /// AsyncAPI subscriptions. Runs after the program is built, so the scopes and expressions
    /// it adds are not part of it.
    mutating func walkUnevaluated() {
        checkingOnly += 1
        defer { checkingOnly -= 1 }
        let usePointer = JSONPointer(tokens: ["use"])
        for name in (use["functions"]?.objectValue ?? [:]).keys where functionScopes[name] == nil {
            _ = functionScope(name)
        }
        for (name, policy) in use["retries"]?.objectValue ?? [:] where !usedRetries.contains(name) {
            if let policy = policy.objectValue {
                _ = retryPolicy(policy, at: usePointer.appending("retries").appending(name), ["error"])
            }
        }
        for (name, error) in use["errors"]?.objectValue ?? [:] where !usedErrors.contains(name) {
            _ = values(error, at: usePointer.appending("errors").appending(name), [])
        }
        for (name, timeout) in use["timeouts"]?.objectValue ?? [:] where !usedTimeouts.contains(name) {
            if let after = timeout["after"] { _ = duration(after, at: usePointer.appending("timeouts").appending(name).appending("after"), []) }
        }
        for (name, policy) in use["authentications"]?.objectValue ?? [:] where !usedAuthentications.contains(name) {
            _ = values(policy, at: usePointer.appending("authentications").appending(name), [])
        }
        for (index, item) in (use["extensions"]?.arrayValue ?? []).enumerated() {
            guard let entry = item.objectValue?.elements.first else { continue }
            let pointer = usePointer.appending("extensions").appending(index).appending(entry.key)
            if let condition = entry.value["when"]?.stringValue { _ = expressionField(condition, at: pointer.appending("when"), []) }
            for key in ["before", "after"] where entry.value[key] != nil {
                _ = compileScope(entry.value[key], at: pointer.appending(key), [])
            }
        }
        if let schedule = document["schedule"]?.objectValue {
            let pointer = JSONPointer(tokens: ["schedule"])
            for key in ["every", "after"] {
                if let value = schedule[key] { _ = duration(value, at: pointer.appending(key), []) }
            }
            if let on = schedule["on"]?.objectValue { _ = strategy(on, at: pointer.appending("on"), []) }
        }
        for subscription in subscriptions { self.subscription(subscription.value, at: subscription.pointer, subscription.variables) }
    }

    /// An AsyncAPI subscription: its filter and consumption bounds are expressions, and its
    /// `foreach` binds `item` and `at` like a listen's.
    mutating func subscription(_ value: JSON, at pointer: JSONPointer, _ variables: [String]) {
        guard var members = value.objectValue else { return }
        if case .string(let filter)? = members.removeValue(forKey: "filter") {
            _ = expressionField(filter, at: pointer.appending("filter"), variables)
        }
        if case .object(var consume)? = members.removeValue(forKey: "consume") {
            for key in ["while", "until"] {
                if case .string(let condition)? = consume.removeValue(forKey: key) {
                    _ = expressionField(condition, at: pointer.appending("consume").appending(key), variables)
                }
            }
            _ = values(.object(consume), at: pointer.appending("consume"), variables)
        }
        if case .object(let foreach)? = members.removeValue(forKey: "foreach") {
            _ = iterator(foreach, at: pointer.appending("foreach"), variables)
        }
        _ = values(.object(members), at: pointer, variables)
    }

    // MARK: scopes and nodes

    mutating func reserveScope(at pointer: JSONPointer) -> Int {
        scopes.append(Scope(pointer: pointer, nodes: []))
        return scopes.count - 1
    }

    /// A new scope holding the tasks of `list`: its index.
    mutating func compileScope(_ list: JSON?, at pointer: JSONPointer, _ variables: [String]) -> Int {
        let index = reserveScope(at: pointer)
        fillScope(index, list: list, at: pointer, variables)
        return index
    }

    /// Compiles the tasks of `list` into the scope `index`, resolving every flow directive.
    mutating func fillScope(_ index: Int, list: JSON?, at pointer: JSONPointer, _ variables: [String]) {
        let items = list?.arrayValue ?? []
        var entries: [(name: String, body: OrderedDictionary<String, JSON>)] = []
        entries.reserveCapacity(items.count)
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
        nodes.reserveCapacity(entries.count)
        for (position, entry) in entries.enumerated() {
            let taskPointer = pointer.appending(position, entry.name)
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
        let mentionsBefore = taskMentions
        let kind = compileKind(body, at: pointer, variables, resolve: resolve)
        // Only tasks a run can reach: not those walked for their sites alone (functions nothing calls, extensions).
        if case .activity(let call) = kind {
            if checkingOnly == 0 { activities.append(ActivitySite(kind: call.kind, pointer: pointer)) }
            if call.kind == "run:shell" { shellTasks.append(pointer) }
        }
        let condition = body["if"]?.stringValue.map { expressionField($0, at: pointer.appending("if"), variables) }
        let input = dataFlow(body["input"], key: "from", at: pointer.appending("input"), variables)
        let output = dataFlow(body["output"], key: "as", at: pointer.appending("output"), variables)
        let export = dataFlow(body["export"], key: "as", at: pointer.appending("export"), variables)
        let mentionsTask = taskMentions > mentionsBefore
        // Compiled after `mentionsTask` is counted: a timeout's expressions do not count toward it.
        let timeout = timeout(body["timeout"], at: pointer.appending("timeout"))
        guard buildsProgram else { return Self.unbuiltNode }
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
            timeout: timeout,
            definition: .object(body))
    }

    mutating func compileKind(
        _ body: OrderedDictionary<String, JSON>, at pointer: JSONPointer, _ variables: [String],
        resolve: (JSON?) -> FlowTarget
    ) -> NodeKind {
        if let loop = body["for"]?.objectValue {
            let each = binding(loop, "each", default: "item", at: pointer.appending("for"))
            let at = binding(loop, "at", default: "index", at: pointer.appending("for"))
            let inner = variables + [each, at]
            let collection = expressionField(loop["in"]?.stringValue ?? ".", at: pointer.appending("for").appending("in"), variables)
            let condition = body["while"]?.stringValue.map { expressionField($0, at: pointer.appending("while"), inner) }
            let scope = compileScope(body["do"], at: pointer.appending("do"), inner)
            return .for(ForLoop(each: each, at: at, collection: collection, condition: condition, body: scope))
        }
        if body["try"] != nil {
            return .try(compileTry(body, at: pointer, variables))
        }
        if let call = body["call"]?.stringValue {
            var with = body["with"] ?? [:]
            var subscription: JSON?
            if call == "asyncapi", case .object(var members) = with, let found = members.removeValue(forKey: "subscription") {
                // Its filter is evaluated per message, not with the call's arguments.
                subscriptions.append((found, pointer.appending("with").appending("subscription"), variables))
                with = .object(members)
                subscription = found
            }
            var arguments = values(with, at: pointer.appending("with"), variables)
            if let subscription { arguments = Self.adding(subscription, as: "subscription", to: arguments, original: body["with"] ?? [:]) }
            if let scope = functionScope(call) {
                return .function(FunctionCall(name: call, scope: scope, arguments: arguments))
            }
            return .activity(ActivityCall(kind: "call:" + call, arguments: arguments))
        }
        if body["do"] != nil {
            return .do(scope: compileScope(body["do"], at: pointer.appending("do"), variables))
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
            if let foreach = body["foreach"]?.objectValue { iterator = self.iterator(foreach, at: pointer.appending("foreach"), variables) }
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

    /// The variable `owner[key]` binds, or `fallback` when it is not written; a written name is
    /// recorded with its place, for the checks.
    mutating func binding(_ owner: OrderedDictionary<String, JSON>, _ key: String, default fallback: String, at pointer: JSONPointer)
        -> String
    {
        guard let name = owner[key]?.stringValue else { return fallback }
        bindings.append((name, pointer.appending(key)))
        return name
    }

    /// Whether `text` contains `$task`, by bytes (much cheaper than a generic substring search).
    static func mentionsTask(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= 5 else { return false }
            for start in 0...(bytes.count - 5) where bytes[start] == UInt8(ascii: "$") {
                if bytes[start + 1] == UInt8(ascii: "t"), bytes[start + 2] == UInt8(ascii: "a"),
                    bytes[start + 3] == UInt8(ascii: "s"), bytes[start + 4] == UInt8(ascii: "k")
                {
                    return true
                }
            }
            return false
        }
    }

    /// A `foreach` over consumed events or messages: `item` and `at` are bound inside it.
    mutating func iterator(_ foreach: OrderedDictionary<String, JSON>, at pointer: JSONPointer, _ variables: [String])
        -> ListenIterator
    {
        let item = binding(foreach, "item", default: "item", at: pointer)
        let at = binding(foreach, "at", default: "index", at: pointer)
        let inner = variables + [item, at]
        let scope = foreach["do"] != nil ? compileScope(foreach["do"], at: pointer.appending("do"), inner) : nil
        return ListenIterator(
            item: item, at: at, body: scope,
            output: dataFlow(foreach["output"], key: "as", at: pointer.appending("output"), inner),
            export: dataFlow(foreach["export"], key: "as", at: pointer.appending("export"), inner))
    }

    /// `arguments` with `value` as the literal member `key`, where `original` had it.
    static func adding(_ value: JSON, as key: String, to arguments: ValueTemplate, original: JSON) -> ValueTemplate {
        switch arguments {
        case .literal: return .literal(original)
        case .object(var members):
            members[key] = .literal(value)
            return .object(members)
        default: return arguments
        }
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
                attributes[name] = .expression(register(expression, at: pointer.appending("with").appending(name), variables))
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
        let taskPointer = pointer.appending(index, entry.key)
        let body = entry.value.objectValue ?? [:]
        var node = compileTask(entry.key, body, at: taskPointer, variables, resolve: { _ in .exit })
        node.then = body["then"]?.stringValue == "end" ? .end : .exit
        scopes[scope].nodes = [node]
    }

    mutating func compileTry(_ body: OrderedDictionary<String, JSON>, at pointer: JSONPointer, _ variables: [String]) -> TryCatch {
        let scope = compileScope(body["try"], at: pointer.appending("try"), variables)
        let handler = body["catch"]?.objectValue ?? [:]
        let catchPointer = pointer.appending("catch")
        let errorVariable = binding(handler, "as", default: "error", at: catchPointer)
        let inner = variables + [errorVariable]
        var retry: RetryPolicy?
        switch handler["retry"] {
        case .string(let name)?:
            if let policy = use["retries"]?[name]?.objectValue {
                // A named policy runs in the scope of the catch that uses it, under its `as` name.
                usedRetries.insert(name)
                let outer = usedBy
                usedBy = usedBy ?? catchPointer
                retry = retryPolicy(policy, at: JSONPointer(tokens: ["use", "retries", name]), inner)
                usedBy = outer
            }
        case .object(let policy)?:
            retry = retryPolicy(policy, at: catchPointer.appending("retry"), inner)
        default:
            break
        }
        let handlerScope = handler["do"] != nil ? compileScope(handler["do"], at: catchPointer.appending("do"), inner) : nil
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
            usedErrors.insert(name)
            let outer = usedBy
            usedBy = usedBy ?? pointer
            defer { usedBy = outer }
            return ErrorTemplate(fields: values(defined, at: JSONPointer(tokens: ["use", "errors", name]), variables))
        }
        return ErrorTemplate(fields: values(error ?? [:], at: pointer, variables))
    }

    // MARK: values

    mutating func dataFlow(_ block: JSON?, key: String, at place: @autoclosure () -> JSONPointer, _ variables: [String])
        -> DataFlow
    {
        guard let block else { return DataFlow() }
        let pointer = place()
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

    mutating func timeout(_ timeout: JSON?, at place: @autoclosure () -> JSONPointer) -> DurationSpec? {
        switch timeout {
        case .string(let name)?:
            usedTimeouts.insert(name)
            return use["timeouts"]?[name]?["after"].flatMap {
                duration($0, at: JSONPointer(tokens: ["use", "timeouts", name, "after"]), [])
            }
        case .object(let definition)?:
            return definition["after"].flatMap { duration($0, at: place().appending("after"), []) }
        default:
            return nil
        }
    }

    /// A duration: an inline object, an ISO 8601 string, or an expression.
    mutating func duration(_ value: JSON, at pointer: JSONPointer, _ variables: [String]) -> DurationSpec? {
        if let text = value.stringValue, let expression = RuntimeExpression.unwrap(text) {
            return .expression(register(expression, at: pointer, variables))
        }
        return ISO8601Duration.seconds(of: value).map(DurationSpec.seconds)
    }

    /// A value in a value position: whole-string `${ }` leaves become expressions.
    mutating func values(_ value: JSON, at pointer: JSONPointer, _ variables: [String]) -> ValueTemplate {
        var path: [String] = []
        return values(value, base: pointer, path: &path, variables)
    }

    /// ``values(_:at:_:)`` for the value at `base` followed by `path`: the pointer is built only
    /// for an expression, and a container is only rebuilt as a template when something in it is
    /// an expression (most values are literals all the way down).
    private mutating func values(_ value: JSON, base: JSONPointer, path: inout [String], _ variables: [String])
        -> ValueTemplate
    {
        switch value {
        case .string(let text):
            guard let expression = RuntimeExpression.unwrap(text) else { return .literal(value) }
            return .expression(register(expression, at: JSONPointer(tokens: base.tokens + path), variables))
        case .array(let elements):
            var compiled: [ValueTemplate]?
            for (index, element) in elements.enumerated() {
                path.append(String(index))
                let template = values(element, base: base, path: &path, variables)
                path.removeLast()
                guard buildsProgram else { continue }
                if compiled == nil {
                    guard !template.isLiteral else { continue }
                    compiled = elements[..<index].map(ValueTemplate.literal)
                }
                compiled?.append(template)
            }
            return compiled.map(ValueTemplate.array) ?? .literal(value)
        case .object(let members):
            var compiled: OrderedDictionary<String, ValueTemplate>?
            for (offset, (key, member)) in members.enumerated() {
                let template: ValueTemplate
                if key == "schema", member["format"] != nil || member["document"] != nil {
                    // A JSON Schema document is not a workflow value: its strings are never expressions.
                    template = .literal(member)
                } else if key == "authentication", let name = member["use"]?.stringValue, member.objectValue?.count == 1,
                    let policy = use["authentications"]?[name]
                {
                    // `authentication: {use: name}` is the named policy, compiled here like any
                    // reusable definition, so its expressions (a `$secrets` token) are evaluated.
                    usedAuthentications.insert(name)
                    let outer = usedBy
                    usedBy = usedBy ?? JSONPointer(tokens: base.tokens + path + [key])
                    template = values(policy, at: JSONPointer(tokens: ["use", "authentications", name]), variables)
                    usedBy = outer
                    guard buildsProgram else { continue }
                    if compiled == nil { compiled = Self.literals(members, upTo: offset) }
                    compiled?[key] = template
                    continue
                } else {
                    path.append(key)
                    template = values(member, base: base, path: &path, variables)
                    path.removeLast()
                }
                guard buildsProgram else { continue }
                if compiled == nil {
                    guard !template.isLiteral else { continue }
                    compiled = Self.literals(members, upTo: offset)
                }
                compiled?[key] = template
            }
            return compiled.map(ValueTemplate.object) ?? .literal(value)
        default:
            return .literal(value)
        }
    }

    /// The first `count` members of `members`, each as a literal template.
    private static func literals(_ members: OrderedDictionary<String, JSON>, upTo count: Int)
        -> OrderedDictionary<String, ValueTemplate>
    {
        var result = OrderedDictionary<String, ValueTemplate>(minimumCapacity: members.count)
        for (key, member) in members.elements.prefix(count) { result[key] = .literal(member) }
        return result
    }

    /// A field that is always an expression, with or without `${ }`.
    mutating func expressionField(_ text: String, at pointer: JSONPointer, _ variables: [String]) -> ExpressionID {
        register(RuntimeExpression.expressionField(text), at: pointer, variables)
    }

    /// Records an expression site and, unless only checking, numbers the expression in the program.
    mutating func register(_ found: (body: String, offset: Int), at pointer: JSONPointer, _ variables: [String])
        -> ExpressionID
    {
        let expression = ProgramExpression(text: found.body, scopedVariables: variables, pointer: pointer)
        sites.append(ExpressionSite(expression: expression, offsetInValue: found.offset, usedBy: usedBy))
        guard checkingOnly == 0, buildsProgram else { return -1 }
        if Self.mentionsTask(found.body) { taskMentions += 1 }
        expressions.append(expression)
        return expressions.count - 1
    }
}

extension ValueTemplate {
    /// Whether the template is a literal (the value as written, nothing to evaluate).
    fileprivate var isLiteral: Bool {
        if case .literal = self { true } else { false }
    }
}
