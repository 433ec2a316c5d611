import SwirlCore
@testable import SwirlExpressions
import Testing

@Suite struct JQSyntaxTests {
    /// An expression with a 1️⃣ where the error should point, and what the error should say.
    struct MessageCase: Sendable, CustomTestStringConvertible {
        var marked: String
        var kind: JQSyntaxError.Kind
        var message: String

        init(_ marked: String, _ kind: JQSyntaxError.Kind, _ message: String) {
            self.marked = marked
            self.kind = kind
            self.message = message
        }

        var testDescription: String { marked }
    }

    static let variables = JQSyntaxCases.variables

    /// Removes the 1️⃣ marker and returns the text with the marker's UTF-8 offset.
    static func unmark(_ marked: String) -> (text: String, offset: Int) {
        let marker = Array("1️⃣".utf8)
        var bytes = Array(marked.utf8)
        guard bytes.count >= marker.count,
            let start = (0...bytes.count - marker.count).first(where: {
                bytes[$0..<$0 + marker.count].elementsEqual(marker)
            })
        else { return (marked, -1) }
        bytes.removeSubrange(start..<start + marker.count)
        return (String(decoding: bytes, as: UTF8.self), start)
    }

    // MARK: - The table

    @Test("every hand-written case gets libjq's verdict", arguments: JQSyntaxCases.all)
    func handWritten(_ testCase: JQSyntaxCase) {
        let error = JQSyntax.check(testCase.expression, variables: Self.variables, dialect: .jq16)
        if testCase.compiles {
            #expect(error == nil)
        } else {
            #expect(error != nil)
        }
    }

    @Test("the deliberate differences are rejected")
    func deliberateDifferences() {
        for (expression, _) in JQSyntaxCases.deliberateDifferences {
            #expect(JQSyntax.check(expression, variables: Self.variables, dialect: .jq16) != nil)
        }
    }

    // MARK: - Messages

    static let messages: [MessageCase] = [
        MessageCase(".a | 1️⃣| .b", .syntax, "unexpected '|' after '|'"),
        MessageCase(".a |1️⃣", .syntax, "unexpected end of the expression after '|'"),
        MessageCase("1️⃣\"abc", .syntax, "unterminated string"),
        MessageCase(
            "if . then 1 else 21️⃣",
            .syntax,
            "expected 'end' to close 'if' at column 1, found the end of the expression"
        ),
        MessageCase("if . then 1 1️⃣end", .syntax, "'else' is required in jq 1.6 'if' expressions"),
        MessageCase("if . 1️⃣1 else 2 end", .syntax, "expected 'then' after the condition of 'if', found '1'"),
        MessageCase("1️⃣lenght", .undefinedFunction, "undefined function 'lenght/0'; did you mean 'length'?"),
        MessageCase("1️⃣length(1)", .undefinedFunction, "undefined function 'length/1'; 'length' takes no arguments"),
        MessageCase(".[] | 1️⃣map", .undefinedFunction, "undefined function 'map/0'; 'map' takes 1 argument"),
        MessageCase(
            "1️⃣range(1;2;3;4)",
            .undefinedFunction,
            "undefined function 'range/4'; 'range' takes 1, 2 or 3 arguments"
        ),
        MessageCase("1️⃣nosuchthing", .undefinedFunction, "undefined function 'nosuchthing/0'"),
        MessageCase("1️⃣$inptu", .undefinedVariable, "undefined variable $inptu; did you mean $input?"),
        MessageCase("1️⃣$Input.a", .undefinedVariable, "undefined variable $Input; did you mean $input?"),
        MessageCase(". as $value | 1️⃣$vaule", .undefinedVariable, "undefined variable $vaule; did you mean $value?"),
        MessageCase("1 < 2 1️⃣< 3", .syntax, "'<' cannot be chained; add parentheses"),
        MessageCase("1 == 2 1️⃣!= 3", .syntax, "'!=' cannot be chained with '=='; add parentheses"),
        MessageCase(".a = 1 1️⃣= 2", .syntax, "'=' cannot be chained; add parentheses"),
        MessageCase(
            ".a1️⃣?//1",
            .syntax,
            "'?//' is the destructuring alternative, allowed only between patterns after 'as'; "
                + "to apply '//' after '?', write '? //'"
        ),
        MessageCase("1️⃣break $out", .undefinedLabel, "'break $out' has no enclosing 'label $out'"),
        MessageCase("break1️⃣", .syntax, "'break' needs a label: write 'break $name', found the end of the expression"),
        MessageCase(
            "1️⃣import \"a\" as b; .",
            .unsupported,
            "jq modules are not supported: 'import' cannot be used in a workflow expression"
        ),
        MessageCase(
            "1️⃣module {a: 1}; .",
            .unsupported,
            "jq modules are not supported: 'module' cannot be used in a workflow expression"
        ),
        MessageCase(
            "1 1️⃣/ 0",
            .invalidConstant,
            "division by zero: this constant division has an infinite result, which jq 1.6 rejects"
        ),
        MessageCase("{1️⃣(1): 2}", .invalidConstant, "a constant number cannot be an object key; keys must be strings"),
        MessageCase(
            "\"1️⃣\\q\"",
            .invalidLiteral,
            "invalid escape '\\q' in a string; jq accepts \\\\ \\\" \\/ \\b \\f \\n \\r \\t \\uXXXX and \\(…)"
        ),
        MessageCase("\"1️⃣\\u12\"", .invalidLiteral, "invalid '\\u' escape: it needs four hexadecimal digits"),
        MessageCase("1️⃣1.2.3", .invalidLiteral, "invalid number literal '1.2.3'"),
        MessageCase("1️⃣.e3", .invalidLiteral, "invalid number literal '.e3'"),
        MessageCase(
            ".a1️⃣\r\n",
            .syntax,
            "unexpected carriage return: jq 1.6 allows only spaces, tabs and newlines between tokens"
        ),
        MessageCase(".a | 1️⃣“b”", .syntax, "unexpected character '“'"),
        MessageCase(".a 1️⃣)", .syntax, "unexpected ')': it does not close the innermost open bracket"),
        MessageCase("[.a1️⃣)", .syntax, "expected ']' to close the '[' at column 1"),
        MessageCase("(.a1️⃣", .syntax, "expected ')' to close the '(' at column 1"),
        MessageCase(
            "{a: 1 1️⃣+ 2}",
            .syntax,
            "unexpected '+' in an object value: jq 1.6 object values allow only '|' between terms; "
                + "wrap the value in parentheses"
        ),
        MessageCase(
            ".a1️⃣.[0]",
            .syntax,
            "jq 1.6 does not accept '.[' after a path: write '.a[0]', not '.a.[0]'"
        ),
        MessageCase(
            "if . then 1 else 2 end1️⃣.a",
            .syntax,
            "unexpected '.a' after 'end': jq 1.6 cannot index the result of 'if', 'reduce', 'foreach', 'try' or "
                + "'?' directly; wrap the expression in parentheses"
        ),
        MessageCase(". 1️⃣foo", .syntax, "unexpected 'foo' after '.': write '.foo' without a space, or .[\"foo\"]"),
        MessageCase("def 1️⃣if: 1; 1", .syntax, "'if' is a keyword and cannot be used as a function name"),
        MessageCase("f1️⃣()", .syntax, "empty argument list: call 'f' without parentheses"),
        MessageCase("try 1? 1️⃣catch 2", .syntax, "unexpected 'catch' after '?'"),
        MessageCase("reduce .[] as $x (0; 1 1️⃣; 2)", .syntax, "'reduce' takes (init; update); unexpected ';'"),
        MessageCase("(1️⃣", .syntax, "unexpected end of the expression after '('"),
        MessageCase("\"ü\" as $1️⃣ü | 1", .syntax, "unexpected character 'ü'"),
    ]

