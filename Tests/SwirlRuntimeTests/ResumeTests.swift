import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import Testing

/// A side effect the tests can count: every execution is logged with its step key.
actor ExecutionLog {
    private(set) var keys: [String] = []

    func record(_ key: String) {
        keys.append(key)
    }
}

struct CountingActivity: Activity {
    let log: ExecutionLog

    func run(_ request: ActivityRequest) async throws(WorkflowError) -> JSON {
        await log.record(request.key)
        if request.arguments.value["fail"] == true {
            throw WorkflowError(type: "https://example.com/errors/flaky", status: 503, title: "Flaky")
        }
        return ["echo": request.arguments.value, "input": request.input.value]
    }
}

/// Stops a run at every checkpoint, encodes the state, resumes it in a fresh interpreter, and
/// checks the run ends the same, with no completed side effect performed again.
@Suite struct ResumeTests {
    static let header = "document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}\n"

    static let workflows: [(String, String)] = [
        ("sequence with effects", """
            do:
              - one: {call: effect, with: {n: 1}}
              - pause: {wait: PT1S}
              - two: {call: effect, with: {n: '${ .echo.n + 1 }'}}
            """),
        ("loop", """
            do:
              - loop:
                  for: {in: '[1, 2, 3]'}
                  do:
                    - effect: {call: effect, with: {item: '${ $item }'}}
                    - rest: {wait: PT1S}
                    - keep: {set: {last: '${ .echo.item }'}}
            """),
        ("goto loop", """
            do:
              - init: {set: {count: 0}}
              - step: {call: effect, with: {count: '${ .count }'}}
              - bump: {set: {count: '${ .echo.count + 1 }'}}
              - again:
                  switch:
                    - more: {when: .count < 3, then: step}
                    - done: {then: exit}
            """),
        ("fork", """
            do:
              - both:
                  fork:
                    branches:
                      - a: {call: effect, with: {branch: a}}
                      - b:
                          do:
                            - wait: {wait: PT2S}
                            - effect: {call: effect, with: {branch: b}}
              - merge: {set: {branches: '${ map(.echo.branch) }'}}
            """),
        ("compete", """
            do:
              - race:
                  fork:
                    compete: true
                    branches:
                      - slow:
                          do:
                            - wait: {wait: PT5S}
                            - effect: {call: effect, with: {branch: slow}}
                      - fast: {call: effect, with: {branch: fast}}
            """),
        ("retry with delays", """
            do:
              - flaky:
                  try:
                    - count:
                        set: ${ . }
                        export: {as: '${ $context + {attempts: (($context.attempts // 0) + 1)} }'}
                    - effect: {call: effect, with: {fail: '${ $context.attempts < 3 }'}}
                  catch:
                    retry: {delay: PT1S, backoff: {exponential: {}}, limit: {attempt: {count: 4}}}
              - done: {set: {attempts: '${ $context.attempts }'}}
            """),
        ("try and catch", """
            do:
              - guarded:
                  try:
                    - effect: {call: effect, with: {fail: true}}
                  catch:
                    do:
                      - recover: {call: effect, with: {recovered: true}}
                      - pause: {wait: PT1S}
            """),
        ("nested do", """
            do:
              - outer:
                  do:
                    - inner:
                        do:
                          - first: {call: effect, with: {n: 1}}
                          - pause: {wait: PT1S}
                          - second: {call: effect, with: {n: 2}, then: exit}
                          - skipped: {call: effect, with: {n: 3}}
                    - after: {call: effect, with: {n: 4}}
            """),
    ]

    func compile(_ body: String) throws -> Program {
        try Compiler().compile(try #require(Loader().load(text: Self.header + body, file: "t.yaml").value))
    }

    @Test("resuming from any checkpoint gives the same result without repeating completed effects", arguments: workflows.map(\.0))
    func resumesFromEveryCheckpoint(name: String) async throws {
        let body = try #require(Self.workflows.first { $0.0 == name }?.1)
        let program = try compile(body)
        let log = ExecutionLog()
        let store = MemoryStore(clock: Self.clock(for: name), recordingCheckpoints: true)
        let expected = try await Self.run(program, store: store, log: log, resuming: nil)
        guard case .completed = expected else {
            Issue.record("\(name) did not complete: \(expected)")
            return
        }
        let checkpoints = await store.checkpoints.map(\.state)
        #expect(checkpoints.count >= 2)
        var seenInFlight = Set<String>()
        for (number, encoded) in checkpoints.enumerated() {
            let state = try RunStateCoding.decode(encoded)
            // An effect is done and recorded once it was in flight at an earlier checkpoint and no longer is.
            let inFlight = Set(state.activitiesInFlight.map(\.key))
            let completed = seenInFlight.subtracting(inFlight)
            seenInFlight.formUnion(inFlight)

            let resumedLog = ExecutionLog()
            let outcome = try await Self.run(
                program, store: MemoryStore(clock: Self.clock(for: name)), log: resumedLog, resuming: state)
            #expect(outcome == expected, "resumed from checkpoint \(number) of \(name)")
            let repeated = Set(await resumedLog.keys).intersection(completed)
            #expect(repeated.isEmpty, "checkpoint \(number) of \(name) repeated \(repeated)")
        }
    }

    /// A manual clock jumps to the end of every wait at once, so in `compete` the slow branch's wait would race
    /// the fast branch's activity and either could win: there the waits never end, and the fast branch always
    /// wins, as it would on the wall clock.
    static func clock(for name: String) -> any RuntimeClock {
        name == "compete" ? FrozenClock() : ManualClock()
    }

    /// A clock whose waits end only when cancelled.
    struct FrozenClock: RuntimeClock {
        func now() -> Double { 1_767_225_600 }

        func sleep(until deadline: Double) async throws {
            while deadline > now() {
                try await Task.sleep(for: .seconds(3600))
            }
        }
    }

    @Test("a long loop's saved state does not grow with finished iterations")
    func loopStateStaysSmall() async throws {
        let program = try compile(
            """
            do:
              - loop:
                  for: {in: '[range(500)]'}
                  do:
                    - tick: {wait: PT1S}
                    - keep: {set: {last: '${ $item }'}}
            """)
        let store = MemoryStore(clock: ManualClock(), recordingCheckpoints: true)
        let outcome = try await Self.run(program, store: store, log: ExecutionLog(), resuming: nil)
        #expect(outcome == .completed(["last": 499]))
        let sizes = await store.checkpoints.map(\.state.count)
        #expect(sizes.count > 500)
        // Only the index and the chained data change from one iteration to the next.
        #expect(abs(sizes[sizes.count - 2] - sizes[10]) < 16)
    }

    @WorkerActor
    static func run(_ program: Program, store: MemoryStore, log: ExecutionLog, resuming state: RunState?) async throws
        -> RunOutcome
    {
        let registry = ActivityRegistry(["call:effect": CountingActivity(log: log)])
        let interpreter = try Interpreter(program: program, store: store, clock: store.clock, activities: registry)
        if let state { return try await interpreter.resume(state, in: store) }
        return try await interpreter.run(input: [:], runID: "resume-test")
    }
}
