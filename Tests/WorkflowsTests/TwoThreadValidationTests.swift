import Foundation
@testable import SwirlCompiler
import SwirlCore
@testable import SwirlSyntax
import Testing

/// A large document is read and checked on two threads (libyaml parsing ahead of the loader;
/// the schema and structural checks beside the compiler's walk), and `swirl validate` checks
/// without building the program. These tests validate documents every way and expect the same
/// result, and the same activity tasks as the built program's nodes.
@Suite struct TwoThreadValidationTests {
    /// The standard validator, on one thread or on two whatever the document's size.
    static func validator(twoThreads: Bool) -> WorkflowValidator {
        var validator = WorkflowValidator.standard()
        validator.loader.parseAheadFromBytes = twoThreads ? 0 : .max
        validator.parallelFromBytes = twoThreads ? 0 : .max
        return validator
    }

    @discardableResult
    static func expectSameResult(_ text: String, file: String) -> WorkflowValidator.Result {
        expectSameResult(bytes: Array(text.utf8), file: file)
    }

    /// Validates `bytes` on one thread and on two, expects the same, and returns the result.
    @discardableResult
    static func expectSameResult(bytes: [UInt8], file: String) -> WorkflowValidator.Result {
        let one = validator(twoThreads: false).validate(bytes: bytes, file: file)
        let two = validator(twoThreads: true).validate(bytes: bytes, file: file)
        #expect(two.diagnostics == one.diagnostics, "\(file)")
        #expect((two.program == nil) == (one.program == nil), "\(file)")
        #expect(two.program?.expressions == one.program?.expressions, "\(file)")
        #expect(two.document.value == one.document.value, "\(file)")
        #expect(two.activities == one.activities, "\(file)")
        #expect(two.shellTasks == one.shellTasks, "\(file)")
        if let program = one.program {
            #expect(Set(one.activities) == activities(of: program), "\(file)")
            #expect(Set(one.activities).count == one.activities.count, "\(file)")
        } else {
            #expect(one.activities.isEmpty, "\(file)")
        }
        // Without the program (as `swirl validate` checks), the same diagnostics and activity tasks.
        for twoThreads in [false, true] {
            let checked = validator(twoThreads: twoThreads).validate(bytes: bytes, file: file, buildingProgram: false)
            #expect(checked.diagnostics == one.diagnostics, "\(file)")
            #expect(checked.program == nil)
            #expect(checked.activities == one.activities, "\(file)")
            #expect(checked.shellTasks == one.shellTasks, "\(file)")
        }
        return one
    }

    /// The activity tasks in `program`'s nodes, as ``WorkflowValidator/Result/activities`` reports them.
    static func activities(of program: Program) -> Set<ActivitySite> {
        var found: Set<ActivitySite> = []
        for scope in program.scopes {
            for node in scope.nodes {
                if case .activity(let call) = node.kind { found.insert(ActivitySite(kind: call.kind, pointer: node.pointer)) }
            }
        }
        return found
    }

    @Test("every example and fixture gives the same result on two threads as on one")
    func fixtures() throws {
        let files = FixtureFiles.examples + FixtureFiles.valid + FixtureFiles.invalid + FixtureFiles.warnings
        #expect(files.count > 20)
        for file in files {
            let bytes = try #require(FileManager.default.contents(atPath: file))
            Self.expectSameResult(bytes: Array(bytes), file: file)
        }
    }

    static let header = """
        document: {dsl: '1.0.3', namespace: t, name: big, version: '1.0.0'}
        use:
          functions:
            normalize:
              set:
                value: ${ .value }
        do:

        """

    /// `count` tasks of several kinds, each with expressions, about 250 bytes apiece.
    static func tasks(_ count: Int, from first: Int = 0) -> String {
        var text = ""
        for index in first..<(first + count) {
            switch index % 4 {
            case 0:
                text += "  - set\(index):\n      set:\n        total: ${ .items | map(.price) | add }\n        label: plain text \(index)\n"
            case 1:
                text += "  - wait\(index):\n      wait: PT\(index % 60 + 1)S\n"
            case 2:
                text += "  - loop\(index):\n      for:\n        each: line\n        in: .lines\n      do:\n        - inner\(index):\n            set:\n              seen: ${ $line.id }\n"
            default:
                text += "  - call\(index):\n      call: normalize\n      with:\n        value: ${ .value + \(index) }\n      then: continue\n"
            }
        }
        return text
    }

    /// Large documents, valid and with problems at every stage, by name.
    static let largeCases: [String: String] = {
        var cases: [String: String] = [:]
        cases["valid"] = tasks(3000)
        cases["a duplicate key near the end"] = tasks(2900) + "  - dup:\n      wait: PT1S\n      wait: PT2S\n" + tasks(50, from: 5000)
        cases["a syntax error near the end"] = tasks(2950) + "  - broken:\n      set: {a: [1, 2}\n"
        let quote = "  - quote:\n      set:\n        a: \"never closed\n"
        cases["an unclosed quote"] = tasks(1500) + quote + tasks(10, from: 7000)
        cases["a schema error in the middle"] = tasks(1500) + "  - odd:\n      wait: 12\n" + tasks(1500, from: 6000)
        let flow = "  - flow:\n      wait: PT1S\n      then: nowhere\n  - jq:\n      set:\n        x: ${ .a | }\n"
        cases["semantic errors"] = tasks(1500) + flow + tasks(1500, from: 6000)
        // Problems inside the bodies of root tasks far apart, which the two threads share between them.
        let nested = { (index: Int) in
            "  - nested\(index):\n      do:\n        - a\(index):\n            wait: PT1S\n            then: nowhere\(index)\n"
                + "        - b\(index): {call: missing\(index)}\n"
        }
        cases["semantic errors inside tasks throughout"] =
            nested(0) + tasks(700) + nested(1) + tasks(1500, from: 3000) + nested(2) + tasks(900, from: 6000) + nested(3)
        cases["a second document"] = tasks(2000) + "---\nsecond: document\n" + tasks(100, from: 9000)
        let deep = "  - deep:\n      set:\n        x: " + String(repeating: "[", count: 300) + "\n"
        cases["nesting too deep"] = tasks(2000) + deep
        cases["an unknown alias"] = tasks(2000) + "  - alias:\n      set:\n        x: *nowhere\n"
        cases["a tag"] = tasks(2000) + "  - tagged:\n      set:\n        x: !!int seven\n" + tasks(10, from: 9000)
        return cases
    }()

    @Test(
        "large documents, valid and with problems at every stage, give the same result on two threads",
        arguments: largeCases.keys.sorted())
    func largeDocuments(name: String) throws {
        let result = Self.expectSameResult(Self.header + (try #require(Self.largeCases[name])), file: "big.yaml")
        // Each problem is found (so the comparison is about something).
        #expect(result.isValid == (name == "valid"), "\(result.diagnostics)")
    }

    @Test("a large JSON document gives the same result on two threads")
    func largeJSON() throws {
        let yaml = WorkflowValidator.standard().loader.load(text: Self.header + Self.tasks(2000), file: "big.yaml")
        let json = try #require(yaml.value).serialized()
        Self.expectSameResult(json, file: "big.json")
    }
}
