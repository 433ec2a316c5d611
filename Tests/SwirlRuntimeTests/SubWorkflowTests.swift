import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import Testing

@Suite struct SubWorkflowTests {
    static let child = """
        document: {dsl: '1.0.3', namespace: billing, name: add-tax, version: '1.0.0'}
        do:
          - tax: {set: {gross: '${ .net * 1.2 }', counted: '${ .count }'}}
          - effect: {call: effect, with: {child: true}}
          - shape: {set: {gross: '${ .input.gross }'}}
        """

    static let parent = """
        document: {dsl: '1.0.3', namespace: shop, name: checkout, version: '1.0.0'}
        do:
          - price:
              run:
                workflow:
                  namespace: billing
                  name: add-tax
                  version: '1.0.0'
                  input: {net: '${ .net }', count: 1}
          - done: {set: {total: '${ .gross }'}}
        """

    func compile(_ text: String) throws -> Program {
        try Compiler().compile(try #require(Loader().load(text: text, file: "t.yaml").value))
    }

    @WorkerActor
    static func run(
        _ program: Program, catalog: DefinitionCatalog, store: MemoryStore, log: ExecutionLog, resuming state: RunState? = nil
    ) async throws -> RunOutcome {
        let interpreter = try Interpreter(
            program: program, store: store, clock: store.clock, activities: ActivityRegistry(["call:effect": CountingActivity(log: log)]),
            catalog: catalog)
        if let state { return try await interpreter.resume(state, in: store) }
        return try await interpreter.run(input: ["net": 10], runID: "parent")
    }

    @Test("a parent runs a child workflow as a run of its own and takes its output")
    func parentAndChild() async throws {
        let catalog = DefinitionCatalog([try compile(Self.child)])
        let store = MemoryStore(clock: ManualClock(), recordingCheckpoints: true)
        let log = ExecutionLog()
        let outcome = try await Self.run(try compile(Self.parent), catalog: catalog, store: store, log: log)
        #expect(outcome == .completed(["total": 12]))
        let childRuns = await store.checkpoints.map(\.runID).filter { $0.hasPrefix("parent/") }
        #expect(Set(childRuns).count == 1)
        #expect(childRuns.first?.hasPrefix("parent//do/0/price#") == true)
    }

    @Test("a resumed parent does not start a second child")
    func resumeFindsTheChild() async throws {
        let catalog = DefinitionCatalog([try compile(Self.child)])
        let store = MemoryStore(clock: ManualClock(), recordingCheckpoints: true)
        let log = ExecutionLog()
        let parent = try compile(Self.parent)
        _ = try await Self.run(parent, catalog: catalog, store: store, log: log)
        #expect(await log.keys.count == 1)
        // Resume the parent from the checkpoint where the child was in flight.
        let waiting = try await store.checkpoints.filter { $0.runID == "parent" }.map { try RunStateCoding.decode($0.state) }
            .first { !$0.activitiesInFlight.isEmpty }
        let state = try #require(waiting)
        let outcome = try await Self.run(parent, catalog: catalog, store: store, log: log, resuming: state)
        #expect(outcome == .completed(["total": 12]))
        #expect(await log.keys.count == 1, "the child's effect ran again")
    }

    @Test("an unknown child workflow is a configuration error")
    func unknownChild() async throws {
        let store = MemoryStore(clock: ManualClock())
        let outcome = try await Self.run(try compile(Self.parent), catalog: DefinitionCatalog(), store: store, log: ExecutionLog())
        guard case .faulted(let error) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(error.status == 400)
        #expect(error.instance == "/do/0/price")
    }
}
