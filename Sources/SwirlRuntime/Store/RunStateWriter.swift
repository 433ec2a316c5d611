import SwirlCompiler
package import SwirlCore

/// Writes a ``RunState`` as the JSON text that its `Decodable` conformance reads back.
///
/// A checkpoint encodes the whole state, so this is on the path of every durable step; the
/// generic `JSONEncoder` spent most of a checkpoint's time on dynamic casts and boxing. This
/// writer appends bytes directly, in the shape the synthesized `Codable` conformances use:
/// a struct is an object of its stored properties, an `Optional` that is `nil` is left out,
/// and an enum case is `{"case": {label: value, …}}`, with `_0` for an unlabeled value.
/// `RunStateCodingTests` decodes what it writes for every case of every type, so a field added
/// to the state and forgotten here fails there.
struct RunStateWriter {
    /// Large values by reference, as ``RunStateCoding`` describes; `nil` writes every value inline.
    private var values: ValueCollector?
    private var out = JSONWriter(pretty: false)

    init(values: ValueCollector?) {
        self.values = values
        out.bytes.reserveCapacity(4096)
    }

    /// The text written, and the references collected.
    consuming func finish() -> (bytes: [UInt8], values: ValueCollector?) {
        (out.bytes, values)
    }

    // MARK: the run state

    mutating func write(_ state: RunState) throws(RunStateWriterError) {
        var object = ObjectWriter()
        key("runID", &object)
        out.writeString(state.runID)
        key("status", &object)
        out.writeString(state.status.rawValue)
        key("input", &object)
        write(state.input)
        key("startedAt", &object)
        try number(state.startedAt)
        if let deadline = state.deadline {
            key("deadline", &object)
            try number(deadline)
        }
        key("fibers", &object)
        try array(state.fibers) { (writer: inout RunStateWriter, fiber) throws(RunStateWriterError) in try writer.write(fiber) }
        key("nextFiberID", &object)
        integer(state.nextFiberID)
        if let output = state.output {
            key("output", &object)
            write(output)
        }
        if let error = state.error {
            key("error", &object)
            write(error)
        }
        key("randomState", &object)
        out.append(String(state.randomState))
        key("nextStep", &object)
        integer(state.nextStep)
        key("format", &object)
        integer(state.format)
        if let definitionHash = state.definitionHash {
            key("definitionHash", &object)
            out.writeString(definitionHash)
        }
        key("eventCursor", &object)
        out.append(String(state.eventCursor))
        key("eventBase", &object)
        out.append(String(state.eventBase))
        key("consumedEvents", &object)
        array(state.consumedEvents) { (writer: inout RunStateWriter, sequence) in writer.out.append(String(sequence)) }
        end(object)
    }

    // MARK: fibers and frames

    private mutating func write(_ fiber: Fiber) throws(RunStateWriterError) {
        var object = ObjectWriter()
        key("id", &object)
        integer(fiber.id)
        if let parent = fiber.parent {
            key("parent", &object)
            integer(parent)
        }
        key("branch", &object)
        integer(fiber.branch)
        key("context", &object)
        write(fiber.context)
        key("frames", &object)
        try array(fiber.frames) { (writer: inout RunStateWriter, frame) throws(RunStateWriterError) in try writer.write(frame) }
        key("wait", &object)
        try write(fiber.wait)
        if let pending = fiber.pending {
            key("pending", &object)
            write(pending)
        }
        end(object)
    }

    private mutating func write(_ wait: Fiber.FiberWait) throws(RunStateWriterError) {
        switch wait {
        case .none: emptyCase("none")
        case .timer(let until):
            var payload = beginCase("timer")
            key("until", &payload)
            try number(until)
            endCase(payload)
        case .branches: emptyCase("branches")
        case .activity(let activityKey):
            var payload = beginCase("activity")
            key("key", &payload)
            out.writeString(activityKey)
            endCase(payload)
        case .events: emptyCase("events")
        case .finished(let outcome):
            beginValueCase("finished")
            write(outcome)
            endValueCase()
        }
    }

    private mutating func write(_ outcome: Fiber.Outcome) {
        switch outcome {
        case .value(let value):
            beginValueCase("value")
            write(value)
        case .ending(let value):
            beginValueCase("ending")
            write(value)
        case .failure(let error):
            beginValueCase("failure")
            write(error)
        }
        endValueCase()
    }

    private mutating func write(_ frame: Frame) throws(RunStateWriterError) {
        switch frame {
        case .list(let list):
            beginValueCase("list")
            write(list)
        case .task(let task):
            beginValueCase("task")
            try write(task)
        }
        endValueCase()
    }

    private mutating func write(_ list: ListFrame) {
        var object = ObjectWriter()
        key("scope", &object)
        integer(list.scope)
        if let next = list.next {
            key("next", &object)
            integer(next)
        }
        key("data", &object)
        write(list.data)
        key("variables", &object)
        write(list.variables)
        end(object)
    }

