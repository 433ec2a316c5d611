import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlSyntax

extension Run {
    /// Evaluates one expression; a jq failure becomes an `expression` error at `instance`, and an
    /// evaluation that ran out of time a `timeout` error there, as a task's own timeout would.
    func evaluate(_ id: ExpressionID, on data: JSON, arguments: ExpressionArguments, instance: String)
        -> Result<JSON, WorkflowError>
    {
        do {
            return .success(try machine.evaluateExpression(id, data, arguments, evaluationDeadline()))
        } catch {
            let message: String
            let expression = program.expressions[id]
            switch error {
            case .runtime(let text): message = text
            case .compile(let messages): message = messages.joined(separator: "; ")
            case .timedOut(let seconds, let ceiling):
                let limit = ceiling ? "the limit for one expression" : "the time left before a timeout of the task or workflow"
                return .failure(
                    WorkflowError(
                        .timeout, title: "Expression timed out",
                        detail: "the expression at \(expression.pointer) did not finish within \(ExpressionLimits.format(seconds)) "
                            + "(\(limit)): \(expression.text.trimmingCharacters)",
                        instance: instance))
            case .interrupted:
                // The worker gives the run back without saving this step (RunDriver.apply).
                return .failure(
                    WorkflowError(
                        .runtime, title: "Expression interrupted",
                        detail: "a stop request interrupted the expression at \(expression.pointer)", instance: instance))
            }
            return .failure(
                WorkflowError(
                    .expression, title: "Expression failed",
                    detail: "\(message) (in \(expression.pointer): \(expression.text.trimmingCharacters))",
                    instance: instance))
        }
    }

    /// The earliest deadline still ahead around the fiber being stepped: its tasks', their
    /// attempts', those of the forks it is a branch of, and the workflow's; `nil` when there is
    /// none. One that has passed by `now` is left out: the machine is applying it (a `try`
    /// whose attempt expired evaluates its catch filter), so it must not fail that evaluation.
    func evaluationDeadline() -> Double? {
        var earliest = state.deadline.flatMap { $0 > now ? $0 : nil }
        var fiber = activeFiber
        // Bounded by the number of fibers, should a malformed state make parents loop.
        var hops = 0
        while let index = fiber, state.fibers.indices.contains(index), hops <= state.fibers.count {
            for case .task(let task) in state.fibers[index].frames {
                if let deadline = task.deadline, deadline > now { earliest = min(earliest ?? deadline, deadline) }
                if let deadline = task.attemptDeadline, deadline > now { earliest = min(earliest ?? deadline, deadline) }
            }
            fiber = state.fibers[index].parent.flatMap { state.fiberIndex($0) }
            hops += 1
        }
        return earliest
    }

    /// A template with its expressions evaluated.
    func render(_ template: ValueTemplate, on data: JSON, arguments: ExpressionArguments, instance: String)
        -> Result<JSON, WorkflowError>
    {
        switch template {
        case .literal(let value):
            return .success(value)
        case .expression(let id):
            return evaluate(id, on: data, arguments: arguments, instance: instance)
        case .array(let elements):
            var values: [JSON] = []
            values.reserveCapacity(elements.count)
            for element in elements {
                switch render(element, on: data, arguments: arguments, instance: instance) {
                case .success(let value): values.append(value)
                case .failure(let error): return .failure(error)
                }
            }
            return .success(.array(values))
        case .object(let members):
            var values = OrderedDictionary<String, JSON>()
            values.reserveCapacity(members.count)
            for (key, member) in members {
                switch render(member, on: data, arguments: arguments, instance: instance) {
                case .success(let value): values[key] = value
                case .failure(let error): return .failure(error)
                }
            }
            return .success(.object(values))
        }
    }

    /// A duration in seconds; an expression must give an ISO 8601 string.
    func seconds(_ duration: DurationSpec, data: JSON, arguments: ExpressionArguments, for owner: String, instance: String)
        -> Result<Double, WorkflowError>
    {
        let seconds: Double
        var source = instance
        switch duration {
        case .seconds(let value):
            seconds = value
        case .expression(let id):
            let expression = program.expressions[id]
            source = expression.pointer.description
            switch evaluate(id, on: data, arguments: arguments, instance: source) {
            case .failure(let error):
                return .failure(error)
            case .success(let value):
                guard let text = value.stringValue, let parsed = (try? ISO8601Duration(parsing: text))?.totalSeconds else {
                    return .failure(
                        WorkflowError(
                            .expression, title: "Invalid duration",
                            detail: "\(expression.pointer) gave \(value.serialized()), not an ISO 8601 duration of fixed length",
                            instance: source))
                }
                seconds = parsed
            }
        }
        guard ISO8601Duration.isWithinLimit(seconds) else { return .failure(durationTooLong(seconds, for: owner, instance: source)) }
        return .success(seconds)
    }

