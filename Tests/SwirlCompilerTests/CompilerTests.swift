import SwirlCompiler
import SwirlCore
import SwirlSyntax
import Testing

@Suite struct CompilerTests {
    func compile(_ yaml: String) throws -> Program {
        let text = "document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}\n" + yaml
        let result = WorkflowValidator.standard().validate(bytes: Array(text.utf8), file: "t.yaml")
        try #require(!result.diagnostics.containsErrors, "\(DiagnosticRenderer().text(result.diagnostics))")
        return try Compiler().compile(try #require(result.document.value))
    }

    @Test("resolves every flow directive to a node, the end of the list, or the end of the workflow")
    func flow() throws {
        let program = try compile(
            """
            do:
              - a: {set: {x: 1}}
              - b: {set: {x: 2}, then: d}
              - c: {set: {x: 3}, then: exit}
              - d: {set: {x: 4}, then: a}
              - e: {set: {x: 5}, then: end}
              - f: {set: {x: 6}}
            """)
        let nodes = program.scopes[Program.rootScope].nodes
        #expect(nodes.map(\.name) == ["a", "b", "c", "d", "e", "f"])
        #expect(nodes.map(\.then) == [.node(1), .node(3), .exit, .node(0), .end, .exit])
        #expect(nodes[3].pointer == "/do/3/d")
    }

    @Test("numbers expressions and gives each the variables in scope where it stands")
    func expressions() throws {
        let program = try compile(
            """
            do:
              - loop:
                  for: {each: pet, in: .pets}
                  do:
                    - name: {set: {n: '${ $pet.name }', literal: plain}}
              - guard:
                  try: [{fail: {raise: {error: {type: 'https://e.io/x', status: 400}}}}]
                  catch:
                    as: oops
                    when: $oops.status == 400
            """)
        let texts = program.expressions.map { "\($0.pointer) \($0.text.trimmingSpaces) \($0.scopedVariables)" }
        #expect(
            texts == [
                "/do/0/loop/for/in .pets []",
                "/do/0/loop/do/0/name/set/n $pet.name [\"pet\", \"index\"]",
                "/do/1/guard/catch/when $oops.status == 400 [\"oops\"]",
            ])
        guard case .for(let loop) = program.scopes[0].nodes[0].kind else {
            Issue.record("not a for loop")
            return
        }
        #expect(loop.each == "pet")
        #expect(loop.at == "index")
        guard case .set(.object(let members)) = program.scopes[loop.body].nodes[0].kind else {
            Issue.record("not a set of an object template")
            return
        }
        #expect(members["n"] == .expression(1))
        #expect(members["literal"] == .literal("plain"))
    }

    @Test("resolves references into use: errors, retries and timeouts")
    func references() throws {
        let program = try compile(
            """
            use:
              errors: {gone: {type: 'https://e.io/gone', status: 410}}
              retries: {twice: {delay: {seconds: 2}, backoff: {linear: {}}, limit: {attempt: {count: 2}}}}
              timeouts: {brief: {after: PT30S}}
            do:
              - guarded:
                  try: [{fail: {raise: {error: gone}}}]
                  catch: {retry: twice}
                  timeout: brief
            """)
        let node = program.scopes[0].nodes[0]
        #expect(node.timeout == .seconds(30))
        guard case .try(let tryCatch) = node.kind, let retry = tryCatch.retry else {
            Issue.record("not a try with a retry policy")
            return
        }
        #expect(retry.delay == .seconds(2))
        #expect(retry.backoff == .linear)
        #expect(retry.attemptCount == 2)
        guard case .raise(let error) = program.scopes[tryCatch.body].nodes[0].kind else {
            Issue.record("not a raise")
            return
        }
        #expect(error.fields == .literal(["type": "https://e.io/gone", "status": 410]))
    }

    @Test("compiles inline schemas and reports invalid ones")
    func schemas() throws {
        let program = try compile(
            """
            input:
              schema: {format: json, document: {type: object, required: [id]}}
            do:
              - a: {set: {x: 1}}
            """)
        #expect(program.input.schema?.inline?.isValid(["id": 1]) == true)
        #expect(program.input.schema?.inline?.isValid([:]) == false)

        let text = "document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}\ninput:\n  schema: {document: {type: 12}}\ndo:\n  - a: {set: {x: 1}}\n"
        let document = try #require(Loader().load(text: text, file: "t.yaml").value)
        #expect {
            _ = try Compiler().compile(document)
        } throws: { error in
            (error as? Compiler.Failure)?.diagnostics.first?.path == "/input/schema/document/type"
        }
    }

    @Test("gives every fork branch a scope of its own")
    func forkBranches() throws {
        let program = try compile(
            "do:\n  - both:\n      fork:\n        compete: true\n        branches:\n          - a: {set: {x: 1}}\n          - b: {set: {y: 2}}\n")
        guard case .fork(let fork) = program.scopes[0].nodes[0].kind else {
            Issue.record("not a fork")
            return
        }
        #expect(fork.compete)
        #expect(fork.branches.map { program.scopes[$0].nodes.map(\.pointer.description) } == [["/do/0/both/fork/branches/0/a"], ["/do/0/both/fork/branches/1/b"]])
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}

@Suite struct CompilerExpressionTableTests {
    @Test("registers workflow-level expressions in the program's table")
    func workflowExpressions() throws {
        let text = """
            document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}
            input: {from: .a}
            output: {as: '${ {b: .} }'}
            timeout: {after: '${ "PT1S" }'}
            do:
              - x: {set: {y: 1}}
            """
        let program = try Compiler().compile(try #require(Loader().load(text: text, file: "t.yaml").value))
        #expect(program.expressions.map(\.pointer.description) == ["/input/from", "/output/as", "/timeout/after"])
        #expect(program.input.transform == .expression(0))
        #expect(program.output.transform == .expression(1))
        #expect(program.timeout == .expression(2))
    }
}
