import Foundation
import SwirlCompiler
import SwirlCore
import SwirlTestSupport
import Testing

/// Every workflow we show users, and every valid fixture, must validate without a single diagnostic.
@Suite struct ExamplesTests {
    static let validator = WorkflowValidator.standard()

    func diagnostics(of path: String) throws -> [Diagnostic] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return Self.validator.validate(bytes: bytes, file: (path as NSString).lastPathComponent).diagnostics
    }

    @Test("the Workflows folder has examples")
    func examplesExist() {
        #expect(FixtureFiles.examples.count >= 3)
    }

    @Test("every file in Workflows/ is valid", arguments: FixtureFiles.examples)
    func example(path: String) throws {
        let found = try diagnostics(of: path)
        #expect(found.isEmpty, "\(DiagnosticRenderer().text(found))")
    }

    /// Valid fixtures may warn (some show flows with unreachable tasks on purpose), never err.
    @Test("every valid fixture is valid", arguments: FixtureFiles.valid)
    func validFixture(path: String) throws {
        let found = try diagnostics(of: path)
        #expect(!found.containsErrors, "\(DiagnosticRenderer().text(found))")
    }
}
