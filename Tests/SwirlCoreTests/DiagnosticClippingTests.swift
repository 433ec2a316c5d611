import SwirlCore
import Testing

/// The source line under a text diagnostic stays bounded, however long the line is.
@Suite struct DiagnosticClippingTests {
    func render(_ line: String, column: Int, width: Int = 20) -> String {
        let source = line + "\n"
        let renderer = DiagnosticRenderer(lineWidth: width) { _ in source }
        let diagnostic = Diagnostic(
            .error, code: DiagnosticCode("SWL2003"), message: "m",
            location: SourceLocation(file: "a.json", line: 1, column: column))
        return renderer.render([diagnostic], as: .text)
    }

    @Test("a line within the width is shown whole")
    func shortLine() {
        #expect(render("0123456789", column: 4) == "a.json:1:4: error: m [SWL2003]\n0123456789\n   ^\n")
    }

    @Test("a long line is cut around the column with an ellipsis on each cut side")
    func middle() {
        let line = String(repeating: "abcdefghij", count: 10)
        // Column 51 is the "a" at offset 50; the window of 20 starts 10 scalars before it.
        #expect(render(line, column: 51) == "a.json:1:51: error: m [SWL2003]\n…abcdefghijabcdefghij…\n           ^\n")
    }

    @Test("at the start and the end only one side is cut")
    func edges() {
        let line = String(repeating: "abcdefghij", count: 10)
        #expect(render(line, column: 2) == "a.json:1:2: error: m [SWL2003]\nabcdefghijabcdefghij…\n ^\n")
        #expect(render(line, column: 100) == "a.json:1:100: error: m [SWL2003]\n…abcdefghijabcdefghij\n                    ^\n")
    }

    @Test("the window counts Unicode scalars and keeps tabs under the caret")
    func scalarsAndTabs() {
        let line = String(repeating: "é", count: 30) + "\tX" + String(repeating: "é", count: 30)
        #expect(render(line, column: 32, width: 4) == "a.json:1:32: error: m [SWL2003]\n…é\tXé…\n  \t^\n")
    }

    @Test("a megabyte line with many diagnostics renders quickly and small")
    func manyOnOneLine() {
        let line = String(repeating: "x", count: 1 << 20)
        let source = line
        let renderer = DiagnosticRenderer { _ in source }
        let diagnostics = (0..<200).map { index in
            Diagnostic(
                .error, code: DiagnosticCode("SWL2003"), message: "m",
                location: SourceLocation(file: "a.json", line: 1, column: 1 + index * 5000))
        }
        let started = ContinuousClock.now
        let text = renderer.render(diagnostics, as: .text)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(text.utf8.count < 200 * 300)
    }
}
