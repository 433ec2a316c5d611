import SwirlCore
import Testing

@Suite struct JSONPointerTests {
    // The example document of RFC 6901, section 5.
    let document = try! JSON(
        parsing: #"{"foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8}"#
    )

    @Test(
        "resolves the RFC 6901 examples",
        arguments: [
            ("", nil), ("/foo", #"["bar","baz"]"#), ("/foo/0", #""bar""#), ("/", "0"), ("/a~1b", "1"),
            ("/c%d", "2"), ("/e^f", "3"), ("/g|h", "4"), ("/i\\j", "5"), ("/k\"l", "6"), ("/ ", "7"), ("/m~0n", "8"),
        ] as [(String, String?)])
    func resolvesExamples(pointer: String, expected: String?) throws {
        let resolved = try JSONPointer(parsing: pointer).resolve(in: document)
        #expect(resolved == (try expected.map { try JSON(parsing: $0) } ?? document))
    }

    @Test("round-trips escaped tokens")
    func escaping() throws {
        let pointer = JSONPointer(tokens: ["a/b", "m~n", "~1", ""])
        #expect(pointer.description == "/a~1b/m~0n/~01/")
        #expect(try JSONPointer(parsing: pointer.description) == pointer)
        #expect(JSONPointer.root.description == "")
    }

    @Test("rejects malformed pointers", arguments: ["foo", "/a~2", "/a~", "#/a"])
    func rejectsMalformed(text: String) {
        #expect(throws: JSONPointer.ParseError.self) { try JSONPointer(parsing: text) }
    }

    @Test("addresses array elements only by canonical indices")
    func arrayIndices() {
        let array: JSON = ["x", "y"]
        #expect(JSONPointer(tokens: ["1"]).resolve(in: array) == "y")
        #expect(JSONPointer(tokens: ["01"]).resolve(in: array) == nil)
        #expect(JSONPointer(tokens: ["-"]).resolve(in: array) == nil)
        #expect(JSONPointer(tokens: ["2"]).resolve(in: array) == nil)
        #expect(JSONPointer(tokens: ["-1"]).resolve(in: array) == nil)
        #expect(JSONPointer(tokens: ["0", "a"]).resolve(in: array) == nil)
    }

    @Test("builds pointers by appending, and walks up to parents")
    func appendingAndParent() {
        let pointer = JSONPointer.root.appending("do").appending(0).appending("greet")
        #expect(pointer.description == "/do/0/greet")
        #expect(pointer.parent?.description == "/do/0")
        #expect(pointer.lastToken == "greet")
        #expect(JSONPointer.root.parent == nil)
        #expect(pointer.hasPrefix("/do"))
        #expect(!pointer.hasPrefix("/d"))
    }
}
