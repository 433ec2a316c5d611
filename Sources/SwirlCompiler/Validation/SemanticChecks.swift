public import SwirlCore
import SwirlExpressions

/// The checks a schema cannot express, run on a document the schema accepted: task names and
/// flow (`then`) within each list, reachability, references into `use`, jq syntax of every
/// runtime expression, durations, cron, URI templates and the DSL version.
///
/// The walk knows the DSL's shape: which fields hold task lists, durations, references and
/// values. Which strings are expressions, and which variables (`$item`, `$error`, …) are in
/// scope for each, it does not decide: it checks the ``ExpressionSite``s the ``Compiler``'s
/// walk reports, so validation and a run agree on both by construction.
public struct SemanticChecks: Sendable {
    /// Checks the syntax of one jq expression; returns a message and the 0-based UTF-8 offset of
    /// the problem inside the expression, or `nil` when it is valid.
    public typealias ExpressionChecker = @Sendable (_ expression: String, _ variables: Set<String>) -> (
        message: String, offset: Int
    )?

    /// Variables the runtime binds for every expression (DSL-NOTES 1.5; `$secret` is an alias).
    public static let globalVariables: Set<String> = ExpressionSource.argumentNames

    private let checkExpression: ExpressionChecker

    public init(expressionChecker: @escaping ExpressionChecker) {
        self.checkExpression = expressionChecker
    }

    /// A problem located inside an expression string, so the caller can point at the exact column.
    public struct ExpressionProblem: Sendable {
        public var path: JSONPointer
        /// The offset in UTF-8 bytes from the start of the string value.
        public var offsetInValue: Int
    }

    /// Runs every check on `document` (already accepted by the schema).
    /// - Returns: the diagnostics (with paths, no locations yet) and, for expression errors,
    ///   where inside the string value the problem is.
    public func check(_ document: JSON) -> (diagnostics: [Diagnostic], expressionProblems: [Int: ExpressionProblem]) {
        let result = check(document, compiled: Compiler.walk(document, buildingProgram: false))
        return (result.diagnostics, result.expressionProblems)
    }

    /// ``check(_:)`` with the compiler's walk of `document` already done.
    func check(_ document: JSON, compiled: Compiler.Walk) -> Findings {
        checkStructure(document).followed(by: checkExpressions(document, compiled: compiled))
    }

    /// What a part of the checks found: diagnostics (with paths, no locations yet) and, by index
    /// into them, where inside a string value an expression's problem is.
    struct Findings: Sendable {
        var diagnostics: [Diagnostic]
        var expressionProblems: [Int: ExpressionProblem]

        /// These findings, then `later`'s, with `later`'s problem indices moved past these diagnostics.
        func followed(by later: Findings) -> Findings {
            var combined = self
            combined.append(later)
            return combined
        }

        /// Adds `later`'s findings after these.
        mutating func append(_ later: Findings) {
            for (index, problem) in later.expressionProblems {
                expressionProblems[diagnostics.count + index] = problem
            }
            diagnostics += later.diagnostics
        }
    }

    /// The checks that read the document alone: the DSL version, names and flow, references,
    /// durations, cron, URI templates, partial interpolation. They come first in ``check(_:compiled:)``.
    func checkStructure(_ document: JSON) -> Findings {
        var walk = Walk(document: document, checkExpression: checkExpression)
        walk.run()
        return Findings(diagnostics: walk.diagnostics, expressionProblems: walk.expressionProblems)
    }

    /// ``checkStructure(_:)`` without the bodies of the root list's tasks (its names and flow are
    /// checked): those are checked by ``checkRootTasks(_:in:)``, a range at a time, so that two
    /// threads can share them. The head's findings followed by those of consecutive ranges
    /// covering `0..<rootListCount(document)` are exactly ``checkStructure(_:)``'s.
    func checkStructureHead(_ document: JSON) -> Findings {
        var walk = Walk(document: document, checkExpression: checkExpression)
        walk.run(intoRootTasks: false)
        return Findings(diagnostics: walk.diagnostics, expressionProblems: walk.expressionProblems)
    }

    /// The structural checks of the bodies of the root list's entries in `range` (indices into the list).
    func checkRootTasks(_ document: JSON, in range: Range<Int>) -> Findings {
        var walk = Walk(document: document, checkExpression: checkExpression)
        walk.loose = Walk.isLoose(document)
        walk.rootTasks(in: range)
        return Findings(diagnostics: walk.diagnostics, expressionProblems: walk.expressionProblems)
    }

