import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions

extension Run {
    /// Offers `event` to every listen in progress, in order of fibers; a listen that has what it
    /// waits for completes with the events it consumed. A listen with `foreach` keeps consuming
    /// while an iteration runs above it; its events are processed one at a time.
    /// Returns whether a listen consumed the event.
    mutating func deliver(_ event: JSON) -> Bool {
        var consumed = false
        for id in state.fibers.map(\.id) {
            guard let index = state.fiberIndex(id) else { continue }
            for position in state.fibers[index].frames.indices.reversed() {
                guard case .task(var task) = state.fibers[index].frames[position],
                    case .listening(var progress) = task.progress, case .listen(let listen) = program[task.address].kind
                else { continue }
                let isTop = position == state.fibers[index].frames.count - 1
                guard !progress.satisfied, isTop ? state.fibers[index].wait == .events : progress.iterating else { continue }
                let node = program[task.address]
                let arguments = taskArguments(
                    fiber: index, node: node, rawInput: task.rawInput.value, input: task.input.value,
                    variables: variables(below: position, fiber: index))
                let consumedBefore = progress.consumed.count
                let result = offer(event, to: listen, progress: &progress, arguments: arguments, node: node)
                if case .success(let done) = result, done || progress.consumed.count > consumedBefore { consumed = true }
                switch result {
                case .failure(let error):
                    cancelDescendants(of: Array(state.fibers[index].frames[(position + 1)...]))
                    state.fibers[index].frames.removeSubrange((position + 1)...)
                    markReady(index)
                    state.fibers[index].pending = .failure(error)
                case .success(let done):
                    guard listen.iterator != nil else {
                        task.progress = .listening(progress)
                        state.fibers[index].frames[position] = .task(task)
                        if done {
                            markReady(index)
                            state.fibers[index].pending = .value(StoredJSON(.array(progress.consumed.map(\.value))))
                        }
                        continue
                    }
                    progress.satisfied = done
                    task.progress = .listening(progress)
                    state.fibers[index].frames[position] = .task(task)
                    if isTop { nextIteration(fiber: index) }
                }
            }
        }
        return consumed
    }

    /// What the run's listens wait for, or `nil` when none takes events: the listens ``deliver(_:)`` offers an
    /// event to, with the filters of each that an event could still satisfy.
    var subscription: EventSubscription? {
        var filters: [EventSubscription.Filter] = []
        var listening = false
        for fiber in state.fibers {
            for position in fiber.frames.indices {
                guard case .task(let task) = fiber.frames[position], case .listening(let progress) = task.progress,
                    case .listen(let listen) = program[task.address].kind
                else { continue }
                let isTop = position == fiber.frames.count - 1
                guard !progress.satisfied, isTop ? fiber.wait == .events : progress.iterating else { continue }
                listening = true
                Self.collect(listen.strategy, matched: progress.matched, into: &filters)
            }
        }
        return listening ? EventSubscription(filters: filters) : nil
    }

    /// The filters of `strategy` still open (for `all`, those `matched` does not mark), with those of a nested
    /// `until` strategy: its events end the listen.
    private static func collect(_ strategy: EventStrategy, matched: [Bool], into filters: inout [EventSubscription.Filter]) {
        switch strategy {
        case .one(let filter):
            filters.append(subscriptionFilter(filter))
        case .all(let all):
            for (index, filter) in all.enumerated() where !(index < matched.count && matched[index]) {
                filters.append(subscriptionFilter(filter))
            }
        case .any(let any, let until):
            if any.isEmpty {
                filters.append(EventSubscription.Filter(attributes: [:], decisive: true))
            } else {
                filters += any.map(subscriptionFilter)
            }
            if case .strategy(let stop)? = until { collect(stop, matched: [], into: &filters) }
        }
    }

    private static func subscriptionFilter(_ filter: EventFilter) -> EventSubscription.Filter {
        var attributes: OrderedDictionary<String, JSON> = [:]
        var decisive = filter.correlations.isEmpty
        for (name, match) in filter.attributes {
            switch match {
            case .literal(let value): attributes[name] = value
            case .expression: decisive = false
            }
        }
        return EventSubscription.Filter(attributes: attributes, decisive: decisive)
    }

