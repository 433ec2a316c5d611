import Foundation
import SwirlCore
import SwirlSyntax
import Testing

/// Positions of loader and schema problems, and the one bounded reader every input goes through.
@Suite struct DiagnosticLimitsTests {
    @Test("a NUL byte in YAML is reported where it is, not at 1:1")
    func nulPosition() throws {
        let document = Loader().load(bytes: Array("document:\n  name: a\u{0}b\n".utf8), file: "w.yaml")
        let diagnostic = try #require(document.diagnostics.first)
        #expect(document.diagnostics.count == 1)
        #expect(diagnostic.code == SyntaxDiagnostics.yamlSyntaxCode)
        #expect(diagnostic.location?.description == "w.yaml:2:10")
        #expect(diagnostic.message.contains("U+0000"))
        // After multi-byte characters the column still counts Unicode scalars.
        let wide = Loader().load(bytes: Array("a: é\u{0}\n".utf8), file: "w.yaml")
        #expect(wide.diagnostics.first?.location?.description == "w.yaml:1:5")
        // In JSON the parser reports it where it is too.
        let json = Loader().load(bytes: Array("{\"a\":\n \"x\u{0}\"}".utf8), file: "w.json")
        #expect(json.diagnostics.first?.location?.description == "w.json:2:4")
    }

    @Test("a missing required property points at the key that owns the object")
    func missingPropertyAtOwningKey() throws {
        let text = """
            document:
              namespace: t
              name: t
              version: '1.0.0'
            do:
              - a:
                  call: http
                  with:
                    endpoint: https://example.com

            """
        let document = Loader().load(text: text, file: "w.yaml")
        let value = try #require(document.value)
        let located = document.sourceMap.locate(WorkflowSchema.compiled.diagnostics(for: value))
        let missingDSL = try #require(located.first { $0.message == "missing required property \"dsl\"" })
        #expect(missingDSL.location?.description == "w.yaml:1:1")
        let missingMethod = try #require(located.first { $0.message == "missing required property \"method\"" })
        #expect(missingMethod.location?.description == "w.yaml:8:7")
        // In a flow mapping too, the key, not the brace.
        let flow = Loader().load(text: "document: {namespace: t, name: t, version: '1'}\ndo: []\n", file: "f.yaml")
        let flowLocated = flow.sourceMap.locate(WorkflowSchema.compiled.diagnostics(for: try #require(flow.value)))
        #expect(
            flowLocated.first { $0.message == "missing required property \"dsl\"" }?.location?.description == "f.yaml:1:1")
    }

    @Test("the reader stops at the cap, names the source and the limit, and refuses directories")
    func boundedReader() throws {
        let started = ContinuousClock.now
        #expect {
            try InputReader.read(.file("/dev/zero"), limit: 1 << 20)
        } throws: { error in
            "\(error)" == "cannot read /dev/zero: it holds more than 1 MiB (1048576 bytes), the limit for a file Swirl reads"
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(InputReader.maxBytes == 16 << 20)
        #expect {
            try InputReader.read(.file(NSTemporaryDirectory()))
        } throws: { error in
            "\(error)".hasSuffix(": it is a directory, not a file")
        }
        #expect {
            try InputReader.read(.file("/nonexistent/x.yaml"))
        } throws: { error in
            "\(error)" == "cannot read /nonexistent/x.yaml: no such file"
        }
        let path = NSTemporaryDirectory() + "swirl-reader-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(repeating: 0x61, count: 1000).write(to: URL(fileURLWithPath: path))
        #expect(try InputReader.read(.file(path), limit: 1000).count == 1000)
        #expect(throws: Loader.ReadError.self) { try InputReader.read(.file(path), limit: 999) }
    }
}
