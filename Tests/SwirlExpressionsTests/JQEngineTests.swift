import SwirlCore
import SwirlExpressions
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct JQEngineTests {
    /// One row of the filter table: a filter, its input, and every output jq should produce.
    struct FilterCase: Sendable, CustomTestStringConvertible {
        var filter: String
        var input: JSON
        var outputs: [JSON]

        var testDescription: String { filter }
    }

    /// One row of the runtime-error table.
    struct FailureCase: Sendable, CustomTestStringConvertible {
        var filter: String
        var input: JSON
        var message: String

        var testDescription: String { filter }
    }

    let engine = JQEngine()

    // MARK: Round trips through `.`

    static let roundTrips: [JSON] = [
        nil, true, false,
        0, -0.0, 42, -17, 0.1, 3.141592653589793, -2.5e-10, 1e300, 1.7976931348623157e308,
        .number(.leastNonzeroMagnitude), 18_446_744_073_709_551_616.0, 9_007_199_254_740_992.0,
        "", "plain", "héllo wörld ✓ 😀 日本語 e\u{301}", "quote \" backslash \\ slash / newline \n tab \t cr \r",
        "a\u{0}b", "\u{0}", "\u{1F}\u{7F}\u{FEFF}",
        [], [1, "x", nil, true, [[]], [:]],
        [:], ["z": 1, "a": 2, "m": 3],
        ["k\u{0}ey": "v", "ключ": "значение", "": "empty key", "😀": ["nested": [1, ["deep": [nil]]]]],
        ["outer": ["b": [1, ["d": nil, "c": "x"]], "a": [:]], "list": [[1, 2], [3, [4, [5]]]]],
    ]

    @Test("a value survives `.` unchanged, object member order included", arguments: roundTrips)
    func roundTrip(value: JSON) throws {
        let outputs = try engine.compile(".").evaluate(value)
        #expect(outputs == [value])
        // JSON equality ignores member order; the text does not.
        #expect(outputs.map { $0.serialized() } == [value.serialized()])
    }

    @Test("numbers keep every bit, sign of zero included")
    func numberBits() throws {
        let values: [Double] = [0.1, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0x1p70 + 0x1p18]
        let outputs = try engine.compile(".[]").evaluate(.array(values.map(JSON.number)))
        #expect(outputs.map { $0.numberValue?.bitPattern } == values.map(\.bitPattern))
    }

    @Test("strings are handed over as bytes: jq sees NUL and multi-byte characters")
    func stringBytes() throws {
        let program = try engine.compile("[length, utf8bytelength, explode]")
        #expect(try program.evaluate("a\u{0}b") == [[3, 3, [97, 0, 98]]])
        #expect(try program.evaluate("é😀") == [[2, 6, [233, 128_512]]])
        #expect(try engine.compile(#""\u0000x\u00e9\ud83d\ude00""#).evaluate(nil) == ["\u{0}xé😀"])
    }

    @Test("objects built or changed by jq keep jq's insertion order")
    func objectOrder() throws {
        let input: JSON = ["z": 1, "a": 2]
        let outputs = try engine.compile(". + {m: 3, a: 20} | ., keys_unsorted").evaluate(input)
        try #require(outputs.count == 2)
        #expect(outputs[0].serialized() == #"{"z":1,"a":20,"m":3}"#)
        #expect(outputs[1] == ["z", "a", "m"])
    }

    // MARK: Filters

    static let filters: [FilterCase] = [
        FilterCase(filter: ".a.b", input: ["a": ["b": 7]], outputs: [7]),
        FilterCase(filter: ".a.b", input: [:], outputs: [nil]),
        FilterCase(filter: "map(. * 2)", input: [1, 2.5, -3], outputs: [[2, 5, -6]]),
        FilterCase(filter: "keys", input: ["b": 1, "a": 2], outputs: [["a", "b"]]),
        FilterCase(filter: ".[] | select(. > 1)", input: [1, 2, 3], outputs: [2, 3]),
        FilterCase(filter: "{x: .a}", input: ["a": "v", "b": "w"], outputs: [["x": "v"]]),
        FilterCase(
            filter: "to_entries",
            input: ["z": 1, "a": [true]],
            outputs: [[["key": "z", "value": 1], ["key": "a", "value": [true]]]]
        ),
        FilterCase(filter: #""\(.a)-x""#, input: ["a": 5], outputs: ["5-x"]),
        FilterCase(filter: #""\(.)""#, input: ["k": [1, nil]], outputs: [#"{"k":[1,null]}"#]),
        FilterCase(filter: "empty", input: nil, outputs: []),
        FilterCase(filter: ".[]", input: [1, "two", nil, [:]], outputs: [1, "two", nil, [:]]),
        FilterCase(filter: "reduce .[] as $x (0; . + $x)", input: [1, 2, 3], outputs: [6]),
        FilterCase(filter: #".a // "default""#, input: [:], outputs: ["default"]),
        FilterCase(filter: #"try error("x") catch ."#, input: nil, outputs: ["x"]),
        FilterCase(filter: ". as [$a, $b] | {sum: ($a + $b)}", input: [1, 2], outputs: [["sum": 3]]),
        FilterCase(filter: "[limit(3; range(10))]", input: nil, outputs: [[0, 1, 2]]),
        FilterCase(filter: "@base64", input: "hi", outputs: ["aGk="]),
        FilterCase(filter: #"test("^a.c$")"#, input: "abc", outputs: [true]),
        FilterCase(filter: "1, halt, 2", input: nil, outputs: [1]),
        // libjq 1.6 cannot tell an error whose value is null from "no output here": it acts as `empty`.
        FilterCase(filter: "1, error(null), 2", input: nil, outputs: [1, 2]),
        FilterCase(filter: "$__loc__", input: nil, outputs: [["file": "<top-level>", "line": 1]]),
    ]

    @Test("filters produce jq's outputs", arguments: filters)
    func filter(_ row: FilterCase) throws {
        #expect(try engine.compile(row.filter).evaluate(row.input) == row.outputs)
    }

    // MARK: evaluateOne

    @Test("a result with member names in two Unicode forms is an error, not a merged object")
    func resultKeysInTwoForms() throws {
        // jq keeps both members (it compares bytes); a Swift dictionary would keep one.
        #expect(try engine.compile(#"{"caf\u00e9": 1} | keys | length"#).evaluate(nil) == [1])
        do {
            _ = try engine.compile(#"{"caf\u00e9": 1, "cafe\u0301": 2}"#).evaluate(nil)
            Issue.record("two spellings of one name were merged")
        } catch {
            #expect("\(error)".contains("different Unicode forms"))
        }
    }

    @Test("evaluateOne: no output is null, one is itself, several become an array")
    func evaluateOne() throws {
        #expect(try engine.compile("empty").evaluateOne([1]) == nil)
        let elements = try engine.compile(".[]")
        #expect(try elements.evaluateOne([[1]]) == [1])
        #expect(try elements.evaluateOne(["only"]) == "only")
        #expect(try elements.evaluateOne([1, [2], nil]) == [1, [2], nil])
        #expect(try elements.evaluateOne([]) == nil)
    }

    // MARK: Errors

    @Test("undefined names and modules are compile errors, not crashes")
    func otherCompileErrors() {
        let cases: [(filter: String, message: String)] = [
            ("foo", "foo/0 is not defined"),
            ("$x", "$x is not defined"),
            ("def f: .; f(1)", "f/1 is not defined"),
            // libjq 1.6 aborts on these unless the engine sets its module attributes.
            (#"import "m" as m; ."#, "module not found: m"),
            (#"include "m"; ."#, "module not found: m"),
            (#"import "m" as m {search: "$ORIGIN/lib"}; ."#, "module not found: m"),
            ("\".\u{0}|", "NUL"),
        ]
        for (filter, message) in cases {
            let error = #expect(throws: JQError.self, "\(filter)") { try engine.compile(filter) }
            guard case .compile(let messages) = error else { continue }
            #expect(messages.contains { $0.contains(message) }, "\(filter): \(messages)")
        }
    }

    @Test("errors read well as text")
    func errorDescription() {
        #expect(JQError.compile(messages: ["one", "two"]).description == "jq compile error: one; two")
        #expect(JQError.runtime(message: "boom").description == "jq error: boom")
    }

    // MARK: Reuse

    @Test("one program evaluates many inputs, before and after errors and halts")
    func reuse() throws {
        let program = try engine.compile(
            #"if . == "fail" then error("failed") elif . == "halt" then "halted" | halt_error else . * 2 end"#
        )
        for number in 0..<500 {
            #expect(try program.evaluate(.number(Double(number))) == [.number(Double(number * 2))])
        }
        // A halt_error followed by ordinary runs is the sequence that double-frees in raw libjq 1.6.
        for _ in 0..<3 {
            #expect(throws: JQError.runtime(message: "halted")) { try program.evaluate("halt") }
            #expect(try program.evaluate(21) == [42])
            #expect(throws: JQError.runtime(message: "failed")) { try program.evaluate("fail") }
            #expect(try program.evaluate(1.5) == [3])
        }
    }

    @Test("one engine holds many programs at once")
    func manyPrograms() throws {
        let programs = try (0..<8).map { index throws(JQError) in try engine.compile(".[\(index)] + \(index)") }
        let input: JSON = .array((0..<8).map { .number(Double($0 * 10)) })
        for (index, program) in programs.enumerated().reversed() {
            #expect(try program.evaluateOne(input) == .number(Double(index * 11)))
            #expect(program.filter == ".[\(index)] + \(index)")
        }
    }

    @Test("results nested up to the JSON parser's depth limit come back whole")
    func deepResult() throws {
        let output = try engine.compile("reduce range(\(JSONParser.defaultMaxDepth)) as $i (0; [.])").evaluateOne(nil)
        var depth = 0
        var current = output
        while case .array(let elements) = current, elements.count == 1 {
            depth += 1
            current = elements[0]
        }
        #expect(depth == JSONParser.defaultMaxDepth)
        #expect(current == 0)
    }
}

extension JQEngineTests {
    /// The tests that point file descriptor 2 elsewhere for a moment. They run one at a time so
    /// that one test's redirection never swallows or restores another's.
    @Suite(.serialized) struct NothingPrinted {
        let engine = JQEngine()

        static let failures: [FailureCase] = [
            FailureCase(filter: #"error("boom")"#, input: nil, message: "boom"),
            FailureCase(filter: ".a + 1", input: "text", message: #"Cannot index string with string "a""#),
            FailureCase(filter: "error({code: 1})", input: nil, message: #"{"code":1}"#),
            FailureCase(filter: #".[] | if . == 2 then error("two") else . end"#, input: [1, 2, 3], message: "two"),
            FailureCase(filter: #""stop\n" | halt_error"#, input: nil, message: "stop\n"),
            FailureCase(filter: "{a: 1} | halt_error(2)", input: nil, message: #"{"a":1}"#),
            FailureCase(filter: "null | halt_error(1)", input: nil, message: "halt_error with exit code 1"),
            // Raw libjq 1.6 calls through an uninitialised pointer here; the engine clears it first.
            FailureCase(filter: "input", input: nil, message: "break"),
            FailureCase(filter: #""m" | modulemeta"#, input: nil, message: "module not found: m"),
            FailureCase(
                filter: "reduce range(257) as $i (0; [.])",
                input: nil,
                message: "the result nests arrays and objects deeper than 256 levels"
            ),
        ]

        @Test("the stderr capture sees what is written to file descriptor 2")
        func captureWorks() {
            let (_, stderr) = capturingStandardError { () throws(Never) in
                _ = "probe\n".withCString { write(2, $0, 6) }
            }
            #expect(stderr.contains("probe\n"))
        }

        @Test(
            "a syntax error is thrown with libjq's message, and nothing reaches stderr",
            arguments: [".a |||", "{", ".["]
        )
        func syntaxError(filter: String) throws {
            let (result, stderr) = capturingStandardError { () throws(JQError) in try engine.compile(filter) }
            expectNothingFromLibJQ(stderr, mentioning: ["syntax error", "compile error"])
            guard case .failure(.compile(let messages)) = result else {
                Issue.record("expected a compile error, got \(result)")
                return
            }
            try #require(messages.count == 1)
            #expect(messages[0].contains("syntax error, unexpected"))
            #expect(messages[0].hasSuffix("\n" + filter), "the message ends with the offending line")
            #expect(!messages[0].contains("compile error"), "libjq's tally line is dropped")
        }

        @Test(
            "a runtime error is thrown with its message, and nothing reaches stderr",
            arguments: failures
        )
        func runtimeError(_ row: FailureCase) throws {
            let program = try engine.compile(row.filter)
            let (result, stderr) = capturingStandardError { () throws(JQError) in
                try program.evaluate(row.input)
            }
            expectNothingFromLibJQ(stderr, mentioning: row.message.count > 5 ? [row.message] : [])
            #expect(throws: JQError.runtime(message: row.message)) { try result.get() }
        }

        @Test("debug is silent and inputs is empty (both crash raw libjq 1.6)")
        func quietBuiltins() throws {
            let program = try engine.compile("debug | [., [inputs]]")
            let (result, stderr) = capturingStandardError { () throws(JQError) in try program.evaluate(["a": 1]) }
            expectNothingFromLibJQ(stderr, mentioning: ["DEBUG"])
            #expect(try result.get() == [[["a": 1], []]])
        }
    }
}

/// Checks that libjq printed nothing. Other tests run in parallel and the capture takes the whole
/// process's file descriptor 2, so it may hold their output too: look for libjq's own words
/// (its messages start with "jq:") rather than for silence.
private func expectNothingFromLibJQ(
    _ stderr: String, mentioning words: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    for word in ["jq:"] + words {
        #expect(!stderr.contains(word), "libjq wrote to stderr: \(stderr)", sourceLocation: sourceLocation)
    }
}

/// Runs `body` with file descriptor 2 pointed at a temporary file, then restores it; returns the
/// outcome and everything written to stderr meanwhile.
private func capturingStandardError<T, E: Error>(
    _ body: () throws(E) -> T
) -> (result: Result<T, E>, stderr: String) {
    guard let file = tmpfile() else { fatalError("tmpfile failed") }
    defer { fclose(file) }
    fflush(nil)
    let saved = dup(2)
    dup2(fileno(file), 2)
    let result = Result(catching: body)
    fflush(nil)
    dup2(saved, 2)
    close(saved)
    lseek(fileno(file), 0, SEEK_SET)
    var captured: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while case let count = read(fileno(file), &buffer, buffer.count), count > 0 {
        captured += buffer[..<count]
    }
    return (result, String(decoding: captured, as: UTF8.self))
}
