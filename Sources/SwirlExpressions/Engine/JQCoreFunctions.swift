import SwirlCore

/// The builtins that are part of the evaluator rather than functions of values: the ones that
/// generate (`empty`, `range`, `limit`, `first`, and the loops of ``JQLoops``), that work on paths (`path`,
/// `getpath`, `select` and `recurse` inside a path expression), and `error`. The common
/// higher-order ones (`map`, `select`) are here too, to skip a call through the prelude.
enum JQCoreFunctions {
    /// Every builtin ``filter(_:_:)`` answers, as `name/arity`.
    static let signatures = [
        "empty/0", "not/0", "error/0", "error/1", "halt/0", "halt_error/1", "path/1", "getpath/1", "select/1",
        "map/1", "recurse/0", "recurse/1", "recurse/2", "while/2", "until/2", "repeat/1", "range/2", "limit/2",
        "first/1", "isempty/1", "env/0", "input/0", "inputs/0", "input_filename/0", "input_line_number/0",
        "debug/1", "debug/0", "stderr/0", "tostream/0", "fromstream/1",
    ]

    /// The filter for a call of `name` with `arguments`, or `nil` when it is not one of these.
    static func filter(_ name: String, _ arguments: [JQFilter]) -> JQFilter? {
        switch (name, arguments.count) {
        case ("empty", 0):
            return JQFilter(run: { _, _, _, _ in }, paths: { _, _, _, _ in })
        case ("not", 0):
            return JQFilter { input, _, _, emit throws(JQEvalError) in try emit(.bool(!JQValue.isTruthy(input))) }
        case ("error", 0):
            return JQFilter(
                run: { input, _, _, _ throws(JQEvalError) in throw .raised(input) },
                paths: { input, _, _, _ throws(JQEvalError) in throw .raised(input.value) }
            )
        case ("error", 1):
            let message = arguments[0]
            return JQFilter(
                run: { input, env, context, _ throws(JQEvalError) in
                    try message.run(input, env, context) { value throws(JQEvalError) in throw .raised(value) }
                },
                paths: { input, env, context, _ throws(JQEvalError) in
                    try message.run(input.value, env, context) { value throws(JQEvalError) in throw .raised(value) }
                }
            )
        case ("halt", 0):
            return JQFilter { _, _, _, _ throws(JQEvalError) in throw .halted(nil, exitCode: 0) }
        case ("halt_error", 1):
            let code = arguments[0]
            return JQFilter { input, env, context, _ throws(JQEvalError) in
                try code.run(input, env, context) { value throws(JQEvalError) in
                    guard case .number(let number) = value else { throw .raised("halt_error/1: number required") }
                    throw .halted(input, exitCode: Int(exactly: number.rounded(.towardZero)) ?? 5)
                }
            }
        case ("path", 1):
            let target = arguments[0]
            return JQFilter { input, env, context, emit throws(JQEvalError) in
                try target.paths(JQPathValue(path: [], value: input), env, context) { reached throws(JQEvalError) in
                    try emit(.array(try reached.path))
                }
            }
        case ("getpath", 1):
            let path = arguments[0]
            return JQFilter(
                run: { input, env, context, emit throws(JQEvalError) in
                    try path.run(input, env, context) { keys throws(JQEvalError) in
                        try emit(try JQPath.get(input, path: keys))
                    }
                },
                paths: { input, env, context, emit throws(JQEvalError) in
                    try path.run(input.value, env, context) { keys throws(JQEvalError) in
                        let value = try JQPath.get(input.value, path: keys)
                        guard case .array(let steps) = keys else { return }
                        try emit(input.appending(contentsOf: steps, value: value))
                    }
                }
            )
        case ("select", 1):
            let condition = arguments[0]
            return JQFilter(
                run: { input, env, context, emit throws(JQEvalError) in
                    try condition.run(input, env, context) { test throws(JQEvalError) in
                        if JQValue.isTruthy(test) { try emit(input) }
                    }
                },
                paths: { input, env, context, emit throws(JQEvalError) in
                    try condition.run(input.value, env, context) { test throws(JQEvalError) in
                        if JQValue.isTruthy(test) { try emit(input) }
                    }
                }
            )
        case ("map", 1):
            let transform = JQCompiler.pipe(JQCompiler.iterate(.identity), arguments[0])
            return JQFilter { input, env, context, emit throws(JQEvalError) in
                try emit(.array(try transform.collect(input, env, context)))
            }
        case ("recurse", 0):
            return JQLoops.recurse(JQCompiler.iterate(.identity, optional: true))
        case ("recurse", 1):
            return JQLoops.recurse(arguments[0])
        case ("recurse", 2):
            return JQLoops.recurse(arguments[0], condition: arguments[1])
        case ("while", 2):
            return JQLoops.whileLoop(arguments[0], arguments[1])
        case ("until", 2):
            return JQLoops.untilLoop(arguments[0], arguments[1])
        case ("repeat", 1):
            return JQLoops.repeatLoop(arguments[0])
        case ("range", 2):
            return range(arguments[0], arguments[1])
        case ("limit", 2):
            return limit(arguments[0], arguments[1])
        case ("first", 1):
            return limit(.constant(.number(1)), arguments[0])
        case ("isempty", 1):
            let generator = arguments[0]
            return JQFilter { input, env, context, emit throws(JQEvalError) in
                let stop = context.newLabel()
                var empty = true
                do throws(JQEvalError) {
                    try generator.run(input, env, context) { _ throws(JQEvalError) in
                        empty = false
                        throw .break(stop)
                    }
                } catch .break(let label) where label == stop {}
                try emit(.bool(empty))
            }
        case ("tostream", 0):
            return JQFilter { input, _, context, emit throws(JQEvalError) in try stream(input, path: [], context, emit) }
        case ("fromstream", 1):
            return fromstream(arguments[0])
        case ("env", 0):
            return JQFilter { _, _, context, emit throws(JQEvalError) in try emit(context.environment) }
        case ("input", 0):
            return JQFilter { _, _, _, _ throws(JQEvalError) in throw .raised("No more inputs") }
        case ("inputs", 0):
            return JQFilter(run: { _, _, _, _ in }, paths: { _, _, _, _ in })
        case ("input_filename", 0):
            return JQFilter.constant(.null)
        case ("input_line_number", 0):
            return JQFilter.constant(.number(0))
        case ("debug", 1):
            // `debug(message)` evaluates its message for the terminal it does not have.
            let message = arguments[0]
            return JQFilter(
                run: { input, env, context, emit throws(JQEvalError) in
                    try message.run(input, env, context) { _ in }
                    try emit(input)
                },
                paths: { input, env, context, emit throws(JQEvalError) in
                    try message.run(input.value, env, context) { _ in }
                    try emit(input)
                }
            )
        case ("debug", 0), ("stderr", 0):
            // A workflow's expressions have no terminal to print to: both pass their input on.
            return JQFilter(
                run: { input, _, _, emit throws(JQEvalError) in try emit(input) },
                paths: { input, _, _, emit throws(JQEvalError) in try emit(input) }
            )
        default:
            return nil
        }
    }

