import SwirlCore
import SwirlExpressions
import Testing

/// Expressions too large for libjq to compile in reasonable time are refused at validation, with
/// the position of the problem and the limit named.
@Suite struct JQSyntaxLimitsTests {
    static func chain(_ terms: Int, _ separator: String = " + ") -> String {
        Array(repeating: ".n", count: terms).joined(separator: separator)
    }

    @Test("a chain of 1,000 operators is accepted; one more is refused at the operator past the limit")
    func operatorLimit() throws {
        #expect(JQSyntax.check(Self.chain(1_001), variables: []) == nil)
        let error = try #require(JQSyntax.check(Self.chain(1_002), variables: []))
        #expect(error.kind == .limit)
        #expect(error.message.contains("more than 1000 operators"))
        // The 1,001st `+` follows 1,001 terms of ".n + " (5 bytes each, the last without " + ").
        #expect(error.offset == 1_001 * 5 - 2)
    }

    @Test("pipes and commas do not count as operators")
    func pipesAndCommas() {
        #expect(JQSyntax.check("[" + Self.chain(5_000, ", ") + "]", variables: []) == nil)
        // Pipes nest to the right: they meet the depth limit (200) before any operator limit.
        #expect(JQSyntax.check(Self.chain(150, " | "), variables: []) == nil)
    }

    @Test("an expression longer than 64 KiB is refused")
    func lengthLimit() throws {
        let long = "\"" + String(repeating: "x", count: 70_000) + "\""
        let error = try #require(JQSyntax.check(long, variables: []))
        #expect(error.kind == .limit)
        #expect(error.message.contains("65536 bytes"))
    }
}