    /// How many entries the root task list has (0 when it is not a list).
    static func rootListCount(_ document: JSON) -> Int {
        document["do"]?.arrayValue?.count ?? 0
    }

    /// The checks of what the compiler's walk found: the jq of every expression site and the
    /// names constructs bind. Independent of ``checkStructure(_:)``, so the two may run at once.
    func checkExpressions(_ document: JSON, compiled: Compiler.Walk) -> Findings {
        var walk = Walk(document: document, checkExpression: checkExpression)
        walk.checksJQ = Walk.checksJQ(document)
        walk.check(compiled.sites)
        walk.check(compiled.bindings)
        return Findings(diagnostics: walk.diagnostics, expressionProblems: walk.expressionProblems)
    }
}

private struct Walk {
    let document: JSON
    let checkExpression: SemanticChecks.ExpressionChecker
    var diagnostics: [Diagnostic] = []
    /// Index into `diagnostics` → where inside the string the expression problem is.
    var expressionProblems: [Int: SemanticChecks.ExpressionProblem] = [:]

    /// Names defined in each `use` section.
    var defined: [String: Set<String>] = [:]
    /// Where every task name is, for "it is in another list" hints; found on the first
    /// unknown `then` target (the walk for it is wasted on a document without one).
    var taskLocations: [String: JSONPointer]?
    var loose = false
    var checksJQ = true

    init(document: JSON, checkExpression: @escaping SemanticChecks.ExpressionChecker) {
        self.document = document
        self.checkExpression = checkExpression
        if let use = document["use"]?.objectValue {
            for (section, value) in use {
                switch value {
                case .object(let members): defined[section] = Set(members.keys)
                case .array(let items):
                    // secrets are a list of names; extensions a list of one-key maps.
                    defined[section] = Set(items.compactMap { $0.stringValue ?? $0.objectValue?.keys.first })
                default: break
                }
            }
        }
    }

    /// - Parameter intoRootTasks: also check the bodies of the root list's tasks (see
    ///   ``SemanticChecks/checkStructureHead(_:)``).
    mutating func run(intoRootTasks: Bool = true) {
        checkDSLVersion()
        checkEvaluate()
        let root = JSONPointer.root
        if let input = document["input"] { dataFlow(input, at: root.appending("input"), key: "from") }
        if let output = document["output"] { dataFlow(output, at: root.appending("output"), key: "as") }
        if let timeout = document["timeout"] { checkTimeout(timeout, at: root.appending("timeout")) }
        if let schedule = document["schedule"]?.objectValue { checkSchedule(schedule, at: root.appending("schedule")) }
        if let use = document["use"]?.objectValue { checkUse(use, at: root.appending("use")) }
        taskList(document["do"], at: root.appending("do"), intoTasks: intoRootTasks)
    }

    /// The bodies of the root list's tasks among its entries in `range`, as ``taskList(_:at:intoTasks:)``
    /// checks them.
    mutating func rootTasks(in range: Range<Int>) {
        guard case .array(let items)? = document["do"] else { return }
        let pointer = JSONPointer.root.appending("do")
        for index in range.clamped(to: items.indices) {
            guard let entry = items[index].objectValue?.elements.first, let body = entry.value.objectValue else { continue }
            task(body, at: pointer.appending(index, entry.key))
        }
    }

    // MARK: expressions