    @Test("messages say what is wrong and point at it", arguments: messages)
    func message(_ testCase: MessageCase) throws {
        let (expression, offset) = Self.unmark(testCase.marked)
        let error = try #require(JQSyntax.check(expression, variables: Self.variables, dialect: .jq16))
        #expect(error.message == testCase.message)
        #expect(error.kind == testCase.kind)
        #expect(error.offset == offset)
    }

    // MARK: - Positions

    @Test("errors inside multi-line expressions report line and column")
    func multiLinePosition() throws {
        let expression = "def f:\n  .a |\n  lenght;\nf"
        let error = try #require(JQSyntax.check(expression, variables: Self.variables, dialect: .jq16))
        #expect(error.position == SourcePosition(line: 3, column: 3))
        #expect(error.offset == 16)
        #expect(error.length == 6)
        #expect(error.description == "3:3: undefined function 'lenght/0'; did you mean 'length'?")
    }

    @Test("columns count Unicode scalars, offsets count UTF-8 bytes")
    func unicodeBeforeTheError() throws {
        // "日本" is 2 scalars and 6 bytes; "e\u{301}" is 2 scalars and 3 bytes; the emoji 1 scalar and 4 bytes.
        let expression = "\"日本 e\u{301} 😀\" | lenght"
        let error = try #require(JQSyntax.check(expression, variables: Self.variables, dialect: .jq16))
        #expect(error.column == 13)
        #expect(error.line == 1)
        #expect(error.offset == 20)
        #expect(error.length == 6)
    }

    @Test("a later line's column counts from the start of that line")
    func secondLineColumn() throws {
        let expression = "\"ü\" as $u |\n  [1, 2] | .[] | 1 < 2 < 3"
        let error = try #require(JQSyntax.check(expression, variables: []))
        #expect(error.position == SourcePosition(line: 2, column: 24))
        #expect(error.offset == 36)
        #expect(error.message == "'<' cannot be chained; add parentheses")
    }

