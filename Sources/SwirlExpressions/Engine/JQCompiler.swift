import SwirlCore

/// Why a parsed jq program cannot be compiled: a name that resolves to nothing.
struct JQCompileError: Error, Sendable, Equatable {
    var message: String
}

/// Turns a parsed jq program (``JQNode``) into a ``JQFilter``: every name resolved once, here,
/// to a distance in the environment or to a function, so evaluation looks nothing up by name.
///
/// Scopes mirror the environment the program builds as it runs: each variable, filter argument
/// and label pushes one ``JQSlot``, in the order ``frames`` records. A user function is reached
/// by dropping the slots pushed since its `def`, so a function never holds a reference to itself
/// and recursion needs no cycle at run time.
struct JQCompiler {
    /// What one slot of the environment holds, as the compiler tracks it.
    enum Frame {
        case variable(String)
        case closure(String)
        case label(String)
    }

    /// A function's compiled body, filled in once the body is compiled (a recursive function
    /// calls itself through it). ``JQCompiledProgram`` owns every box and empties them when it goes, so
    /// the closures that refer to each other are freed.
    final class FunctionBox: @unchecked Sendable {
        var body: JQFilter?
    }

    /// A name that can be called.
    enum Callable {
        /// A filter argument of an enclosing function, at slot `frame`.
        case parameter(name: String, frame: Int)
        /// A `def`, whose environment is the first `depth` slots.
        case function(name: String, arity: Int, depth: Int, box: FunctionBox)

    }

    private(set) var frames: [Frame] = []
    private(set) var callables: [Callable]
    private(set) var boxes: [FunctionBox] = []
    private let natives: [String: JQNativeFunction]

    /// - Parameters:
    ///   - variables: the caller's variables, the first slots of the environment in this order.
    ///   - callables: the functions already defined around the program (the prelude's).
    ///   - natives: the builtins written in Swift, by `name/arity`.
    init(variables: [String], callables: [Callable] = [], natives: [String: JQNativeFunction]) {
        frames = variables.map { .variable($0) }
        self.callables = callables
        self.natives = natives
    }

    // MARK: - Nodes

    mutating func compile(_ node: JQNode) throws(JQCompileError) -> JQFilter {
        switch node {
        case .identity:
            return .identity
        case .literal(let value):
            return .constant(value)
        case .interpolated(let format, let parts):
            return try compileInterpolation(format, parts)
        case .format(let name):
            return JQFilter { input, _, _, emit throws(JQEvalError) in
                try emit(.string(try JQFormat.apply(name, to: input)))
            }
        // A `?` after a suffix drops only the suffix's own error (indexing a number, iterating a
        // string): errors of the term before it and of the key go on, as in jq.
        case .index(let base, let key, let optional):
            return try compileIndex(base, key, optional: optional)
        case .slice(let base, let from, let to, let optional):
            return try compileSlice(base, from, to, optional: optional)
        case .iterate(let base, let optional):
            return Self.iterate(try compile(base), optional: optional)
        case .pipe(let left, let right):
            return Self.pipe(try compile(left), try compile(right))
        case .comma(let left, let right):
            let a = try compile(left)
            let b = try compile(right)
            return JQFilter(
                run: { input, env, context, emit throws(JQEvalError) in
                    try a.run(input, env, context, emit)
                    try b.run(input, env, context, emit)
                },
                paths: { input, env, context, emit throws(JQEvalError) in
                    try a.paths(input, env, context, emit)
                    try b.paths(input, env, context, emit)
                }
            )
        case .negate(let operand):
            let a = try compile(operand)
            return JQFilter { input, env, context, emit throws(JQEvalError) in
                try a.run(input, env, context) { value throws(JQEvalError) in try emit(try JQValue.negate(value)) }
            }
        case .binary(let operation, let left, let right):
            return Self.binary(Self.operation(operation), try compile(left), try compile(right))
        case .and(let left, let right):
            return Self.logical(try compile(left), try compile(right), shortCircuitsOn: false)
        case .or(let left, let right):
            return Self.logical(try compile(left), try compile(right), shortCircuitsOn: true)
        case .alternative(let left, let right):
            return Self.alternative(try compile(left), try compile(right))
        case .assign(let operation, let path, let value):
            return try compileAssignment(operation, path, value)
        case .array(let elements):
            guard let elements else { return .constant(.array([])) }
            let filter = try compile(elements)
            return JQFilter { input, env, context, emit throws(JQEvalError) in
                let elements = try filter.collect(input, env, context)
                for element in elements {
                    try context.checkNesting(element, below: 1)
                }
                try emit(.array(elements))
            }
        case .object(let entries):
            return try compileObject(entries)
        case .conditional(let condition, let then, let otherwise):
            return Self.conditional(try compile(condition), try compile(then), try otherwise.map { node throws(JQCompileError) in try compile(node) })
        case .try(let body, let handler):
            return Self.attempt(try compile(body), handler: try handler.map { node throws(JQCompileError) in try compile(node) })
        case .optional(let body):
            return Self.attempt(try compile(body), handler: nil)
        case .reduce(let source, let patterns, let initial, let update):
            return try compileReduction(source, patterns, initial, update, extract: nil, isForeach: false)
        case .foreach(let source, let patterns, let initial, let update, let extract):
            return try compileReduction(source, patterns, initial, update, extract: extract, isForeach: true)
        case .definition(let definition, let rest):
            return try compileDefinition(definition, rest)
        case .call(let name, let arguments, _):
            return try compileCall(name, arguments)
        case .variable(let name, _):
            return try compileVariable(name)
        case .location(let line):
            return .constant(.object(["file": "<top-level>", "line": .number(Double(line))]))
        case .bind(let source, let patterns, let body):
            return try compileBinding(source, patterns, body)
        case .label(let name, let body):
            frames.append(.label(name))
            let inner = try compile(body)
            frames.removeLast()
            return JQFilter(
                run: { input, env, context, emit throws(JQEvalError) in
                    let label = context.newLabel()
                    do throws(JQEvalError) {
                        try inner.run(input, JQEnv(.label(label), env), context, emit)
                    } catch .break(label) {}
                },
                paths: { input, env, context, emit throws(JQEvalError) in
                    let label = context.newLabel()
                    do throws(JQEvalError) {
                        try inner.paths(input, JQEnv(.label(label), env), context, emit)
                    } catch .break(label) {}
                }
            )
        case .break(let name, _):
            guard let distance = distance(to: { if case .label(name) = $0 { true } else { false } }) else {
                throw JQCompileError(message: "$*label-\(name) is not defined")
            }
            let breaking: @Sendable (JQEnv?) throws(JQEvalError) -> Void = { env throws(JQEvalError) in
                guard case .label(let label) = try JQEnv.slot(env, distance) else {
                    throw .internalFailure("break without its label")
                }
                throw .break(label)
            }
            return JQFilter(
                run: { _, env, _, _ throws(JQEvalError) in try breaking(env) },
                paths: { _, env, _, _ throws(JQEvalError) in try breaking(env) }
            )
        }
    }

