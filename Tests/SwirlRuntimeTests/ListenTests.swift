import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import Testing

/// `emit` and `listen` round trips: one branch of a fork listens, the other emits after a wait,
/// through the process's event bus.
@Suite struct ListenTests {
    func compile(_ body: String) throws -> Program {
        let text = "document: {dsl: '1.0.3', namespace: t, name: listen, version: '1.0.0'}\n" + body
        return try Compiler().compile(try #require(Loader().load(text: text, file: "t.yaml").value))
    }

    @WorkerActor
    static func run(_ program: Program, input: JSON = [:], bus: EventBus? = EventBus()) async throws -> RunOutcome {
        let clock = ManualClock()
        let interpreter = try Interpreter(program: program, store: MemoryStore(clock: clock), clock: clock, events: bus)
        return try await interpreter.run(input: input, runID: "listen")
    }

    /// A fork whose first branch runs `listen` and whose second emits `events` after a wait.
    func roundTrip(listen: String, events: [String]) -> String {
        var emitters = ""
        for (index, event) in events.enumerated() {
            emitters += "                - e\(index): {emit: {event: {with: \(event)}}}\n"
        }
        return """
            do:
              - both:
                  fork:
                    branches:
                      - listener:
            \(listen)
                      - emitter:
                          do:
                            - pause: {wait: PT1S}
            \(emitters)
              - result: {set: '${ .[0] }'}
            """
    }

    @Test("one: the first matching event, its data, with a correlation expected from the input")
    func one() async throws {
        let program = try compile(
            roundTrip(
                listen: """
                                  listen:
                                    to:
                                      one:
                                        with: {type: com.example.approval, data: '${ .approved }'}
                                        correlate: {order: {from: .data.order, expect: '${ .order }'}}
                    """,
                events: [
                    "{source: 'https://ex.com', type: com.example.approval, data: {order: 2, approved: true}}",
                    "{source: 'https://ex.com', type: com.example.other, data: {order: 1, approved: true}}",
                    "{source: 'https://ex.com', type: com.example.approval, data: {order: 1, approved: false}}",
                    "{source: 'https://ex.com', type: com.example.approval, data: {order: 1, approved: true, by: ada}}",
                ]))
        #expect(try await Self.run(program, input: ["order": 1]) == .completed([["order": 1, "approved": true, "by": "ada"]]))
    }

    @Test("any with until: events are consumed until the condition on those consumed holds")
    func anyUntilExpression() async throws {
        let program = try compile(
            roundTrip(
                listen: """
                                  listen:
                                    to:
                                      any:
                                        - with: {type: 'com\\.example\\.reading\\..*'}
                                      until: '${ length >= 2 }'
                    """,
                events: [
                    "{source: 'https://ex.com', type: com.example.reading.temperature, data: 1}",
                    "{source: 'https://ex.com', type: com.example.unrelated, data: 99}",
                    "{source: 'https://ex.com', type: com.example.reading.bpm, data: 2}",
                    "{source: 'https://ex.com', type: com.example.reading.bpm, data: 3}",
                ]))
        #expect(try await Self.run(program) == .completed([1, 2]))
    }

    @Test("any until a nested strategy: the stopping event is not part of the output")
    func anyUntilStrategy() async throws {
        let program = try compile(
            roundTrip(
                listen: """
                                  listen:
                                    to:
                                      any: []
                                      until:
                                        one: {with: {type: com.example.checked-out}}
                    """,
                events: [
                    "{source: 'https://ex.com', type: com.example.vitals, data: a}",
                    "{source: 'https://ex.com', type: com.example.vitals, data: b}",
                    "{source: 'https://ex.com', type: com.example.checked-out, data: c}",
                    "{source: 'https://ex.com', type: com.example.vitals, data: d}",
                ]))
        #expect(try await Self.run(program) == .completed(["a", "b"]))
    }

    @Test("all: one event per filter, correlated by the first event's key, read as envelopes")
    func allCorrelated() async throws {
        let program = try compile(
            roundTrip(
                listen: """
                                  listen:
                                    to:
                                      all:
                                        - with: {type: com.example.temperature}
                                          correlate: {patient: {from: .data.patient}}
                                        - with: {type: com.example.bpm}
                                          correlate: {patient: {from: .data.patient}}
                                    read: envelope
                    """,
                events: [
                    "{source: 'https://ex.com', type: com.example.temperature, data: {patient: p1, value: 39}}",
                    "{source: 'https://ex.com', type: com.example.bpm, data: {patient: p2, value: 120}}",
                    "{source: 'https://ex.com', type: com.example.bpm, data: {patient: p1, value: 130}}",
                ]))
        guard case .completed(let output) = try await Self.run(program) else {
            Issue.record("the run did not complete")
            return
        }
        #expect(output.arrayValue?.map { $0["data"] } == [["patient": "p1", "value": 39], ["patient": "p1", "value": 130]])
        #expect(output[0]?["specversion"] == "1.0")
    }

    @Test("emit outputs the envelope it published, with id, specversion and time filled in")
    func emitOutput() async throws {
        let program = try compile(
            "do:\n  - send: {emit: {event: {with: {source: 'https://ex.com', type: com.example.sent, data: '${ .n }'}}}}\n")
        guard case .completed(let output) = try await Self.run(program, input: ["n": 5]) else {
            Issue.record("the run did not complete")
            return
        }
        #expect(output["source"] == "https://ex.com")
        #expect(output["type"] == "com.example.sent")
        #expect(output["data"] == 5)
        #expect(output["specversion"] == "1.0")
        #expect(output["id"]?.stringValue?.isEmpty == false)
        #expect(output["time"]?.stringValue?.hasPrefix("2026-01-01T") == true)
    }

    @Test("a listen with no event source connected faults instead of hanging")
    func noSource() async throws {
        let program = try compile("do:\n  - wait: {listen: {to: {one: {with: {type: x}}}}}\n")
        guard case .faulted(let error) = try await Self.run(program, bus: nil) else {
            Issue.record("expected a fault")
            return
        }
        #expect(error.detail?.contains("no event source") == true)
    }

    @Test("foreach processes each consumed event in order, with output.as and export.as, while more arrive")
    func foreachIterates() async throws {
        let program = try compile(
            roundTrip(
                listen: """
                                  listen:
                                    to:
                                      any:
                                        - with: {type: com.example.order}
                                      until: '${ length >= 3 }'
                                  foreach:
                                    item: order
                                    at: position
                                    do:
                                      - pause: {wait: PT1S}
                                      - price: {set: {total: '${ $order.qty * 2 }', position: '${ $position }'}}
                                    output: {as: '${ {total, position} }'}
                                    export: {as: '${ $context + {count: (($context.count // 0) + 1)} }'}
                    """,
                events: [
                    "{source: 'https://ex.com', type: com.example.order, data: {qty: 1}}",
                    "{source: 'https://ex.com', type: com.example.order, data: {qty: 2}}",
                    "{source: 'https://ex.com', type: com.example.order, data: {qty: 3}}",
                ]))
        #expect(
            try await Self.run(program)
                == .completed([["total": 2, "position": 0], ["total": 4, "position": 1], ["total": 6, "position": 2]]))
    }
}
