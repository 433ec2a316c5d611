import Foundation
import SwirlCore
import Testing

@Suite struct JSONTests {
    @Test("parses every kind of value")
    func parsesEveryKind() throws {
        let value = try JSON(parsing: #"{"n": null, "t": true, "f": false, "i": -12, "d": 2.5e3, "s": "x", "a": [1, [2]], "o": {}}"#)
        #expect(value == ["n": nil, "t": true, "f": false, "i": -12, "d": 2500, "s": "x", "a": [1, [2]], "o": [:]])
    }

    @Test("keeps object keys in the order written")
    func keepsKeyOrder() throws {
        let value = try JSON(parsing: #"{"zebra": 1, "apple": 2, "mango": 3}"#)
        #expect(Array(try #require(value.objectValue).keys) == ["zebra", "apple", "mango"])
        #expect(value.serialized() == #"{"zebra":1,"apple":2,"mango":3}"#)
    }

    @Test("compares and hashes objects without regard to key order")
    func equalityIgnoresOrder() throws {
        let first = try JSON(parsing: #"{"a": 1, "b": [true, null]}"#)
        let second = try JSON(parsing: #"{"b": [true, null], "a": 1}"#)
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(Set([first, second]).count == 1)
        #expect(first != (try JSON(parsing: #"{"a": 1, "b": [null, true]}"#)))
    }

    @Test(
        "prints numbers without needless fractions",
        arguments: [
            (3.0, "3"), (-0.5, "-0.5"), (1e16, "10000000000000000"), (1e17, "1e+17"), (0.1, "0.1"),
            (-7.0, "-7"), (123456789.125, "123456789.125"), (Double.nan, "null"),
            (Double.infinity, "1.7976931348623157e+308"),
        ])
    func printsNumbers(number: Double, text: String) {
        #expect(JSON.number(number).serialized() == text)
    }

    @Test("escapes strings as RFC 8259 requires, and nothing more")
    func escapesStrings() {
        let value = JSON.string("quote\" backslash\\ slash/ nl\n tab\t cr\r bell\u{07} del\u{7F} é 😀")
        #expect(value.serialized() == #""quote\" backslash\\ slash/ nl\n tab\t cr\r bell\u0007 del\#u{7F} é 😀""#)
        #expect(JSON.string("\u{08}\u{0C}\u{00}\u{1F}").serialized() == #""\b\f\u0000\u001f""#)
    }

    @Test("reads escapes, surrogate pairs and lone surrogates")
    func readsEscapes() throws {
        #expect(try JSON(parsing: #""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(try JSON(parsing: #""\u00e9\u20AC\ud83d\ude00""#) == .string("é€😀"))
        #expect(try JSON(parsing: #""\ud83d x""#) == .string("\u{FFFD} x"))
    }

    @Test(
        "round-trips through compact and pretty text",
        arguments: [
            #"null"#, #"[]"#, #"{}"#, #"[1,"two",{"three":[3,null,false]}]"#,
            #"{"key with \"quotes\"":"value\nline","unicode":"日本語","empty":{},"nested":[[[]]]}"#,
            #"-0.000123"#, #"1.5e+300"#,
        ])
    func roundTrips(text: String) throws {
        let value = try JSON(parsing: text)
        #expect(try JSON(parsing: value.serialized()) == value)
        #expect(try JSON(parsing: value.serialized(.pretty)) == value)
        #expect(value.serialized() == text)
    }

    @Test("pretty-prints with two-space indentation")
    func prettyLayout() {
        let value: JSON = ["a": [1, 2], "b": [:], "c": []]
        #expect(
            value.serialized(.pretty) == """
                {
                  "a": [
                    1,
                    2
                  ],
                  "b": {},
                  "c": []
                }
                """)
    }

    @Test(
        "rejects text that is not JSON, with the position",
        arguments: [
            ("", 1, 1, "empty"), ("{", 1, 2, "expected a member name"), ("[1,]", 1, 4, "expected a value"),
            ("{\"a\" 1}", 1, 6, "expected ':'"), ("01", 1, 2, "leading zeros"), ("\"abc", 1, 5, "unterminated"),
            ("\"a\nb\"", 1, 3, "control character"), ("[1] 2", 1, 5, "after the JSON value"),
            ("{\n  \"a\": tru\n}", 2, 8, "expected a value"), ("\"\\x\"", 1, 3, "invalid escape"),
            ("[1.]", 1, 4, "digit after '.'"), ("'a'", 1, 1, "unexpected character"),
        ])
    func rejectsInvalid(text: String, line: Int, column: Int, fragment: String) {
        #expect {
            _ = try JSON(parsing: text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.position == SourcePosition(line: line, column: column) && error.message.contains(fragment)
        }
    }

    @Test("stops at a nesting limit instead of overflowing the stack")
    func nestingLimit() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect {
            _ = try JSON(parsing: deep)
        } throws: { error in
            (error as? JSONParseError)?.kind == .tooDeep
        }
        #expect(throws: Never.self) { _ = try JSONParser.parse(Array("[[[1]]]".utf8), maxDepth: 3) }
    }

    @Test("records positions of keys and values, counting columns in Unicode scalars")
    func recordsPositions() throws {
        let text = """
            {
              "name": "é😀",
              "list": [10, {"x": true}]
            }
            """
        let output = try JSONParser.parse(Array(text.utf8), recordingPositionsFor: "w.json")
        let map = try #require(output.sourceMap)
        #expect(map.exactPosition(of: "/name", .key) == SourcePosition(line: 2, column: 3))
        #expect(map.exactPosition(of: "/name") == SourcePosition(line: 2, column: 11))
        #expect(map.exactPosition(of: "/list/0") == SourcePosition(line: 3, column: 12))
        #expect(map.exactPosition(of: "/list/1/x", .key) == SourcePosition(line: 3, column: 17))
        #expect(map.exactPosition(of: "/list/1/x") == SourcePosition(line: 3, column: 22))
        #expect(map.exactPosition(of: .root) == SourcePosition(line: 1, column: 1))
    }

    @Test("reports duplicate member names and keeps the last value")
    func duplicateKeys() throws {
        let output = try JSONParser.parse(Array(#"{"a": 1, "b": 2, "a": 3}"#.utf8))
        #expect(output.value == ["a": 3, "b": 2])
        #expect(output.duplicateKeys.map(\.pointer) == ["/a"])
        #expect(output.duplicateKeys.first?.position == SourcePosition(line: 1, column: 18))
        #expect(output.duplicateKeys.first?.firstPosition == SourcePosition(line: 1, column: 2))
    }

    @Test("encodes and decodes through Codable")
    func codable() throws {
        let value: JSON = ["a": [1, "x", nil, true], "b": ["c": 2.5]]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSON.self, from: data) == value)
    }

    @Test("reads members and elements by subscript")
    func subscripts() {
        let value: JSON = ["list": [1, 2], "name": "x"]
        #expect(value["name"] == "x")
        #expect(value["list"]?[1] == 2)
        #expect(value["list"]?[2] == nil)
        #expect(value["missing"] == nil)
        #expect(JSON.string("x")["a"] == nil)
    }
}
