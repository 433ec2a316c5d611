/// The names in scope while the parser reads an expression, and the bookkeeping that decides which
/// unresolved names libjq 1.6 reports.
///
/// Binding is lexical, as in libjq, where every binder binds the references inside the block it
/// was built around, innermost first:
/// - functions are looked up by name *and* arity: parameters of the enclosing `def`s, then the
///   `def`s themselves (each is visible in its own body, for recursion, and in the expression
///   after its `;`), then the builtins; a `$p` parameter also defines the function `p/0`;
/// - variables come from `as` patterns, `reduce`/`foreach` patterns (in the update and extract
///   expressions only), `$p` parameters, the caller's variables and the global `$ENV`;
/// - labels live in their own namespace (`label $x` does not bind `$x`);
/// - an object pattern's computed key `(…)` does not see the pattern's own variables, unless the
///   patterns are alternatives joined by `?//`, whose variables are all bound before any matcher.
///
/// libjq only reports an unresolved name if the code holding it survives into the program:
/// `block_bind_referenced` (`jqlang/jq@jq-1.6: src/compile.c`) throws away a `def` that nothing
/// in its scope calls, body and all, so `def f: nosuch; 1` compiles. The scope therefore records,
/// per `def`, who refers to it, decides when the `def`'s scope ends whether it is kept, and
/// reports an unresolved name only when every `def` around it was kept.
struct JQScope {
    /// A name in the expression, as a byte range (no `$`).
    struct Name {
        var start: Int
        var end: Int
    }

    /// Where a `def` was opened, to close it again.
    struct DefinitionMark {
        fileprivate let index: Int
        fileprivate let name: Name
        fileprivate let arity: Int
        fileprivate let functionCount: Int
        fileprivate let variableCount: Int
    }

    /// Where a list of patterns (after `as`) started.
    struct PatternMark {
        fileprivate let variableStart: Int
        fileprivate let deferredStart: Int
    }

    private struct FunctionBinding {
        var name: Name
        var arity: Int
        /// Index into `definitions`, or -1 for a parameter (parameters are never dropped).
        var definition: Int
    }

    private struct VariableBinding {
        var name: Name
        var isLabel: Bool
    }

    private struct Definition {
        /// The definition whose body holds this one, or -1 at the top level.
        var parent: Int
        /// Whether libjq keeps the definition; decided when its scope ends.
        var kept = false
    }

    /// A call to a `def`, from code whose innermost enclosing `def` body is `context`.
    private struct Reference {
        var definition: Int
        var context: Int
    }

    /// An unresolved name, reported only if the code holding it survives.
    private struct Pending {
        var failure: JQSyntaxFailure
        var context: Int
    }

    /// A variable used in a computed key of a pattern and not bound outside: the pattern's own
    /// variables may still bind it if the patterns turn out to be alternatives.
    private struct Deferred {
        var name: Name
        var failure: JQSyntaxFailure
        var context: Int
    }

    private let source: UnsafeBufferPointer<UInt8>
    private let externalVariables: Set<String>
    private var functions: [FunctionBinding] = []
    private var variables: [VariableBinding] = []
    private var definitions: [Definition] = []
    private var references: [Reference] = []
    private var pending: [Pending] = []
    private var patternVariables: [Name] = []
    private var deferred: [Deferred] = []
    private var openPatternLists = 0
    /// The innermost `def` whose body is being read, or -1 outside every body.
    private var context = -1

    /// The builtins a call no `def` answers must be one of; `nil` leaves such calls to the
    /// engine's compiler (for the engine's own prelude, which defines builtins).
    private let builtins: JQBuiltinTable?

    init(source: UnsafeBufferPointer<UInt8>, externalVariables: Set<String>, builtins: JQBuiltinTable?) {
        self.source = source
        self.externalVariables = externalVariables
        self.builtins = builtins
    }

    // MARK: - Functions

    var functionCount: Int { functions.count }

    /// A call `name(…)` with `arity` arguments.
    mutating func referenceFunction(_ name: Name, arity: Int) {
        var index = functions.count - 1
        while index >= 0 {
            let binding = functions[index]
            if binding.arity == arity && same(binding.name, name) {
                if binding.definition >= 0 {
                    references.append(Reference(definition: binding.definition, context: context))
                }
                return
            }
            index -= 1
        }
        guard let builtins else { return }
        let text = text(name)
        if builtins.contains(text, arity: arity) { return }
        let failure = JQSyntaxFailure.undefinedFunction(
            text,
            arity: arity,
            otherArities: arities(of: name, text: text),
            suggestion: suggestFunction(for: text, arity: arity),
            start: name.start,
            end: name.end
        )
        pending.append(Pending(failure: failure, context: context))
    }

