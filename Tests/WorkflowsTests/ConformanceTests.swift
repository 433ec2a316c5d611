import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import SwirlTestSupport
import Testing

/// Runtime conformance cases, as data: each file in `Conformance/` holds a `workflow`, its
/// `input`, and what must come out: `expect.output` exactly, or `expect.error` whose given
/// fields must match the run's error.
@Suite struct ConformanceTests {
    static let folder = PackageRoot.path("Tests/WorkflowsTests/Conformance")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test("there are conformance cases for every construct")
    func enough() {
        #expect(Self.cases.count >= 40)
    }

    @Test("each case gives its expected output or error", arguments: cases)
    func conformance(file: String) async throws {
        let loaded = Loader().load(text: try String(contentsOfFile: Self.folder + "/" + file, encoding: .utf8), file: file)
        let testCase = try #require(loaded.value, "\(loaded.diagnostics)")
        let workflow = try #require(testCase["workflow"])
        let expect = try #require(testCase["expect"])

        let text = workflow.serialized(.pretty)
        let validated = WorkflowValidator.standard().validate(bytes: Array(text.utf8), file: file)
        try #require(!validated.diagnostics.containsErrors, "\(DiagnosticRenderer().text(validated.diagnostics))")
        let program = try Compiler().compile(workflow)

        let outcome = try await Self.run(program, input: testCase["input"] ?? .null)
        if let output = expect["output"] {
            #expect(outcome == .completed(output))
        } else if let expected = expect["error"] {
            guard case .faulted(let error) = outcome else {
                Issue.record("expected an error, got \(outcome)")
                return
            }
            if let type = expected["type"]?.stringValue { #expect(WorkflowError.typesMatch(type, error.type), "\(error)") }
            if let status = expected["status"]?.numberValue { #expect(error.status == Int(status), "\(error)") }
            if let instance = expected["instance"]?.stringValue { #expect(error.instance == instance, "\(error)") }
            if let title = expected["title"]?.stringValue { #expect(error.title == title, "\(error)") }
            if let detail = expected["detail"]?.stringValue { #expect(error.detail == detail, "\(error)") }
        } else {
            Issue.record("\(file) expects neither an output nor an error")
        }
    }

    @WorkerActor
    static func run(_ program: Program, input: JSON) async throws -> RunOutcome {
        let clock = ManualClock()
        let interpreter = try Interpreter(program: program, store: MemoryStore(clock: clock), clock: clock)
        return try await interpreter.run(input: input, runID: "conformance")
    }
}
