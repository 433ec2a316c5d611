import SwirlCore
import Testing

@Suite struct DiagnosticRendererTests {
    let source = "document:\n\tname: x\n  do: [é, b]\n"

    var diagnostics: [Diagnostic] {
        [
            Diagnostic(
                .error, code: DiagnosticCode("SWL1002"), message: "duplicate key \"b\"", path: "/do/1",
                location: SourceLocation(file: "flows/a.yaml", line: 3, column: 11),
                notes: [Diagnostic.Note("first here", location: SourceLocation(file: "flows/a.yaml", line: 3, column: 8))]
            ),
            Diagnostic(
                .warning, code: DiagnosticCode("SWL4001"), message: "tab, comma: 100%", path: "/document/name",
                location: SourceLocation(file: "flows/a.yaml", line: 2, column: 2)),
            Diagnostic(.error, code: DiagnosticCode("SWL2001"), message: "no location", path: "/do"),
        ]
    }

    var renderer: DiagnosticRenderer {
        let text = source
        return DiagnosticRenderer { $0 == "flows/a.yaml" ? text : nil }
    }

    @Test("renders text with the source line and a caret under the column")
    func text() {
        #expect(
            renderer.render(diagnostics, as: .text) == """
                flows/a.yaml:3:11: error: duplicate key "b" [SWL1002]
                  do: [é, b]
                          ^
                flows/a.yaml:3:8: note: first here
                flows/a.yaml:2:2: warning: tab, comma: 100% [SWL4001]
                \tname: x
                \t^
                error: no location [SWL2001] (at /do)

                """)
    }

    @Test("colours text only when asked")
    func colours() {
        var colored = renderer
        colored.colored = true
        let output = colored.render([diagnostics[2]], as: .text)
        #expect(output == "\u{1B}[31merror:\u{1B}[0m no location [SWL2001] (at /do)\n")
        #expect(!renderer.render(diagnostics, as: .text).contains("\u{1B}"))
    }

    @Test("omits the snippet when the source is unknown")
    func unknownSource() {
        let output = DiagnosticRenderer().render([diagnostics[0]], as: .text)
        #expect(output == "flows/a.yaml:3:11: error: duplicate key \"b\" [SWL1002]\nflows/a.yaml:3:8: note: first here\n")
    }

    @Test("renders JSON that tools can parse")
    func json() throws {
        let output = renderer.render(diagnostics, as: .json)
        let parsed = try JSON(parsing: output)
        #expect(
            parsed == [
                [
                    "file": "flows/a.yaml", "line": 3, "column": 11, "severity": "error", "code": "SWL1002",
                    "message": "duplicate key \"b\"", "path": "/do/1",
                    "notes": [["message": "first here", "file": "flows/a.yaml", "line": 3, "column": 8]],
                ],
                [
                    "file": "flows/a.yaml", "line": 2, "column": 2, "severity": "warning", "code": "SWL4001",
                    "message": "tab, comma: 100%", "path": "/document/name",
                ],
                ["severity": "error", "code": "SWL2001", "message": "no location", "path": "/do"],
            ])
        #expect(renderer.render([], as: .json) == "[]\n")
    }

    @Test("renders GitHub workflow commands with escaped data and properties")
    func github() {
        #expect(
            renderer.render(diagnostics, as: .github) == """
                ::error file=flows/a.yaml,line=3,col=11,title=SWL1002::duplicate key "b"%0Aflows/a.yaml:3:8: first here
                ::warning file=flows/a.yaml,line=2,col=2,title=SWL4001::tab, comma: 100%25
                ::error title=SWL2001::no location

                """)
        let odd = Diagnostic(
            .error, code: DiagnosticCode("X"), message: "m",
            location: SourceLocation(file: "dir,x/a:b.yaml", line: 1, column: 1))
        #expect(renderer.render([odd], as: .github) == "::error file=dir%2Cx/a%3Ab.yaml,line=1,col=1,title=X::m\n")
    }

    @Test("sorts diagnostics by file, line, column and code")
    func ordering() {
        let sorted = diagnostics.sortedForReporting()
        #expect(sorted.map(\.code.rawValue) == ["SWL2001", "SWL4001", "SWL1002"])
    }
}
