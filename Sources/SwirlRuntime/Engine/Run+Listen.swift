import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions

extension Run {
    /// Offers `event` to every fiber listening, in order; a listen that has what it waits for
    /// completes with the events it consumed.
    mutating func deliver(_ event: JSON) {
        for id in state.fibers.map(\.id) {
            guard let index = state.fiberIndex(id), state.fibers[index].wait == .events,
                case .task(var task)? = state.fibers[index].frames.last, case .listening(var progress) = task.progress,
                case .listen(let listen) = program[task.address].kind
            else { continue }
            let node = program[task.address]
            let arguments = taskArguments(
                fiber: index, node: node, rawInput: task.rawInput.value, input: task.input.value,
                variables: enclosingVariables(index))
            switch offer(event, to: listen, progress: &progress, arguments: arguments, node: node) {
            case .failure(let error):
                state.fibers[index].wait = .none
                state.fibers[index].pending = .failure(error)
            case .success(let done):
                task.progress = .listening(progress)
                state.fibers[index].frames[state.fibers[index].frames.count - 1] = .task(task)
                if done {
                    state.fibers[index].wait = .none
                    state.fibers[index].pending = .value(StoredJSON(.array(progress.consumed.map(\.value))))
                }
            }
        }
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
                guard let text = value.stringValue, Self.fullMatch(pattern, text) else { return .success(false) }
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

    /// Whether `text` equals `pattern` or matches it as a whole regular expression.
    static func fullMatch(_ pattern: String, _ text: String) -> Bool {
        if pattern == text { return true }
        guard let expression = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return false }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
