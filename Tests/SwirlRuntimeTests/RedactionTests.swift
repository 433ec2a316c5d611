import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
@testable import SwirlRuntime
import SwirlSyntax
import Testing

/// Secrets stay out of every error field, every object key, and the URL-encoded forms a request
/// gives them, in what a run reports: progress, errors, history, lifecycle events.
@Suite struct RedactionTests {
    /// Has characters that percent-encoding and form-encoding change: a space, `/`, `+`, `&`, `=`.
    static let secret = "k3y w1th/odd+chars&more=yes"

    func compile(_ body: String) throws -> Program {
        let text = "document: {dsl: '1.0.3', namespace: t, name: redaction, version: '1.0.0'}\nuse:\n  secrets: [token]\n" + body
        return try Compiler().compile(try #require(Loader().load(text: text, file: "t.yaml").value))
    }

    /// Every text a run let out: progress lines, lifecycle events, history entries, the saved error.
    @WorkerActor
    static func reported(_ program: Program, activities: ActivityRegistry = ActivityRegistry()) async throws
        -> (outcome: RunOutcome, texts: [String])
    {
        let store = MemoryStore(clock: SystemClock(), recordingCheckpoints: true)
        let recorder = Recorder()
        let interpreter = try Interpreter(
            program: program, store: store, clock: SystemClock(), activities: activities, secrets: ["token": .string(secret)])
        interpreter.onProgress = { recorder.add("\($0)") }
        interpreter.onLifecycleEvent = { recorder.add($0.serialized()) }
        let outcome = try await interpreter.run(input: [:], runID: "redaction")
        var texts = recorder.all
        for entry in try await store.history(runID: "redaction") {
            texts.append("\(entry)")
            if let data = entry.data { texts.append(data.value.serialized()) }
        }
        if case .faulted(let error) = outcome { texts.append(error.json.serialized()) }
        return (outcome, texts)
    }

    /// The forms of the secret a leak would show: as it is, percent-encoded (upper and lower case
    /// hex, as a query value or a path segment), and form-encoded.
    static var leakedForms: [String] {
        [
            secret, "k3y%20w1th%2Fodd%2Bchars%26more%3Dyes", "k3y%20w1th%2fodd%2bchars%26more%3dyes",
            "k3y+w1th%2Fodd%2Bchars%26more%3Dyes", "k3y%20w1th/odd%2Bchars%26more%3Dyes",
        ]
    }

    static func expectNoLeak(_ texts: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for text in texts {
            for form in leakedForms {
                #expect(!text.contains(form), "\(form) in \(text)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("a secret in raise.error.type is hidden in the error, the progress and the history")
    func errorType() async throws {
        let program = try compile(
            """
            do:
              - fail: {raise: {error: {type: '${ "https://example.com/errors/" + $secrets.token }', status: 400}}}
            """)
        let (outcome, texts) = try await Self.reported(program)
        guard case .faulted(let error) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(error.type == "https://example.com/errors/***")
        #expect(texts.contains { $0.contains("errors/***") })
        Self.expectNoLeak(texts)
    }

    @Test("a secret used as an object key is hidden in the history and the events")
    func objectKey() async throws {
        let program = try compile(
            """
            do:
              - keyed: {set: '${ {($secrets.token): 1, plain: $secrets.token} }'}
            """)
        let (outcome, texts) = try await Self.reported(program)
        guard case .completed = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(texts.contains { $0.contains(#""***":1"#) })
        Self.expectNoLeak(texts)
    }

    @Test("a secret percent-encoded into an HTTP query or path is hidden in the error detail and the events")
    func urlEncoded() async throws {
        try await HTTPCallActivityTests.withActivity { server, http in
            for endpoint in [
                // Form-encoded by `query`, then percent-encoded by jq's @uri in the path.
                "\(server.baseURL)/v2/pet/getPetByName/x", "${ \"\(server.baseURL)/v2/pet/getPetByName/\" + ($secrets.token|@uri) }",
            ] {
                let program = try compile(
                    """
                    do:
                      - find:
                          call: http
                          with:
                            method: get
                            endpoint: '\(endpoint)'
                            query: {token: '${ $secrets.token }'}
                    """)
                let (outcome, texts) = try await Self.reported(program, activities: ActivityRegistry(["call:http": http]))
                guard case .faulted(let error) = outcome else {
                    Issue.record("\(outcome)")
                    return
                }
                #expect(error.status == 404)
                #expect(error.detail?.contains("token=***") == true, "\(error.detail ?? "")")
                Self.expectNoLeak(texts)
            }
            // The request itself carried the secret: only what is reported is redacted.
            #expect(server.seen.contains { $0.uri.contains("k3y") })
        }
    }

    @Test("URL forms: strict, query and path percent-encoding in both hex cases, and form encoding")
    func urlForms() {
        let forms = Set(Secrets.urlForms(of: "a b/c"))
        #expect(forms.isSuperset(of: ["a%20b%2Fc", "a%20b%2fc", "a+b%2Fc", "a%20b/c", "a+b/c"]))
        #expect(Secrets.urlForms(of: "plain-text_1.0~").isEmpty)
        let secrets = Secrets(["token": .string("a b/c")])
        #expect(secrets.redact("GET /x?t=a+b%2Fc and /p/a%20b%2fc") == "GET /x?t=*** and /p/***")
        #expect(secrets.redact(["a b/c": ["x": "a b/c"]] as JSON) == ["***": ["x": "***"]])
    }
}