    /// The error for a duration of `owner` longer than ``ISO8601Duration/maximumSeconds``.
    func durationTooLong(_ seconds: Double, for owner: String, instance: String) -> WorkflowError {
        WorkflowError(
            .runtime, title: "Duration too long",
            detail: "a duration of \(owner) is \(seconds) seconds, longer than the maximum duration of "
                + ISO8601Duration.maximumDescription, instance: instance)
    }

    /// The `validation` error for a value that fails its schema, naming the first problems.
    func validationError(_ schema: JSONSchema, _ value: JSON, what: String, instance: String) -> WorkflowError {
        let problems = schema.validate(value).prefix(3).map { "\($0.instancePath.description.isEmpty ? "/" : $0.instancePath.description): \($0.message)" }
        return WorkflowError(
            .validation, title: "Schema validation failed",
            detail: "the \(what) does not match its schema: " + problems.joined(separator: "; "), instance: instance)
    }

    /// jq's truthiness: everything but `false` and `null` is true.
    func isTruthy(_ value: JSON) -> Bool {
        switch value {
        case .null, .bool(false): false
        default: true
        }
    }

    // MARK: expression arguments

    /// `$workflow`: the run's id, the definition, the raw input and when it started.
    static func describeWorkflow(state: RunState, program: Program) -> JSON {
        [
            "id": .string(state.runID), "definition": program.definition, "input": state.input.value,
            "startedAt": timestamp(state.startedAt),
        ]
    }

    static let runtimeDescriptor: JSON = ["name": "swirl", "version": .string(SwirlVersion.current), "metadata": [:]]

    /// The arguments of workflow-level expressions (`input.from`, `output.as`, the timeout).
    func workflowArguments() -> ExpressionArguments {
        var arguments = ExpressionArguments()
        arguments.context = state.fibers.first?.context.value ?? .null
        arguments.workflow = workflowDescriptor
        arguments.runtime = Self.runtimeDescriptor
        arguments.secrets = machine.secrets
        return arguments
    }

    /// The arguments of a task's expressions (DSL-NOTES §1.5).
    func taskArguments(
        fiber: Int, node: Node, rawInput: JSON, input: JSON, variables: [String: StoredJSON], rawOutput: JSON? = nil,
        startedAt: Double? = nil
    ) -> ExpressionArguments {
        var arguments = ExpressionArguments()
        arguments.context = state.fibers[fiber].context.value
        arguments.input = input
        arguments.workflow = workflowDescriptor
        arguments.runtime = Self.runtimeDescriptor
        arguments.secrets = machine.secrets
        if node.mentionsTask {
            var task: OrderedDictionary<String, JSON> = [
                "name": .string(node.name), "reference": .string(node.reference), "definition": node.definition,
                "input": rawInput,
            ]
            if let rawOutput { task["output"] = rawOutput }
            task["startedAt"] = Self.timestamp(startedAt ?? currentTaskStart(fiber) ?? now)
            arguments.task = .object(task)
        }
        if !variables.isEmpty { arguments.scoped = variables.mapValues(\.value) }
        return arguments
    }

    /// When the task at the top of `fiber` started, if a task is running there.
    func currentTaskStart(_ fiber: Int) -> Double? {
        if case .task(let task)? = state.fibers[fiber].frames.last { task.startedAt } else { nil }
    }

    /// `{iso8601, epoch: {seconds, milliseconds}}`, the DSL's shape for `startedAt`.
    static func timestamp(_ seconds: Double) -> JSON {
        ["iso8601": .string(ISO8601Timestamp.format(seconds)), "epoch": ["seconds": .number(seconds.rounded(.down)), "milliseconds": .number((seconds * 1000).rounded(.down))]]
    }
}

extension String {
    fileprivate var trimmingCharacters: String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
