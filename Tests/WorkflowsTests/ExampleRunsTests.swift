import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import SwirlTestSupport
import Testing

/// Runs the example workflows in `Workflows/`. Every `<name>.yaml` (or `.yml`, `.json`) with a
/// `<name>.expected.json` beside it is validated, compiled and run on a manual clock, with
/// `<name>.input.json` as its input (`{}` when there is none), and must complete with exactly
/// the expected output.
@Suite struct ExampleRunsTests {
    static let folder = PackageRoot.path("Workflows")
    static let expectedSuffix = ".expected.json"
    static let inputSuffix = ".input.json"

    static var fileNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// Whether a file in the folder holds data for an example rather than a workflow.
    static func isData(_ name: String) -> Bool {
        name.hasSuffix(expectedSuffix) || name.hasSuffix(inputSuffix)
    }

    /// The name of an example: its file name without the extension.
    static func stem(_ name: String) -> String {
        (name as NSString).deletingPathExtension
    }

    /// The workflow files, as names inside the folder.
    static var workflowFiles: [String] {
        fileNames.filter {
            !isData($0) && !WorkflowDirectory.isCompanion($0)
                && WorkflowDirectory.extensions.contains(($0 as NSString).pathExtension.lowercased())
        }
    }

    /// The workflows that have an expected output, as names inside the folder.
    static var examples: [String] {
        let names = Set(fileNames)
        return workflowFiles.filter { names.contains(stem($0) + expectedSuffix) }
    }

    static func readJSON(_ name: String) throws -> JSON {
        let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
        return try JSON(parsing: text)
    }

    @Test("at least ten examples have an expected output")
    func enough() {
        #expect(Self.examples.count >= 10, "\(Self.examples)")
    }

    @Test("every expected output and every input belongs to a workflow")
    func noOrphans() {
        let stems = Set(Self.workflowFiles.map(Self.stem))
        for name in Self.fileNames where Self.isData(name) {
            let suffix = name.hasSuffix(Self.expectedSuffix) ? Self.expectedSuffix : Self.inputSuffix
            let example = String(name.dropLast(suffix.count))
            #expect(stems.contains(example), "\(name) has no workflow \(example).yaml beside it")
        }
    }

    @Test("each example completes with its expected output", arguments: examples)
    func example(file: String) async throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/" + file)))
        let validated = WorkflowValidator.standard().validate(bytes: bytes, file: file)
        try #require(!validated.diagnostics.containsErrors, "\(DiagnosticRenderer().text(validated.diagnostics))")
        let document = try #require(validated.document.value)
        let program = try Compiler().compile(document)

        let name = Self.stem(file)
        let hasInput = FileManager.default.fileExists(atPath: Self.folder + "/" + name + Self.inputSuffix)
        let input = hasInput ? try Self.readJSON(name + Self.inputSuffix) : .object([:])
        let expected = try Self.readJSON(name + Self.expectedSuffix)

        let outcome = try await Self.run(program, input: input)
        #expect(outcome == .completed(expected), "\(file): got \(outcome), expected \(expected.serialized())")
    }

    /// Runs an example with the activities `swirl run` has that need no network: processes,
    /// events within the run, and sub-workflows from the Workflows folder.
    @WorkerActor
    static func run(_ program: Program, input: JSON) async throws -> RunOutcome {
        let clock = ManualClock()
        let store = MemoryStore(clock: clock)
        let bus = EventBus()
        let catalog = DefinitionCatalog(
            WorkflowDirectory.workflowFiles(under: PackageRoot.path("Workflows")).compactMap { path in
                let bytes = [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
                return WorkflowValidator.standard().validate(bytes: bytes, file: path).program
            })
        let interpreter = try Interpreter(
            program: program, store: store, clock: clock, activities: .local(), catalog: catalog, events: bus)
        return try await interpreter.run(input: input, runID: "example")
    }
}
