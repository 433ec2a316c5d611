// The only file that touches libjq. Everything here is written against libjq 1.6 as Debian 12
// ships it (`jq.h`, `jv.h`); where 1.6 misbehaves, the comment names the workaround.
internal import CJQ
public import SwirlCore

/// Compiles jq filters into ``JQProgram``s, with libjq 1.6.
///
/// The engine is where the thread policy lives. libjq 1.6 is not thread-safe: `jv` reference
/// counts are not atomic, and builds that keep per-thread data with pthread keys rather than TLS
/// crash on a second thread even with separate states (jqlang/jq#2545). So an engine, every
/// program it compiled and every libjq value behind them stay confined to the one thread or task
/// that owns the engine, and are never used concurrently. Neither type is `Sendable`; only
/// ``JSON`` values and ``JQError``s leave. Nothing is ever printed: compile errors are collected
/// through an installed error callback and thrown.
///
/// Compiling costs about 20 ms with libjq 1.6 (each program gets its own `jq_state`, which
/// re-compiles jq's builtins); evaluating costs microseconds. Compile once, evaluate often.
///
/// Every evaluation runs under the engine's ``JQWatchdog``, which halts it from its own thread
/// when it runs past its limit or a stop request comes (the one exception to the confinement
/// above: `jq_halt` only sets a flag that `jq_next` reads before each instruction). Watching
/// costs about 0.2 µs per evaluation (a lock round trip to register and one to leave).
public final class JQEngine {
    /// What stops this engine's evaluations when they run too long or are interrupted.
    public let watchdog: JQWatchdog

    /// Creates an engine. No libjq state exists until the first ``compile(_:)``.
    /// - Parameter watchdog: the watchdog of every evaluation of the engine's programs.
    public init(watchdog: JQWatchdog = .shared) {
        self.watchdog = watchdog
    }

    /// Compiles a jq filter.
    ///
    /// The program exists only when libjq reported success, because running a `jq_state` whose
    /// compile failed crashes libjq 1.6.
    /// - Parameter filter: jq source text, such as `.a | map(. * 2)`.
    /// - Returns: a program that can be evaluated any number of times.
    /// - Throws: ``JQError/compile(messages:)`` with libjq's messages when the filter does not compile.
    public func compile(_ filter: String) throws(JQError) -> JQProgram {
        let state = try JQState(watchdog: watchdog)
        try state.compile(filter)
        return JQProgram(filter: filter, state: state)
    }
}

@available(*, unavailable, message: "libjq 1.6 is not thread-safe: keep a JQEngine on one thread or task")
extension JQEngine: Sendable {}

/// A compiled jq filter, ready to evaluate.
///
/// It holds its own libjq state, which stays on the thread or task that owns the ``JQEngine`` that
/// compiled it (see there). Only successful compiles produce one.
public final class JQProgram {
    /// The jq source text the program was compiled from.
    public let filter: String

    private let state: JQState

    fileprivate init(filter: String, state: JQState) {
        self.filter = filter
        self.state = state
    }

    /// Runs the filter on one input and collects every output.
    /// - Parameters:
    ///   - input: the value the filter sees as `.`.
    /// - Returns: the outputs in the order jq produced them; empty when the filter produced none
    ///   (`empty`, `select(false)`, or `halt` before any output).
    ///   - timeLimit: the longest the evaluation may run, in seconds, when shorter than the
    ///     watchdog's ceiling.
    /// - Throws: ``JQError/runtime(message:)`` when the filter raises an error or calls `halt_error`;
    ///   ``JQError/timedOut(seconds:ceiling:)`` or ``JQError/interrupted`` when the engine's
    ///   watchdog halts it. Outputs produced before the error are dropped.
    public func evaluate(_ input: JSON, timeLimit: Double? = nil) throws(JQError) -> [JSON] {
        try state.run(input, timeLimit: timeLimit)
    }

    /// Runs the filter on one input and folds its outputs into one value, the project's rule for
    /// an expression's result: no output is `null`, one output is itself, several become an array.
    /// - Parameters:
    ///   - input: the value the filter sees as `.`.
    ///   - timeLimit: as for ``evaluate(_:timeLimit:)``.
    /// - Returns: `null`, the single output, or an array of all outputs.
    /// - Throws: as ``evaluate(_:timeLimit:)`` does.
    public func evaluateOne(_ input: JSON, timeLimit: Double? = nil) throws(JQError) -> JSON {
        let outputs = try evaluate(input, timeLimit: timeLimit)
        switch outputs.count {
        case 0: return .null
        case 1: return outputs[0]
        default: return .array(outputs)
        }
    }
}