    /// Checks the jq of every expression site, with the DSL's arguments and the site's scoped
    /// variables in scope. A definition under `use` compiled at each of its uses is checked once
    /// per distinct scope.
    mutating func check(_ sites: [ExpressionSite]) {
        guard checksJQ else { return }
        var seen: Set<ProgramExpression> = []
        var scoped: [String] = []
        var variables = SemanticChecks.globalVariables
        /// What the checker said about each expression text in each scope: a document repeats
        /// the same expressions (`${ . }`, a correlation in every listen), and the checker's
        /// answer depends on nothing else.
        var verdicts: [ExpressionInScope: (message: String, offset: Int)?] = [:]
        for site in sites {
            let expression = site.expression
            if expression.pointer.tokens.first == "use", !seen.insert(expression).inserted { continue }
            // Neighbouring sites mostly share their scope; build its set once for them.
            if expression.scopedVariables != scoped {
                scoped = expression.scopedVariables
                variables = SemanticChecks.globalVariables.union(scoped)
            }
            let key = ExpressionInScope(text: expression.text, scoped: scoped)
            let verdict: (message: String, offset: Int)?
            if let known = verdicts[key] {
                verdict = known
            } else {
                verdict = checkExpression(expression.text, variables)
                verdicts[key] = .some(verdict)
            }
            guard let problem = verdict else { continue }
            expressionProblems[diagnostics.count] = SemanticChecks.ExpressionProblem(
                path: expression.pointer, offsetInValue: site.offsetInValue + problem.offset)
            var diagnostic = CompilerDiagnostics.expressionSyntax(
                problem.message, expression: expression.text.clipped(around: problem.offset), path: expression.pointer)
            if let usedBy = site.usedBy, !scoped.isEmpty {
                diagnostic.notes.append(CompilerDiagnostics.checkedWhereUsed(usedBy, variables: scoped))
            }
            if let renamed = renamedLoopVariable(problem.message, at: expression.pointer) {
                diagnostic.notes.append(
                    CompilerDiagnostics.loopVariableRenamed(renamed.default, to: renamed.name, by: renamed.field))
            }
            diagnostics.append(diagnostic)
        }
    }

    /// An expression text and the variables in scope besides the DSL's arguments.
    struct ExpressionInScope: Hashable {
        var text: String
        var scoped: [String]
    }

    /// For "undefined variable $item" (or `$index`) inside a loop or iterator that renamed that
    /// variable, the name it has there: the innermost enclosing `for` (`each`, `at`) or
    /// `foreach` (`item`, `at`) that gives it another name.
    func renamedLoopVariable(_ message: String, at pointer: JSONPointer) -> (
        default: String, name: String, field: String
    )? {
        let wanted: String
        if message.hasPrefix("undefined variable $item") {
            wanted = "item"
        } else if message.hasPrefix("undefined variable $index") {
            wanted = "index"
        } else {
            return nil
        }
        var tokens = pointer.tokens
        while !tokens.isEmpty {
            tokens.removeLast()
            guard let node = JSONPointer(tokens: tokens).resolve(in: document)?.objectValue else { continue }
            let loops: [(key: String, itemKey: String)] = [("for", "each"), ("foreach", "item")]
            for loop in loops {
                guard let definition = node[loop.key]?.objectValue else { continue }
                let field = wanted == "item" ? loop.itemKey : "at"
                if let name = definition[field]?.stringValue, name != wanted {
                    return (wanted, name, loop.key + "." + field)
                }
            }
        }
        return nil
    }

    /// Checks that every name a construct binds can be a jq variable: the runtime refuses to
    /// compile any expression in the scope of a keyword such as `reduce`.
    mutating func check(_ bindings: [(name: String, pointer: JSONPointer)]) {
        for binding in bindings where !ExpressionSource.isVariableName(binding.name) {
            diagnostics.append(CompilerDiagnostics.invalidVariableName(binding.name, path: binding.pointer))
        }
    }

    // MARK: document-level

    mutating func checkDSLVersion() {
        guard let version = document["document"]?["dsl"]?.stringValue else { return }
        let parts = version.split(separator: ".", maxSplits: 2)
        let core = parts.count == 3 ? parts[2].prefix(while: { $0.isNumber }) : ""
        if parts.count != 3 || parts[0] != "1" || parts[1] != "0" || core.isEmpty {
            diagnostics.append(CompilerDiagnostics.unsupportedDSLVersion(version, path: "/document/dsl"))
        }
    }

    mutating func checkEvaluate() {
        guard let evaluate = document["evaluate"] else { return }
        loose = Self.isLoose(document)
        checksJQ = Self.checksJQ(document)
        if let language = evaluate["language"]?.stringValue, language != "jq" {
            diagnostics.append(CompilerDiagnostics.unsupportedLanguage(language, path: "/evaluate/language"))
        }
    }

    /// Whether the document's `evaluate.mode` is `loose`.
    static func isLoose(_ document: JSON) -> Bool {
        document["evaluate"]?["mode"]?.stringValue == "loose"
    }

    /// Whether the document's expressions are jq, which is all Swirl checks (and runs).
    static func checksJQ(_ document: JSON) -> Bool {
        guard let language = document["evaluate"]?["language"]?.stringValue else { return true }
        return language == "jq"
    }

    /// Where each task name is first used, anywhere in the workflow's task lists.
    mutating func locateTasks() -> [String: JSONPointer] {
        if let taskLocations { return taskLocations }
        var found: [String: JSONPointer] = [:]
        Self.collectTaskNames(document["do"], at: "/do", into: &found)
        taskLocations = found
        return found
    }