    /// The variables of the list holding the frame at `position`.
    func variables(below position: Int, fiber: Int) -> [String: StoredJSON] {
        for case .list(let list) in state.fibers[fiber].frames[..<position].reversed() {
            return list.variables
        }
        return [:]
    }

    /// For a `foreach` listen at the top of `fiber`: runs the next waiting event through the
    /// iterator, finishes when all are done and the strategy is satisfied, or waits for more.
    mutating func nextIteration(fiber: Int) {
        while true {
            guard case .task(var task)? = state.fibers[fiber].frames.last, case .listening(var progress) = task.progress,
                case .listen(let listen) = program[task.address].kind, let iterator = listen.iterator
            else { return }
            let next = progress.results.count
            guard next < progress.consumed.count else {
                if progress.satisfied {
                    progress.finished = true
                    task.progress = .listening(progress)
                    replaceTop(fiber, .task(task))
                    markReady(fiber)
                    state.fibers[fiber].pending = .value(StoredJSON(.array(progress.results.map(\.value))))
                } else {
                    state.fibers[fiber].wait = .events
                }
                return
            }
            var variables = enclosingVariables(fiber)
            variables[iterator.item] = progress.consumed[next]
            variables[iterator.at] = StoredJSON(.number(Double(next)))
            guard let body = iterator.body else {
                // No body: the event itself goes through output.as and export.as.
                switch iterationResult(progress.consumed[next].value, task: task, iterator: iterator, variables: variables, fiber: fiber) {
                case .success(let result):
                    progress.results.append(StoredJSON(result))
                    task.progress = .listening(progress)
                    replaceTop(fiber, .task(task))
                    continue
                case .failure(let error):
                    markReady(fiber)
                    state.fibers[fiber].pending = .failure(error)
                    return
                }
            }
            progress.iterating = true
            task.progress = .listening(progress)
            replaceTop(fiber, .task(task))
            pushFrame(fiber, .list(ListFrame(scope: body, next: 0, data: progress.consumed[next], variables: variables)))
            markReady(fiber)
            return
        }
    }

    /// An iteration's output through `foreach.output.as`, after `foreach.export.as` updated the context.
    mutating func iterationResult(
        _ value: JSON, task: TaskFrame, iterator: ListenIterator, variables: [String: StoredJSON], fiber: Int
    ) -> Result<JSON, WorkflowError> {
        let node = program[task.address]
        var arguments = taskArguments(
            fiber: fiber, node: node, rawInput: task.rawInput.value, input: task.input.value, variables: variables)
        var output = value
        if let transform = iterator.output.transform {
            switch render(transform, on: value, arguments: arguments, instance: node.reference) {
            case .success(let transformed): output = transformed
            case .failure(let error): return .failure(error)
            }
        }
        if let transform = iterator.export.transform {
            arguments.output = output
            switch render(transform, on: output, arguments: arguments, instance: node.reference) {
            case .success(let context): state.fibers[fiber].context = StoredJSON(context)
            case .failure(let error): return .failure(error)
            }
        }
        return .success(output)
    }

    /// A `foreach` iteration's body finished with `value`: record it and go on.
    mutating func iterationFinished(_ value: JSON, fiber: Int) -> Signal? {
        guard case .task(var task)? = state.fibers[fiber].frames.last, case .listening(var progress) = task.progress,
            case .listen(let listen) = program[task.address].kind, let iterator = listen.iterator
        else { return nil }
        let next = progress.results.count
        var variables = enclosingVariables(fiber)
        variables[iterator.item] = progress.consumed[next]
        variables[iterator.at] = StoredJSON(.number(Double(next)))
        switch iterationResult(value, task: task, iterator: iterator, variables: variables, fiber: fiber) {
        case .success(let result):
            progress.results.append(StoredJSON(result))
            progress.iterating = false
            task.progress = .listening(progress)
            replaceTop(fiber, .task(task))
        case .failure(let error):
            return taskFailed(task, program[task.address], error, fiber: fiber)
        }
        nextIteration(fiber: fiber)
        if state.fibers[fiber].wait == .none, let pending = state.fibers[fiber].pending {
            state.fibers[fiber].pending = nil
            switch pending {
            case .value(let results): return completeTask(task, program[task.address], output: results.value, flow: program[task.address].then, fiber: fiber)
            case .failure(let error): return taskFailed(task, program[task.address], error, fiber: fiber)
            case .ending(let value): return .ending(value.value)
            }
        }
        return state.fibers[fiber].wait == .none ? .proceed : nil
    }

