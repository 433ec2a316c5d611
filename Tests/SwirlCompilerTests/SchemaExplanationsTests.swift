import SwirlCompiler
import SwirlCore
import Testing

/// Diagnostics that say what is wrong rather than dump the schema: the DSL version, durations, documents of the
/// older DSL, task bodies at the wrong indentation, and jq functions of newer jq releases.
@Suite struct SchemaExplanationsTests {
    let validator = WorkflowValidator.standard()
    static let header = "document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}\n"

    func diagnostics(_ text: String) -> [Diagnostic] {
        validator.validate(bytes: Array(text.utf8), file: "w.yaml").diagnostics
    }

    @Test("a DSL version that is not a full semantic version is said so, without the regular expression")
    func dslVersion() {
        let found = diagnostics("document: {dsl: '1.0', namespace: t, name: t, version: '1.0.0'}\ndo:\n  - a: {set: {x: 1}}\n")
        #expect(found.count == 1)
        #expect(found.first?.code.rawValue == "SWL2005")
        #expect(found.first?.message == "the DSL version must be a full semantic version such as 1.0.3, not \"1.0\"; Swirl reads 1.0.x")
        #expect(found.first?.location?.description == "w.yaml:1:17")
    }

    @Test(
        "a duration's message names the part that is wrong",
        arguments: [
            ("PT1M2", "the 2 at the end has no unit (after T: H for hours, M for minutes, S for seconds)"),
            ("P1H", "H (hours) must come after T, as in PT1H"),
            ("PT1S2M", "M comes after S: the parts go from the largest to the smallest, each once"),
            ("P1D2D", "D comes after D: the parts go from the largest to the smallest, each once"),
            ("pt1m", "the letters must be capitals (P, T and the units)"),
            ("P", "P must be followed by at least one part, such as 1D or T30S"),
            ("PT", "T must be followed by hours, minutes or seconds (such as T30S)"),
            ("P1.D", "1. is not a number (write 1.5, not 1.)"),
            ("1D", "a duration starts with P (for example PT30S or P1D)"),
            ("PTM", "\"M\" at position 3 has no number before it"),
            ("P1X", "\"X\" is not a unit before T (Y, M, W or D)"),
        ])
    func duration(text: String, problem: String) {
        let found = diagnostics(Self.header + "do:\n  - pause: {wait: \(text)}\n")
        #expect(found.map(\.message) == ["\"\(text)\" is not an ISO 8601 duration: \(problem)"], "\(found)")
        #expect(found.first?.location?.description == "w.yaml:3:19")
    }

    @Test("a Serverless Workflow 0.8 document gets one error saying so")
    func olderDSL() {
        let found = diagnostics(
            "id: greeting\nversion: '1.0'\nspecVersion: '0.8'\nstart: Greet\nstates:\n  - name: Greet\n    type: inject\n    end: true\n")
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.code.rawValue == "SWL2015")
        #expect(found.first?.message.hasPrefix("this is a Serverless Workflow 0.8 document") == true)
        #expect(found.first?.location?.description == "w.yaml:3:1")
    }

    @Test("a task body at the indentation of the task name gets one error: indent it under the name")
    func misindentedBody() {
        let found = diagnostics(Self.header + "do:\n  - greet:\n    set:\n      message: hello\n  - fine: {set: {a: 1}}\n")
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.code.rawValue == "SWL2016")
        #expect(found.first?.message.contains("indent `set:` (and the lines under it) under the task name") == true)
        #expect(found.first?.location?.description == "w.yaml:4:5")

        let nested = diagnostics(
            Self.header + "do:\n  - each:\n      for: {in: '${ [1] }'}\n      do:\n        - inner:\n          call: http\n          with: {method: get, endpoint: 'http://x'}\n")
        #expect(nested.map(\.code.rawValue) == ["SWL2016"], "\(nested)")
        #expect(nested.first?.location?.description == "w.yaml:7:11")
    }

    @Test("jq 1.7.1's functions validate; one of a newer jq is named as such, with what to write in jq 1.7.1")
    func newerJQ() {
        let current = diagnostics(
            Self.header + "do:\n  - a: {set: {x: '${ .name | trim }', y: '${ .n | toarray | pick(.[0]) | abs }'}}\n")
        #expect(current.isEmpty, "\(current)")
        let found = diagnostics(Self.header + "do:\n  - a: {set: {x: '${ .name | trimstr(\" \") }'}}\n  - b: {set: {y: '${ add(.[]) }'}}\n")
        #expect(found.count == 2, "\(found)")
        #expect(
            found.first?.message
                == "invalid jq expression: undefined function 'trimstr/1': it is a builtin of jq 1.8, and Swirl's expressions are jq 1.7.1; instead, write `ltrimstr(S) | rtrimstr(S)`",
            "\(found)")
        #expect(found.last?.message.contains("undefined function 'add/1'") == true, "\(found)")
        // A misspelt function keeps its suggestion.
        #expect(diagnostics(Self.header + "do:\n  - a: {set: {x: '${ .a | lenght }'}}\n").first?.message.contains("did you mean 'length'") == true)
    }
}
