import Foundation
import SwirlCompiler
import SwirlCore
import SwirlSyntax
import SwirlTestSupport
import Testing

/// Every construct drawn as Mermaid and DOT, compared with the recordings in `Golden/`
/// (`SWIRL_RECORD=1` rewrites them).
@Suite struct GraphExportTests {
    static let golden = PackageRoot.path("Tests/SwirlCompilerTests/Golden")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: golden)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test("there is a graph case for every construct")
    func casesExist() {
        #expect(Self.cases.count >= 10)
    }

    @Test("draws each case as recorded", arguments: cases)
    func draws(file: String) throws {
        let path = Self.golden + "/" + file
        let result = WorkflowValidator.standard().validate(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), file: file)
        try #require(result.isValid, "\(DiagnosticRenderer().text(result.diagnostics))")
        let program = try Compiler().compile(try #require(result.document.value))
        let graph = ProgramGraph(program)
        let stem = Self.golden + "/" + (file as NSString).deletingPathExtension
        Golden.check(GraphExporter.render(graph, as: .mermaid), against: stem + ".mmd")
        Golden.check(GraphExporter.render(graph, as: .dot), against: stem + ".dot")
    }

    @Test("Graphviz renders the DOT of every example and every case without a warning")
    func graphvizRendersEveryGraph() throws {
        let dot = "/usr/bin/dot"
        try #require(FileManager.default.isExecutableFile(atPath: dot), "Graphviz is missing: run scripts/deps")
        let examples = PackageRoot.path("Workflows")
        var files = ((try? FileManager.default.contentsOfDirectory(atPath: examples)) ?? [])
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".json")) && !$0.hasSuffix(".input.json") && !$0.hasSuffix(".expected.json") }
            .map { examples + "/" + $0 }
        files += Self.cases.map { Self.golden + "/" + $0 }
        #expect(files.count > 20)
        for path in files {
            let result = WorkflowValidator.standard().validate(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), file: path)
            guard result.isValid, let document = result.document.value else { continue }
            let text = GraphExporter.render(ProgramGraph(try Compiler().compile(document)), as: .dot)
            let rendered = try RunBinary.run(dot, ["-Tsvg"], standardInput: text)
            #expect(rendered.exitCode == 0, "\(path): \(rendered.stderr)")
            #expect(rendered.stderr.isEmpty, "\(path): \(rendered.stderr)")
            #expect(rendered.stdout.contains("</svg>"), "\(path)")
        }
    }

    @Test("names and conditions are escaped for Mermaid and DOT, and long labels wrapped")
    func escapingAndWrapping() {
        #expect(GraphExporter.mermaidText("a <b> & \"c\" #1\nd") == "a #lt;b#gt; #amp; #quot;c#quot; #35;1<br/>d")
        #expect(GraphExporter.dotText("a \\N \"c\"\nd") == #""a \\N \"c\"\nd""#)
        let long = ProgramGraph.readable(String(repeating: "word ", count: 60))
        let lines = long.split(separator: "\n")
        #expect(lines.count == ProgramGraph.labelLines)
        #expect(lines.allSatisfy { $0.count <= ProgramGraph.labelWidth + 2 })
        #expect(long.hasSuffix("…"))
        #expect(ProgramGraph.readable(String(repeating: "x", count: 100)) == String(repeating: "x", count: 39) + "…")
        #expect(ProgramGraph.readable("short\nlines") == "short\nlines")
    }
}
