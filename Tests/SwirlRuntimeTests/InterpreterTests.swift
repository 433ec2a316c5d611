import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import Testing

@Suite struct InterpreterTests {
    func compile(_ body: String) throws -> Program {
        let text = "document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}\n" + body
        return try Compiler().compile(try #require(Loader().load(text: text, file: "t.yaml").value))
    }

    @WorkerActor
    static func run(_ program: Program, input: JSON = [:], clock: ManualClock = ManualClock()) async throws -> RunOutcome {
        try await Interpreter(program: program, store: MemoryStore(clock: clock), clock: clock).run(input: input, runID: "t")
    }

    @Test("a 64-branch fork whose branches all evaluate expressions gives every branch's result, in order")
    func wideFork() async throws {
        var branches = ""
        for branch in 0..<64 {
            branches += """
                          - b\(branch):
                              do:
                                - first: {set: {n: '${ .seed + \(branch) }'}}
                                - second: {set: {n: '${ .n * 2 }', label: '${ "branch-" + (.n | tostring) }'}}

                """
        }
        let program = try compile("do:\n  - wide:\n      fork:\n        branches:\n" + branches)
        let outcome = try await Self.run(program, input: ["seed": 1])
        let expected = JSON.array((0..<64).map { ["n": .number(Double((1 + $0) * 2)), "label": .string("branch-\(1 + $0)")] })
        #expect(outcome == .completed(expected))
    }

    @Test("many runs at once, each advancing on its own driver, all correct")
    func concurrentRuns() async throws {
        let program = try compile("do:\n  - a: {set: {v: '${ .x * 3 }'}}\n  - b: {set: {v: '${ .v + 1 }'}}\n")
        try await withThrowingTaskGroup(of: (Int, RunOutcome).self) { group in
            for x in 0..<64 {
                group.addTask { (x, try await Self.run(program, input: ["x": .number(Double(x))])) }
            }
            for try await (x, outcome) in group {
                #expect(outcome == .completed(["v": .number(Double(x * 3 + 1))]))
            }
        }
    }

    @Test("waits and retry delays follow the injected clock")
    func clockDrivesTime() async throws {
        let program = try compile(
            """
            do:
              - pause: {wait: PT1H}
              - stamp: {set: {at: '${ $task.startedAt }', started: '${ $workflow.startedAt.epoch.seconds }'}}
            """)
        let clock = ManualClock(now: 1000)
        let outcome = try await Self.run(program, clock: clock)
        #expect(clock.now() == 1000 + 3600)
        guard case .completed(let output) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(output["started"] == 1000)
    }

    @Test("a cancelled run stops at its next wait and reports cancelled")
    func cancellation() async throws {
        let program = try compile("do:\n  - pause: {wait: PT1H}\n")
        let task = Task { @WorkerActor in
            try await Interpreter(program: program, store: MemoryStore(), clock: SystemClock()).run(input: [:], runID: "c")
        }
        task.cancel()
        #expect(try await task.value == .cancelled)
    }
}