    private mutating func write(_ task: TaskFrame) throws(RunStateWriterError) {
        var object = ObjectWriter()
        key("address", &object)
        var address = ObjectWriter()
        key("scope", &address)
        integer(task.address.scope)
        key("node", &address)
        integer(task.address.node)
        end(address)
        key("rawInput", &object)
        write(task.rawInput)
        key("input", &object)
        write(task.input)
        key("startedAt", &object)
        try number(task.startedAt)
        if let deadline = task.deadline {
            key("deadline", &object)
            try number(deadline)
        }
        if let attemptDeadline = task.attemptDeadline {
            key("attemptDeadline", &object)
            try number(attemptDeadline)
        }
        key("progress", &object)
        try write(task.progress)
        key("ending", &object)
        out.append(task.ending ? "true" : "false")
        end(object)
    }

    private mutating func write(_ progress: TaskFrame.Progress) throws(RunStateWriterError) {
        var payload: ObjectWriter
        switch progress {
        case .starting:
            emptyCase("starting")
            return
        case .body:
            emptyCase("body")
            return
        case .handling:
            emptyCase("handling")
            return
        case .loop(let items, let index, let data):
            payload = beginCase("loop")
            key("items", &payload)
            write(items)
            key("index", &payload)
            integer(index)
            key("data", &payload)
            write(data)
        case .fork(let children, let results, let contexts):
            payload = beginCase("fork")
            key("children", &payload)
            array(children) { (writer: inout RunStateWriter, child) in writer.integer(child) }
            key("results", &payload)
            array(results) { (writer: inout RunStateWriter, result) in writer.write(optional: result) }
            key("contexts", &payload)
            array(contexts) { (writer: inout RunStateWriter, context) in writer.write(optional: context) }
        case .trying(let attempt, let firstFailure):
            payload = beginCase("trying")
            key("attempt", &payload)
            integer(attempt)
            if let firstFailure {
                key("firstFailure", &payload)
                try number(firstFailure)
            }
        case .retrying(let attempt, let firstFailure, let until):
            payload = beginCase("retrying")
            key("attempt", &payload)
            integer(attempt)
            key("firstFailure", &payload)
            try number(firstFailure)
            key("until", &payload)
            try number(until)
        case .waiting(let until):
            payload = beginCase("waiting")
            key("until", &payload)
            try number(until)
        case .activity(let request):
            beginValueCase("activity")
            write(request)
            endValueCase()
            return
        case .listening(let listen):
            beginValueCase("listening")
            write(listen)
            endValueCase()
            return
        }
        endCase(payload)
    }

    private mutating func write(_ listen: ListenProgress) {
        var object = ObjectWriter()
        key("consumed", &object)
        array(listen.consumed) { (writer: inout RunStateWriter, event) in writer.write(event) }
        key("matched", &object)
        array(listen.matched) { (writer: inout RunStateWriter, flag) in writer.out.append(flag ? "true" : "false") }
        key("correlation", &object)
        write(listen.correlation)
        key("satisfied", &object)
        out.append(listen.satisfied ? "true" : "false")
        key("results", &object)
        array(listen.results) { (writer: inout RunStateWriter, result) in writer.write(result) }
        key("iterating", &object)
        out.append(listen.iterating ? "true" : "false")
        key("finished", &object)
        out.append(listen.finished ? "true" : "false")
        end(object)
    }

    private mutating func write(_ request: ActivityRequest) {
        var object = ObjectWriter()
        key("key", &object)
        out.writeString(request.key)
        key("kind", &object)
        out.writeString(request.kind)
        key("arguments", &object)
        write(request.arguments)
        key("input", &object)
        write(request.input)
        key("task", &object)
        out.writeString(request.task)
        key("runID", &object)
        out.writeString(request.runID)
        if let progress = request.progress {
            key("progress", &object)
            write(progress)
        }
        end(object)
    }

    private mutating func write(_ error: WorkflowError) {
        var object = ObjectWriter()
        key("type", &object)
        out.writeString(error.type)
        key("status", &object)
        integer(error.status)
        if let title = error.title {
            key("title", &object)
            out.writeString(title)
        }
        if let detail = error.detail {
            key("detail", &object)
            out.writeString(detail)
        }
        if let instance = error.instance {
            key("instance", &object)
            out.writeString(instance)
        }
        end(object)
    }

    // MARK: values

    /// A value as ``StoredJSON`` decodes it: a string holding its JSON text, or `@<sha256>` when
    /// it is large and references are collected.
    private mutating func write(_ stored: StoredJSON) {
        let value = stored.value
        if let reference = values?.cachedReference(for: value) {
            out.writeString(reference)
            return
        }
        var text = JSONWriter(pretty: false)
        text.write(value, depth: 0)
        if text.bytes.count >= RunStateCoding.referenceThreshold, values != nil {
            out.writeString(values!.reference(for: text.bytes, of: value))
        } else {
            text.bytes.withUnsafeBufferPointer { out.writeString(utf8: $0) }
        }
    }

