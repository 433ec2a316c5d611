import Foundation
import SwirlCompiler
import SwirlCore
import SwirlTestSupport
import Testing

/// The catalogue behind `swirl explain`: complete, and each example really reports its code.
@Suite struct DiagnosticCatalogueTests {
    /// Every code a stage defines, read from the sources (`DiagnosticCode("SWL…")`).
    static func definedCodes() throws -> Set<String> {
        var codes: Set<String> = []
        let root = PackageRoot.path("Sources")
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        let pattern = try NSRegularExpression(pattern: #"DiagnosticCode\("(SWL[0-9]{4})"\)"#)
        for file in files {
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range(at: 1), in: text) { codes.insert(String(text[range])) }
            }
        }
        return codes
    }

    @Test("every code the stages define is in the catalogue once, and the catalogue has no other")
    func complete() throws {
        let defined = try Self.definedCodes()
        #expect(defined.count > 30)
        let listed = DiagnosticCatalogue.entries.map(\.code.rawValue)
        #expect(Set(listed) == defined)
        #expect(listed.count == Set(listed).count)
        #expect(Set(DiagnosticCatalogue.entries.map(\.name)).count == listed.count)
        for entry in DiagnosticCatalogue.entries {
            #expect(!entry.summary.isEmpty && !entry.explanation.isEmpty && !entry.fix.isEmpty, "\(entry.code)")
        }
    }

    @Test("each example, validated, reports the code it illustrates")
    func examplesReportTheirCode() {
        let validator = WorkflowValidator.standard()
        for entry in DiagnosticCatalogue.entries {
            guard let example = entry.example else { continue }
            let result = validator.validate(bytes: Array(example.utf8), file: "example.yaml")
            let codes = result.diagnostics.map(\.code.rawValue)
            #expect(codes.contains(entry.code.rawValue), "\(entry.code): the example reports \(codes)\n\(example)")
        }
    }

    @Test("codes are found whatever their case")
    func lookUp() {
        #expect(DiagnosticCatalogue.entry("swl4002")?.name == "unknown-flow-target")
        #expect(DiagnosticCatalogue.entry("SWL9999") == nil)
    }
}