    /// How far from the head of the environment the innermost frame `matches` picks is.
    private func distance(to matches: (Frame) -> Bool) -> Int? {
        guard let index = frames.lastIndex(where: matches) else { return nil }
        return frames.count - 1 - index
    }

    // MARK: - Paths and indexes

    /// `value[key]`, or nothing when `optional` and the value cannot be indexed so.
    @inline(__always)
    private static func index(_ value: JSON, _ key: JSON, optional: Bool) throws(JQEvalError) -> JSON? {
        guard optional else { return try JQPath.index(value, key) }
        do throws(JQEvalError) {
            return try JQPath.index(value, key)
        } catch .raised {
            return nil
        }
    }

    private mutating func compileIndex(_ base: JQNode, _ key: JQNode, optional: Bool) throws(JQCompileError) -> JQFilter {
        let source = try compile(base)
        if case .literal(let name) = key {
            // `.a`, `.[0]`: the key is known, so only the base generates.
            if case .identity = base {
                return JQFilter(
                    run: { input, _, _, emit throws(JQEvalError) in
                        if let value = try Self.index(input, name, optional: optional) { try emit(value) }
                    },
                    paths: { input, _, _, emit throws(JQEvalError) in
                        try input.checkAccess(name)
                        if let value = try Self.index(input.value, name, optional: optional) {
                            try emit(input.appending(name, value: value))
                        }
                    }
                )
            }
            return JQFilter(
                run: { input, env, context, emit throws(JQEvalError) in
                    try source.run(input, env, context) { value throws(JQEvalError) in
                        if let element = try Self.index(value, name, optional: optional) { try emit(element) }
                    }
                },
                paths: { input, env, context, emit throws(JQEvalError) in
                    try source.paths(input, env, context) { reached throws(JQEvalError) in
                        try reached.checkAccess(name)
                        if let value = try Self.index(reached.value, name, optional: optional) {
                            try emit(reached.appending(name, value: value))
                        }
                    }
                }
            )
        }
        let index = try compile(key)
        // The key is evaluated on the input, as its own generator outside the base's.
        return JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                try index.run(input, env, context) { name throws(JQEvalError) in
                    try source.run(input, env, context) { value throws(JQEvalError) in
                        if let element = try Self.index(value, name, optional: optional) { try emit(element) }
                    }
                }
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                try index.run(input.value, env, context) { name throws(JQEvalError) in
                    try source.paths(input, env, context) { reached throws(JQEvalError) in
                        try reached.checkAccess(name)
                        if let value = try Self.index(reached.value, name, optional: optional) {
                            try emit(reached.appending(name, value: value))
                        }
                    }
                }
            }
        )
    }

    private mutating func compileSlice(_ base: JQNode, _ from: JQNode?, _ to: JQNode?, optional: Bool) throws(JQCompileError)
        -> JQFilter
    {
        let source = try compile(base)
        let start = try from.map { node throws(JQCompileError) in try compile(node) } ?? .constant(.null)
        let end = try to.map { node throws(JQCompileError) in try compile(node) } ?? .constant(.null)
        return JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                try start.run(input, env, context) { from throws(JQEvalError) in
                    try end.run(input, env, context) { to throws(JQEvalError) in
                        let key = JQPath.sliceKey(from: from, to: to)
                        try source.run(input, env, context) { value throws(JQEvalError) in
                            if let part = try Self.index(value, key, optional: optional) { try emit(part) }
                        }
                    }
                }
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                try start.run(input.value, env, context) { from throws(JQEvalError) in
                    try end.run(input.value, env, context) { to throws(JQEvalError) in
                        let key = JQPath.sliceKey(from: from, to: to)
                        try source.paths(input, env, context) { reached throws(JQEvalError) in
                            try reached.checkAccess(key)
                            if let part = try Self.index(reached.value, key, optional: optional) {
                                try emit(reached.appending(key, value: part))
                            }
                        }
                    }
                }
            }
        )
    }

    /// `base[]`: each element of an array, each value of an object; with `optional`, nothing
    /// for any other value.
    static func iterate(_ source: JQFilter, optional: Bool = false) -> JQFilter {
        JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                try source.run(input, env, context) { value throws(JQEvalError) in
                    switch value {
                    case .array(let elements):
                        for element in elements {
                            try context.step()
                            try emit(element)
                        }
                    case .object(let members):
                        for member in members.values {
                            try context.step()
                            try emit(member)
                        }
                    default:
                        if optional { return }
                        throw .raised(.string("Cannot iterate over \(JQValue.quoted(value))"))
                    }
                }
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                try source.paths(input, env, context) { reached throws(JQEvalError) in
                    try reached.checkIteration()
                    switch reached.value {
                    case .array(let elements):
                        for (position, element) in elements.enumerated() {
                            try context.step()
                            try emit(reached.appending(.number(Double(position)), value: element))
                        }
                    case .object(let members):
                        for (name, member) in members {
                            try context.step()
                            try emit(reached.appending(.string(name), value: member))
                        }
                    default:
                        if optional { return }
                        throw .raised(.string("Cannot iterate over \(JQValue.quoted(reached.value))"))
                    }
                }
            }
        )
    }

    static func pipe(_ a: JQFilter, _ b: JQFilter) -> JQFilter {
        JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                try a.run(input, env, context) { value throws(JQEvalError) in try b.run(value, env, context, emit) }
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                try a.paths(input, env, context) { reached throws(JQEvalError) in try b.paths(reached, env, context, emit) }
            }
        )
    }

    // MARK: - Operators

    /// The function an operator applies to its two values.
    static func operation(_ operation: JQBinaryOperator) -> @Sendable (JSON, JSON) throws(JQEvalError) -> JSON {
        switch operation {
        case .add: { a, b throws(JQEvalError) in try JQValue.add(a, b) }
        case .subtract: { a, b throws(JQEvalError) in try JQValue.subtract(a, b) }
        case .multiply: { a, b throws(JQEvalError) in try JQValue.multiply(a, b) }
        case .divide: { a, b throws(JQEvalError) in try JQValue.divide(a, b) }
        case .modulo: { a, b throws(JQEvalError) in try JQValue.modulo(a, b) }
        case .equal: { a, b in .bool(JQValue.equal(a, b)) }
        case .notEqual: { a, b in .bool(!JQValue.equal(a, b)) }
        case .less: { a, b in .bool(JQValue.compare(a, b) < 0) }
        case .lessOrEqual: { a, b in .bool(JQValue.compare(a, b) <= 0) }
        case .greater: { a, b in .bool(JQValue.compare(a, b) > 0) }
        case .greaterOrEqual: { a, b in .bool(JQValue.compare(a, b) >= 0) }
        }
    }

    /// `a op b`: the right operand is the outer generator, as in jq (`[(1,2) + (10,20)]` is
    /// `[11,12,21,22]`).
    static func binary(
        _ apply: @escaping @Sendable (JSON, JSON) throws(JQEvalError) -> JSON,
        _ a: JQFilter,
        _ b: JQFilter
    ) -> JQFilter {
        JQFilter { input, env, context, emit throws(JQEvalError) in
            try b.run(input, env, context) { right throws(JQEvalError) in
                try a.run(input, env, context) { left throws(JQEvalError) in try emit(try apply(left, right)) }
            }
        }
    }

    /// `a and b` (`shortCircuitsOn` false) and `a or b` (true): `b` runs only for the values of
    /// `a` that do not decide the answer alone.
    static func logical(_ a: JQFilter, _ b: JQFilter, shortCircuitsOn decisive: Bool) -> JQFilter {
        JQFilter { input, env, context, emit throws(JQEvalError) in
            try a.run(input, env, context) { left throws(JQEvalError) in
                if JQValue.isTruthy(left) == decisive {
                    try emit(.bool(decisive))
                } else {
                    try b.run(input, env, context) { right throws(JQEvalError) in try emit(.bool(JQValue.isTruthy(right))) }
                }
            }
        }
    }

    /// `a // b`: the values of `a` that are neither `false` nor `null`, or if there are none, the
    /// values of `b`. Errors in `a` are not caught: `error("x") // 1` fails.
    static func alternative(_ a: JQFilter, _ b: JQFilter) -> JQFilter {
        JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                var found = false
                try a.run(input, env, context) { value throws(JQEvalError) in
                    if JQValue.isTruthy(value) {
                        found = true
                        try emit(value)
                    }
                }
                if !found {
                    try b.run(input, env, context, emit)
                }
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                var found = false
                try a.paths(input, env, context) { reached throws(JQEvalError) in
                    if JQValue.isTruthy(reached.value) {
                        found = true
                        try emit(reached)
                    }
                }
                if !found {
                    try b.paths(input, env, context, emit)
                }
            }
        )
    }

    /// `if c then a else b end`; without `else`, the input passes through.
    static func conditional(_ condition: JQFilter, _ then: JQFilter, _ otherwise: JQFilter?) -> JQFilter {
        JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                try condition.run(input, env, context) { test throws(JQEvalError) in
                    if JQValue.isTruthy(test) {
                        try then.run(input, env, context, emit)
                    } else if let otherwise {
                        try otherwise.run(input, env, context, emit)
                    } else {
                        try emit(input)
                    }
                }
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                try condition.run(input.value, env, context) { test throws(JQEvalError) in
                    if JQValue.isTruthy(test) {
                        try then.paths(input, env, context, emit)
                    } else if let otherwise {
                        try otherwise.paths(input, env, context, emit)
                    } else {
                        try emit(input)
                    }
                }
            }
        )
    }

    /// `try body catch handler` and `body?`: the first error `body` raises ends its outputs and,
    /// with a handler, runs it on the error's value. Errors raised further down the pipeline
    /// (by what consumes the outputs) pass through untouched, and so do `break`s and limits.
    static func attempt(_ body: JQFilter, handler: JQFilter?) -> JQFilter {
        JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                try guarded(emit) { forward throws(JQEvalError) in
                    try body.run(input, env, context, forward)
                } onError: { error throws(JQEvalError) in
                    if let handler { try handler.run(error, env, context, emit) }
                }
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                try guarded(emit) { forward throws(JQEvalError) in
                    try body.paths(input, env, context, forward)
                } onError: { error throws(JQEvalError) in
                    // The error's value is no path.
                    try handler?.paths(JQPathValue(notAPath: error), env, context, emit)
                }
            }
        )
    }

    /// Runs `body` with a continuation that forwards to `emit`, and hands the value of an error
    /// `body` itself raises to `onError`. An error thrown by `emit` is rethrown as it is.
    @inline(__always)
    static func guarded<Output>(
        _ emit: (Output) throws(JQEvalError) -> Void,
        _ body: ((Output) throws(JQEvalError) -> Void) throws(JQEvalError) -> Void,
        onError: (JSON) throws(JQEvalError) -> Void
    ) throws(JQEvalError) {
        var downstream = false
        do throws(JQEvalError) {
            try withoutActuallyEscaping(emit) { (emit) throws(JQEvalError) in
                try body { value throws(JQEvalError) in
                    do throws(JQEvalError) {
                        try emit(value)
                    } catch {
                        downstream = true
                        throw error
                    }
                }
            }
        } catch {
            guard !downstream, case .raised(let value) = error else { throw error }
            try onError(value)
        }
    }

    // MARK: - Strings

    private mutating func compileInterpolation(_ format: String, _ parts: [JQStringPart]) throws(JQCompileError) -> JQFilter {
        enum Piece: Sendable {
            case text(String)
            case value(JQFilter)
        }
        var pieces: [Piece] = []
        for part in parts {
            switch part {
            case .text(let text): pieces.append(.text(text))
            case .expression(let node): pieces.append(.value(try compile(node)))
            }
        }
        let compiled = pieces
        // The last interpolation is the outermost generator, as jq builds the string from `+`s.
        @Sendable func build(
            _ end: Int,
            _ suffix: String,
            _ input: JSON,
            _ env: JQEnv?,
            _ context: JQRun,
            _ emit: JQEmit
        ) throws(JQEvalError) {
            guard end > 0 else { return try emit(.string(suffix)) }
            switch compiled[end - 1] {
            case .text(let text):
                try build(end - 1, text + suffix, input, env, context, emit)
            case .value(let filter):
                try filter.run(input, env, context) { value throws(JQEvalError) in
                    let text = try JQFormat.apply(format, to: value)
                    try build(end - 1, text + suffix, input, env, context, emit)
                }
            }
        }
        return JQFilter { input, env, context, emit throws(JQEvalError) in
            try build(compiled.count, "", input, env, context, emit)
        }
    }

    // MARK: - Objects

    private mutating func compileObject(_ entries: [JQObjectEntry]) throws(JQCompileError) -> JQFilter {
        var compiled: [(key: JQFilter, literalKey: String?, value: JQFilter)] = []
        for entry in entries {
            var literalKey: String?
            if case .literal(.string(let name)) = entry.key { literalKey = name }
            compiled.append((try compile(entry.key), literalKey, try compile(entry.value)))
        }
        let members = compiled
        // Each entry's key, then its value, is a generator inside the previous entry's.
        @Sendable func build(
            _ index: Int,
            _ object: OrderedDictionary<String, JSON>,
            _ input: JSON,
            _ env: JQEnv?,
            _ context: JQRun,
            _ emit: JQEmit
        ) throws(JQEvalError) {
            guard index < members.count else { return try emit(.object(object)) }
            let member = members[index]
            func add(_ name: String) throws(JQEvalError) {
                try member.value.run(input, env, context) { value throws(JQEvalError) in
                    try context.checkNesting(value, below: 1)
                    var extended = object
                    extended[name] = value
                    try build(index + 1, extended, input, env, context, emit)
                }
            }
            if let name = member.literalKey {
                return try add(name)
            }
            try member.key.run(input, env, context) { key throws(JQEvalError) in
                guard case .string(let name) = key else {
                    throw .raised(.string("Cannot use \(JQValue.quoted(key)) as object key"))
                }
                try add(name)
            }
        }
        return JQFilter { input, env, context, emit throws(JQEvalError) in
            try build(0, [:], input, env, context, emit)
        }
    }

    // MARK: - Assignments

    private mutating func compileAssignment(
        _ operation: JQAssignOperator,
        _ pathNode: JQNode,
        _ valueNode: JQNode
    ) throws(JQCompileError) -> JQFilter {
        let target = try compile(pathNode)
        let value = try compile(valueNode)
        switch operation {
        case .set:
            // `a = b`: for each value of `b`, that value at every path of `a`.
            return JQFilter { input, env, context, emit throws(JQEvalError) in
                try value.run(input, env, context) { new throws(JQEvalError) in
                    var state = input
                    try target.paths(JQPathValue(path: [], value: input), env, context) { reached throws(JQEvalError) in
                        let path = try reached.path
                        try context.checkNesting(new, below: path.count)
                        try JQPath.set(&state, path[...], to: new)
                    }
                    try emit(state)
                }
            }
        case .update:
            return JQFilter { input, env, context, emit throws(JQEvalError) in
                try emit(try Self.modify(input, target, env, context) { old, stop throws(JQEvalError) in
                    var result: JSON?
                    do throws(JQEvalError) {
                        try value.run(old, env, context) { new throws(JQEvalError) in
                            result = new
                            throw .break(stop)
                        }
                    } catch .break(stop) {}
                    return result
                })
            }
        case .arithmetic(let arithmetic):
            let apply = Self.operation(arithmetic)
            return JQFilter { input, env, context, emit throws(JQEvalError) in
                try value.run(input, env, context) { operand throws(JQEvalError) in
                    try emit(try Self.modify(input, target, env, context) { old, _ throws(JQEvalError) in
                        try apply(old, operand)
                    })
                }
            }
        case .alternative:
            return JQFilter { input, env, context, emit throws(JQEvalError) in
                try value.run(input, env, context) { operand throws(JQEvalError) in
                    try emit(try Self.modify(input, target, env, context) { old, _ in
                        JQValue.isTruthy(old) ? old : operand
                    })
                }
            }
        }
    }

    /// Rewrites the value at each path of `target` with `update` (given the old value and a label
    /// number to stop a generator with); where `update` gives nothing, the path is deleted.
    static func modify(
        _ input: JSON,
        _ target: JQFilter,
        _ env: JQEnv?,
        _ context: JQRun,
        _ update: (JSON, Int) throws(JQEvalError) -> JSON?
    ) throws(JQEvalError) -> JSON {
        var state = input
        var deleted: [JSON] = []
        let stop = context.newLabel()
        try target.paths(JQPathValue(path: [], value: input), env, context) { reached throws(JQEvalError) in
            let path = try reached.path
            let old = try JQPath.get(state, path: .array(path))
            if let new = try update(old, stop) {
                try context.checkNesting(new, below: path.count)
                try JQPath.set(&state, path[...], to: new)
            } else {
                deleted.append(.array(path))
            }
        }
        // Paths whose update gave nothing are deleted together at the end, so deleting one
        // element does not move the ones after it.
        return deleted.isEmpty ? state : try JQPath.delete(state, paths: .array(deleted))
    }

    // MARK: - Variables and patterns

    private mutating func compileVariable(_ name: String) throws(JQCompileError) -> JQFilter {
        guard let distance = distance(to: { if case .variable(name) = $0 { true } else { false } }) else {
            if name == "ENV" {
                return JQFilter { _, _, context, emit throws(JQEvalError) in try emit(context.environment) }
            }
            throw JQCompileError(message: "$\(name) is not defined")
        }
        return JQFilter { _, env, _, emit throws(JQEvalError) in
            guard case .value(let value) = try JQEnv.slot(env, distance) else {
                throw .internalFailure("$\(name) is not a value")
            }
            try emit(value)
        }
    }

    /// The variables a list of alternative patterns binds, in the order they first appear: each
    /// alternative sets all of them, `null` for those it does not name.
    private static func variables(of patterns: [JQPattern]) -> [String] {
        var names: [String] = []
        func visit(_ pattern: JQPattern) {
            switch pattern {
            case .variable(let name):
                if !names.contains(name) { names.append(name) }
            case .array(let elements):
                elements.forEach(visit)
            case .object(let entries):
                for entry in entries {
                    if let name = entry.variable, !names.contains(name) { names.append(name) }
                    if let pattern = entry.pattern { visit(pattern) }
                }
            }
        }
        patterns.forEach(visit)
        return names
    }

    /// A pattern compiled against the slots of its variables: it destructures a value and gives
    /// the slots' values for each way the value matches (a computed key may have several values).
    typealias Matcher = @Sendable (JSON, [JSON], JQEnv?, JQRun, ([JSON]) throws(JQEvalError) -> Void) throws(JQEvalError) -> Void

    private mutating func compilePattern(_ pattern: JQPattern, slots: [String]) throws(JQCompileError) -> Matcher {
        switch pattern {
        case .variable(let name):
            let slot = slots.firstIndex(of: name) ?? 0
            return { value, bound, _, _, next throws(JQEvalError) in
                var bound = bound
                bound[slot] = value
                try next(bound)
            }
        case .array(let elements):
            var matchers: [Matcher] = []
            for element in elements {
                matchers.append(try compilePattern(element, slots: slots))
            }
            let compiled = matchers
            @Sendable func match(
                _ index: Int,
                _ value: JSON,
                _ bound: [JSON],
                _ env: JQEnv?,
                _ context: JQRun,
                _ next: ([JSON]) throws(JQEvalError) -> Void
            ) throws(JQEvalError) {
                guard index < compiled.count else { return try next(bound) }
                if case .null = value {} else if case .array = value {} else {
                    throw .raised(.string("Cannot index \(value.typeName) with number"))
                }
                let element = try JQPath.index(value, .number(Double(index)))
                try compiled[index](element, bound, env, context) { bound throws(JQEvalError) in
                    try match(index + 1, value, bound, env, context, next)
                }
            }
            return { value, bound, env, context, next throws(JQEvalError) in
                try match(0, value, bound, env, context, next)
            }
        case .object(let entries):
            var compiled: [(key: JQFilter, variable: Int?, pattern: Matcher?)] = []
            for entry in entries {
                compiled.append((
                    try compile(entry.key),
                    entry.variable.flatMap { slots.firstIndex(of: $0) },
                    try entry.pattern.map { pattern throws(JQCompileError) in try compilePattern(pattern, slots: slots) }
                ))
            }
            let members = compiled
            @Sendable func match(
                _ index: Int,
                _ value: JSON,
                _ bound: [JSON],
                _ env: JQEnv?,
                _ context: JQRun,
                _ next: ([JSON]) throws(JQEvalError) -> Void
            ) throws(JQEvalError) {
                guard index < members.count else { return try next(bound) }
                let member = members[index]
                try member.key.run(value, env, context) { key throws(JQEvalError) in
                    guard case .string = key else {
                        throw .raised(.string("Cannot index \(value.typeName) with \(key.typeName)"))
                    }
                    if case .null = value {} else if case .object = value {} else {
                        throw .raised(.string("Cannot index \(value.typeName) with \"\(key.stringValue ?? "")\""))
                    }
                    let field = try JQPath.index(value, key)
                    var bound = bound
                    if let slot = member.variable { bound[slot] = field }
                    if let pattern = member.pattern {
                        try pattern(field, bound, env, context) { bound throws(JQEvalError) in
                            try match(index + 1, value, bound, env, context, next)
                        }
                    } else {
                        try match(index + 1, value, bound, env, context, next)
                    }
                }
            }
            return { value, bound, env, context, next throws(JQEvalError) in
                try match(0, value, bound, env, context, next)
            }
        }
    }

    /// Compiles `patterns` (alternatives) and then `body` with their variables in scope.
    private mutating func compileMatch(
        _ patterns: [JQPattern],
        body: (inout JQCompiler) throws(JQCompileError) -> JQFilter
    ) throws(JQCompileError) -> (matchers: [Matcher], slots: Int, body: JQFilter) {
        let names = Self.variables(of: patterns)
        var matchers: [Matcher] = []
        for pattern in patterns {
            matchers.append(try compilePattern(pattern, slots: names))
        }
        let depth = frames.count
        frames.append(contentsOf: names.map { .variable($0) })
        let compiled = try body(&self)
        frames.removeSubrange(depth...)
        return (matchers, names.count, compiled)
    }

    /// The environment with a match's values pushed, in slot order.
    @inline(__always)
    static func extend(_ env: JQEnv?, with values: [JSON]) -> JQEnv? {
        var env = env
        for value in values {
            env = JQEnv(.value(value), env)
        }
        return env
    }

    private mutating func compileBinding(_ source: JQNode, _ patterns: [JQPattern], _ bodyNode: JQNode) throws(JQCompileError) -> JQFilter {
        let values = try compile(source)
        let (matchers, slots, body) = try compileMatch(patterns) { compiler throws(JQCompileError) in
            try compiler.compile(bodyNode)
        }
        let empty = [JSON](repeating: .null, count: slots)
        if matchers.count == 1, case .variable = patterns[0] {
            // `e as $x | body`, the common case: no destructuring.
            return JQFilter(
                run: { input, env, context, emit throws(JQEvalError) in
                    try values.run(input, env, context) { value throws(JQEvalError) in
                        try body.run(input, JQEnv(.value(value), env), context, emit)
                    }
                },
                paths: { input, env, context, emit throws(JQEvalError) in
                    try values.run(input.value, env, context) { value throws(JQEvalError) in
                        try body.paths(input, JQEnv(.value(value), env), context, emit)
                    }
                }
            )
        }
        // With `?//`, an error in one alternative (while matching or in the body) moves on to the
        // next; the last alternative's errors are the expression's.
        @Sendable func each(
            _ value: JSON,
            _ env: JQEnv?,
            _ context: JQRun,
            _ run: (JQEnv?) throws(JQEvalError) -> Void
        ) throws(JQEvalError) {
            for (position, matcher) in matchers.enumerated() {
                if position == matchers.count - 1 {
                    try matcher(value, empty, env, context) { bound throws(JQEvalError) in try run(Self.extend(env, with: bound)) }
                    return
                }
                var failed = false
                do throws(JQEvalError) {
                    try matcher(value, empty, env, context) { bound throws(JQEvalError) in try run(Self.extend(env, with: bound)) }
                } catch .raised {
                    failed = true
                }
                if !failed { return }
            }
        }
        return JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                try values.run(input, env, context) { value throws(JQEvalError) in
                    try each(value, env, context) { bound throws(JQEvalError) in try body.run(input, bound, context, emit) }
                }
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                try values.run(input.value, env, context) { value throws(JQEvalError) in
                    try each(value, env, context) { bound throws(JQEvalError) in try body.paths(input, bound, context, emit) }
                }
            }
        )
    }

    private mutating func compileReduction(
        _ sourceNode: JQNode,
        _ patterns: [JQPattern],
        _ initialNode: JQNode,
        _ updateNode: JQNode,
        extract extractNode: JQNode?,
        isForeach: Bool
    ) throws(JQCompileError) -> JQFilter {
        let source = try compile(sourceNode)
        let initial = try compile(initialNode)
        let (matchers, slots, update) = try compileMatch(patterns) { compiler throws(JQCompileError) in
            try compiler.compile(updateNode)
        }
        var extraction: JQFilter?
        if let extractNode {
            let depth = frames.count
            frames.append(contentsOf: Self.variables(of: patterns).map { .variable($0) })
            extraction = try compile(extractNode)
            frames.removeSubrange(depth...)
        }
        let extract = extraction
        let matcher = matchers[0]
        let empty = [JSON](repeating: .null, count: slots)
        if isForeach {
            return JQFilter { input, env, context, emit throws(JQEvalError) in
                try initial.run(input, env, context) { start throws(JQEvalError) in
                    var state = start
                    try source.run(input, env, context) { item throws(JQEvalError) in
                        try context.step()
                        try matcher(item, empty, env, context) { bound throws(JQEvalError) in
                            let scope = Self.extend(env, with: bound)
                            try update.run(state, scope, context) { next throws(JQEvalError) in
                                state = next
                                if let extract {
                                    try extract.run(next, scope, context, emit)
                                } else {
                                    try emit(next)
                                }
                            }
                        }
                    }
                }
            }
        }
        return JQFilter { input, env, context, emit throws(JQEvalError) in
            try initial.run(input, env, context) { start throws(JQEvalError) in
                var state = start
                try source.run(input, env, context) { item throws(JQEvalError) in
                    try context.step()
                    try matcher(item, empty, env, context) { bound throws(JQEvalError) in
                        // The last output of the update is the new state; none leaves `null`.
                        var last = JSON.null
                        let current = state
                        state = .null
                        try update.run(current, Self.extend(env, with: bound), context) { next throws(JQEvalError) in
                            last = next
                        }
                        state = last
                    }
                }
                try emit(state)
            }
        }
    }

    // MARK: - Functions

    private mutating func compileDefinition(_ definition: JQDefinition, _ rest: JQNode) throws(JQCompileError) -> JQFilter {
        let box = define(definition)
        try compileBody(definition, into: box)
        let filter = try compile(rest)
        callables.removeLast()
        return filter
    }

    /// Puts `definition` in scope (for its own body and what follows) and gives its box.
    mutating func define(_ definition: JQDefinition) -> FunctionBox {
        let box = FunctionBox()
        boxes.append(box)
        callables.append(.function(name: definition.name, arity: definition.parameters.count, depth: frames.count, box: box))
        return box
    }

    /// Compiles the body of a function defined with ``define(_:)``: its filter arguments are
    /// slots, and each `$name` parameter binds the argument's values one by one, the first
    /// parameter outermost.
    mutating func compileBody(_ definition: JQDefinition, into box: FunctionBox) throws(JQCompileError) {
        let depth = frames.count
        let callableCount = callables.count
        for parameter in definition.parameters {
            frames.append(.closure(parameter.name))
            callables.append(.parameter(name: parameter.name, frame: frames.count - 1))
        }
        var body = definition.body
        for parameter in definition.parameters.reversed() where parameter.isValue {
            body = .bind(source: .call(parameter.name, arguments: [], offset: 0), patterns: [.variable(parameter.name)], body: body)
        }
        box.body = try compile(body)
        frames.removeSubrange(depth...)
        callables.removeSubrange(callableCount...)
    }

    private mutating func compileCall(_ name: String, _ argumentNodes: [JQNode]) throws(JQCompileError) -> JQFilter {
        let arity = argumentNodes.count
        var arguments: [JQFilter] = []
        for node in argumentNodes {
            arguments.append(try compile(node))
        }
        if let callable = callables.last(where: { callable in
            switch callable {
            case .parameter(let parameter, _): parameter == name && arity == 0
            case .function(let function, let count, _, _): function == name && count == arity
            }
        }) {
            switch callable {
            case .parameter(_, let frame):
                return Self.callParameter(distance: frames.count - 1 - frame)
            case .function(_, _, let depth, let box):
                return Self.callFunction(box, drop: frames.count - depth, arguments: arguments)
            }
        }
        if let core = JQCoreFunctions.filter(name, arguments) {
            return core
        }
        if let native = natives["\(name)/\(arity)"] {
            return Self.callNative(native, arguments)
        }
        throw JQCompileError(message: "\(name)/\(arity) is not defined")
    }

    /// A call of a filter argument: its code runs in its caller's environment.
    static func callParameter(distance: Int) -> JQFilter {
        JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                guard case .closure(let filter, let scope) = try JQEnv.slot(env, distance) else {
                    throw .internalFailure("a filter argument is not a closure")
                }
                try context.call { () throws(JQEvalError) in try filter.run(input, scope, context, emit) }
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                guard case .closure(let filter, let scope) = try JQEnv.slot(env, distance) else {
                    throw .internalFailure("a filter argument is not a closure")
                }
                try context.call { () throws(JQEvalError) in try filter.paths(input, scope, context, emit) }
            }
        )
    }

    /// A call of a `def`: the body runs in the environment of the definition (the caller's
    /// without the `drop` slots pushed since), with a closure for each argument.
    static func callFunction(_ box: FunctionBox, drop: Int, arguments: [JQFilter]) -> JQFilter {
        @inline(__always)
        @Sendable func scope(_ env: JQEnv?) -> JQEnv? {
            var scope = JQEnv.up(env, drop)
            for argument in arguments {
                scope = JQEnv(.closure(argument, env), scope)
            }
            return scope
        }
        return JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                guard let body = box.body else { throw .internalFailure("a function ran before it was compiled") }
                try context.call { () throws(JQEvalError) in try body.run(input, scope(env), context, emit) }
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                guard let body = box.body else { throw .internalFailure("a function ran before it was compiled") }
                try context.call { () throws(JQEvalError) in try body.paths(input, scope(env), context, emit) }
            }
        )
    }

    /// A call of a builtin written in Swift: once for each combination of its arguments' values,
    /// the last argument varying slowest.
    static func callNative(_ native: JQNativeFunction, _ arguments: [JQFilter]) -> JQFilter {
        let call = callNativeBody(native, arguments)
        guard native.nesting == .result else { return call }
        return JQFilter { input, env, context, emit throws(JQEvalError) in
            try call.run(input, env, context) { result throws(JQEvalError) in
                try context.checkNesting(result, below: 0)
                try emit(result)
            }
        }
    }

    private static func callNativeBody(_ native: JQNativeFunction, _ arguments: [JQFilter]) -> JQFilter {
        if native.watched { return watchedCall(native, arguments) }
        switch native.body {
        case .arity0(let body):
            return JQFilter { input, _, context, emit throws(JQEvalError) in
                try context.step()
                try emit(try body(input))
            }
        case .arity1(let body):
            let a = arguments[0]
            return JQFilter { input, env, context, emit throws(JQEvalError) in
                try a.run(input, env, context) { x throws(JQEvalError) in
                    try context.step()
                    try emit(try body(input, x))
                }
            }
        case .arity2(let body):
            let a = arguments[0]
            let b = arguments[1]
            let placesValue = native.nesting == .placedValue
            return JQFilter { input, env, context, emit throws(JQEvalError) in
                try b.run(input, env, context) { y throws(JQEvalError) in
                    try a.run(input, env, context) { x throws(JQEvalError) in
                        try context.step()
                        if placesValue, case .array(let keys) = x { try context.checkNesting(y, below: keys.count) }
                        try emit(try body(input, x, y))
                    }
                }
            }
        case .arity3(let body):
            let a = arguments[0]
            let b = arguments[1]
            let c = arguments[2]
            return JQFilter { input, env, context, emit throws(JQEvalError) in
                try c.run(input, env, context) { z throws(JQEvalError) in
                    try b.run(input, env, context) { y throws(JQEvalError) in
                        try a.run(input, env, context) { x throws(JQEvalError) in
                            try context.step()
                            try emit(try body(input, x, y, z))
                        }
                    }
                }
            }
        }
    }

    /// A call of a watched native (``JQNativeFunction/watched``): the arguments are combined as
    /// for any native, and each call of the body runs on a ``JQWatchedWork`` helper.
    private static func watchedCall(_ native: JQNativeFunction, _ arguments: [JQFilter]) -> JQFilter {
        let name = native.name
        let apply: @Sendable (JSON, [JSON]) throws(JQEvalError) -> JSON
        switch native.body {
        case .arity0(let body): apply = { input, _ throws(JQEvalError) in try body(input) }
        case .arity1(let body): apply = { input, values throws(JQEvalError) in try body(input, values[0]) }
        case .arity2(let body): apply = { input, values throws(JQEvalError) in try body(input, values[0], values[1]) }
        case .arity3(let body): apply = { input, values throws(JQEvalError) in try body(input, values[0], values[1], values[2]) }
        }
        return JQFilter { input, env, context, emit throws(JQEvalError) in
            try combinations(of: arguments, below: arguments.count, input, env, context, values: []) { values throws(JQEvalError) in
                try context.step()
                let work: @Sendable () throws(JQEvalError) -> JSON = { () throws(JQEvalError) in try apply(input, values) }
                try emit(try JQWatchedWork.shared.run("the call of \(name)", limits: context.limits, work))
            }
        }
    }

    /// Each combination of the outputs of `arguments[0..<count]`, the last varying slowest as jq
    /// combines a native's arguments; `values` holds those already chosen for the later arguments.
    private static func combinations(
        of arguments: [JQFilter], below count: Int, _ input: JSON, _ env: JQEnv?, _ context: JQRun, values: [JSON],
        _ body: ([JSON]) throws(JQEvalError) -> Void
    ) throws(JQEvalError) {
        guard count > 0 else { return try body(values) }
        try arguments[count - 1].run(input, env, context) { value throws(JQEvalError) in
            try combinations(of: arguments, below: count - 1, input, env, context, values: [value] + values, body)
        }
    }
}
