import Foundation
import SwirlCore
import SwirlSyntax
import Testing

/// Offsets into a block scalar's value mapped back to the line and column they were written at.
@Suite struct BlockScalarPositionsTests {
    /// Loads `text`, takes the string at `/v`, and maps the offset of the first `needle` in it.
    func position(of needle: String, in text: String) throws -> SourcePosition? {
        let document = Loader().load(text: text, file: "b.yaml")
        try #require(document.diagnostics.isEmpty, "\(document.diagnostics)")
        let value = try #require(document.value?["v"]?.stringValue)
        let range = try #require(value.range(of: needle))
        let offset = value.utf8.distance(from: value.startIndex, to: range.lowerBound)
        let start = try #require(document.sourceMap.exactPosition(of: "/v"))
        return BlockScalarPositions.position(ofOffset: offset, in: value, indicator: start, bytes: Array(text.utf8))
    }

    @Test(
        "maps offsets in literal scalars, whatever the chomping",
        arguments: ["|", "|-", "|+", "|-  # a comment"])
    func literal(header: String) throws {
        let text = "v: \(header)\n  ${ {\n    a: .x,\n\n    b: .y !! 1\n  } }\nw: 1\n"
        #expect(try position(of: "!!", in: text) == SourcePosition(line: 5, column: 11))
        #expect(try position(of: "a:", in: text) == SourcePosition(line: 3, column: 5))
        #expect(try position(of: "${", in: text) == SourcePosition(line: 2, column: 3))
    }

    @Test("maps offsets in folded scalars, where line breaks became spaces", arguments: [">", ">-", ">+"])
    func folded(header: String) throws {
        let text = "v: \(header)\n    ${ .items\n    | map(.price)\n\n    | add !! 0 }\n"
        #expect(try position(of: "map", in: text) == SourcePosition(line: 3, column: 7))
        #expect(try position(of: "!!", in: text) == SourcePosition(line: 5, column: 11))
    }

    @Test("keeps more-indented lines of a folded scalar and multi-byte characters in their columns")
    func moreIndented() throws {
        let text = "v: >\n  ${ \"é\"\n     + .x !! 1 }\n"
        #expect(try position(of: "!!", in: text) == SourcePosition(line: 3, column: 11))
        #expect(try position(of: "\"", in: text) == SourcePosition(line: 2, column: 6))
    }

    @Test("gives no position for a scalar with an explicit indentation indicator or for a plain scalar")
    func unmodelled() throws {
        #expect(try position(of: "!!", in: "v: |2\n   ${ . !! 1 }\n") == nil)
        #expect(try position(of: "!!", in: "v: ${ . !! 1 }\n") == nil)
    }
}