    static func collectTaskNames(_ list: JSON?, at pointer: JSONPointer, into taskLocations: inout [String: JSONPointer]) {
        guard case .array(let items)? = list else { return }
        for (index, item) in items.enumerated() {
            guard let entry = item.objectValue?.elements.first else { continue }
            let name = entry.key
            let body = entry.value
            let taskPointer = pointer.appending(index, name)
            if taskLocations[name] == nil { taskLocations[name] = taskPointer }
            guard let body = body.objectValue else { continue }
            for key in ["do", "try"] { collectTaskNames(body[key], at: taskPointer.appending(key), into: &taskLocations) }
            if let branches = body["fork"]?["branches"] {
                collectTaskNames(branches, at: taskPointer.appending("fork").appending("branches"), into: &taskLocations)
            }
            if let handler = body["catch"]?["do"] {
                collectTaskNames(handler, at: taskPointer.appending("catch").appending("do"), into: &taskLocations)
            }
        }
    }

    // MARK: task lists and flow

    typealias NamedTask = (name: String, pointer: JSONPointer, body: OrderedDictionary<String, JSON>)

    /// The tasks of a list (`- name: {…}` items), reporting names used twice.
    mutating func namedTasks(_ items: [JSON], at pointer: JSONPointer) -> [NamedTask] {
        var tasks: [NamedTask] = []
        var firstByName: [String: JSONPointer] = [:]
        for (index, item) in items.enumerated() {
            guard let entry = item.objectValue?.elements.first, let body = entry.value.objectValue else { continue }
            let taskPointer = pointer.appending(index, entry.key)
            if let first = firstByName[entry.key] {
                diagnostics.append(CompilerDiagnostics.duplicateTaskName(entry.key, path: taskPointer, first: first))
            } else {
                firstByName[entry.key] = taskPointer
            }
            tasks.append((entry.key, taskPointer, body))
        }
        return tasks
    }

    /// - Parameter intoTasks: also check each task's body (the tasks' names and flow are checked either way).
    mutating func taskList(_ list: JSON?, at pointer: JSONPointer, intoTasks: Bool = true) {
        guard case .array(let items)? = list else { return }
        let tasks = namedTasks(items, at: pointer)
        // Each name's first task (a name used twice is reported by namedTasks).
        let indexOf: [String: Int] = {
            var found: [String: Int] = [:]
            found.reserveCapacity(tasks.count)
            for (index, task) in tasks.enumerated() where found[task.name] == nil { found[task.name] = index }
            return found
        }()

        /// The index a directive leads to: `nil` for leaving the list, or for an unknown name
        /// (kept in `report`, with the place of the directive).
        func target(
            _ directive: JSON?, at path: @autoclosure () -> JSONPointer, from index: Int,
            report: inout [(name: String, path: JSONPointer)]
        ) -> Int? {
            guard let directive = directive?.stringValue else { return index + 1 }
            switch directive {
            case "continue": return index + 1
            case "exit", "end": return nil
            default:
                if let found = indexOf[directive] { return found }
                report.append((directive, path()))
                // Reported; assume it continues so the tasks after it are not also called unreachable.
                return index + 1
            }
        }

        var unknown: [(name: String, path: JSONPointer)] = []
        // The tasks each task can lead to, all in one array: those of task `i` are
        // `successors[successorStarts[i]..<successorStarts[i + 1]]`.
        var successors: [Int] = []
        var successorStarts: [Int] = [0]
        successorStarts.reserveCapacity(tasks.count + 1)
        for (index, task) in tasks.enumerated() {
            func leadsTo(_ target: Int) {
                if target < tasks.count { successors.append(target) }
            }
            let thenTarget = target(task.body["then"], at: task.pointer.appending("then"), from: index, report: &unknown)
            if let cases = task.body["switch"]?.arrayValue {
                var defaultCase: (name: String, pointer: JSONPointer)?
                for (caseIndex, item) in cases.enumerated() {
                    guard let entry = item.objectValue?.elements.first else { continue }
                    let caseName = entry.key
                    let definition = entry.value
                    if definition["when"] == nil {
                        let casePointer = task.pointer.appending("switch").appending(caseIndex).appending(caseName)
                        if let first = defaultCase {
                            diagnostics.append(
                                CompilerDiagnostics.secondDefaultCase(
                                    caseName, path: casePointer, first: first.name, firstPath: first.pointer))
                        } else {
                            defaultCase = (caseName, casePointer)
                        }
                    }
                    let found = target(
                        definition["then"],
                        at: task.pointer.appending("switch").appending(caseIndex).appending(caseName).appending("then"),
                        from: index, report: &unknown)
                    if let found { leadsTo(found) }
                }
                if defaultCase == nil, let thenTarget { leadsTo(thenTarget) }
            } else if task.body["raise"] != nil {
                // A raise never flows on; only its `if` can let the list continue.
            } else if let thenTarget {
                leadsTo(thenTarget)
            }
            // A skipped task ignores its own `then` and continues (DSL-NOTES §2 #2).
            if task.body["if"] != nil { leadsTo(index + 1) }
            successorStarts.append(successors.count)
        }
        for target in unknown {
            let elsewhere = locateTasks()[target.name].flatMap {
                $0.hasPrefix(pointer) && $0.tokens.count == pointer.tokens.count + 2 ? nil : $0
            }
            diagnostics.append(
                CompilerDiagnostics.unknownFlowTarget(
                    target.name, path: target.path, candidates: tasks.map(\.name), elsewhere: elsewhere))
        }
        var reached = [Bool](repeating: false, count: tasks.count)
        var pending = tasks.isEmpty ? [] : [0]
        while let index = pending.popLast() {
            guard !reached[index] else { continue }
            reached[index] = true
            pending += successors[successorStarts[index]..<successorStarts[index + 1]]
        }
        for (index, task) in tasks.enumerated() where !reached[index] {
            diagnostics.append(CompilerDiagnostics.unreachableTask(task.name, path: task.pointer))
        }

        guard intoTasks else { return }
        for task in tasks { self.task(task.body, at: task.pointer) }
    }

