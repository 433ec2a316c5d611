import SwirlCore
import Testing

@testable import SwirlExpressions

/// The Swift shortcut for simple expressions must give exactly what the engine gives, and leave
/// to the engine every case where it could not be sure.
@Suite struct DirectExpressionTests {
    /// Inputs of every type, with members the expressions below read.
    nonisolated static let inputs: [JSON] = [
        [
            "n": 5, "m": -2.5, "a": ["b": [1, 2], "c": nil], "s": "x", "t": "é😀", "xs": [1, "y"], "ys": [[:]],
            "big": 1.7e308, "o": ["k": 1],
        ],
        nil, 3, "text", [1, 2], [:], true,
    ]

    /// `$item` (scoped), `$input` and `$context` (arguments).
    nonisolated static let items: [JSON] = [7, nil, ["id": "i-1"], "s"]

    nonisolated static let shortcuts = [
        ".", ".n", ".a.b", ".a .c", ".n + 1", ".n - 1", "1 + 2", "12 - 30 + 5", ".s + .t", ".xs + .ys", ".missing + 3",
        ".n + .missing", ".missing.deeper", "$item", "$item.id", ".n + $item", "$input.n - .n", "$context.a.b",
        "$context.a.b + .s", ".n + .m - $item", "  .n   +\n 4 # a comment", "0", "123456789012345",
    ]

    /// Expressions the shortcut must leave to the engine at once, whatever the input.
    nonisolated static let notShortcuts = [
        ".[0]", ".n * 2", ".n / 2", "-1", ".n + 1.5", "1e3", ".n | . + 1", ".a?", ".a // 1", "$ENV", "$__loc__",
        "\"s\" + .s", ".n + (1)", "1234567890123456", ".n +", "$x.y", "null + .n", ".a[\"b\"]", "..",
    ]

    /// `text` compiled by the engine alone, with the variables the arguments below give.
    private func engine(_ text: String) throws -> JQCompiledProgram {
        try JQCompiledProgram(text, variables: ["item", "input", "context"])
    }

    private func evaluate(_ program: JQCompiledProgram, data: JSON, item: JSON) -> Result<JSON, JQEvalError> {
        do throws(JQEvalError) {
            let outputs = try program.run(data, variables: [item, ["n": 1.5], ["a": ["b": "c"]]])
            return outputs.count == 1 ? .success(outputs[0]) : .failure(.internalFailure("\(outputs.count) outputs"))
        } catch {
            return .failure(error)
        }
    }

    @Test("a shortcut gives the engine's value wherever it answers", arguments: shortcuts)
    func agreesWithEngine(text: String) throws {
        let direct = try #require(DirectExpression(text, declared: ["item"]), "\(text) should be a shortcut")
        let program = try engine(text)
        var answered = 0
        for data in Self.inputs {
            for item in Self.items {
                let arguments = ExpressionArguments(
                    context: ["a": ["b": "c"]], input: ["n": 1.5], scoped: ["item": item])
                guard let value = direct.evaluate(data: data, arguments: arguments) else { continue }
                answered += 1
                #expect(evaluate(program, data: data, item: item) == .success(value), "\(text) on \(data), $item \(item)")
            }
        }
        #expect(answered > 0, "\(text) never answered")
    }

    @Test("what jq would reject or compute differently is left to libjq")
    func leavesErrorsToLibjq() throws {
        let arguments = ExpressionArguments()
        for (text, data) in [(".n + .s", Self.inputs[0]), (".s.x", Self.inputs[0]), (".big + .big", Self.inputs[0]),
            (".o + .o", Self.inputs[0]), (".n", 3), (".s - .s", Self.inputs[0]), (".xs - .xs", Self.inputs[0]),
            // The Kelvin sign is canonically "K" to Swift's strings, another name to jq.
            (".K", ["\u{212A}": 1])] as [(String, JSON)]
        {
            let direct = try #require(DirectExpression(text, declared: []))
            #expect(direct.evaluate(data: data, arguments: arguments) == nil, "\(text) on \(data)")
        }
    }

    @Test("other expressions are not shortcuts", arguments: notShortcuts)
    func notAShortcut(text: String) {
        #expect(DirectExpression(text, declared: ["item"]) == nil)
    }

    @Test("a scoped variable shadows the argument of the same name")
    func shadowing() throws {
        let arguments = ExpressionArguments(input: "argument", scoped: ["input": "scoped"])
        #expect(DirectExpression("$input", declared: ["input"])?.evaluate(data: nil, arguments: arguments) == "scoped")
        #expect(DirectExpression("$input", declared: [])?.evaluate(data: nil, arguments: arguments) == "argument")
        let bundle = try ExpressionBundle(sources: [ExpressionSource("$input", scopedVariables: ["input"])])
        #expect(try bundle.evaluate(0, on: nil, arguments: arguments) == "scoped")
    }

    @Test("a bundle falls back to the engine when the shortcut cannot answer, errors included")
    func bundleFallsBack() throws {
        let bundle = try ExpressionBundle(sources: [ExpressionSource(".n + 1"), ExpressionSource(".s.x")])
        #expect(try bundle.evaluate(0, on: ["n": 1], arguments: .init()) == 2)
        #expect(throws: JQError.self) { try bundle.evaluate(0, on: ["n": [1]], arguments: .init()) }
        #expect(throws: JQError.self) { try bundle.evaluate(0, on: ["n": "a"], arguments: .init()) }
        #expect(throws: JQError.self) { try bundle.evaluate(1, on: ["s": 1], arguments: .init()) }
    }
}
