import SwirlCore
import Testing

/// JSON strings are sequences of code points: two spellings of "é" that Swift's `String ==` calls
/// canonically equivalent are different JSON strings.
struct JSONCodePointTests {
    static let precomposed = "caf\u{E9}"
    static let decomposed = "cafe\u{301}"

    @Test("strings with the same characters but different code points are different values, with different hashes")
    func strings() {
        #expect(Self.precomposed == Self.decomposed, "Swift's String == is canonical equivalence")
        #expect(JSON.string(Self.precomposed) != JSON.string(Self.decomposed))
        #expect(JSON.string(Self.precomposed) == JSON.string("caf\u{E9}"))
        #expect(Set([JSON.string(Self.precomposed), JSON.string(Self.decomposed)]).count == 2)
    }

    @Test("parsed from escapes, the two spellings stay different")
    func parsed() throws {
        let a = try JSON(parsing: #""caf\u00e9""#)
        let b = try JSON(parsing: #""cafe\u0301""#)
        #expect(a != b)
        #expect(a == .string(Self.precomposed))
        #expect(b == .string(Self.decomposed))
    }

    @Test("objects whose member names differ only in code points are different")
    func objectKeys() {
        let a: JSON = .object([Self.precomposed: 1])
        let b: JSON = .object([Self.decomposed: 1])
        #expect(a != b)
        #expect(a == .object([Self.precomposed: 1]))
        #expect(Set([a, b]).count == 2)
    }

    @Test("member names that Swift would merge are refused with their position, not merged")
    func parsedKeysInTwoForms() throws {
        // Object keys are Swift strings, equal under canonical equivalence: keeping the second
        // spelling would silently drop the first member's value.
        do {
            _ = try JSON(parsing: "{\"caf\\u00e9\": 1,\n \"cafe\\u0301\": 2}")
            Issue.record("two spellings of one name were accepted")
        } catch {
            #expect(error.position.line == 2 && error.position.column == 2)
            #expect(error.message.contains("different Unicode forms"))
        }
        // The same spelling twice stays an ordinary duplicate: the later value wins.
        #expect(try JSON(parsing: #"{"café": 1, "café": 2}"#) == .object([Self.precomposed: 2]))
    }

    @Test("nested values compare by code points too")
    func nested() {
        #expect(JSON.array([.string(Self.precomposed)]) != JSON.array([.string(Self.decomposed)]))
        #expect(JSON.object(["k": .string(Self.precomposed)]) != JSON.object(["k": .string(Self.decomposed)]))
    }
}
