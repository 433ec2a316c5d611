import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import Testing

/// `swirl validate` and a run must agree on every document: validation accepts it exactly when
/// its expressions compile for a run (the bundle a worker builds at the start), with the same
/// variables in scope. Each case here is a place where they once disagreed.
@Suite struct ScopeAgreementTests {
    static let header = "document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}\n"

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        /// Whether the document is valid (and so runnable).
        var valid: Bool
        /// Where the one expression error is, for an invalid case.
        var errorAt: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "a named retry policy sees the error under its catch's `as` name",
            yaml: """
                use: {retries: {again: {when: '${ $failure.status == 503 }', limit: {attempt: {count: 1}}}}}
                do:
                  - guarded:
                      try: [{fail: {raise: {error: {type: https://e.io/x, status: 503}}}}]
                      catch: {as: failure, retry: again}
                """,
            valid: true),
        Case(
            name: "a named retry policy does not see $error when its catch names the error otherwise",
            yaml: """
                use: {retries: {again: {when: '${ $error.status == 503 }'}}}
                do:
                  - guarded:
                      try: [{fail: {raise: {error: {type: https://e.io/x, status: 503}}}}]
                      catch: {as: failure, retry: again}
                """,
            valid: false, errorAt: "/use/retries/again/when"),
        Case(
            name: "a named retry policy used inside a loop sees the loop's variables",
            yaml: """
                use: {retries: {again: {when: '${ $index < 2 and $error.status == 503 }', limit: {attempt: {count: 1}}}}}
                do:
                  - loop:
                      for: {in: '[1, 2]'}
                      do:
                        - guarded:
                            try: [{fail: {raise: {error: {type: https://e.io/x, status: 503}}}}]
                            catch: {retry: again}
                """,
            valid: true),
        Case(
            name: "a named error raised inside a loop sees the loop's variables",
            yaml: """
                use: {errors: {bad: {type: https://e.io/bad, status: 400, detail: '${ "item \\($item)" }'}}}
                do:
                  - loop:
                      for: {in: '[1]'}
                      do: [{fail: {raise: {error: bad}}}]
                """,
            valid: true),
        Case(
            name: "a named error raised outside any loop does not see $item",
            yaml: """
                use: {errors: {bad: {type: https://e.io/bad, status: 400, detail: '${ $item }'}}}
                do: [{fail: {raise: {error: bad}}}]
                """,
            valid: false, errorAt: "/use/errors/bad/detail"),
        Case(
            name: "a jq keyword cannot name a loop variable",
            yaml: """
                do:
                  - loop:
                      for: {each: reduce, in: '[1, 2]'}
                      do: [{a: {set: {x: '${ 1 }'}}}]
                """,
            valid: false, errorAt: "/do/0/loop/for/each"),
        Case(
            name: "a jq keyword cannot name a caught error",
            yaml: """
                do:
                  - guarded:
                      try: [{fail: {raise: {error: {type: https://e.io/x, status: 503}}}}]
                      catch: {as: if, when: '${ true }'}
                """,
            valid: false, errorAt: "/do/0/guarded/catch/as"),
        Case(
            name: "an invalid expression in loose mode cannot run, so it is an error",
            yaml: """
                evaluate: {mode: loose}
                do: [{a: {set: {x: '${ .a | }'}}}]
                """,
            valid: false, errorAt: "/do/0/a/set/x"),
        Case(
            name: "a JSON Schema document inside a value is not evaluated",
            yaml: """
                do:
                  - a:
                      set:
                        shape: {schema: {format: json, document: {description: '${ not jq ( }'}}}
                """,
            valid: true),
        Case(
            name: "a catch's error filter is static: a ${ } in it is compared as text",
            yaml: """
                do:
                  - guarded:
                      try: [{fail: {raise: {error: {type: https://e.io/x, status: 503}}}}]
                      catch: {errors: {with: {type: '${ not jq ( }'}}}
                """,
            valid: true),
        Case(
            name: "an event filter's nested attribute values are matched as they are written",
            yaml: """
                do:
                  - hear:
                      listen: {to: {one: {with: {type: t.v1, data: {id: '${ not jq ( }'}}}}}
                """,
            valid: true),
    ]

    @Test("validation accepts a document exactly when its expressions compile for a run", arguments: cases)
    func agreement(_ example: Case) async throws {
        let text = Self.header + example.yaml
        let validated = WorkflowValidator.standard().validate(bytes: Array(text.utf8), file: "t.yaml")
        let errors = validated.diagnostics.filter(\.isError)
        #expect(errors.isEmpty == example.valid, "\(DiagnosticRenderer().text(validated.diagnostics))")
        if let errorAt = example.errorAt {
            #expect(errors.map { $0.path?.description } == [errorAt], "\(DiagnosticRenderer().text(errors))")
        }
        // What a run would compile: the same document, compiled without validation first.
        let document = try #require(validated.document.value)
        let program = try Compiler().compile(document)
        let compiles = await Self.bundleCompiles(program)
        #expect(compiles == example.valid)
    }

    @Test("a named retry policy runs with the error bound under the catch's `as` name")
    func namedRetryRuns() async throws {
        let text = Self.header + """
            use: {retries: {again: {when: '${ $failure.status == 503 }', limit: {attempt: {count: 2}}}}}
            do:
              - guarded:
                  try: [{fail: {raise: {error: {type: https://e.io/x, status: 503}}}}]
                  catch:
                    as: failure
                    retry: again
                    do: [{record: {set: {status: '${ $failure.status }'}}}]
            """
        let validated = WorkflowValidator.standard().validate(bytes: Array(text.utf8), file: "t.yaml")
        let program = try #require(validated.program, "\(DiagnosticRenderer().text(validated.diagnostics))")
        let outcome = try await ExampleRunsTests.run(program, input: [:])
        #expect(outcome == .completed(["status": 503]))
    }

    @Test("every example and valid fixture compiles for a run", arguments: FixtureFiles.examples + FixtureFiles.valid)
    func corpusCompiles(path: String) async throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let validated = WorkflowValidator.standard().validate(bytes: bytes, file: path)
        let program = try #require(validated.program, "\(DiagnosticRenderer().text(validated.diagnostics))")
        #expect(await Self.bundleCompiles(program))
    }

    @WorkerActor
    static func bundleCompiles(_ program: Program) -> Bool {
        (try? CompiledWorkflow(program: program)) != nil
    }
}