    /// `tostream`: the value as streaming events, depth first: `[path, leaf]` for each scalar
    /// and empty array or object, and `[path]` after the last member of each other array or
    /// object, `path` leading to that last member.
    private static func stream(_ value: JSON, path: [JSON], _ context: JQRun, _ emit: JQEmit) throws(JQEvalError) {
        try context.step()
        var last: JSON?
        switch value {
        case .array(let elements) where !elements.isEmpty:
            for (index, element) in elements.enumerated() {
                try stream(element, path: path + [.number(Double(index))], context, emit)
            }
            last = .number(Double(elements.count - 1))
        case .object(let members) where !members.isEmpty:
            for (key, member) in members {
                try stream(member, path: path + [.string(key)], context, emit)
            }
            last = members.keys.last.map { .string($0) }
        default:
            return try emit(.array([.array(path), value]))
        }
        if let last { try emit(.array([.array(path + [last])])) }
    }

    /// `fromstream(events)`: the values that streaming events describe, each output when its
    /// last event arrives: a `[path, leaf]` event writes the leaf at the path (a top-level
    /// scalar is complete at once), and a `[path]` event of a one-key path ends a value.
    private static func fromstream(_ events: JQFilter) -> JQFilter {
        JQFilter { input, env, context, emit throws(JQEvalError) in
            var building: JSON = .null
            try events.run(input, env, context) { event throws(JQEvalError) in
                guard case .array(let parts) = event, case .array(let path)? = parts.first, parts.count <= 2 else {
                    throw .raised(.string("Invalid stream event \(JQValue.quoted(event)): it must be [path, leaf] or [path]"))
                }
                if parts.count == 2 {
                    if path.isEmpty { return try emit(parts[1]) }
                    try context.checkNesting(parts[1], below: path.count)
                    try JQPath.set(&building, path[...], to: parts[1])
                } else if path.count == 1 {
                    let complete = building
                    building = .null
                    try emit(complete)
                }
            }
        }
    }