    @Test("an error at the end of the expression has length 0")
    func errorAtTheEnd() throws {
        let error = try #require(JQSyntax.check(".a |", variables: []))
        #expect(error.offset == 4)
        #expect(error.length == 0)
        #expect(error.column == 5)
    }

    // MARK: - Scope

    @Test("variables come from the caller, from bindings, and from $ENV and $__loc__")
    func callerVariables() {
        #expect(JQSyntax.check("$input.a", variables: []) != nil)
        #expect(JQSyntax.check("$input.a", variables: ["input"]) == nil)
        #expect(JQSyntax.check("$item + $index", variables: ["item", "index"]) == nil)
        #expect(JQSyntax.check("$ENV.HOME, $__loc__.line", variables: []) == nil)
        #expect(JQSyntax.check(". as [$a, {b: $c}] | $a + $c", variables: []) == nil)
        #expect(JQSyntax.check("def f($x): $x + x; f(1)", variables: []) == nil)
        #expect(JQSyntax.check("reduce .[] as $x (0; . + $x)", variables: []) == nil)
        #expect(JQSyntax.check("reduce .[] as $x ($x; .)", variables: [])?.kind == .undefinedVariable)
    }

    @Test("definitions nobody calls are not checked, as libjq drops them unread")
    func droppedDefinitions() {
        #expect(JQSyntax.check("def f: nosuch; 1", variables: []) == nil)
        #expect(JQSyntax.check("def f: nosuch; f", variables: [])?.kind == .undefinedFunction)
        #expect(JQSyntax.check("def f: def g: $nope; 1; f", variables: []) == nil)
        #expect(JQSyntax.check("def f: def g: $nope; g; f", variables: [])?.kind == .undefinedVariable)
        // Operators call builtins by name; a definition that replaces one is then called.
        #expect(JQSyntax.check("def _plus(a; b): nosuch; . + 1", variables: [])?.kind == .undefinedFunction)
        #expect(JQSyntax.check("def _plus(a; b): nosuch; 1 + 1", variables: []) == nil)
    }

    @Test("programs of definitions only, and empty programs, compile")
    func definitionsOnly() {
        #expect(JQSyntax.check("", variables: []) == nil)
        #expect(JQSyntax.check("  # just a comment", variables: []) == nil)
        #expect(JQSyntax.check("def f: 1; def g: f;", variables: []) == nil)
        #expect(JQSyntax.check("def f: nosuch;", variables: []) == nil)
        // libjq 1.6 folds the constant division and fails; jq 1.7.1 leaves it to run time.
        #expect(JQSyntax.check("def f: 1 / 0;", variables: [], dialect: .jq16)?.kind == .invalidConstant)
        #expect(JQSyntax.check("def f: 1 / 0;", variables: []) == nil)
        #expect(JQSyntax.check("1 | def f: 1;", variables: []) != nil)
    }

    // MARK: - Limits

    @Test("deep nesting is reported, not a crash")
    func deepNesting() throws {
        let depth = 10_000
        let expression = String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        let error = try #require(JQSyntax.check(expression, variables: []))
        #expect(error.kind == .limit)
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(JQSyntax.check(arrays, variables: [])?.kind == .limit)
        let negations = String(repeating: "-", count: depth) + "1"
        #expect(JQSyntax.check(negations, variables: [])?.kind == .limit)
        let patterns = ". as " + String(repeating: "[", count: depth) + "$a" + String(repeating: "]", count: depth)
        #expect(JQSyntax.check(patterns + " | $a", variables: [])?.kind == .limit)
        let values = String(repeating: "{a: ", count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(JQSyntax.check(values, variables: [])?.kind == .limit)
    }

    @Test("nesting up to the limit is fine")
    func nestingBelowTheLimit() {
        let depth = 150
        let parentheses = String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        #expect(JQSyntax.check(parentheses, variables: []) == nil)
        let objects = String(repeating: "{a: ", count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(JQSyntax.check(objects, variables: []) == nil)
        let strings = String(repeating: "\"\\(", count: depth) + "1" + String(repeating: ")\"", count: depth)
        #expect(JQSyntax.check(strings, variables: []) == nil)
    }

    @Test("a NUL character is an error at its offset")
    func nulCharacter() throws {
        let error = try #require(JQSyntax.check(".a\u{0}.b", variables: []))
        #expect(error.offset == 2)
        #expect(error.message == "the expression contains a NUL character")
    }

    @Test("the checker can run on many tasks at once")
    func concurrentUse() async {
        let expressions = JQSyntaxCases.all
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for part in 0..<4 {
                group.addTask {
                    var mismatches = 0
                    for (index, testCase) in expressions.enumerated() where index % 4 == part {
                        let accepted = JQSyntax.check(testCase.expression, variables: Self.variables, dialect: .jq16) == nil
                        if accepted != testCase.compiles { mismatches += 1 }
                    }
                    return mismatches
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
