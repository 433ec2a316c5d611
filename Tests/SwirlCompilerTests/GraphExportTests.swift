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
}