    private mutating func write(optional stored: StoredJSON?) {
        if let stored { write(stored) } else { out.append("null") }
    }

    /// A map, its keys sorted so that the same state is always the same text.
    private mutating func write(_ variables: [String: StoredJSON]) {
        var object = ObjectWriter()
        for name in variables.keys.sorted() {
            key(name, &object)
            write(variables[name]!)
        }
        end(object)
    }

    // MARK: JSON structure

    /// Whether an object being written has a member yet: the next key needs a comma before it.
    private struct ObjectWriter {
        var empty = true
    }

    private mutating func key(_ name: String, _ object: inout ObjectWriter) {
        if object.empty {
            out.bytes.append(UInt8(ascii: "{"))
            object.empty = false
        } else {
            out.bytes.append(UInt8(ascii: ","))
        }
        out.writeString(name)
        out.bytes.append(UInt8(ascii: ":"))
    }

    /// Closes an object; one with no member is written as `{}`.
    private mutating func end(_ object: ObjectWriter) {
        out.append(object.empty ? "{}" : "}")
    }

    private mutating func emptyCase(_ name: String) {
        out.bytes.append(UInt8(ascii: "{"))
        out.writeString(name)
        out.append(":{}}")
    }

    /// Opens `{"name":` and the payload object, whose members the caller writes.
    private mutating func beginCase(_ name: String) -> ObjectWriter {
        out.bytes.append(UInt8(ascii: "{"))
        out.writeString(name)
        out.bytes.append(UInt8(ascii: ":"))
        return ObjectWriter()
    }

    /// Opens `{"name":{"_0":`, a case with one unlabeled value, which the caller writes next.
    private mutating func beginValueCase(_ name: String) {
        out.bytes.append(UInt8(ascii: "{"))
        out.writeString(name)
        out.append(":{\"_0\":")
    }

    /// Closes a case opened by ``beginValueCase(_:)``.
    private mutating func endValueCase() {
        out.append("}}")
    }

    /// Closes the payload object and the case object.
    private mutating func endCase(_ payload: ObjectWriter) {
        end(payload)
        out.bytes.append(UInt8(ascii: "}"))
    }

    private mutating func array<Element>(_ elements: [Element], _ body: (inout RunStateWriter, Element) -> Void) {
        out.bytes.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { out.bytes.append(UInt8(ascii: ",")) }
            body(&self, element)
        }
        out.bytes.append(UInt8(ascii: "]"))
    }

    private mutating func array<Element>(
        _ elements: [Element], _ body: (inout RunStateWriter, Element) throws(RunStateWriterError) -> Void
    ) throws(RunStateWriterError) {
        out.bytes.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { out.bytes.append(UInt8(ascii: ",")) }
            try body(&self, element)
        }
        out.bytes.append(UInt8(ascii: "]"))
    }

    private mutating func integer(_ value: Int) {
        out.append(String(value))
    }

    /// A time or duration; JSON cannot hold NaN or infinity, and a state holding one is refused
    /// rather than saved as something else.
    private mutating func number(_ value: Double) throws(RunStateWriterError) {
        guard value.isFinite else { throw RunStateWriterError(description: "the run state holds the number \(value)") }
        out.append(JSON.format(number: value))
    }
}

/// A run state that JSON cannot represent.
struct RunStateWriterError: Error, CustomStringConvertible {
    let description: String
}

/// Collects the large values of a state being written, and reuses the references of the
/// previous encoding of the run (``ValueCache``).
struct ValueCollector {
    private let skipping: Set<String>
    private let cache: ValueCache
    /// The values to store beside the state, by hash.
    private(set) var values: [String: [UInt8]] = [:]
    /// The cache entries this encoding used or made.
    private(set) var used = ValueCache()

    init(skipping: Set<String>, cache: ValueCache) {
        self.skipping = skipping
        self.cache = cache
    }

    /// The reference of `value` if the previous encoding stored it.
    mutating func cachedReference(for value: JSON) -> String? {
        guard !cache.entries.isEmpty, let identity = JSONStorageIdentity(value), let entry = cache.entries[identity] else {
            return nil
        }
        used.entries[identity] = entry
        return entry.reference
    }

    /// Records `text`, the serialization of `value`, and returns its reference.
    mutating func reference(for text: [UInt8], of value: JSON) -> String {
        let hash = RunStateCoding.hash(text)
        if !skipping.contains(hash) { values[hash] = text }
        let reference = "@" + hash
        if let identity = JSONStorageIdentity(value) { used.entries[identity] = (value, reference) }
        return reference
    }
}