    /// A call libjq generates on its own, such as `_plus/2` for `a + b` or `recurse/0` for `..`.
    ///
    /// A builtin always answers it, but a `def` of the same name and arity in scope takes the call,
    /// and is then kept (its body checked) like any other called `def`.
    mutating func referenceImplicitFunction(_ name: StaticString, arity: Int) {
        guard !functions.isEmpty else { return }
        var index = functions.count - 1
        while index >= 0 {
            let binding = functions[index]
            if binding.arity == arity && same(binding.name, name) {
                if binding.definition >= 0 {
                    references.append(Reference(definition: binding.definition, context: context))
                }
                return
            }
            index -= 1
        }
    }

    /// A closure parameter `name` (or the function half of a `$name` parameter), visible as
    /// `name/0` in the body of the `def` being read.
    mutating func bindParameter(_ name: Name, isVariable: Bool) {
        functions.append(FunctionBinding(name: name, arity: 0, definition: -1))
        if isVariable {
            variables.append(VariableBinding(name: name, isLabel: false))
        }
    }

    /// Opens `def name(…)` after its parameters were bound: the body that follows sees itself.
    /// - Parameters:
    ///   - functionCount: ``functionCount`` before the parameters were bound.
    ///   - variableCount: ``variableCount`` before the parameters were bound.
    mutating func beginDefinition(_ name: Name, arity: Int, functionCount: Int, variableCount: Int) -> DefinitionMark {
        let index = definitions.count
        definitions.append(Definition(parent: context))
        functions.append(FunctionBinding(name: name, arity: arity, definition: index))
        context = index
        return DefinitionMark(
            index: index,
            name: name,
            arity: arity,
            functionCount: functionCount,
            variableCount: variableCount
        )
    }

    /// Closes the body of a `def` (after its `;`); the definition stays visible for its scope.
    mutating func endDefinitionBody(_ mark: DefinitionMark) {
        functions.removeSubrange(mark.functionCount...)
        variables.removeSubrange(mark.variableCount...)
        context = definitions[mark.index].parent
        functions.append(FunctionBinding(name: mark.name, arity: mark.arity, definition: mark.index))
    }

    /// Closes the scope of a `def` and decides whether libjq keeps it.
    /// - Parameter dropped: the definition is dropped whatever refers to it, as libjq does with a
    ///   program made of definitions only.
    /// - Returns: whether the definition is kept (some kept code in its scope calls it).
    @discardableResult
    mutating func endDefinitionScope(_ mark: DefinitionMark, dropped: Bool = false) -> Bool {
        functions.removeSubrange(mark.functionCount...)
        let kept = !dropped && isCalled(mark.index)
        definitions[mark.index].kept = kept
        return kept
    }

    /// Whether some code that libjq keeps calls the definition, its own body excepted: the call's
    /// enclosing `def` bodies, up to the one holding the definition, must all be kept. They are
    /// all decided by now, because their scopes lie inside this definition's scope.
    private func isCalled(_ index: Int) -> Bool {
        let parent = definitions[index].parent
        search: for reference in references where reference.definition == index {
            var context = reference.context
            while context != parent && context >= 0 {
                if context == index || !definitions[context].kept { continue search }
                context = definitions[context].parent
            }
            return true
        }
        return false
    }

    // MARK: - Variables and labels

    var variableCount: Int { variables.count }

    /// Unbinds the variables and labels bound since `count` was read from ``variableCount``.
    mutating func unbindVariables(to count: Int) {
        variables.removeSubrange(count...)
    }

    mutating func bindLabel(_ name: Name) {
        variables.append(VariableBinding(name: name, isLabel: true))
    }

    /// A use of `$name`; `dollar` is where its `$` is.
    mutating func referenceVariable(_ name: Name, dollar: Int) {
        if isBound(name, label: false) || same(name, "ENV") { return }
        let text = text(name)
        if externalVariables.contains(text) { return }
        let failure = JQSyntaxFailure.undefinedVariable(
            text,
            suggestion: suggestVariable(for: text),
            start: dollar,
            end: name.end
        )
        if openPatternLists > 0 {
            deferred.append(Deferred(name: name, failure: failure, context: context))
        } else {
            pending.append(Pending(failure: failure, context: context))
        }
    }

    /// A `break $name`, spanning `start..<name.end`.
    mutating func referenceLabel(_ name: Name, start: Int) {
        if isBound(name, label: true) { return }
        let failure = JQSyntaxFailure.undefinedLabel(text(name), start: start, end: name.end)
        pending.append(Pending(failure: failure, context: context))
    }