    mutating func task(_ body: OrderedDictionary<String, JSON>, at pointer: JSONPointer) {
        if let input = body["input"] { dataFlow(input, at: pointer.appending("input"), key: "from") }
        if let output = body["output"] { dataFlow(output, at: pointer.appending("output"), key: "as") }
        if let export = body["export"] { dataFlow(export, at: pointer.appending("export"), key: "as") }
        if let timeout = body["timeout"] { checkTimeout(timeout, at: pointer.appending("timeout")) }

        if body["for"] != nil {
            taskList(body["do"], at: pointer.appending("do"))
        } else if body["try"] != nil {
            taskList(body["try"], at: pointer.appending("try"))
            if let handler = body["catch"]?.objectValue { catchClause(handler, at: pointer.appending("catch")) }
        } else if let call = body["call"]?.stringValue {
            callTask(call, body, at: pointer)
        } else if body["do"] != nil {
            taskList(body["do"], at: pointer.appending("do"))
        } else if let fork = body["fork"]?.objectValue {
            guard case .array(let branches)? = fork["branches"] else { return }
            // Branches are named like a list's tasks, but no flow runs between them.
            for branch in namedTasks(branches, at: pointer.appending("fork").appending("branches")) {
                self.task(branch.body, at: branch.pointer)
            }
        } else if let raise = body["raise"]?.objectValue {
            let errorPointer = pointer.appending("raise").appending("error")
            switch raise["error"] {
            case .string(let name)?: reference(name, kind: "error", section: "errors", at: errorPointer)
            case let definition?: values(definition, at: errorPointer)
            case nil: break
            }
        } else if let wait = body["wait"] {
            duration(wait, at: pointer.appending("wait"))
        } else if let set = body["set"] {
            values(set, at: pointer.appending("set"))
        } else if let emit = body["emit"] {
            values(emit, at: pointer.appending("emit"))
        } else if let listen = body["listen"]?.objectValue {
            if let strategy = listen["to"]?.objectValue { consumptionStrategy(strategy, at: pointer.appending("listen").appending("to")) }
            if let foreach = body["foreach"]?.objectValue { iterator(foreach, at: pointer.appending("foreach")) }
        } else if let run = body["run"] {
            values(run, at: pointer.appending("run"))
        }
    }