@available(*, unavailable, message: "libjq 1.6 is not thread-safe: keep a JQProgram on one thread or task")
extension JQProgram: Sendable {}

// MARK: - libjq state

/// Collects what libjq reports through its error callback.
///
/// Its own object so the callback's context exists before `JQState` has finished initialising
/// (the callback is installed first thing), and so the callback can reach nothing else.
private final class JQMessageCollector {
    var messages: [String] = []
}

/// Owns one `jq_state`: creates it with the error callback installed, compiles into it, runs it,
/// and tears it down in `deinit`. All status codes libjq returns are read here and nowhere else.
private final class JQState: JQHaltTarget {
    /// libjq 1.6 aborts on an assertion when a filter uses `import`, `include` or
    /// `{search: "$ORIGIN/…"}` and these attributes are unset (it expects the jq command line to
    /// have set them). Swirl does not support jq modules; with an empty library path and origins
    /// pointing at a directory that does not exist, such filters fail with "module not found"
    /// instead, and relative module paths never resolve against the working directory. An
    /// absolute `search` path can still reach the file system: rejecting `import` and `include`
    /// outright is the expression syntax checker's job.
    private static let moduleOrigin = "/nonexistent/swirl-jq-modules-are-not-supported"

    private let handle: OpaquePointer
    /// Kept alive as long as `handle`: libjq holds an unretained pointer to it.
    private let collector = JQMessageCollector()
    private let watchdog: JQWatchdog

    init(watchdog: JQWatchdog) throws(JQError) {
        guard let handle = jq_init() else {
            throw .compile(messages: ["jq_init failed: libjq could not allocate a jq_state"])
        }
        self.handle = handle
        self.watchdog = watchdog
        // Installed before anything else can report: without it libjq 1.6 prints to stderr.
        jq_set_error_cb(
            handle,
            { context, message in
                guard let context else {
                    jv_free(message)
                    return
                }
                let collector = Unmanaged<JQMessageCollector>.fromOpaque(context).takeUnretainedValue()
                collector.messages.append(JQValueBridge.takeMessage(message).trimmingTrailingWhitespace())
            },
            Unmanaged.passUnretained(collector).toOpaque()
        )
        // libjq 1.6's jq_init leaves these uninitialised (later releases set them to NULL), so
        // `input`, `inputs` and `debug` would call through whatever the allocator left there.
        // With no input callback `input` fails with "break" and `inputs` is empty; with no debug
        // callback `debug` passes its input through silently.
        jq_set_input_cb(handle, nil, nil)
        jq_set_debug_cb(handle, nil, nil)
        jq_set_nomem_handler(handle, nil, nil)
        jq_set_attr(handle, jv_string("JQ_LIBRARY_PATH"), jv_array())
        jq_set_attr(handle, jv_string("JQ_ORIGIN"), jv_string(Self.moduleOrigin))
        jq_set_attr(handle, jv_string("PROGRAM_ORIGIN"), jv_string(Self.moduleOrigin))
    }

    deinit {
        var pointer: OpaquePointer? = handle
        jq_teardown(&pointer)
    }

    /// Compiles `filter` into this state; throws libjq's messages when it fails.
    func compile(_ filter: String) throws(JQError) {
        // jq_compile reads a C string, so a NUL would silently cut the filter short.
        guard !filter.utf8.contains(0) else {
            throw .compile(messages: ["the filter contains a NUL character"])
        }
        collector.messages.removeAll()
        let succeeded = filter.withCString { jq_compile(handle, $0) } != 0
        let messages = collector.messages.filter { !Self.isErrorTally($0) }
        collector.messages.removeAll()
        guard succeeded else {
            throw .compile(messages: messages.isEmpty ? ["jq_compile failed without a message"] : messages)
        }
    }

    /// Runs the compiled filter on `input` until it has no more outputs.
    ///
    /// Must only be called after ``compile(_:)`` succeeded (`jq_start` on a failed compile
    /// crashes libjq 1.6); ``JQEngine`` guarantees that.
    func run(_ input: JSON, timeLimit: Double?) throws(JQError) -> [JSON] {
        try run(converted: JQValueBridge.makeJV(input), timeLimit: timeLimit)
    }

