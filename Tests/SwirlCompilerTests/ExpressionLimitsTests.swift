import SwirlCompiler
import SwirlCore
import Testing

/// Expression limits as `swirl validate` reports them: with file, line and column.
@Suite struct ExpressionLimitsTests {
    static func chain(_ terms: Int) -> String {
        Array(repeating: ".n", count: terms).joined(separator: " + ")
    }

    @Test("validate refuses a 10,000-term expression with its file, line and column, without echoing it whole")
    func validation() throws {
        let text = """
            document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}
            do:
              - sum: {set: {n: '${ \(Self.chain(10_000)) }'}}

            """
        let result = WorkflowValidator.standard().validate(bytes: Array(text.utf8), file: "big.yaml")
        let diagnostic = try #require(result.diagnostics.first { $0.message.contains("operators") })
        #expect(result.program == nil)
        #expect(diagnostic.location?.file == "big.yaml")
        #expect(diagnostic.location?.line == 3)
        // The column of the 1,001st `+` on line 3 (all ASCII, so bytes are columns).
        let line = Array(text.split(separator: "\n")[2].utf8)
        let plus = line.indices.filter { line[$0] == UInt8(ascii: "+") }[1_000]
        #expect(diagnostic.location?.column == plus + 1)
        let rendered = ([diagnostic.message] + diagnostic.notes.map(\.message)).joined(separator: "\n")
        #expect(rendered.utf8.count < 2_000)
        #expect(diagnostic.notes.first?.message.hasPrefix("in the expression: …") == true)
    }
}
