import Foundation
import SwirlCompiler
import SwirlCore
@testable import SwirlRuntime
import Testing

/// The saved state is written by hand (for speed) and read by the synthesized `Decodable`
/// conformances: these tests hold the two to the same shape, for every case of every type.
@Suite struct RunStateCodingTests {
    /// Text that needs every kind of escape, and a value large enough to be stored by reference.
    static let awkward = "quote \" backslash \\ slash / newline \n tab \t nul \u{0} bell \u{7} é e\u{301} 🙂"
    static let large: JSON = .array((0..<200).map { .string("item \($0) \(awkward)") })

    static func request(_ key: String) -> ActivityRequest {
        var request = ActivityRequest(
            key: key, kind: "call:http", arguments: ["endpoint": "http://127.0.0.1:1/x?q=1", "body": large],
            input: ["n": 1.25], task: "/do/0/fetch", runID: "run \(awkward)")
        request.progress = StoredJSON(["saved": large, "note": .string(awkward)])
        return request
    }

    static let error = WorkflowError(
        type: "https://serverlessworkflow.io/spec/1.0.0/errors/runtime", status: 500, title: "Title \(awkward)",
        detail: "detail", instance: "/do/1")
    static let bareError = WorkflowError(type: "t", status: 400)

    static func task(_ progress: TaskFrame.Progress, deadlines: Bool) -> Frame {
        .task(
            TaskFrame(
                address: NodeAddress(scope: 3, node: 7), rawInput: StoredJSON(["raw": true]), input: StoredJSON(large),
                startedAt: 1_764_608_400.123_456, deadline: deadlines ? 1_764_608_460.5 : nil,
                attemptDeadline: deadlines ? 1_764_608_401 : nil, progress: progress, ending: deadlines))
    }

    /// A state in which every enum case, every optional present and absent, and every value
    /// shape occurs at least once.
    static var everything: RunState {
        var state = RunState(runID: "everything \(awkward)", input: ["name": .string(awkward), "big": large], startedAt: 1_764_608_400.25, seed: .max)
        state.status = .waiting
        state.deadline = 1_764_612_000
        state.nextFiberID = 9
        state.output = StoredJSON(.null)
        state.error = error
        state.nextStep = 12
        state.definitionHash = String(repeating: "ab", count: 32)
        state.eventCursor = .max
        state.eventBase = -1
        state.consumedEvents = [1, 5, 9_007_199_254_740_993]
        let listen = ListenProgress(
            consumed: [StoredJSON(["type": "com.example.a"]), StoredJSON(large)], matched: [true, false],
            correlation: ["order": StoredJSON("o-1"), "customer": StoredJSON(42)], satisfied: true,
            results: [StoredJSON([1, 2])], iterating: true, finished: false)
        let progresses: [TaskFrame.Progress] = [
            .starting, .body, .handling,
            .loop(items: StoredJSON(large), index: 4, data: StoredJSON(["sum": 10])),
            .fork(children: [5, 6, 7], results: [StoredJSON(1), nil, StoredJSON(large)], contexts: [nil, StoredJSON([:]), nil]),
            .trying(attempt: 2, firstFailure: 1_764_608_401.75), .trying(attempt: 0, firstFailure: nil),
            .retrying(attempt: 1, firstFailure: 1_764_608_401, until: 1_764_608_402.5),
            .waiting(until: 1e12), .activity(request("step-1")), .listening(listen), .listening(ListenProgress()),
        ]
        let waits: [Fiber.FiberWait] = [
            .none, .timer(until: 0.001), .branches, .activity(key: "step-1"), .events,
            .finished(.value(StoredJSON([]))), .finished(.ending(StoredJSON("end"))), .finished(.failure(bareError)),
        ]
        let pendings: [Fiber.Outcome?] = [nil, .value(StoredJSON(-0.5)), .ending(StoredJSON(large)), .failure(error)]
        for (index, wait) in waits.enumerated() {
            var frames: [Frame] = [
                .list(
                    ListFrame(
                        scope: index, next: index.isMultiple(of: 2) ? nil : index, data: StoredJSON(["i": .number(Double(index))]),
                        variables: index == 0 ? [:] : ["item": StoredJSON(large), "index": StoredJSON(.number(Double(index))), "err \(awkward)": StoredJSON(error.json)]))
            ]
            for (offset, progress) in progresses.enumerated() where offset % waits.count == index || index == 0 {
                frames.append(task(progress, deadlines: offset.isMultiple(of: 2)))
            }
            state.fibers.append(
                Fiber(
                    id: index, parent: index == 0 ? nil : 0, branch: index, context: StoredJSON(index == 1 ? large : ["k": "v"]),
                    frames: frames, wait: wait, pending: pendings[index % pendings.count]))
        }
        return state
    }

