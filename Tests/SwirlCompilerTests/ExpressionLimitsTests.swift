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

/// Expression errors inside block scalars are reported where they are written, not at the `|`.
@Suite struct BlockScalarLocationTests {
    @Test("validate points into a multi-line `set: |-` expression at the line and column of the error")
    func literalBlock() throws {
        let text = """
            document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}
            do:
              - shape:
                  set: |-
                    ${ {
                      total: .a,
                      count: (.items | | length)
                    } }

            """
        let result = WorkflowValidator.standard().validate(bytes: Array(text.utf8), file: "b.yaml")
        let diagnostic = try #require(result.diagnostics.first)
        #expect(diagnostic.code == CompilerDiagnostics.expressionSyntaxCode)
        let line = Array(text.split(separator: "\n", omittingEmptySubsequences: false)[6].utf8)
        let secondBar = line.indices.filter { line[$0] == UInt8(ascii: "|") }[1]
        #expect(diagnostic.location?.description == "b.yaml:7:\(secondBar + 1)")
    }

    @Test("validate points into a folded `>` expression")
    func foldedBlock() throws {
        let text = """
            document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}
            do:
              - total:
                  set:
                    sum: >-
                      ${ .items
                      | map(.price)
                      | add) }

            """
        let result = WorkflowValidator.standard().validate(bytes: Array(text.utf8), file: "b.yaml")
        let diagnostic = try #require(result.diagnostics.first)
        #expect(diagnostic.code == CompilerDiagnostics.expressionSyntaxCode)
        #expect(diagnostic.location?.line == 8)
    }
}
