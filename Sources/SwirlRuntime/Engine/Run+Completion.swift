import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlSyntax

extension Run {
    /// Applies the task's `output` and `export`, pops it, and tells its list where to go.
    mutating func completeTask(
        _ task: TaskFrame, _ node: Node, output raw: JSON, flow: FlowTarget, fiber: Int, detail: TaskEvent.Detail? = nil
    ) -> Signal {
        let instance = node.reference
        var output = raw
        // Most tasks transform neither output nor context: their arguments are built only for those that do.
        var arguments = ExpressionArguments()
        if node.output.transform != nil || node.export.transform != nil {
            arguments = taskArguments(
                fiber: fiber, node: node, rawInput: task.rawInput.value, input: task.input.value,
                variables: enclosingVariables(fiber), rawOutput: raw)
        }
        if let transform = node.output.transform {
            switch render(transform, on: raw, arguments: arguments, instance: instance) {
            case .success(let value): output = value
            case .failure(let error): return taskFailed(task, node, error, fiber: fiber, completing: true)
            }
        }
        if let schema = node.output.schema?.inline, !schema.isValid(output) {
            return taskFailed(
                task, node, validationError(schema, output, what: "output of task '\(node.name)'", instance: instance),
                fiber: fiber, completing: true)
        }
        if let transform = node.export.transform {
            arguments.output = output
            let context: JSON
            switch render(transform, on: output, arguments: arguments, instance: instance) {
            case .success(let value): context = value
            case .failure(let error): return taskFailed(task, node, error, fiber: fiber, completing: true)
            }
            // The context is a map (DSL-NOTES §2 #6).
            guard case .object = context else {
                return taskFailed(
                    task, node,
                    WorkflowError(
                        .expression, title: "Invalid context",
                        detail: "'export.as' must give an object, not \(context.typeName)", instance: instance),
                    fiber: fiber, completing: true)
            }
            if let schema = node.export.schema?.inline, !schema.isValid(context) {
                return taskFailed(
                    task, node, validationError(schema, context, what: "context exported by task '\(node.name)'", instance: instance),
                    fiber: fiber, completing: true)
            }
            state.fibers[fiber].context = StoredJSON(context)
        }
        popFrame(fiber)
        taskEvents.append(TaskEvent(kind: .completed(duration: now - task.startedAt), task: instance, time: now, detail: detail))
        // `end` passes through enclosing tasks, which finish without following their own `then`.
        return task.ending || flow == .end ? .ending(output) : .taskDone(output, flow)
    }

    /// Handles an error that reached a task: a `try` may catch it; otherwise it unwinds further.
    mutating func taskFailed(_ frame: TaskFrame, _ node: Node, _ error: WorkflowError, fiber: Int, completing: Bool = false)
        -> Signal
    {
        guard !completing, case .try(let tryCatch) = node.kind, case .trying(let attempt, let firstFailure) = frame.progress
        else {
            cancelDescendants(of: [.task(frame)])
            return fault(node, error, fiber: fiber)
        }
        var task = frame
        let variables = enclosingVariables(fiber)
        var scoped = variables
        scoped[tryCatch.errorVariable] = StoredJSON(error.json)
        let arguments = taskArguments(
            fiber: fiber, node: node, rawInput: task.rawInput.value, input: task.input.value, variables: scoped)
        let input = task.input.value

        switch catches(tryCatch, error, arguments: arguments, input: input, node: node) {
        case .failure(let evaluationError):
            return fault(node, evaluationError, fiber: fiber)
        case .success(false):
            return fault(node, error, fiber: fiber)
        case .success(true):
            break
        }

        // Retry first; when retries run out, the handler runs, or the error goes on (DSL-NOTES §2 #19).
        if let retry = tryCatch.retry {
            switch retryDelay(retry, attempt: attempt, firstFailure: firstFailure ?? now, error: error, arguments: arguments, input: input, node: node) {
            case .failure(let evaluationError):
                return fault(node, evaluationError, fiber: fiber)
            case .success(let delay?):
                let until = now + delay
                task.progress = .retrying(attempt: attempt + 1, firstFailure: firstFailure ?? now, until: until)
                task.attemptDeadline = nil
                replaceTop(fiber, .task(task))
                taskEvents.append(
                    TaskEvent(kind: .retrying(attempt: attempt + 1, at: until, error: error), task: node.reference, time: now))
                return .proceed
            case .success(nil):
                if tryCatch.handler == nil { return fault(node, error, fiber: fiber) }
            }
        }
        guard let handler = tryCatch.handler else {
            // Caught and swallowed: the try task's output is its transformed input (DSL-NOTES §2 #17).
            return completeTask(task, node, output: input, flow: node.then, fiber: fiber)
        }
        task.progress = .handling
        task.attemptDeadline = nil
        replaceTop(fiber, .task(task))
        pushFrame(fiber, .list(ListFrame(scope: handler, next: 0, data: task.input, variables: scoped)))
        return .proceed
    }

