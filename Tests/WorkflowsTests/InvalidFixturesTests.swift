import Foundation
import SwirlCompiler
import SwirlCore
import SwirlTestSupport
import Testing

/// Every invalid fixture must fail with exactly the diagnostics recorded beside it
/// (`<name>.diagnostics.txt`, rendered as `swirl validate` prints them). `SWIRL_RECORD=1`
/// rewrites the recordings.
@Suite struct InvalidFixturesTests {
    static let validator = WorkflowValidator.standard()

    @Test("there are at least fifty invalid fixtures")
    func enough() {
        #expect(FixtureFiles.invalid.count >= 50)
    }

    @Test("each invalid fixture fails with its recorded diagnostics", arguments: FixtureFiles.invalid)
    func fixture(path: String) throws {
        let result = try check(path)
        #expect(result.diagnostics.containsErrors, "\(path) is expected to be invalid")
    }

    @Test("each warning fixture is valid but warns, as recorded", arguments: FixtureFiles.warnings)
    func warningFixture(path: String) throws {
        let result = try check(path)
        #expect(!result.diagnostics.containsErrors)
        #expect(result.diagnostics.contains { $0.severity == .warning })
    }

    /// Validates the fixture and compares the rendered diagnostics with the recording beside it.
    private func check(_ path: String) throws -> WorkflowValidator.Result {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let name = (path as NSString).lastPathComponent
        let result = Self.validator.validate(bytes: bytes, file: name)
        let source = String(decoding: bytes, as: UTF8.self)
        let rendered = DiagnosticRenderer { $0 == name ? source : nil }.text(result.diagnostics)
        Golden.check(rendered, against: (path as NSString).deletingPathExtension + ".diagnostics.txt")
        return result
    }
}
