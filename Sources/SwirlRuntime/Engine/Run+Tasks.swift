import SwirlCompiler
import SwirlCore
import SwirlExpressions

extension Run {
    mutating func stepTask(_ frame: TaskFrame, _ signal: Signal, fiber: Int) -> Signal? {
        var task = frame
        let node = program[task.address]
        let variables = enclosingVariables(fiber)
        let input = task.input.value
        switch signal {
        case .failure(let error):
            return taskFailed(task, node, error, fiber: fiber)
        case .ending(let value):
            task.ending = true
            replaceTop(fiber, .task(task))
            return completeTask(task, node, output: value, flow: .end, fiber: fiber)
        case .taskDone:
            preconditionFailure("a task frame never receives a task's completion directly")
        case .value(let value):
            return childFinished(task, node, value, fiber: fiber)
        case .proceed:
            break
        }

        switch task.progress {
        case .waiting(let until):
            guard until <= now else {
                state.fibers[fiber].wait = .timer(until: until)
                return nil
            }
            return completeTask(task, node, output: input, flow: node.then, fiber: fiber)
        case .retrying(let attempt, let firstFailure, let until):
            guard until <= now else {
                state.fibers[fiber].wait = .timer(until: until)
                return nil
            }
            guard case .try(let tryCatch) = node.kind else { return nil }
            task.progress = .trying(attempt: attempt, firstFailure: firstFailure)
            if case .failure(let error) = armAttemptDeadline(&task, tryCatch, fiber: fiber) {
                return taskFailed(task, node, error, fiber: fiber, completing: true)
            }
            replaceTop(fiber, .task(task))
            pushFrame(fiber, .list(ListFrame(scope: tryCatch.body, next: 0, data: task.input, variables: variables)))
            return .proceed
        case .fork:
            state.fibers[fiber].wait = .branches
            return nil
        case .activity(let request):
            state.fibers[fiber].wait = .activity(key: request.key)
            return nil
        case .listening:
            state.fibers[fiber].wait = .events
            return nil
        case .starting:
            break
        default:
            return nil
        }

        let arguments = taskArguments(fiber: fiber, node: node, rawInput: task.rawInput.value, input: input, variables: variables)
        switch node.kind {
        case .set(let template):
            switch render(template, on: input, arguments: arguments, instance: node.reference) {
            case .success(let value): return completeTask(task, node, output: value, flow: node.then, fiber: fiber)
            case .failure(let error): return taskFailed(task, node, error, fiber: fiber)
            }

        case .do(let scope):
            task.progress = .body
            replaceTop(fiber, .task(task))
            pushFrame(fiber, .list(ListFrame(scope: scope, next: 0, data: task.input, variables: variables)))
            return .proceed

        case .switch(let cases):
            for switchCase in cases {
                guard let when = switchCase.when else { continue }
                switch evaluate(when, on: input, arguments: arguments, instance: node.reference) {
                case .success(let result) where isTruthy(result):
                    return completeTask(task, node, output: input, flow: switchCase.then, fiber: fiber, detail: .switchCase(switchCase.name, isDefault: false))
                case .success: continue
                case .failure(let error): return taskFailed(task, node, error, fiber: fiber)
                }
            }
            // The default case applies only when no other matched, wherever it is written.
            let fallback = cases.first { $0.when == nil }
            return completeTask(
                task, node, output: input, flow: fallback?.then ?? node.then, fiber: fiber,
                detail: fallback.map { .switchCase($0.name, isDefault: true) } ?? .noCaseMatched)

        case .for(let loop):
            let collection: JSON
            switch evaluate(loop.collection, on: input, arguments: arguments, instance: node.reference) {
            case .success(let value): collection = value
            case .failure(let error): return taskFailed(task, node, error, fiber: fiber)
            }
            let items: [JSON]
            switch collection {
            case .null: items = []
            case .array(let elements): items = elements
            default:
                return taskFailed(
                    task, node,
                    WorkflowError(
                        .expression, title: "Invalid loop collection",
                        detail: "'for.in' must give an array (or null), not \(collection.typeName)",
                        instance: node.reference),
                    fiber: fiber)
            }
            task.progress = .loop(items: StoredJSON(.array(items)), index: 0, data: task.input)
            replaceTop(fiber, .task(task))
            return nextIteration(task, node, loop, fiber: fiber)

        case .fork(let fork):
            var children: [Int] = []
            let context = state.fibers[fiber].context
            for (branch, scope) in fork.branches.enumerated() {
                let id = state.nextFiberID
                state.nextFiberID += 1
                children.append(id)
                state.fibers.append(
                    Fiber(
                        id: id, parent: state.fibers[fiber].id, branch: branch, context: context,
                        frames: [.list(ListFrame(scope: scope, next: 0, data: task.input, variables: variables))],
                        wait: .none, pending: nil))
            }
            task.progress = .fork(
                children: children, results: Array(repeating: nil, count: children.count),
                contexts: Array(repeating: nil, count: children.count))
            replaceTop(fiber, .task(task))
            if children.isEmpty { return completeTask(task, node, output: .array([]), flow: node.then, fiber: fiber) }
            state.fibers[fiber].wait = .branches
            return nil

        case .try(let tryCatch):
            task.progress = .trying(attempt: 0, firstFailure: nil)
            if case .failure(let error) = armAttemptDeadline(&task, tryCatch, fiber: fiber) {
                return taskFailed(task, node, error, fiber: fiber, completing: true)
            }
            replaceTop(fiber, .task(task))
            pushFrame(fiber, .list(ListFrame(scope: tryCatch.body, next: 0, data: task.input, variables: variables)))
            return .proceed

        case .raise(let template):
            switch render(template.fields, on: input, arguments: arguments, instance: node.reference) {
            case .success(let fields):
                var error = WorkflowError(json: fields)
                    ?? WorkflowError(
                        .runtime, title: "Invalid error", detail: "the raised error has no valid 'type' and 'status'",
                        instance: node.reference)
                if error.instance == nil { error.instance = node.reference }
                return taskFailed(task, node, error, fiber: fiber)
            case .failure(let error):
                return taskFailed(task, node, error, fiber: fiber)
            }

        case .wait(let duration):
            switch seconds(duration, data: input, arguments: arguments, for: "task '\(node.name)'", instance: node.reference) {
            case .success(let seconds):
                let until = now + seconds
                task.progress = .waiting(until: until)
                replaceTop(fiber, .task(task))
                guard until > now else { return completeTask(task, node, output: input, flow: node.then, fiber: fiber) }
                state.fibers[fiber].wait = .timer(until: until)
                taskEvents.append(TaskEvent(kind: .waiting(until: until), task: node.reference, time: now))
                return nil
            case .failure(let error):
                return taskFailed(task, node, error, fiber: fiber)
            }

        case .listen(let listen):
            var progress = ListenProgress()
            if case .all(let filters) = listen.strategy { progress.matched = Array(repeating: false, count: filters.count) }
            task.progress = .listening(progress)
            replaceTop(fiber, .task(task))
            state.fibers[fiber].wait = .events
            // A listen sees the matching events stored since the run started that the run has
            // not consumed (DSL-NOTES §2 #35): offer them again from the start.
            state.eventCursor = state.eventBase
            return nil

        case .function(let call):
            // The arguments are the function task's raw input; it sees none of the caller's variables.
            switch render(call.arguments, on: input, arguments: arguments, instance: node.reference) {
            case .success(let rendered):
                task.progress = .body
                replaceTop(fiber, .task(task))
                pushFrame(fiber, .list(ListFrame(scope: call.scope, next: 0, data: StoredJSON(rendered), variables: [:])))
                return .proceed
            case .failure(let error):
                return taskFailed(task, node, error, fiber: fiber)
            }

        case .activity(let call):
            switch render(call.arguments, on: input, arguments: arguments, instance: node.reference) {
            case .success(let rendered):
                let request = ActivityRequest(
                    key: "\(node.reference)#\(state.nextStep)", kind: call.kind, arguments: rendered,
                    input: task.input.value, task: node.reference, runID: state.runID)
                state.nextStep += 1
                task.progress = .activity(request)
                replaceTop(fiber, .task(task))
                state.fibers[fiber].wait = .activity(key: request.key)
                return nil
            case .failure(let error):
                return taskFailed(task, node, error, fiber: fiber)
            }
        }
    }