    /// Runs the compiled filter on `input`, which it consumes, as ``run(_:timeLimit:)`` does.
    ///
    /// The watchdog supervises from just after `jq_start` (which clears a halt) until `jq_next`
    /// has returned for the last time; between the two it may halt the state from its thread.
    func run(converted input: jv, timeLimit: Double?) throws(JQError) -> [JSON] {
        jq_start(handle, input, 0)
        let ticket = watchdog.begin(limit: timeLimit, target: self)
        var outputs: [JSON] = []
        var next = jv_invalid()
        var conversionFailure: JQError?
        while true {
            next = jq_next(handle)
            guard jv_get_kind(next) != JV_KIND_INVALID else { break }
            do {
                outputs.append(try JQValueBridge.takeJSON(next))
            } catch {
                conversionFailure = error
                break
            }
        }
        // From here on the watchdog leaves the state alone.
        if let stop = watchdog.end(ticket) {
            if conversionFailure == nil { jv_free(next) }
            // Reset now, which releases what the cut-short run left on its stack (for
            // `[range(1e9)]`, everything it built) rather than at the next evaluation; then
            // halt with harmless values, as `finishHalt` does, in case the filter had halted
            // itself at the same moment and the reset freed its values without clearing them.
            jq_start(handle, jv_null(), 0)
            jq_halt(handle, jv_invalid(), jv_invalid())
            throw stop.error
        }
        if let conversionFailure { throw conversionFailure }
        // An invalid value ends the run; libjq asserts if jq_next is called after it.
        if jv_invalid_has_msg(jv_copy(next)) != 0 {
            throw .runtime(message: JQValueBridge.takeMessage(jv_invalid_get_msg(next)))
        }
        jv_free(next)
        if jq_halted(handle) != 0 {
            try finishHalt()
        }
        return outputs
    }

    /// Halts the run in progress on another thread; see ``JQWatchdog`` for when this is sound.
    /// A state that halted itself (`halt`, `halt_error`) is left as it is: halting it twice
    /// fails an assertion in libjq. (A filter that calls `halt` at the very instant its limit
    /// expires can still meet that assertion; libjq offers no atomic test-and-halt.)
    func haltFromWatchdog() {
        guard jq_halted(handle) == 0 else { return }
        jq_halt(handle, jv_invalid(), jv_invalid())
    }

    /// Turns a `halt` or `halt_error` into a result and leaves the state safe to reuse.
    ///
    /// `halt` sets no exit code and simply ends the outputs. `halt_error` always sets one and is a
    /// failure: its input becomes the error message.
    private func finishHalt() throws(JQError) {
        defer {
            // libjq 1.6 frees the halt's exit code and message on every later reset without
            // clearing them (fixed upstream by jqlang/jq#3134), so the next jq_start or the
            // teardown would free them again. Reset once more, then store harmless values with a
            // halt of our own. The copies read below are ours and stay valid.
            jq_start(handle, jv_null(), 0)
            jq_halt(handle, jv_invalid(), jv_invalid())
        }
        let message = try JQValueBridge.takeValidJSON(jq_get_error_message(handle))
        guard let exitCode = try JQValueBridge.takeValidJSON(jq_get_exit_code(handle)) else { return }
        if let message, message != .null {
            throw .runtime(message: JQValueBridge.messageText(message))
        }
        throw .runtime(message: "halt_error with exit code \(exitCode)")
    }

    /// Whether `message` is the `jq: N compile error(s)` tally libjq reports after the real errors.
    private static func isErrorTally(_ message: String) -> Bool {
        let words = message.split(separator: " ")
        return words.count == 4 && words[0] == "jq:" && Int(words[1]) != nil && words[2] == "compile"
            && (words[3] == "error" || words[3] == "errors")
    }
}

// MARK: - Reused values

/// libjq copies of arrays and objects that evaluations receive again and again, for
/// ``ExpressionBundle``: a run's `$workflow` descriptor holds the whole workflow definition, and
/// converting it for every evaluation costs tens of microseconds where reusing it costs a
/// reference count.
///
/// Entries are found by ``JSONStorageIdentity`` and keep their JSON value alive, which is what
/// makes finding them by identity sound. When the cache is full, the least recently used entry
/// goes. Like every libjq value, the cache stays on the thread that owns its engine.
final class JQValueCache {
    private struct Entry {
        /// Held only to keep the storage, and so the identity, alive.
        let json: JSON
        /// The cache's own reference; every user gets a `jv_copy`.
        let value: jv
        var lastUse: UInt64
    }