    @Test func everyValueSurvivesInline() throws {
        let state = Self.everything
        let bytes = try RunStateCoding.encode(state)
        #expect(RunStateCoding.references(in: bytes).isEmpty)
        #expect(try RunStateCoding.decode(bytes) == state)
    }

    @Test func largeValuesGoByReferenceAndComeBack() throws {
        let state = Self.everything
        let encoded = try RunStateCoding.encode(state, skipping: [])
        #expect(!encoded.newValues.isEmpty)
        #expect(RunStateCoding.references(in: encoded.bytes) == Set(encoded.newValues.keys))
        #expect(try RunStateCoding.decode(encoded.bytes, values: encoded.newValues) == state)
        // A value the store has already is referred to, not sent again.
        let again = try RunStateCoding.encode(state, skipping: Set(encoded.newValues.keys))
        #expect(again.newValues.isEmpty)
        #expect(again.bytes == encoded.bytes)
    }

    @Test func theCacheGivesTheSameTextWithoutSerializingAgain() throws {
        let state = Self.everything
        var cache = ValueCache()
        let first = try RunStateCoding.encode(state, skipping: [], cache: &cache)
        let second = try RunStateCoding.encode(state, skipping: Set(first.newValues.keys), cache: &cache)
        #expect(second.bytes == first.bytes)
        #expect(second.newValues.isEmpty)
    }

    /// What the hand-written writer gives and what a generic encoder gives from the synthesized
    /// conformances decode to the same state: the writer follows their shape, not a shape of its own.
    @Test func theWriterAgreesWithTheSynthesizedShape() throws {
        let state = Self.everything
        let generic = try JSONEncoder().encode(state)
        let fromGeneric = try RunStateCoding.decode([UInt8](generic))
        let fromWriter = try RunStateCoding.decode(RunStateCoding.encode(state))
        #expect(fromGeneric == fromWriter)
    }

    /// Every stored property is written: a property added to a type of the state and forgotten in
    /// the writer fails here (its key is missing from the text).
    @Test func everyStoredPropertyIsWritten() throws {
        let state = Self.everything
        let bytes = try RunStateCoding.encode(state)
        let text = try JSON(parsing: String(decoding: bytes, as: UTF8.self))
        func labels(_ value: Any) -> Set<String> {
            Set(Mirror(reflecting: value).children.compactMap(\.label))
        }
        func keys(_ json: JSON?) -> Set<String> {
            Set(json?.objectValue?.keys.map { $0 } ?? [])
        }
        #expect(keys(text) == labels(state))
        // The root fiber holds a task frame of every kind; the second has every optional set.
        let fibers = try #require(text["fibers"]?.arrayValue)
        #expect(keys(fibers[1]) == labels(state.fibers[1]))
        let listText = fibers[1]["frames"]?[0]?["list"]?["_0"]
        #expect(keys(listText) == labels(ListFrame(scope: 0, next: 1, data: StoredJSON(1), variables: [:])))
        let frames = try #require(fibers[0]["frames"]?.arrayValue)
        let taskTexts = frames.compactMap { $0["task"]?["_0"] }
        let deadlined = try #require(taskTexts.first { $0["deadline"] != nil })
        guard case .task(let taskFrame) = state.fibers[0].frames[1] else { Issue.record("no task frame"); return }
        #expect(keys(deadlined) == labels(taskFrame))
        let requests = taskTexts.compactMap { $0["progress"]?["activity"]?["_0"] }
        let request = try #require(requests.first)
        #expect(keys(request) == labels(Self.request("k")))
        let listens = taskTexts.compactMap { $0["progress"]?["listening"]?["_0"] }
        let listen = try #require(listens.first)
        #expect(keys(listen) == labels(ListenProgress()))
        #expect(keys(text["error"]) == labels(Self.error))
    }

    @Test func numbersJSONCannotHoldAreRefused() {
        var state = RunState(runID: "r", input: [:], startedAt: .nan, seed: 1)
        #expect(throws: (any Error).self) { try RunStateCoding.encode(state) }
        state.startedAt = 1
        state.deadline = .infinity
        #expect(throws: (any Error).self) { try RunStateCoding.encode(state) }
    }
}
