import SwirlCore
import Testing

@testable import SwirlRuntime

/// `schedule.on`: which stored events start runs, and with which input.
@Suite struct ScheduleEventsTests {
    static func event(_ sequence: Int64, type: String, source: String = "https://example.com/a", n: Int = 0) -> StoredEvent {
        StoredEvent(
            sequence: sequence,
            event: ["specversion": "1.0", "id": .string("e\(sequence)"), "source": .string(source), "type": .string(type), "data": ["n": .number(Double(n))]],
            storedAt: Double(sequence))
    }

    @Test("one: each matching event starts a run whose input is the array holding that event")
    func one() throws {
        let strategy = try ScheduleEvents(["one": ["with": ["type": "com.example.ping", "source": "https://example\\.com/.*"]]])
        let events = [
            Self.event(1, type: "com.example.ping"), Self.event(2, type: "com.example.pong"),
            Self.event(3, type: "com.example.ping", source: "https://elsewhere.org/a"), Self.event(4, type: "com.example.ping", n: 4),
        ]
        let (fires, progress) = strategy.offer(events, progress: nil)
        #expect(fires.map(\.sequence) == [1, 4])
        #expect(fires.map(\.input) == [.array([events[0].event]), .array([events[3].event])])
        #expect(progress == nil)
    }

    @Test("any: an event matching any filter starts a run; without filters every event does")
    func any() throws {
        let strategy = try ScheduleEvents(["any": [["with": ["type": "a"]], ["with": ["type": "b", "data": ["n": 0]]]]])
        let events = [Self.event(1, type: "a"), Self.event(2, type: "b"), Self.event(3, type: "b", n: 1), Self.event(4, type: "c")]
        #expect(strategy.offer(events, progress: nil).fires.map(\.sequence) == [1, 2])
        #expect(try ScheduleEvents(["any": []]).offer(events, progress: nil).fires.map(\.sequence) == [1, 2, 3, 4])
    }

    @Test("all: a run once every filter has matched an event, across batches, in arrival order; then it starts again")
    func all() throws {
        let strategy = try ScheduleEvents(["all": [["with": ["type": "a"]], ["with": ["type": "b"]]]])
        let first = strategy.offer([Self.event(1, type: "b", n: 1), Self.event(2, type: "b", n: 2)], progress: nil)
        #expect(first.fires.isEmpty)
        // Carried between batches as stores keep it.
        let kept = ScheduleEvents.decode(ScheduleEvents.encode(first.progress))
        #expect(kept?.count == 2)
        let second = strategy.offer([Self.event(3, type: "a", n: 3), Self.event(4, type: "a", n: 4), Self.event(5, type: "b", n: 5)], progress: kept)
        #expect(second.fires.map(\.sequence) == [3, 5])
        #expect(second.fires.first?.input.arrayValue?.map { $0["data"]?["n"] } == [3, 1])
        #expect(second.fires.last?.input.arrayValue?.map { $0["data"]?["n"] } == [4, 5])
        #expect(second.progress?.allSatisfy { $0 == nil } == true)
    }

    @Test("strategies a schedule cannot match without a run are refused with the place named")
    func refused() {
        #expect(throws: ScheduleTrigger.Unsupported.self) { try ScheduleEvents(["one": ["with": ["type": "${ . }"]]]) }
        #expect(throws: ScheduleTrigger.Unsupported.self) {
            try ScheduleEvents(["one": ["correlate": ["k": ["from": ".data.k"]]]])
        }
        #expect(throws: ScheduleTrigger.Unsupported.self) { try ScheduleEvents(["any": [], "until": "${ true }"]) }
        #expect(throws: ScheduleTrigger.Unsupported.self) { try ScheduleEvents(["all": []]) }
        #expect(throws: ScheduleTrigger.Unsupported.self) { try ScheduleEvents("one") }
        do {
            _ = try ScheduleEvents(["all": [["with": ["type": "a"]], ["with": ["source": "${ $x }"]]]])
        } catch {
            #expect(error.description.contains("schedule.on.all[1].with.source"))
        }
    }

    @Test("a document's schedule.on becomes an on trigger that stores keep and read back")
    func trigger() throws {
        let document: JSON = ["schedule": ["on": ["one": ["with": ["type": "com.example.ping"]]]]]
        let trigger = try #require(try ScheduleTrigger(document: document))
        #expect(trigger.kind == "on")
        let text = try #require(trigger.events?.strategy.serialized())
        #expect(ScheduleTrigger(kind: "on", seconds: nil, cron: nil, events: text) == trigger)
        #expect(ScheduleTrigger(kind: "on", seconds: nil, cron: nil, events: nil) == nil)
        #expect(ScheduleTiming.firstFire(trigger, now: 100) == nil)
    }
}
