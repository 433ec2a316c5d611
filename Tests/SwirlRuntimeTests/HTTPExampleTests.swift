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

    @Test("a named authentication is evaluated where it is used, as validation checks it")
    func namedAuthentication() async throws {
        // Validation checks the token's expression; the run must evaluate it rather than send
        // the text "${ $secrets.apiToken }".
        let text = """
            document: {dsl: '1.0.3', namespace: t, name: named-auth, version: '1.0.0'}
            use:
              secrets: [apiToken]
              authentications:
                partner: {bearer: {token: '${ $secrets.apiToken }'}}
            do:
              - call:
                  call: http
                  with:
                    method: get
                    endpoint: {uri: 'https://api.example.com/bearer', authentication: {use: partner}}
            """
        let validated = WorkflowValidator.standard().validate(bytes: Array(text.utf8), file: "named-auth.yaml")
        let program = try #require(validated.program, "\(DiagnosticRenderer().text(validated.diagnostics))")
        let outcome = try await HTTPCallActivityTests.withActivity(rewrites: { server in
            [(from: "https://api.example.com", to: "http://127.0.0.1:\(server.port)")]
        }) { _, activity in
            try await Self.run(program, input: [:], http: activity, secrets: ["apiToken": "abc"])
        }
        #expect(outcome == .completed(["authenticated": true, "token": "abc"]))
    }

    @WorkerActor
    static func run(
        _ program: Program, input: JSON, http: HTTPCallActivity, secrets: OrderedDictionary<String, JSON> = [:]
    ) async throws -> RunOutcome {
        let interpreter = try Interpreter(
            program: program, store: MemoryStore(), clock: SystemClock(), activities: ActivityRegistry(["call:http": http]),
            secrets: secrets)
        return try await interpreter.run(input: input, runID: "http-example")
    }
}