    mutating func callTask(_ call: String, _ body: OrderedDictionary<String, JSON>, at pointer: JSONPointer) {
        let withPointer = pointer.appending("with")
        let arguments = body["with"]
        switch call {
        case "http":
            if let endpoint = arguments?["endpoint"] { self.endpoint(endpoint, at: withPointer.appending("endpoint")) }
        case "openapi", "asyncapi":
            if let endpoint = arguments?["document"]?["endpoint"] {
                self.endpoint(endpoint, at: withPointer.appending("document").appending("endpoint"))
            }
            if case .object(var members)? = arguments, let subscription = members.removeValue(forKey: "subscription") {
                self.subscription(subscription, at: withPointer.appending("subscription"))
                values(.object(members), at: withPointer)
                return
            }
        case "grpc":
            if let endpoint = arguments?["proto"]?["endpoint"] {
                self.endpoint(endpoint, at: withPointer.appending("proto").appending("endpoint"))
            }
        case "mcp":
            let transport = withPointer.appending("transport")
            if let endpoint = arguments?["transport"]?["http"]?["endpoint"] {
                self.endpoint(endpoint, at: transport.appending("http").appending("endpoint"))
            }
            if let timeout = arguments?["timeout"] { duration(timeout, at: withPointer.appending("timeout")) }
        case "a2a":
            if let endpoint = arguments?["agentCard"]?["endpoint"] {
                self.endpoint(endpoint, at: withPointer.appending("agentCard").appending("endpoint"))
            }
            if let server = arguments?["server"] { self.endpoint(server, at: withPointer.appending("server")) }
        default:
            if let at = call.lastIndex(of: "@") {
                let catalog = String(call[call.index(after: at)...])
                // A cataloged function is always named with its version: `name:version@catalog`.
                let function = call[..<at].split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                if function.count != 2 || function[0].isEmpty || function[1].isEmpty || catalog.isEmpty {
                    diagnostics.append(CompilerDiagnostics.malformedCatalogCall(call, path: pointer.appending("call")))
                } else if catalog != "default" {
                    reference(catalog, kind: "catalog", section: "catalogs", at: pointer.appending("call"))
                }
            } else if !call.contains(":") {
                reference(call, kind: "function", section: "functions", at: pointer.appending("call"))
            }
        }
        if let arguments { values(arguments, at: withPointer) }
    }

    mutating func catchClause(_ handler: OrderedDictionary<String, JSON>, at pointer: JSONPointer) {
        switch handler["retry"] {
        case .string(let name)?: reference(name, kind: "retry policy", section: "retries", at: pointer.appending("retry"))
        case .object(let policy)?: retryPolicy(policy, at: pointer.appending("retry"))
        default: break
        }
        taskList(handler["do"], at: pointer.appending("do"))
    }

    mutating func retryPolicy(_ policy: OrderedDictionary<String, JSON>, at pointer: JSONPointer) {
        if let delay = policy["delay"] { duration(delay, at: pointer.appending("delay")) }
        if let limit = policy["limit"]?.objectValue {
            if let total = limit["duration"] { duration(total, at: pointer.appending("limit").appending("duration")) }
            if let attempt = limit["attempt"]?["duration"] {
                duration(attempt, at: pointer.appending("limit").appending("attempt").appending("duration"))
            }
        }
        if let jitter = policy["jitter"]?.objectValue {
            for key in ["from", "to"] {
                if let bound = jitter[key] { duration(bound, at: pointer.appending("jitter").appending(key)) }
            }
        }
    }

    /// An AsyncAPI subscription: its filter and consumption bounds are expressions (sites of
    /// the compiler's walk); the rest are values.
    mutating func subscription(_ subscription: JSON, at pointer: JSONPointer) {
        guard var members = subscription.objectValue else { return }
        members.removeValue(forKey: "filter")
        if case .object(var consume)? = members.removeValue(forKey: "consume") {
            for key in ["while", "until"] { consume.removeValue(forKey: key) }
            values(.object(consume), at: pointer.appending("consume"))
        }
        if case .object(let foreach)? = members.removeValue(forKey: "foreach") {
            iterator(foreach, at: pointer.appending("foreach"))
        }
        values(.object(members), at: pointer)
    }

    /// A `foreach` over consumed events or messages.
    mutating func iterator(_ iterator: OrderedDictionary<String, JSON>, at pointer: JSONPointer) {
        if let output = iterator["output"] { dataFlow(output, at: pointer.appending("output"), key: "as") }
        if let export = iterator["export"] { dataFlow(export, at: pointer.appending("export"), key: "as") }
        taskList(iterator["do"], at: pointer.appending("do"))
    }