    /// The most values kept.
    let capacity: Int
    private var entries: [JSONStorageIdentity: Entry] = [:]
    private var clock: UInt64 = 0

    /// Creates an empty cache that keeps at most `capacity` values.
    init(capacity: Int) {
        precondition(capacity >= 1, "a value cache needs room for one value")
        self.capacity = capacity
    }

    deinit {
        for entry in entries.values {
            jv_free(entry.value)
        }
    }

    /// How many values the cache holds.
    var count: Int { entries.count }

    /// A `jv` holding `value`, which the caller owns: the cached one when `value` is a container
    /// the cache has seen, otherwise a new conversion, remembered when it is a container.
    fileprivate func makeJV(_ value: JSON) -> jv {
        guard let identity = JSONStorageIdentity(value) else { return JQValueBridge.makeJV(value) }
        clock &+= 1
        if let cached = entries[identity]?.value {
            entries[identity]?.lastUse = clock
            return jv_copy(cached)
        }
        if entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            jv_free(oldest.value.value)
            entries[oldest.key] = nil
        }
        let converted = JQValueBridge.makeJV(value)
        entries[identity] = Entry(json: value, value: jv_copy(converted), lastUse: clock)
        return converted
    }
}

@available(*, unavailable, message: "libjq 1.6 is not thread-safe: keep a JQValueCache on one thread or task")
extension JQValueCache: Sendable {}

extension JQProgram {
    /// Runs the program on the array of `elements`, converting the elements at `reused` through
    /// `cache`, and collects every output as ``evaluate(_:timeLimit:)`` does.
    /// - Parameters:
    ///   - elements: the input array's elements.
    ///   - reused: the positions of elements that are likely to come back unchanged.
    ///   - cache: where converted values are kept between evaluations.
    ///   - timeLimit: as for ``evaluate(_:timeLimit:)``.
    func evaluate(elements: [JSON], reusing reused: Range<Int>, from cache: JQValueCache, timeLimit: Double?)
        throws(JQError) -> [JSON]
    {
        var array = jv_array_sized(Int32(elements.count))
        for (position, element) in elements.enumerated() {
            let value = reused.contains(position) ? cache.makeJV(element) : JQValueBridge.makeJV(element)
            array = jv_array_append(array, value)
        }
        return try state.run(converted: array, timeLimit: timeLimit)
    }
}

// MARK: - Values

/// Converts between ``JSON`` and libjq's `jv`, directly through the `jv` API, never through text.
///
/// Ownership follows libjq's rule: every `jv_*` call consumes its `jv` arguments, except
/// `jv_copy`, `jv_get_kind`, `jv_number_value`, `jv_string_value` and the `jv_object_iter*`
/// family, which only read. Functions named `take…` consume their argument; `make…` return a value
/// the caller owns.
private enum JQValueBridge {
    /// The deepest nesting converted back from libjq. jq can build arbitrarily deep values cheaply
    /// (`reduce range(n) as $i (0; [.])`), and the conversion recurses; the limit matches what the
    /// JSON parser accepts, so every result can also be written and read back as text.
    static let maxDepth = JSONParser.defaultMaxDepth

    /// A new `jv` holding `value`; the caller owns it.
    static func makeJV(_ value: JSON) -> jv {
        switch value {
        case .null:
            return jv_null()
        case .bool(let flag):
            return flag ? jv_true() : jv_false()
        case .number(let number):
            return jv_number(number)
        case .string(let string):
            return makeJVString(string)
        case .array(let elements):
            var array = jv_array_sized(Int32(elements.count))
            for element in elements {
                array = jv_array_append(array, makeJV(element))
            }
            return array
        case .object(let members):
            var object = jv_object()
            for (key, member) in members {
                object = jv_object_set(object, makeJVString(key), makeJV(member))
            }
            return object
        }
    }