    private func isBound(_ name: Name, label: Bool) -> Bool {
        var index = variables.count - 1
        while index >= 0 {
            let binding = variables[index]
            if binding.isLabel == label && same(binding.name, name) { return true }
            index -= 1
        }
        return false
    }

    // MARK: - Patterns

    /// Starts a list of patterns joined by `?//` (usually just one).
    mutating func beginPatterns() -> PatternMark {
        openPatternLists += 1
        return PatternMark(variableStart: patternVariables.count, deferredStart: deferred.count)
    }

    /// A `$name` bound by the pattern being read; bound for the body by ``bindPatternVariables(_:)``.
    mutating func addPatternVariable(_ name: Name) {
        patternVariables.append(name)
    }

    /// Ends a list of patterns. With alternatives, every variable of every pattern is bound
    /// around all the matchers (`bind_alternation_matchers`), so computed keys see them too.
    mutating func endPatterns(_ mark: PatternMark, alternatives: Bool) {
        openPatternLists -= 1
        var kept = mark.deferredStart
        for index in mark.deferredStart..<deferred.count {
            let item = deferred[index]
            if alternatives && patternVariables[mark.variableStart...].contains(where: { same($0, item.name) }) {
                continue
            }
            if openPatternLists > 0 {
                deferred[kept] = item
                kept += 1
            } else {
                pending.append(Pending(failure: item.failure, context: item.context))
            }
        }
        deferred.removeSubrange(kept...)
    }

    /// Binds the variables of the patterns that started at `mark`, for the body that follows.
    /// - Returns: the ``variableCount`` to unbind to after the body.
    mutating func bindPatternVariables(_ mark: PatternMark) -> Int {
        let count = variables.count
        for name in patternVariables[mark.variableStart...] {
            variables.append(VariableBinding(name: name, isLabel: false))
        }
        patternVariables.removeSubrange(mark.variableStart...)
        return count
    }

    // MARK: - Result

    /// The first unresolved name, by position, in code libjq keeps; `nil` when there is none.
    func firstFailure() -> JQSyntaxFailure? {
        var first: JQSyntaxFailure?
        for item in pending where isKept(item.context) {
            if let current = first, current.start <= item.failure.start { continue }
            first = item.failure
        }
        return first
    }

    private func isKept(_ context: Int) -> Bool {
        var context = context
        while context >= 0 {
            if !definitions[context].kept { return false }
            context = definitions[context].parent
        }
        return true
    }

    // MARK: - Suggestions

    /// The other arities `name` is defined with, in scope or as a builtin, in ascending order.
    private func arities(of name: Name, text: String) -> [Int] {
        var mask = builtins?.arities[text] ?? 0
        for binding in functions where same(binding.name, name) && binding.arity < 32 {
            mask |= 1 << UInt32(binding.arity)
        }
        return (0..<32).filter { mask & (1 << UInt32($0)) != 0 }
    }

    private func suggestFunction(for name: String, arity: Int) -> String? {
        var candidates: [(name: String, preferred: Bool)] = []
        for binding in functions {
            candidates.append((text(binding.name), binding.arity == arity))
        }
        for (candidate, mask) in builtins?.arities ?? [:] where !candidate.hasPrefix("_") {
            candidates.append((candidate, arity < 32 && mask & (1 << UInt32(arity)) != 0))
        }
        return JQNameSuggestion.closest(to: name, among: candidates)
    }

    private func suggestVariable(for name: String) -> String? {
        var candidates: [(name: String, preferred: Bool)] = [("ENV", true), ("__loc__", true)]
        for binding in variables where !binding.isLabel {
            candidates.append((text(binding.name), true))
        }
        for variable in externalVariables {
            candidates.append((variable, true))
        }
        return JQNameSuggestion.closest(to: name, among: candidates)
    }

    // MARK: - Bytes

    private func same(_ a: Name, _ b: Name) -> Bool {
        let count = a.end - a.start
        guard b.end - b.start == count else { return false }
        for offset in 0..<count where source[a.start + offset] != source[b.start + offset] {
            return false
        }
        return true
    }

    private func same(_ a: Name, _ word: StaticString) -> Bool {
        let count = a.end - a.start
        guard word.utf8CodeUnitCount == count else { return false }
        let pointer = word.utf8Start
        for offset in 0..<count where source[a.start + offset] != pointer[offset] {
            return false
        }
        return true
    }

    private func text(_ name: Name) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: source[name.start..<name.end]), as: UTF8.self)
    }
}
