import SwirlCore
import Testing

@Suite struct SourceMapTests {
    @Test("falls back to the nearest recorded ancestor")
    func ancestorFallback() {
        var map = SourceMap(file: "w.yaml")
        map.recordValue(at: "/do", SourcePosition(line: 2, column: 3))
        map.recordKey(at: "/do/0/a", SourcePosition(line: 3, column: 5))
        map.recordValue(at: "/do/0/a", SourcePosition(line: 3, column: 8))
        #expect(map.position(of: "/do/0/a", .key) == SourcePosition(line: 3, column: 5))
        #expect(map.position(of: "/do/0/a") == SourcePosition(line: 3, column: 8))
        #expect(map.position(of: "/do/0/a/x/y") == SourcePosition(line: 3, column: 8))
        #expect(map.position(of: "/do/7") == SourcePosition(line: 2, column: 3))
        #expect(map.position(of: "/other") == nil)
        #expect(map.location(of: "/do/0/a")?.description == "w.yaml:3:8")
    }

    @Test("locates diagnostics at the key or the value their part names")
    func locatesDiagnostics() {
        var map = SourceMap(file: "w.yaml")
        map.recordKey(at: "/a", SourcePosition(line: 1, column: 1))
        map.recordValue(at: "/a", SourcePosition(line: 1, column: 4))
        let diagnostics = map.locate([
            Diagnostic(.error, code: DiagnosticCode("T1"), message: "key", path: "/a", part: .key),
            Diagnostic(.error, code: DiagnosticCode("T2"), message: "value", path: "/a"),
            Diagnostic(.error, code: DiagnosticCode("T3"), message: "none"),
        ])
        #expect(diagnostics.map(\.location?.column) == [1, 4, nil])
    }
}