    /// A `jv` string with exactly the string's UTF-8 bytes, NUL bytes included.
    private static func makeJVString(_ string: String) -> jv {
        var string = string
        return string.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return jv_string_sized("", 0) }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                jv_string_sized($0, Int32(bytes.count))
            }
        }
    }

    /// Converts `value` to ``JSON`` and frees it.
    /// - Throws: ``JQError/runtime(message:)`` when the value nests deeper than ``maxDepth``.
    static func takeJSON(_ value: jv) throws(JQError) -> JSON {
        defer { jv_free(value) }
        return try makeJSON(value, depth: 0)
    }

    /// Converts `value` to ``JSON`` without consuming it. Object members keep libjq's iteration
    /// order, which is insertion order.
    private static func makeJSON(_ value: jv, depth: Int) throws(JQError) -> JSON {
        switch jv_get_kind(value) {
        case JV_KIND_NULL:
            return .null
        case JV_KIND_TRUE:
            return .bool(true)
        case JV_KIND_FALSE:
            return .bool(false)
        case JV_KIND_NUMBER:
            return .number(jv_number_value(value))
        case JV_KIND_STRING:
            return .string(makeString(value))
        case JV_KIND_ARRAY:
            guard depth < maxDepth else { throw tooDeep() }
            let count = Int(jv_array_length(jv_copy(value)))
            var elements: [JSON] = []
            elements.reserveCapacity(count)
            for index in 0..<count {
                let element = jv_array_get(jv_copy(value), Int32(index))
                defer { jv_free(element) }
                elements.append(try makeJSON(element, depth: depth + 1))
            }
            return .array(elements)
        case JV_KIND_OBJECT:
            guard depth < maxDepth else { throw tooDeep() }
            var members = OrderedDictionary<String, JSON>()
            var iterator = jv_object_iter(value)
            while jv_object_iter_valid(value, iterator) != 0 {
                let key = jv_object_iter_key(value, iterator)
                let member = jv_object_iter_value(value, iterator)
                defer {
                    jv_free(key)
                    jv_free(member)
                }
                let name = makeString(key)
                // jq compares names byte by byte, Swift strings by canonical equivalence: two names
                // in different Unicode forms would become one member here, losing a value silently.
                if let existing = members.index(forKey: name), !JSON.sameCodePoints(members.keys[existing], name) {
                    throw JQError.runtime(
                        message: "the result has member names \(JSON.quote(members.keys[existing])) and \(JSON.quote(name)), the same text in different Unicode forms; Swirl keeps object keys as one name and cannot hold both")
                }
                members[name] = try makeJSON(member, depth: depth + 1)
                iterator = jv_object_iter_next(value, iterator)
            }
            return .object(members)
        default:
            // An invalid value cannot sit inside an array or object, and jq_next's own invalid
            // results are handled before conversion; nothing else is left.
            return .null
        }
    }

    /// The bytes of a `jv` string, which may contain NUL, as a Swift string; does not consume it.
    private static func makeString(_ value: jv) -> String {
        let count = Int(jv_string_length_bytes(jv_copy(value)))
        guard count > 0, let bytes = jv_string_value(value) else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    private static func tooDeep() -> JQError {
        .runtime(message: "the result nests arrays and objects deeper than \(maxDepth) levels")
    }

    /// Converts `value` to ``JSON`` and frees it; `nil` when it is invalid (libjq's "nothing").
    /// - Throws: ``JQError/runtime(message:)`` when the value nests deeper than ``maxDepth``.
    static func takeValidJSON(_ value: jv) throws(JQError) -> JSON? {
        guard jv_get_kind(value) != JV_KIND_INVALID else {
            jv_free(value)
            return nil
        }
        return try takeJSON(value)
    }

    /// Text for an error value, freeing it: an invalid value stands for its own message.
    static func takeMessage(_ value: jv) -> String {
        guard jv_get_kind(value) != JV_KIND_INVALID else {
            // Consumes the invalid and yields null when it carries no message.
            let inner = jv_invalid_get_msg(value)
            guard jv_get_kind(inner) != JV_KIND_NULL else {
                jv_free(inner)
                return "unknown error"
            }
            return takeMessage(inner)
        }
        do {
            return messageText(try takeJSON(value))
        } catch {
            return error.description
        }
    }

    /// An error value as text: a string is the message itself, anything else compact JSON.
    static func messageText(_ value: JSON) -> String {
        value.stringValue ?? value.serialized()
    }
}

extension String {
    /// The string without trailing whitespace. libjq 1.6 pads a syntax error's source line with
    /// spaces where a caret was meant to follow, and ends some messages with a newline.
    fileprivate func trimmingTrailingWhitespace() -> String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace {
            text = text.dropLast()
        }
        return String(text)
    }
}