    /// Consumes `event` if the strategy wants it; returns whether the listen is now complete.
    func offer(
        _ event: JSON, to listen: Listen, progress: inout ListenProgress, arguments: ExpressionArguments, node: Node
    ) -> Result<Bool, WorkflowError> {
        let read: JSON
        switch listen.read {
        case "envelope": read = event
        default: read = event["data"] ?? .null
        }
        switch listen.strategy {
        case .one(let filter):
            switch matches(event, filter, progress: &progress, arguments: arguments, node: node) {
            case .success(true):
                progress.consumed.append(StoredJSON(read))
                return .success(true)
            case .success(false): return .success(false)
            case .failure(let error): return .failure(error)
            }
        case .all(let filters):
            for (index, filter) in filters.enumerated() where !progress.matched[index] {
                switch matches(event, filter, progress: &progress, arguments: arguments, node: node) {
                case .success(true):
                    progress.matched[index] = true
                    progress.consumed.append(StoredJSON(read))
                    return .success(progress.matched.allSatisfy { $0 })
                case .success(false): continue
                case .failure(let error): return .failure(error)
                }
            }
            return .success(false)
        case .any(let filters, let until):
            // Events that satisfy a nested `until` stop the listening and are not consumed.
            if case .strategy(let stop)? = until {
                var stopProgress = ListenProgress()
                if case .all(let stopFilters) = stop { stopProgress.matched = Array(repeating: false, count: stopFilters.count) }
                let stopListen = Listen(strategy: stop, read: listen.read)
                switch offer(event, to: stopListen, progress: &stopProgress, arguments: arguments, node: node) {
                case .success(true): return .success(true)
                case .success(false): break
                case .failure(let error): return .failure(error)
                }
            }
            var matched = filters.isEmpty
            for filter in filters where !matched {
                switch matches(event, filter, progress: &progress, arguments: arguments, node: node) {
                case .success(let result): matched = result
                case .failure(let error): return .failure(error)
                }
            }
            guard matched else { return .success(false) }
            progress.consumed.append(StoredJSON(read))
            switch until {
            case nil:
                return .success(true)
            case .strategy:
                return .success(false)
            case .expression(let id):
                let consumed = JSON.array(progress.consumed.map(\.value))
                return evaluate(id, on: consumed, arguments: arguments, instance: node.reference).map(isTruthy)
            }
        }
    }

    /// Whether `event` passes `filter`: every attribute matches, and every correlation key agrees.
    func matches(
        _ event: JSON, _ filter: EventFilter, progress: inout ListenProgress, arguments: ExpressionArguments, node: Node
    ) -> Result<Bool, WorkflowError> {
        for (name, match) in filter.attributes {
            let value = event[name] ?? .null
            switch match {
            case .expression(let id):
                switch evaluate(id, on: value, arguments: arguments, instance: node.reference) {
                case .success(let result): if !isTruthy(result) { return .success(false) }
                case .failure(let error): return .failure(error)
                }
            case .literal(.string(let pattern)):
                guard let text = value.stringValue, EventPattern.fullMatch(pattern, text) else { return .success(false) }
            case .literal(let expected):
                if value != expected { return .success(false) }
            }
        }
        var fixed = progress.correlation
        for (key, correlation) in filter.correlations {
            let extracted: JSON
            switch evaluate(correlation.from, on: event, arguments: arguments, instance: node.reference) {
            case .success(let value): extracted = value
            case .failure(let error): return .failure(error)
            }
            if let expect = correlation.expect {
                switch render(expect, on: arguments.input, arguments: arguments, instance: node.reference) {
                case .success(let expected): if extracted != expected { return .success(false) }
                case .failure(let error): return .failure(error)
                }
            } else if let first = fixed[key] {
                if first.value != extracted { return .success(false) }
            } else {
                fixed[key] = StoredJSON(extracted)
            }
        }
        progress.correlation = fixed
        return .success(true)
    }
}