    /// Sets the deadline of a `try` attempt from its retry policy's `limit.attempt.duration`.
    mutating func armAttemptDeadline(_ task: inout TaskFrame, _ tryCatch: TryCatch, fiber: Int) -> Result<Void, WorkflowError> {
        task.attemptDeadline = nil
        guard let duration = tryCatch.retry?.attemptDuration else { return .success(()) }
        let node = program[task.address]
        let arguments = taskArguments(
            fiber: fiber, node: node, rawInput: task.rawInput.value, input: task.input.value, variables: enclosingVariables(fiber))
        switch seconds(duration, data: task.input.value, arguments: arguments, for: "task '\(node.name)'", instance: node.reference) {
        case .success(let seconds):
            task.attemptDeadline = now + seconds
            return .success(())
        case .failure(let error):
            return .failure(error)
        }
    }

    /// The frame above a composite task finished with `value`.
    mutating func childFinished(_ frame: TaskFrame, _ node: Node, _ value: JSON, fiber: Int) -> Signal? {
        var task = frame
        switch task.progress {
        case .body, .trying, .handling:
            return completeTask(task, node, output: value, flow: node.then, fiber: fiber)
        case .listening(let progress):
            // With foreach, a value is an iteration's body finishing, until the listen is done.
            if case .listen(let listen) = node.kind, listen.iterator != nil, !progress.finished {
                return iterationFinished(value, fiber: fiber)
            }
            return completeTask(task, node, output: value, flow: node.then, fiber: fiber)
        case .fork, .activity:
            return completeTask(task, node, output: value, flow: node.then, fiber: fiber)
        case .loop(let items, let index, _):
            guard case .for(let loop) = node.kind else { return nil }
            task.progress = .loop(items: items, index: index + 1, data: StoredJSON(value))
            replaceTop(fiber, .task(task))
            return nextIteration(task, node, loop, fiber: fiber)
        default:
            return nil
        }
    }