    /// Pops a task that failed and sends the error on to the frame below.
    mutating func fault(_ node: Node, _ error: WorkflowError, fiber: Int) -> Signal {
        popFrame(fiber)
        taskEvents.append(TaskEvent(kind: .faulted(error), task: node.reference, time: now))
        return .failure(error)
    }

    /// Whether a filter's string equals an error field, code point for code point (as JSON compares strings).
    private static func sameText(_ expected: String?, _ actual: String?) -> Bool {
        guard let expected, let actual else { return expected == nil && actual == nil }
        return JSON.sameCodePoints(expected, actual)
    }

    /// Whether the catch clause takes `error`: the static filter, then `when` and `exceptWhen`.
    mutating func catches(_ tryCatch: TryCatch, _ error: WorkflowError, arguments: ExpressionArguments, input: JSON, node: Node)
        -> Result<Bool, WorkflowError>
    {
        for (field, expected) in tryCatch.filter {
            let matches: Bool
            switch field {
            case "type": matches = expected.stringValue.map { WorkflowError.typesMatch($0, error.type) } ?? false
            case "status": matches = expected.numberValue.map { Int($0) == error.status } ?? false
            case "instance": matches = Self.sameText(expected.stringValue, error.instance)
            case "title": matches = Self.sameText(expected.stringValue, error.title)
            case "details", "detail": matches = Self.sameText(expected.stringValue, error.detail)
            default: matches = false
            }
            if !matches { return .success(false) }
        }
        return conditionsAllow(when: tryCatch.when, exceptWhen: tryCatch.exceptWhen, input: input, arguments: arguments, node: node)
    }

    /// Whether `when` (when given) holds and `exceptWhen` (when given) does not.
    func conditionsAllow(
        when: ExpressionID?, exceptWhen: ExpressionID?, input: JSON, arguments: ExpressionArguments, node: Node
    ) -> Result<Bool, WorkflowError> {
        for (condition, wanted) in [(when, true), (exceptWhen, false)] {
            guard let condition else { continue }
            switch evaluate(condition, on: input, arguments: arguments, instance: node.reference) {
            case .success(let result): if isTruthy(result) != wanted { return .success(false) }
            case .failure(let failure): return .failure(failure)
            }
        }
        return .success(true)
    }

    /// The delay before retry number `attempt + 1`, or `nil` when the policy says not to retry.
    mutating func retryDelay(
        _ retry: RetryPolicy, attempt: Int, firstFailure: Double, error: WorkflowError, arguments: ExpressionArguments,
        input: JSON, node: Node
    ) -> Result<Double?, WorkflowError> {
        if let limit = retry.attemptCount, attempt >= limit { return .success(nil) }
        switch conditionsAllow(when: retry.when, exceptWhen: retry.exceptWhen, input: input, arguments: arguments, node: node) {
        case .success(false): return .success(nil)
        case .failure(let failure): return .failure(failure)
        case .success(true): break
        }
        let owner = "task '\(node.name)'"
        func length(_ duration: DurationSpec) -> Result<Double, WorkflowError> {
            seconds(duration, data: input, arguments: arguments, for: owner, instance: node.reference)
        }
        var base = 0.0
        if let delay = retry.delay {
            switch length(delay) {
            case .success(let value): base = value
            case .failure(let failure): return .failure(failure)
            }
        }
        // Retry n (from 1): constant d, linear d·n, exponential d·2^(n−1) (DSL-NOTES §2 #22).
        let retryNumber = Double(attempt + 1)
        var delay: Double
        switch retry.backoff {
        case .constant: delay = base
        case .linear: delay = base * retryNumber
        case .exponential: delay = base * pow2(attempt)
        }
        if let jitter = retry.jitter {
            switch (length(jitter.from), length(jitter.to)) {
            case (.success(let from), .success(let to)):
                delay += from + (to - from) * nextRandomFraction()
            case (.failure(let failure), _), (_, .failure(let failure)):
                return .failure(failure)
            }
        }
        // A backoff can grow past any clock: a delay beyond the maximum is an error, not a wait.
        guard ISO8601Duration.isWithinLimit(delay) else {
            return .failure(durationTooLong(delay, for: "the retry delay of \(owner)", instance: node.reference))
        }
        if let total = retry.totalDuration {
            switch length(total) {
            case .success(let budget): if now + delay > firstFailure + budget { return .success(nil) }
            case .failure(let failure): return .failure(failure)
            }
        }
        return .success(delay)
    }

    func pow2(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<min(max(exponent, 0), 1100) { value *= 2 }
        return value
    }

    /// A number in [0, 1) from the run's own generator (SplitMix64), saved with the state.
    mutating func nextRandomFraction() -> Double {
        state.randomState &+= 0x9E37_79B9_7F4A_7C15
        var z = state.randomState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}
