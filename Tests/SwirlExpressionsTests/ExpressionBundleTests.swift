import SwirlCore
import Foundation
@testable import SwirlExpressions
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct ExpressionBundleTests {
    /// One value per argument, each different, so a wrong binding cannot pass by accident.
    nonisolated static let arguments = ExpressionArguments(
        context: ["kind": "context"],
        input: ["kind": "input"],
        output: ["kind": "output"],
        secrets: ["apiKey": "s3cret"],
        task: ["name": "first", "reference": "/do/0/first"],
        workflow: ["id": "run-1", "definition": ["document": ["name": "wf"]]],
        runtime: ["name": "swirl", "version": "0.1.0"],
        authorization: ["scheme": "Bearer", "parameter": "token"]
    )

    nonisolated static let argumentCases: [(name: String, value: JSON)] = [
        ("context", arguments.context),
        ("input", arguments.input),
        ("output", arguments.output),
        ("secrets", arguments.secrets),
        ("secret", arguments.secrets),
        ("task", arguments.task),
        ("workflow", arguments.workflow),
        ("runtime", arguments.runtime),
        ("authorization", arguments.authorization),
    ]

    private func bundle(_ texts: String..., scoped: [String] = []) throws -> ExpressionBundle {
        try ExpressionBundle(sources: texts.map { ExpressionSource($0, scopedVariables: scoped) })
    }

    private func compileMessages(_ sources: [ExpressionSource]) -> [String]? {
        do {
            _ = try ExpressionBundle(sources: sources)
            return nil
        } catch {
            guard case .compile(let messages) = error else { return nil }
            return messages
        }
    }

    // MARK: Arguments

    @Test("every argument is bound under its name", arguments: argumentCases)
    func argument(name: String, value: JSON) throws {
        let bundle = try bundle("$\(name)")
        #expect(try bundle.evaluate(0, on: nil, arguments: Self.arguments) == value)
    }

    @Test("all arguments at once, in one expression, with the data as `.`")
    func allArguments() throws {
        let text = "[., " + Self.argumentCases.map { "$" + $0.name }.joined(separator: ", ") + "]"
        let bundle = try bundle(text)
        let result = try bundle.evaluate(0, on: ["data": true], arguments: Self.arguments)
        #expect(result == .array([["data": true]] + Self.argumentCases.map(\.value)))
    }

    @Test("an argument left out is null")
    func missingArgumentsAreNull() throws {
        let bundle = try bundle("[$context, $input, $output, $secrets, $task, $workflow, $runtime, $authorization]")
        #expect(
            try bundle.evaluate(0, on: 1, arguments: ExpressionArguments()) == .array(Array(repeating: nil, count: 8))
        )
    }

    @Test("arguments are read at evaluation time, not compile time")
    func argumentsPerEvaluation() throws {
        let bundle = try bundle(".a + $context.x")
        for x in 0..<5 {
            let result = try bundle.evaluate(
                0,
                on: ["a": 10],
                arguments: ExpressionArguments(context: ["x": .number(Double(x))])
            )
            #expect(result == .number(Double(10 + x)))
        }
    }

    // MARK: Scoped variables

    @Test("scoped variables are visible to the expression that declares them")
    func scopedVariables() throws {
        let sources = [
            ExpressionSource("[$item, $index]", scopedVariables: ["item", "index"]),
            ExpressionSource("$error.status", scopedVariables: ["error"]),
        ]
        let bundle = try ExpressionBundle(sources: sources)
        let arguments = ExpressionArguments(scoped: ["item": "x", "index": 3, "error": ["status": 500]])
        #expect(try bundle.evaluate(0, on: nil, arguments: arguments) == ["x", 3])
        #expect(try bundle.evaluate(1, on: nil, arguments: arguments) == 500)
    }

    @Test("a declared scoped variable without a value is null")
    func scopedVariableWithoutValue() throws {
        let bundle = try ExpressionBundle(
            sources: [ExpressionSource("[$item, $index]", scopedVariables: ["item", "index"])]
        )
        #expect(try bundle.evaluate(0, on: nil, arguments: ExpressionArguments(scoped: ["index": 1])) == [nil, 1])
    }

    @Test("an expression that uses a scoped variable it does not declare does not compile")
    func undeclaredScopedVariable() throws {
        let messages = try #require(
            compileMessages([
                ExpressionSource("$item", scopedVariables: ["item"]),
                ExpressionSource(".a + $item"),
            ])
        )
        #expect(messages.count == 1)
        #expect(messages[0].hasPrefix("expression 1 (\".a + $item\"): "))
        #expect(messages[0].contains("$item"))
    }

    @Test("a scoped variable shadows the argument of the same name")
    func scopedShadowsArgument() throws {
        let bundle = try ExpressionBundle(
            sources: [ExpressionSource("[$input, $context]", scopedVariables: ["input"])]
        )
        let arguments = ExpressionArguments(context: 1, input: 2, scoped: ["input": 3])
        #expect(try bundle.evaluate(0, on: nil, arguments: arguments) == [3, 1])
    }

    @Test(
        "a scoped variable name jq cannot bind is rejected",
        arguments: ["", "if", "a b", "a::b", "$item", "1x", "x-y"]
    )
    func invalidScopedName(name: String) throws {
        let messages = try #require(compileMessages([ExpressionSource(".", scopedVariables: [name])]))
        #expect(messages == ["expression 0 (\".\"): '\(name)' cannot be a variable name"])
    }

    // MARK: Results

    @Test("no output is null, one output is itself, several are an array")
    func resultFolding() throws {
        let bundle = try bundle("empty", ".a", ".[]", "select(false)", "(1, 2) | select(. > 1)")
        let data: JSON = ["a": 1, "b": 2]
        #expect(try bundle.evaluate(0, on: data, arguments: .init()) == nil)
        #expect(try bundle.evaluate(1, on: data, arguments: .init()) == 1)
        #expect(try bundle.evaluate(2, on: data, arguments: .init()) == [1, 2])
        #expect(try bundle.evaluate(3, on: data, arguments: .init()) == nil)
        #expect(try bundle.evaluate(4, on: data, arguments: .init()) == 2)
        #expect(try bundle.evaluateAll(0, on: data, arguments: .init()) == [])
        #expect(try bundle.evaluateAll(2, on: data, arguments: .init()) == [1, 2])
        #expect(try bundle.evaluateAll(1, on: data, arguments: .init()) == [1])
    }

    @Test("an array result is not confused with several outputs")
    func arrayResult() throws {
        let bundle = try bundle("[.[]]", ".[]")
        #expect(try bundle.evaluateAll(0, on: [1, 2], arguments: .init()) == [[1, 2]])
        #expect(try bundle.evaluateAll(1, on: [1, 2], arguments: .init()) == [1, 2])
    }

    // MARK: Bundling

    @Test("identical sources share one compiled expression")
    func deduplication() throws {
        let sources = [
            ExpressionSource(".a"), ExpressionSource(".b"), ExpressionSource(".a"),
            ExpressionSource(".a", scopedVariables: ["item"]), ExpressionSource(".b"),
        ]
        let bundle = try ExpressionBundle(sources: sources)
        #expect(bundle.count == 5)
        #expect(bundle.distinctCount == 3)
        #expect(bundle.compiledProgramCount == 3)
        let results = try (0..<5).map { try bundle.evaluate($0, on: ["a": 1, "b": 2], arguments: .init()) }
        #expect(results == [1, 2, 1, 1, 2])
    }

    @Test(
        "each index evaluates its own expression",
        arguments: [(1_000, ExpressionBundle.Compilation.eager), (300, .lazy), (1, .eager), (2, .lazy)]
    )
    func dispatch(count: Int, compilation: ExpressionBundle.Compilation) throws {
        let sources = (0..<count).map { ExpressionSource(".a * 10000 + \($0) + $context") }
        let bundle = try ExpressionBundle(sources: sources, compilation: compilation)
        #expect(bundle.compiledProgramCount == (compilation == .eager ? count : 0))
        let arguments = ExpressionArguments(context: 0.5)
        // Backwards, so a lazy bundle compiles out of order.
        for index in (0..<count).reversed() {
            let result = try bundle.evaluate(index, on: ["a": 7], arguments: arguments)
            #expect(result == .number(70_000 + Double(index) + 0.5), "expression \(index)")
        }
        #expect(bundle.compiledProgramCount == count)
    }

    @Test("a lazy bundle reports a syntax error when the expression is first evaluated")
    func lazyCompileError() throws {
        let bundle = try ExpressionBundle(sources: [ExpressionSource("."), ExpressionSource(".a +")], compilation: .lazy)
        #expect(try bundle.evaluate(0, on: 1, arguments: .init()) == 1)
        #expect {
            try bundle.evaluate(1, on: 1, arguments: .init())
        } throws: { error in
            guard case .compile(let messages) = error as? JQError else { return false }
            return messages.count == 1 && messages[0].hasPrefix("expression 1 (\".a +\"): ")
        }
    }

    @Test("an empty bundle is fine")
    func emptyBundle() throws {
        let bundle = try ExpressionBundle(sources: [])
        #expect(bundle.count == 0)
        #expect(bundle.compiledProgramCount == 0)
    }

    @Test("a bundle is used from many threads at once")
    func concurrentEvaluation() async throws {
        let sources = (0..<50).map { ExpressionSource("[range(\($0))] | add + $context") }
        let bundle = try ExpressionBundle(sources: sources, compilation: .lazy)
        let results = await withTaskGroup(of: Bool.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for round in 0..<20 {
                        let index = (worker * 7 + round) % sources.count
                        let expected = Double(index * (index - 1) / 2 + worker)
                        let value = try? bundle.evaluate(index, on: nil, arguments: ExpressionArguments(context: .number(Double(worker))))
                        if index > 0, value != .number(expected) { return false }
                    }
                    return true
                }
            }
            return await group.reduce(true) { $0 && $1 }
        }
        #expect(results)
    }

    @Test("an expression that never ends stops at its time limit, and a stop request ends one at once")
    func boundedEvaluation() throws {
        let limits = ExpressionLimits(ceiling: 0)
        let bundle = try ExpressionBundle(
            sources: [ExpressionSource("def f: f; [limit(1; f)]"), ExpressionSource("last(range(1e15))"), ExpressionSource(".a")],
            limits: limits)
        #expect(throws: JQError.timedOut(seconds: 0.05, ceiling: false)) {
            try bundle.evaluate(1, on: nil, arguments: .init(), timeLimit: 0.05)
        }
        limits.ceiling = 0.05
        #expect(throws: JQError.timedOut(seconds: 0.05, ceiling: true)) {
            try bundle.evaluate(1, on: nil, arguments: .init(), timeLimit: 10)
        }
        limits.ceiling = 0
        #expect(throws: JQError.self) { try bundle.evaluate(0, on: nil, arguments: .init()) }
        let stopper = Thread {
            Thread.sleep(forTimeInterval: 0.1)
            limits.interrupt()
        }
        stopper.start()
        let started = ContinuousClock.now
        #expect(throws: JQError.interrupted) { try bundle.evaluate(1, on: nil, arguments: .init()) }
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(try bundle.evaluate(2, on: ["a": 3], arguments: .init()) == 3)
    }

    @Test("an output nested deeper than a parsed document may be is an error")
    func deepOutput() throws {
        let bundle = try ExpressionBundle(sources: [
            ExpressionSource("reduce range(\(ExpressionBundle.maxOutputDepth + 1)) as $i (0; [.])"),
            ExpressionSource("reduce range(\(ExpressionBundle.maxOutputDepth)) as $i (0; [.]) | length"),
        ])
        #expect(throws: JQError.runtime(message: "the expression's output nests deeper than 256 levels")) {
            try bundle.evaluate(0, on: nil, arguments: .init())
        }
        #expect(try bundle.evaluate(1, on: nil, arguments: .init()) == 1)
    }

    // MARK: Errors

    @Test("a runtime error is thrown, and the bundle keeps working")
    func runtimeErrors() throws {
        let bundle = try bundle("error(\"boom\")", ".a.b", "error({code: 1})", ".a")
        #expect(throws: JQError.runtime(message: "boom")) { try bundle.evaluate(0, on: nil, arguments: .init()) }
        #expect(throws: JQError.runtime(message: "Cannot index string with string \"b\"")) {
            try bundle.evaluate(1, on: ["a": "text"], arguments: .init())
        }
        #expect(throws: JQError.runtime(message: "{\"code\":1}")) {
            try bundle.evaluate(2, on: nil, arguments: .init())
        }
        #expect(try bundle.evaluate(3, on: ["a": 1], arguments: .init()) == 1)
    }

    @Test("halt and halt_error in one expression leave the others working")
    func halts() throws {
        let bundle = try bundle("halt", "\"stop\" | halt_error", ".a")
        #expect(try bundle.evaluate(0, on: 1, arguments: .init()) == nil)
        #expect(try bundle.evaluate(2, on: ["a": 1], arguments: .init()) == 1)
        #expect(throws: JQError.runtime(message: "stop")) { try bundle.evaluate(1, on: nil, arguments: .init()) }
        #expect(try bundle.evaluate(2, on: ["a": 2], arguments: .init()) == 2)
        #expect(try bundle.evaluate(0, on: 1, arguments: .init()) == nil)
    }

    @Test(
        "a syntax error names the expression",
        arguments: [".a +", "1) | (env", "(", "\"unterminated", "import \"a\" as a; ."]
    )
    func syntaxErrors(text: String) throws {
        let messages = try #require(compileMessages([ExpressionSource(".a"), ExpressionSource(text)]))
        #expect(messages.count == 1)
        #expect(messages[0].hasPrefix("expression 1 (\(text.debugDescription)): "))
    }

    // MARK: The process stays hidden

    @Test("environment variables, input, debug and stderr give nothing of the process")
    func processIsHidden() throws {
        setenv("SWIRL_BUNDLE_TEST_SECRET", "visible", 1)
        defer { unsetenv("SWIRL_BUNDLE_TEST_SECRET") }
        let bundle = try bundle(
            "$ENV",
            "env",
            "$ENV.SWIRL_BUNDLE_TEST_SECRET",
            "env.SWIRL_BUNDLE_TEST_SECRET",
            "[inputs]",
            "try input catch \"failed\"",
            ". | debug",
            ". | stderr",
            "input_filename",
            "def f: $ENV | length; f",
            "[$ENV, env] | map(length)"
        )
        let results = try (0..<bundle.count).map { try bundle.evaluate($0, on: 5, arguments: .init()) }
        #expect(results == [[:], [:], nil, nil, [], "failed", 5, 5, nil, 0, [0, 0]])
    }

    @Test("an expression may define its own functions named like the hidden builtins")
    func ownDefinitionsWin() throws {
        let bundle = try bundle("def env: 42; env", "def input: 7; input")
        #expect(try bundle.evaluate(0, on: nil, arguments: .init()) == 42)
        #expect(try bundle.evaluate(1, on: nil, arguments: .init()) == 7)
    }

    // MARK: Text shapes

    @Test(
        "a comment at the end cannot swallow the rest of the program",
        arguments: [
            ".a # trailing comment", ".a # comment with ) and ( and \"", ".a\n# on its own line", "# first\n.a",
        ]
    )
    func trailingComments(text: String) throws {
        let bundle = try bundle(text, ".b")
        #expect(try bundle.evaluate(0, on: ["a": 1, "b": 2], arguments: .init()) == 1)
        #expect(try bundle.evaluate(1, on: ["a": 1, "b": 2], arguments: .init()) == 2)
    }

    @Test(
        "an empty expression, or one of definitions only, is the identity",
        arguments: [
            "", "  \n ", "# only a comment", "def f: 1;", "def f: 1; def g: f + 1;", "def f: 1; # and a comment",
        ]
    )
    func identity(text: String) throws {
        let bundle = try bundle(text)
        #expect(try bundle.evaluate(0, on: ["a": [1]], arguments: .init()) == ["a": [1]])
    }

    @Test("definitions followed by a body keep their body")
    func definitionsWithBody() throws {
        let bundle = try bundle("def f: 1; f", "def f(g): g * 2; f(.a)", "def f: 1; [f, $input]")
        #expect(try bundle.evaluate(0, on: nil, arguments: .init()) == 1)
        #expect(try bundle.evaluate(1, on: ["a": 4], arguments: .init()) == 8)
        #expect(try bundle.evaluate(2, on: nil, arguments: ExpressionArguments(input: "in")) == [1, "in"])
    }

    // MARK: Reused argument values

    @Test("a changed argument is seen even though unchanged ones are reused")
    func argumentReuse() throws {
        let bundle = try bundle("$workflow.id", "$workflow.definition.name")
        var arguments = ExpressionArguments(workflow: ["id": "one", "definition": ["name": "wf"]])
        #expect(try bundle.evaluate(0, on: nil, arguments: arguments) == "one")
        #expect(try bundle.evaluate(0, on: nil, arguments: arguments) == "one")
        // Changing a copy in place must not change what the cache holds for the original.
        let original = arguments
        arguments.workflow = ["id": "two", "definition": ["name": "wf"]]
        #expect(try bundle.evaluate(0, on: nil, arguments: arguments) == "two")
        #expect(try bundle.evaluate(0, on: nil, arguments: original) == "one")
        if case .object(var members) = arguments.workflow {
            members["id"] = "three"
            arguments.workflow = .object(members)
        }
        #expect(try bundle.evaluate(0, on: nil, arguments: arguments) == "three")
        #expect(try bundle.evaluate(1, on: nil, arguments: arguments) == "wf")
    }

    @Test("many different argument values, more than are kept, all evaluate correctly")
    func argumentReuseEviction() throws {
        let bundle = try bundle("[$workflow.id, $task.name, $context]")
        let runs = (0..<200).map { run in
            ExpressionArguments(
                context: [.number(Double(run))],
                task: ["name": .string("task\(run)")],
                workflow: ["id": .string("run\(run)")]
            )
        }
        for round in 0..<3 {
            for (run, arguments) in runs.enumerated() {
                let expected: JSON = [.string("run\(run)"), .string("task\(run)"), [.number(Double(run))]]
                #expect(try bundle.evaluate(0, on: nil, arguments: arguments) == expected, "round \(round), run \(run)")
            }
        }
    }
}
