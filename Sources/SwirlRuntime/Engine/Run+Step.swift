import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlSyntax

/// What passes between frames as a fiber runs.
enum Signal {
    /// The top frame should make progress.
    case proceed
    /// The frame above (a list, or a task body) finished with this value.
    case value(JSON)
    /// A task finished: its output and where the list goes next.
    case taskDone(JSON, FlowTarget)
    /// `then: end` is passing through, with the output so far.
    case ending(JSON)
    /// An error is unwinding.
    case failure(WorkflowError)
}

extension Run {
    /// Runs fiber `index` until it waits or finishes.
    mutating func step(fiber index: Int) {
        activeFiber = index
        defer { activeFiber = nil }
        var signal: Signal = .proceed
        if let pending = state.fibers[index].pending {
            state.fibers[index].pending = nil
            switch pending {
            case .value(let value): signal = .value(value.value)
            case .ending(let value): signal = .ending(value.value)
            case .failure(let error): signal = .failure(error)
            }
        }
        while true {
            guard let frame = state.fibers[index].frames.last else {
                let outcome: Fiber.Outcome
                switch signal {
                case .value(let value), .taskDone(let value, _): outcome = .value(StoredJSON(value))
                case .ending(let value): outcome = .ending(StoredJSON(value))
                case .failure(let error): outcome = .failure(error)
                case .proceed: outcome = .value(StoredJSON(.null))
                }
                state.fibers[index].wait = .finished(outcome)
                return
            }
            if case .proceed = signal {
                // A fiber stops only here, where the top frame is about to make progress and
                // nothing is in flight between frames: the state is one a resume can continue.
                guard budget > 0 else {
                    budgetSpent = true
                    return
                }
                budget -= 1
            }
            let next: Signal?
            switch frame {
            case .list(let list): next = stepList(list, signal, fiber: index)
            case .task(let task): next = stepTask(task, signal, fiber: index)
            }
            guard let next else { return }  // the fiber waits
            signal = next
        }
    }

    // MARK: lists

    mutating func stepList(_ list: ListFrame, _ signal: Signal, fiber: Int) -> Signal? {
        var list = list
        switch signal {
        case .proceed, .value:
            break
        case .taskDone(let output, let flow):
            list.data = StoredJSON(output)
            switch flow {
            case .node(let next): list.next = next
            case .exit: list.next = nil
            case .end:
                popFrame(fiber)
                return .ending(output)
            }
        case .ending, .failure:
            popFrame(fiber)
            return signal
        }
        let nodes = program.scopes[list.scope].nodes
        // Skipped tasks pass their input through and ignore their own `then` (DSL-NOTES §2 #2).
        while let position = list.next, position < nodes.count {
            let node = nodes[position]
            let address = NodeAddress(scope: list.scope, node: position)
            let raw = list.data.value
            if let condition = node.condition {
                let arguments = taskArguments(fiber: fiber, node: node, rawInput: raw, input: raw, variables: list.variables)
                switch evaluate(condition, on: raw, arguments: arguments, instance: node.reference) {
                case .failure(let error):
                    replaceTop(fiber, .list(list))
                    return .failure(error)
                case .success(let result) where !isTruthy(result):
                    taskEvents.append(TaskEvent(kind: .skipped, task: node.reference, time: now))
                    list.next = position + 1
                    continue
                case .success:
                    break
                }
            }
            replaceTop(fiber, .list(list))
            return beginTask(address, rawInput: raw, variables: list.variables, fiber: fiber)
        }
        popFrame(fiber)
        return .value(list.data.value)
    }

    /// Validates and transforms a task's input, then pushes its frame.
    mutating func beginTask(_ address: NodeAddress, rawInput: JSON, variables: [String: StoredJSON], fiber: Int) -> Signal {
        let node = program[address]
        if let schema = node.input.schema?.inline, !schema.isValid(rawInput) {
            return .failure(validationError(schema, rawInput, what: "input of task '\(node.name)'", instance: node.reference))
        }
        var input = rawInput
        if let transform = node.input.transform {
            let arguments = taskArguments(fiber: fiber, node: node, rawInput: rawInput, input: rawInput, variables: variables)
            switch render(transform, on: rawInput, arguments: arguments, instance: node.reference) {
            case .success(let value): input = value
            case .failure(let error): return .failure(error)
            }
        }
        var deadline: Double?
        if let timeout = node.timeout {
            let arguments = taskArguments(fiber: fiber, node: node, rawInput: rawInput, input: input, variables: variables)
            switch seconds(timeout, data: input, arguments: arguments, for: "task '\(node.name)'", instance: node.reference) {
            case .success(let seconds): deadline = now + seconds
            case .failure(let error): return .failure(error)
            }
        }
        let detail = iterationDetail(fiber: fiber)
        pushFrame(
            fiber,
            .task(
                TaskFrame(
                    address: address, rawInput: StoredJSON(rawInput), input: StoredJSON(input), startedAt: now,
                    deadline: deadline, progress: .starting)))
        taskEvents.append(TaskEvent(kind: .started, task: node.reference, time: now, detail: detail))
        return .proceed
    }

    /// The iteration of the innermost `for` and the attempt of the innermost retried `try` around the top of
    /// `fiber`, or `nil` outside both.
    func iterationDetail(fiber: Int) -> TaskEvent.Detail? {
        var item: (index: Int, count: Int)?
        var attempt: Int?
        for case .task(let task) in state.fibers[fiber].frames.reversed() {
            switch task.progress {
            case .loop(let items, let index, _) where item == nil:
                item = (index, items.value.arrayValue?.count ?? 0)
            case .trying(let number, _) where attempt == nil && number > 0:
                attempt = number + 1
            default: break
            }
            if item != nil && attempt != nil { break }
        }
        guard item != nil || attempt != nil else { return nil }
        return .position(item: item?.index, items: item?.count ?? 0, attempt: attempt)
    }

    // MARK: frames

    mutating func pushFrame(_ fiber: Int, _ frame: Frame) {
        state.fibers[fiber].frames.append(frame)
    }

    mutating func popFrame(_ fiber: Int) {
        state.fibers[fiber].frames.removeLast()
    }

    mutating func replaceTop(_ fiber: Int, _ frame: Frame) {
        state.fibers[fiber].frames[state.fibers[fiber].frames.count - 1] = frame
    }

    /// The variables of the list that holds the top task frame.
    func enclosingVariables(_ fiber: Int) -> [String: StoredJSON] {
        for case .list(let list) in state.fibers[fiber].frames.reversed() {
            return list.variables
        }
        return [:]
    }
}