    mutating func consumptionStrategy(_ strategy: OrderedDictionary<String, JSON>, at pointer: JSONPointer) {
        for key in ["all", "any"] {
            guard let filters = strategy[key]?.arrayValue else { continue }
            for (index, filter) in filters.enumerated() { eventFilter(filter, at: pointer.appending(key).appending(index)) }
        }
        if let one = strategy["one"] { eventFilter(one, at: pointer.appending("one")) }
        if case .object(let nested)? = strategy["until"] { consumptionStrategy(nested, at: pointer.appending("until")) }
    }

    mutating func eventFilter(_ filter: JSON, at pointer: JSONPointer) {
        if let attributes = filter["with"] { values(attributes, at: pointer.appending("with")) }
        guard let correlations = filter["correlate"]?.objectValue else { return }
        for (key, correlation) in correlations {
            if let expect = correlation["expect"] { values(expect, at: pointer.appending("correlate").appending(key).appending("expect")) }
        }
    }

    // MARK: use, schedule, timeouts

    mutating func checkUse(_ use: OrderedDictionary<String, JSON>, at pointer: JSONPointer) {
        if let functions = use["functions"]?.objectValue {
            for (name, function) in functions {
                guard let body = function.objectValue else { continue }
                task(body, at: pointer.appending("functions").appending(name))
            }
        }
        if let retries = use["retries"]?.objectValue {
            for (name, policy) in retries {
                guard let policy = policy.objectValue else { continue }
                retryPolicy(policy, at: pointer.appending("retries").appending(name))
            }
        }
        if let timeouts = use["timeouts"]?.objectValue {
            for (name, timeout) in timeouts { checkTimeout(timeout, at: pointer.appending("timeouts").appending(name)) }
        }
        if let errors = use["errors"]?.objectValue {
            for (name, error) in errors { values(error, at: pointer.appending("errors").appending(name)) }
        }
        if let extensions = use["extensions"]?.arrayValue {
            for (index, item) in extensions.enumerated() {
                guard let entry = item.objectValue?.elements.first else { continue }
                let extensionPointer = pointer.appending("extensions").appending(index).appending(entry.key)
                taskList(entry.value["before"], at: extensionPointer.appending("before"))
                taskList(entry.value["after"], at: extensionPointer.appending("after"))
            }
        }
        if let catalogs = use["catalogs"]?.objectValue {
            for (name, catalog) in catalogs {
                if let endpoint = catalog["endpoint"] { self.endpoint(endpoint, at: pointer.appending("catalogs").appending(name).appending("endpoint")) }
            }
        }
        if let authentications = use["authentications"] {
            values(authentications, at: pointer.appending("authentications"))
        }
    }

    mutating func checkSchedule(_ schedule: OrderedDictionary<String, JSON>, at pointer: JSONPointer) {
        if let cron = schedule["cron"]?.stringValue {
            do {
                _ = try CronExpression(parsing: cron)
            } catch {
                diagnostics.append(CompilerDiagnostics.invalidCron(error.description, path: pointer.appending("cron")))
            }
        }
        for key in ["every", "after"] {
            if let value = schedule[key] { duration(value, at: pointer.appending(key)) }
        }
        if let on = schedule["on"]?.objectValue { consumptionStrategy(on, at: pointer.appending("on")) }
    }

    mutating func checkTimeout(_ timeout: JSON, at pointer: JSONPointer) {
        switch timeout {
        case .string(let name): reference(name, kind: "timeout", section: "timeouts", at: pointer)
        case .object(let definition):
            if let after = definition["after"] { duration(after, at: pointer.appending("after")) }
        default: break
        }
    }

    mutating func reference(_ name: String, kind: String, section: String, at pointer: @autoclosure () -> JSONPointer) {
        guard !(defined[section]?.contains(name) ?? false) else { return }
        diagnostics.append(
            CompilerDiagnostics.undefinedReference(
                kind: kind, section: section, name: name, path: pointer(), known: Array(defined[section] ?? [])))
    }

    // MARK: values

    /// An `input`/`output`/`export` block: its `from`/`as` is an expression (string) or a template (object).
    mutating func dataFlow(_ block: JSON, at pointer: JSONPointer, key: String) {
        guard let template = block[key], template.stringValue == nil else { return }
        values(template, at: pointer.appending(key))
    }

