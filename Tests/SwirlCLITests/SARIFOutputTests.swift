import Foundation
import SwirlCore
import SwirlTestSupport
import Testing

/// `swirl validate --format sarif`: a SARIF 2.1.0 log that the official schema accepts, with a rule per code (its
/// help from the catalogue), each result at its start and end, and files that cannot be read reported in it; and
/// the end positions and unreadable files in the other machine-readable formats.
@Suite struct SARIFOutputTests {
    /// The Python with jsonschema that scripts/test names in `SWIRL_TEST_PYTHON` (scripts/deps installs it).
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["SWIRL_TEST_PYTHON"] ?? PackageRoot.path(".build/tools/venv/bin/python")
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    /// The SARIF 2.1.0 schema as OASIS publishes it (sarif-2.1/schema/sarif-schema-2.1.0.json of the SARIF
    /// specification's repository, errata 01), kept as a test fixture to check Swirl's output against.
    static let schema = PackageRoot.path("Tests/SwirlCLITests/Fixtures/sarif-schema-2.1.0.json")

    static let bad = """
        document: {dsl: '1.0.3', namespace: t, name: bad, version: '1.0.0'}
        do:
          - pause:
              wait: PT1M2

        """

    /// Sound for the schema, so the semantic checks run: a flow to a task that does not exist.
    static let flow = """
        document: {dsl: '1.0.3', namespace: t, name: flow, version: '1.0.0'}
        do:
          - first: {set: {a: 1}, then: nowhere}

        """

    static let good = """
        document: {dsl: '1.0.3', namespace: t, name: good, version: '1.0.0'}
        do:
          - only: {set: {a: 1}}

        """

    @Test("the SARIF log passes the SARIF 2.1.0 schema and places each result from its start to its end")
    func sarifLog() throws {
        let python = try #require(Self.python, "no Python with jsonschema: run scripts/deps")
        let scratch = try ScratchFolder()
        let bad = try scratch.write("bad.yaml", Self.bad)
        let good = try scratch.write("good.yaml", Self.good)
        let flow = try scratch.write("flow.yaml", Self.flow)
        let missing = scratch.path + "/missing.yaml"
        let result = try RunBinary.swirl(["validate", "--format", "sarif", bad, good, flow, missing])
        #expect(result.exitCode == 2, "a path that cannot be read wins: \(result.stderr)")
        let sarif = try scratch.write("out.sarif", result.stdout)

        let check = try RunBinary.run(
            python,
            [
                "-c",
                """
                import json, sys, jsonschema
                jsonschema.Draft4Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))
                """,
                Self.schema, sarif,
            ])
        #expect(check.exitCode == 0, "the log fails the SARIF schema: \(check.stderr)")

        let log = try JSON(parsing: result.stdout)
        #expect(log["version"] == "2.1.0")
        let run = try #require(log["runs"]?[0])
        #expect(run["columnKind"] == "unicodeCodePoints")
        #expect(run["invocations"]?[0]?["executionSuccessful"] == false)
        let rules = run["tool"]?["driver"]?["rules"]?.arrayValue ?? []
        let results = run["results"]?.arrayValue ?? []
        #expect(Set(results.compactMap { $0["ruleId"]?.stringValue }) == ["SWL2005", "SWL4002", "SWL1014"], "\(result.stdout)")
        for item in results {
            let index = try #require(item["ruleIndex"]?.numberValue.map { Int($0) })
            #expect(rules[index]["id"] == item["ruleId"])
            #expect(rules[index]["help"]?["text"]?.stringValue?.contains("Fix: ") == true)
        }

        let duration = try #require(results.first { $0["ruleId"] == "SWL2005" })
        let location = duration["locations"]?[0]?["physicalLocation"]
        #expect(location?["artifactLocation"]?["uri"] == .string("file://" + bad))
        #expect(location?["region"] == ["startLine": 4, "startColumn": 13, "endLine": 4, "endColumn": 18])

        let unreadable = try #require(results.first { $0["ruleId"] == "SWL1014" })
        #expect(unreadable["level"] == "error")
        #expect(unreadable["locations"]?[0]?["physicalLocation"]?["artifactLocation"]?["uri"] == .string("file://" + missing))
    }

    @Test("JSON and GitHub output carry where each diagnostic ends, and the files that cannot be read")
    func endsAndUnreadableFiles() throws {
        let scratch = try ScratchFolder()
        let bad = try scratch.write("bad.yaml", Self.bad)
        let missing = scratch.path + "/missing.yaml"

        let json = try RunBinary.swirl(["validate", "--format", "json", bad, missing])
        #expect(json.exitCode == 2)
        let diagnostics = try JSON(parsing: json.stdout).arrayValue ?? []
        #expect(
            diagnostics.contains {
                $0["code"] == "SWL2005" && $0["line"] == 4 && $0["column"] == 13 && $0["endLine"] == 4 && $0["endColumn"] == 18
            }, "\(json.stdout)")
        #expect(diagnostics.contains { $0["code"] == "SWL1014" && $0["file"] == .string(missing) }, "\(json.stdout)")

        let github = try RunBinary.swirl(["validate", "--format", "github", bad, missing])
        #expect(github.exitCode == 2)
        #expect(github.stdout.contains("line=4,endLine=4,col=13,endColumn=17,title=SWL2005::"), "\(github.stdout)")
        #expect(github.stdout.contains("::error file=\(DiagnosticRenderer.escapeProperty(missing)),title=SWL1014::"), "\(github.stdout)")
    }
}