    /// Starts the next iteration of a `for`, or completes it.
    mutating func nextIteration(_ frame: TaskFrame, _ node: Node, _ loop: ForLoop, fiber: Int) -> Signal? {
        guard case .loop(let collection, let index, let data) = frame.progress else { return nil }
        let items = collection.value.arrayValue ?? []
        guard index < items.count else { return completeTask(frame, node, output: data.value, flow: node.then, fiber: fiber) }
        var variables = enclosingVariables(fiber)
        variables[loop.each] = StoredJSON(items[index])
        variables[loop.at] = StoredJSON(.number(Double(index)))
        if let condition = loop.condition {
            let arguments = taskArguments(
                fiber: fiber, node: node, rawInput: frame.rawInput.value, input: frame.input.value, variables: variables)
            switch evaluate(condition, on: data.value, arguments: arguments, instance: node.reference) {
            case .success(let result) where !isTruthy(result):
                return completeTask(frame, node, output: data.value, flow: node.then, fiber: fiber)
            case .success: break
            case .failure(let error): return taskFailed(frame, node, error, fiber: fiber)
            }
        }
        pushFrame(fiber, .list(ListFrame(scope: loop.body, next: 0, data: data, variables: variables)))
        return .proceed
    }

    /// A branch fiber of the fork at the top of `parent` finished.
    mutating func branchFinished(parent: Int, branch: Int, context: StoredJSON, outcome: Fiber.Outcome) {
        guard case .task(var task)? = state.fibers[parent].frames.last, case .fork = task.progress,
            case .fork(let fork) = program[task.address].kind
        else { return }
        switch outcome {
        case .failure, .ending:
            markReady(parent)
            // A faulted branch cancels its siblings and faults the fork (DSL-NOTES §2 #33); an
            // `end` in a branch cancels them and ends the workflow (§2 #11).
            cancelDescendants(of: [.task(task)])
            if case .ending = outcome { state.fibers[parent].context = context }
            state.fibers[parent].pending = outcome
        case .value(let value):
            if fork.compete {
                // The first branch to finish wins; only its exports count.
                markReady(parent)
                cancelDescendants(of: [.task(task)])
                state.fibers[parent].context = context
                state.fibers[parent].pending = .value(value)
                return
            }
            // The arrays are updated in place: the frame and the progress give up their
            // references first, so recording one branch costs O(1), not a copy of all of them.
            popFrame(parent)
            guard case .fork(let children, var results, var contexts) = task.progress else { return }
            task.progress = .starting
            // Results still missing, counted once per call and then kept (by the fork's first
            // branch fiber, unique to this fork): a scan per branch would be quadratic.
            let key = children.first ?? -1
            let missing = forkResultsMissing[key] ?? results.reduce(0) { $1 == nil ? $0 + 1 : $0 }
            let remaining = results[branch] == nil ? missing - 1 : missing
            results[branch] = value
            contexts[branch] = context
            let complete = remaining == 0
            forkResultsMissing[key] = complete ? nil : remaining
            task.progress = .fork(children: children, results: results, contexts: contexts)
            pushFrame(parent, .task(task))
            // The parent waits for its branches until the last one is in; marking it ready
            // earlier would send the search for ready fibers back to it after every branch.
            guard complete else { return }
            markReady(parent)
            // Every branch saw the context of the fork's start; their exports apply at the join,
            // in declaration order (DSL-NOTES §2 #13).
            let start = state.fibers[parent].context
            for case let branchContext? in contexts where branchContext != start {
                state.fibers[parent].context = branchContext
            }
            state.fibers[parent].pending = .value(StoredJSON(.array(results.map { $0!.value })))
        }
    }
}