    /// A duration: an ISO 8601 string, an inline object (checked by the schema), or an expression.
    mutating func duration(_ value: JSON, at pointer: JSONPointer) {
        if case .object(let parts) = value {
            if !ISO8601Duration.isWithinLimit(ISO8601Duration.seconds(inline: parts)) { diagnostics.append(Self.durationTooLong(value.serialized(), path: pointer)) }
            return
        }
        guard case .string(let text) = value, RuntimeExpression.unwrap(text) == nil else { return }
        do {
            let parsed = try ISO8601Duration(parsing: text)
            if parsed.hasCalendarUnits {
                diagnostics.append(CompilerDiagnostics.calendarDuration(text, path: pointer))
            } else if let seconds = parsed.totalSeconds, !ISO8601Duration.isWithinLimit(seconds) {
                diagnostics.append(Self.durationTooLong(JSON.quote(text), path: pointer))
            }
        } catch {
            diagnostics.append(CompilerDiagnostics.invalidDuration(error.description, path: pointer))
        }
    }

    /// A literal duration longer than ``ISO8601Duration/maximumSeconds``.
    static func durationTooLong(_ text: String, path: JSONPointer) -> Diagnostic {
        CompilerDiagnostics.invalidDuration(
            "duration \(text) is longer than the maximum duration of \(ISO8601Duration.maximumDescription)", path: path)
    }

    /// An endpoint: a URI template string, an expression, or `{uri, authentication}`.
    mutating func endpoint(_ value: JSON, at pointer: JSONPointer) {
        let text: String
        let path: JSONPointer
        switch value {
        case .string(let string):
            (text, path) = (string, pointer)
        case .object(let members):
            guard let uri = members["uri"]?.stringValue else { return }
            (text, path) = (uri, pointer.appending("uri"))
        default: return
        }
        guard RuntimeExpression.unwrap(text) == nil else { return }
        do {
            _ = try URITemplate(parsing: text)
        } catch {
            diagnostics.append(CompilerDiagnostics.invalidURITemplate(error.description, path: path))
        }
    }

    /// Any value in a value position: a string that looks like interpolation but is not a whole
    /// `${ }` is a literal (a warning in strict mode); authentication references and secrets
    /// named inside it must exist. Its expressions are the compiler's sites.
    mutating func values(_ value: JSON, at pointer: JSONPointer) {
        var path: [String] = []
        values(value, base: pointer, path: &path)
    }

    /// ``values(_:at:)`` for the value at `base` followed by `path`; the pointer is built only
    /// for a diagnostic.
    private mutating func values(_ value: JSON, base: JSONPointer, path: inout [String]) {
        switch value {
        case .string(let text):
            if !loose && RuntimeExpression.isPartialInterpolation(text) {
                diagnostics.append(CompilerDiagnostics.partialInterpolation(text, path: JSONPointer(tokens: base.tokens + path)))
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                path.append(String(index))
                values(element, base: base, path: &path)
                path.removeLast()
            }
        case .object(let members):
            for (key, member) in members {
                // Schemas are JSON Schema documents, not workflow values.
                if key == "schema", member["format"] != nil || member["document"] != nil { continue }
                if key == "authentication", let name = member["use"]?.stringValue, member.objectValue?.count == 1 {
                    reference(
                        name, kind: "authentication", section: "authentications",
                        at: JSONPointer(tokens: base.tokens + path + [key, "use"]))
                    continue
                }
                if Self.schemes.contains(key), let secret = member["use"]?.stringValue {
                    reference(secret, kind: "secret", section: "secrets", at: JSONPointer(tokens: base.tokens + path + [key, "use"]))
                    continue
                }
                path.append(key)
                values(member, base: base, path: &path)
                path.removeLast()
            }
        default:
            break
        }
    }

    /// Authentication schemes whose fields may come from a secret (`bearer: {use: name}`).
    static let schemes: Set<String> = ["basic", "bearer", "digest", "oauth2", "oidc"]
}

extension String {
    /// The expression as a note quotes it: whole when short, otherwise a window of about 100 bytes
    /// around the byte at `offset`, with an ellipsis on each cut side.
    fileprivate func clipped(around offset: Int) -> String {
        let window = 100
        let bytes = Array(self.utf8)
        guard bytes.count > 2 * window else { return trimmingCharactersInSpace }
        var start = max(0, min(offset, bytes.count) - window / 2)
        var end = min(bytes.count, start + window)
        // Cut on character boundaries: never inside a multi-byte UTF-8 sequence.
        while start > 0, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let text = String(decoding: bytes[start..<end], as: UTF8.self)
        return (start > 0 ? "…" : "") + text + (end < bytes.count ? "…" : "")
    }

    fileprivate var trimmingCharactersInSpace: String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
