import SwirlCore

/// The builtins that jq defines by recursion and that programs use as loops: `while`, `until`,
/// `repeat` and `recurse`. Defined as jq defines them, each iteration would nest one call
/// deeper, and a loop of a million iterations would run out of stack; jq avoids that with its
/// tail calls. Here each is a loop: see ``unfold(_:_:_:emit:)``.
enum JQLoops {
    /// `while(cond; update)`: `.` while `cond` holds, then the same for each output of
    /// `update`: `def _while: if cond then ., (update | _while) else empty end;`.
    static func whileLoop(_ condition: JQFilter, _ update: JQFilter) -> JQFilter {
        JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                try unfold(input, context, { value, output, next throws(JQEvalError) in
                    try condition.run(value, env, context) { test throws(JQEvalError) in
                        guard JQValue.isTruthy(test) else { return }
                        try output(value)
                        try update.run(value, env, context, next)
                    }
                }, emit: emit)
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                try unfold(input, context, { value, output, next throws(JQEvalError) in
                    try condition.run(value.value, env, context) { test throws(JQEvalError) in
                        guard JQValue.isTruthy(test) else { return }
                        try output(value)
                        try update.paths(value, env, context, next)
                    }
                }, emit: emit)
            }
        )
    }

    /// `until(cond; update)`: `.` once `cond` holds, else the same for each output of
    /// `update`: `def _until: if cond then . else (update | _until) end;`.
    static func untilLoop(_ condition: JQFilter, _ update: JQFilter) -> JQFilter {
        JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                try unfold(input, context, { value, output, next throws(JQEvalError) in
                    try condition.run(value, env, context) { test throws(JQEvalError) in
                        if JQValue.isTruthy(test) {
                            try output(value)
                        } else {
                            try update.run(value, env, context, next)
                        }
                    }
                }, emit: emit)
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                try unfold(input, context, { value, output, next throws(JQEvalError) in
                    try condition.run(value.value, env, context) { test throws(JQEvalError) in
                        if JQValue.isTruthy(test) {
                            try output(value)
                        } else {
                            try update.paths(value, env, context, next)
                        }
                    }
                }, emit: emit)
            }
        )
    }

    /// `repeat(f)`: the outputs of `f` on `.`, again and again, without end:
    /// `def _repeat: f, _repeat;`.
    static func repeatLoop(_ body: JQFilter) -> JQFilter {
        JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                while true {
                    try context.step()
                    try body.run(input, env, context, emit)
                }
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                while true {
                    try context.step()
                    try body.paths(input, env, context, emit)
                }
            }
        )
    }

    /// `recurse(f)`, and `recurse(f; cond)` when `condition` is given: the input, then the same
    /// for each output of `f` (that satisfies `cond`), depth first.
    static func recurse(_ step: JQFilter, condition: JQFilter? = nil) -> JQFilter {
        JQFilter(
            run: { input, env, context, emit throws(JQEvalError) in
                try unfold(input, context, { value, output, next throws(JQEvalError) in
                    try output(value)
                    guard let condition else { return try step.run(value, env, context, next) }
                    try step.run(value, env, context) { child throws(JQEvalError) in
                        try condition.run(child, env, context) { test throws(JQEvalError) in
                            if JQValue.isTruthy(test) { try next(child) }
                        }
                    }
                }, emit: emit)
            },
            paths: { input, env, context, emit throws(JQEvalError) in
                try unfold(input, context, { value, output, next throws(JQEvalError) in
                    try output(value)
                    guard let condition else { return try step.paths(value, env, context, next) }
                    try step.paths(value, env, context) { child throws(JQEvalError) in
                        try condition.run(child.value, env, context) { test throws(JQEvalError) in
                            if JQValue.isTruthy(test) { try next(child) }
                        }
                    }
                }, emit: emit)
            }
        )
    }

    /// One iteration of a loop: it hands its outputs to `output` and each value the loop goes on
    /// with to `next`.
    typealias Iteration<Value> = (
        _ value: Value,
        _ output: (Value) throws(JQEvalError) -> Void,
        _ next: (Value) throws(JQEvalError) -> Void
    ) throws(JQEvalError) -> Void

    /// Runs `iteration` on `start`, then on each value it gives to `next`, depth first, in the
    /// order the recursive definition would, feeding every output to `emit`.
    ///
    /// The recursive definition goes on with a value the moment it is given. Here the value is
    /// held until the iteration gives another value or an output, or ends: only a value that
    /// is followed by more of its iteration's work is handled by a nested call, and the last
    /// one, which in a loop is usually the only one, by the next turn of the loop. The order of
    /// outputs is the same; so is what is output before an error, since a held value is handled
    /// before the error that follows it goes on. Limits (steps, time, stop requests) end the
    /// loop at once.
    static func unfold<Value>(
        _ start: Value,
        _ context: JQRun,
        _ iteration: Iteration<Value>,
        emit: (Value) throws(JQEvalError) -> Void
    ) throws(JQEvalError) {
        // Both closures live only for the call; the nested loops of held values need them too.
        try withoutActuallyEscaping(iteration) { (iteration) throws(JQEvalError) in
            try withoutActuallyEscaping(emit) { (emit) throws(JQEvalError) in
                try loop(start, context, iteration, emit)
            }
        }
    }

    private static func loop<Value>(
        _ start: Value,
        _ context: JQRun,
        _ iteration: @escaping Iteration<Value>,
        _ emit: @escaping (Value) throws(JQEvalError) -> Void
    ) throws(JQEvalError) {
        var current = start
        while true {
            try context.step()
            var held: Value?
            // Whether an error came from what follows the iteration (its outputs, or a held
            // value's own loop), which must pass on untouched.
            var fromDownstream = false
            func release() throws(JQEvalError) {
                guard let value = held else { return }
                held = nil
                do throws(JQEvalError) {
                    try context.call { () throws(JQEvalError) in try loop(value, context, iteration, emit) }
                } catch {
                    fromDownstream = true
                    throw error
                }
            }
            do throws(JQEvalError) {
                try iteration(
                    current,
                    { value throws(JQEvalError) in
                        try release()
                        do throws(JQEvalError) { try emit(value) } catch {
                            fromDownstream = true
                            throw error
                        }
                    },
                    { value throws(JQEvalError) in
                        try release()
                        held = value
                    }
                )
            } catch {
                if !fromDownstream && error.isProgramFlow { try release() }
                throw error
            }
            guard let value = held else { return }
            current = value
        }
    }
}