    /// `range($from; $upto)`: numbers from `$from` below `$upto` in steps of 1, the first argument
    /// the outer generator.
    static func range(_ from: JQFilter, _ upto: JQFilter) -> JQFilter {
        JQFilter { input, env, context, emit throws(JQEvalError) in
            try from.run(input, env, context) { start throws(JQEvalError) in
                try upto.run(input, env, context) { end throws(JQEvalError) in
                    guard case .number(var value) = start, case .number(let limit) = end else {
                        throw .raised("Range bounds must be numeric")
                    }
                    while value < limit {
                        try context.step()
                        try emit(.number(value))
                        value += 1
                    }
                }
            }
        }
    }

    /// `limit($n; f)`: the first `$n` outputs of `f` (rounded up); nothing for 0; all of them for
    /// a negative count, NaN, `null` or a Boolean. A string, array or object count fails at the
    /// first output, as it fails to count down.
    static func limit(_ count: JQFilter, _ generator: JQFilter) -> JQFilter {
        JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                try count.run(input, env, context) { limit throws(JQEvalError) in
                    try limited(limit, context, { forward throws(JQEvalError) in try generator.run(input, env, context, forward) }, emit: emit)
                }
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                try count.run(input.value, env, context) { limit throws(JQEvalError) in
                    try limited(limit, context, { forward throws(JQEvalError) in try generator.paths(input, env, context, forward) }, emit: emit)
                }
            }
        )
    }

    /// How many outputs `limit` takes for a count: `nil` for all of them.
    private static func bound(_ limit: JSON) -> Int? {
        switch limit {
        case .number(let number) where number > 0:
            return number >= 0x1p62 ? Int.max : Int(number.rounded(.up))
        case .number(let number) where number == 0:
            return 0
        case .null, .bool, .number:
            return nil
        case .string, .array, .object:
            return 0
        }
    }

    /// Runs `generator` feeding `emit` at most as many outputs as `limit` says.
    private static func limited<Output>(
        _ limit: JSON,
        _ context: JQRun,
        _ generator: ((Output) throws(JQEvalError) -> Void) throws(JQEvalError) -> Void,
        emit: (Output) throws(JQEvalError) -> Void
    ) throws(JQEvalError) {
        try withoutActuallyEscaping(emit) { (emit) throws(JQEvalError) in
            try limited(limit, context, generator, escaping: emit)
        }
    }

    private static func limited<Output>(
        _ limit: JSON,
        _ context: JQRun,
        _ generator: ((Output) throws(JQEvalError) -> Void) throws(JQEvalError) -> Void,
        escaping emit: @escaping (Output) throws(JQEvalError) -> Void
    ) throws(JQEvalError) {
        guard let bound = bound(limit) else { return try generator(emit) }
        let counts = limit.numberValue != nil
        if counts && bound == 0 { return }
        let stop = context.newLabel()
        var taken = 0
        do throws(JQEvalError) {
            try generator { value throws(JQEvalError) in
                if !counts { _ = try JQValue.subtract(limit, .number(1)) }
                taken += 1
                try emit(value)
                if taken >= bound { throw .break(stop) }
            }
        } catch .break(let label) where label == stop {}
    }
}
