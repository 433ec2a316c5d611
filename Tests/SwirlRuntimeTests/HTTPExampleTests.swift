import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import SwirlTestSupport
import Testing

/// Runs the HTTP example of `Workflows/` against the loopback stand-in, through an endpoint
/// rewrite, as `swirl run --rewrite-endpoint` would.
@Suite struct HTTPExampleTests {
    @Test("the pet status example finds a pet, and turns a 404 into an answer", arguments: [(1, true), (99, false)])
    func petStatus(petId: Int, found: Bool) async throws {
        let path = PackageRoot.path("Workflows/pet-status-http-network.yaml")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let program = try #require(WorkflowValidator.standard().validate(bytes: bytes, file: path).program)
        let outcome = try await HTTPCallActivityTests.withActivity(rewrites: { server in
            [(from: "https://petstore.swagger.io", to: "http://127.0.0.1:\(server.port)")]
        }) { _, activity in
            try await Self.run(program, input: ["petId": .number(Double(petId))], http: activity)
        }
        let expected: JSON = found ? ["pet": "doggie", "available": true] : ["pet": nil, "available": false]
        #expect(outcome == .completed(expected))
    }

    @JQActor
    static func run(_ program: Program, input: JSON, http: HTTPCallActivity) async throws -> RunOutcome {
        let interpreter = try Interpreter(
            program: program, store: MemoryStore(), clock: SystemClock(), activities: ActivityRegistry(["call:http": http]))
        return try await interpreter.run(input: input, runID: "http-example")
    }
}
