import Foundation
import SwirlCore
import SwirlTestSupport
import Testing

/// Runs the built `swirl` as a user would and checks what it prints and how it exits.
@Suite struct EndToEndTests {
    /// A scratch directory of workflow files, removed when the test ends.
    final class Scratch {
        let path: String

        init(files: [String: String]) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("swirl-e2e-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for (name, content) in files {
                let url = URL(fileURLWithPath: path + "/" + name)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(content.utf8).write(to: url)
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    static let duplicateKey = "document:\n  name: a\n  name: b\n"
    static let valid = "document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}\ndo:\n  - a: {set: {x: 1}}\n"
    static let unreachable = """
        document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}
        do:
          - a: {set: {x: 1}, then: end}
          - b: {set: {x: 2}}

        """

    @Test("prints its version, the commit it was built from and the DSL versions it reads")
    func version() throws {
        let result = try RunBinary.swirl(["--version"])
        #expect(result.exitCode == 0)
        let head = try? RunBinary.run("/usr/bin/git", ["-C", PackageRoot.path, "rev-parse", "--short=12", "HEAD"])
        let commit = head.flatMap { $0.exitCode == 0 ? $0.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil } ?? "unknown"
        #expect(result.stdout.hasPrefix("swirl \(SwirlVersion.current) (commit \(commit)"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("; reads Serverless Workflow DSL \(SwirlVersion.supportedDSL)\n"), "\(result.stdout)")
    }

    @Test("prints help on stdout and exits 0")
    func help() throws {
        let result = try RunBinary.swirl(["--help"])
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("validate"))
        #expect(result.stdout.contains("Exit status"))
        #expect(try RunBinary.swirl(["validate", "--help"]).stdout.contains("--format"))
    }

    @Test("validates the example workflows")
    func validatesExamples() throws {
        let result = try RunBinary.swirl(["validate", "Workflows/"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stderr == "")
        #expect(result.stdout.hasSuffix("files: 0 errors, 0 warnings\n"))
    }

    @Test("reports a problem with file, line, column, source line and caret, and exits 1")
    func reportsText() throws {
        let scratch = try Scratch(files: ["bad.yaml": Self.duplicateKey])
        let result = try RunBinary.swirl(["validate", "bad.yaml"], directory: scratch.path)
        #expect(result.exitCode == 1)
        #expect(
            result.stderr == """
                bad.yaml:3:3: error: duplicate key "name" in a mapping; each key may appear only once [SWL1002]
                  name: b
                  ^
                bad.yaml:2:3: note: "name" is first defined here

                """)
        #expect(result.stdout == "1 file: 1 error, 0 warnings\n")
    }

    @Test("reports JSON on stdout")
    func reportsJSON() throws {
        let scratch = try Scratch(files: ["bad.yaml": Self.duplicateKey, "good.yaml": Self.valid])
        let result = try RunBinary.swirl(["validate", "--format", "json", "bad.yaml", "good.yaml"], directory: scratch.path)
        #expect(result.exitCode == 1)
        #expect(result.stderr == "")
        let diagnostics = try JSON(parsing: result.stdout)
        #expect(diagnostics.arrayValue?.count == 1)
        #expect(diagnostics[0]?["file"] == "bad.yaml")
        #expect(diagnostics[0]?["line"] == 3)
        #expect(diagnostics[0]?["column"] == 3)
        #expect(diagnostics[0]?["code"] == "SWL1002")
        #expect(diagnostics[0]?["path"] == "/document/name")

        let clean = try RunBinary.swirl(["validate", "--format", "json", "good.yaml"], directory: scratch.path)
        #expect(clean.exitCode == 0)
        #expect(clean.stdout == "[]\n")
    }

    @Test("reports GitHub annotations on stdout")
    func reportsGitHub() throws {
        let scratch = try Scratch(files: ["bad.yaml": Self.duplicateKey])
        let result = try RunBinary.swirl(["validate", "--format", "github", "bad.yaml"], directory: scratch.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.hasPrefix("::error file=bad.yaml,line=3,col=3,title=SWL1002::duplicate key"))
    }

    @Test("finds workflow files in directories recursively, skipping hidden ones and other extensions")
    func directories() throws {
        // Broken workflows (they name a dsl), so that each one checked is reported.
        let scratch = try Scratch(files: [
            "a.yaml": Self.valid, "nested/b.yml": "dsl: [\n", "nested/deeper/c.json": "{\"dsl\": }",
            "notes.txt": "dsl: [yaml", ".hidden/d.yaml": "dsl: [", "nested/.e.yaml": "dsl: [",
        ])
        let result = try RunBinary.swirl(["validate", "--format", "json", "."], directory: scratch.path)
        #expect(result.exitCode == 1)
        let files = try JSON(parsing: result.stdout).arrayValue?.compactMap { $0["file"]?.stringValue }
        #expect(files == ["./nested/b.yml", "./nested/deeper/c.json"])
    }

    @Test("reads standard input for '-'")
    func standardInput() throws {
        let result = try RunBinary.swirl(["validate", "-"], standardInput: "a: [1,\n")
        #expect(result.exitCode == 1)
        #expect(result.stderr.hasPrefix("<stdin>:1:4: error: YAML syntax error"))
        let good = try RunBinary.swirl(["validate", "-"], standardInput: Self.valid)
        #expect(good.exitCode == 0)
    }

    @Test("exits 2 for a path that does not exist, after checking the others")
    func missingPath() throws {
        let scratch = try Scratch(files: ["bad.yaml": Self.duplicateKey])
        let result = try RunBinary.swirl(["validate", "bad.yaml", "missing.yaml"], directory: scratch.path)
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("bad.yaml:3:3: error"))
        #expect(result.stderr.contains("swirl: error: cannot read missing.yaml: no such file or directory"))
    }

    @Test(
        "exits 2 for usage errors",
        arguments: [["validate"], ["validate", "--format", "xml", "a.yaml"], ["frobnicate"], ["--bogus"]])
    func usageErrors(arguments: [String]) throws {
        let result = try RunBinary.swirl(arguments)
        #expect(result.exitCode == 2)
        #expect(result.stdout == "")
        #expect(result.stderr.contains("Error:") || result.stderr.contains("Usage:"))
    }

    @Test("colours text only when asked")
    func colour() throws {
        let scratch = try Scratch(files: ["bad.yaml": Self.duplicateKey])
        let plain = try RunBinary.swirl(["validate", "bad.yaml"], directory: scratch.path)
        #expect(!plain.stderr.contains("\u{1B}["))
        let colored = try RunBinary.swirl(["validate", "--color", "always", "bad.yaml"], directory: scratch.path)
        #expect(colored.stderr.contains("\u{1B}[31merror:"))
    }

    @Test("fails on warnings only with --strict, and hides them with --quiet")
    func strictAndQuiet() throws {
        let scratch = try Scratch(files: ["flow.yaml": Self.unreachable])
        let plain = try RunBinary.swirl(["validate", "flow.yaml"], directory: scratch.path)
        #expect(plain.exitCode == 0)
        #expect(plain.stderr.contains("flow.yaml:4:5: warning: task \"b\" can never run"))
        #expect(plain.stdout == "1 file: 0 errors, 1 warning\n")

        let strict = try RunBinary.swirl(["validate", "--strict", "flow.yaml"], directory: scratch.path)
        #expect(strict.exitCode == 1)

        let quiet = try RunBinary.swirl(["validate", "--quiet", "flow.yaml"], directory: scratch.path)
        #expect(quiet.exitCode == 0)
        #expect(quiet.stderr == "")
        #expect(quiet.stdout == "")
    }

    @Test("reports schema and semantic problems with their positions")
    func schemaAndSemantics() throws {
        let scratch = try Scratch(files: [
            "flow.yaml": """
                document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}
                do:
                  - fetch:
                      call: http
                      with:
                        methd: get
                        endpoint: https://example.com
                  - next: {set: {x: 1}, then: fetchh}

                """
        ])
        let result = try RunBinary.swirl(["validate", "flow.yaml"], directory: scratch.path)
        #expect(result.exitCode == 1)
        #expect(result.stderr.hasPrefix("flow.yaml:6:9: error: unknown property \"methd\"; did you mean \"method\"? [SWL2003]"))
    }

    @Test("walking a folder checks only workflows, says how many other files it skipped, and leaves out --exclude globs")
    func validateChoosesWorkflows() throws {
        let scratch = try Scratch(files: [
            "flow.yaml": Self.valid,
            "vendor/flow.yaml": Self.unreachable,
            "broken.yaml": "document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'\ndo: []\n",
            "k8s/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n",
            "k8s/chart.yaml": "{{ .Values.name }}: [\n",
            "package.json": #"{"name": "app", "version": "1.0.0"}"#,
        ])
        let walked = try RunBinary.swirl(["validate", "."], directory: scratch.path)
        #expect(walked.exitCode == 1)
        // The broken workflow (it names a dsl) and the unreachable task are reported; the others are not workflows.
        #expect(walked.stderr.contains("broken.yaml:1:11: error"), "\(walked.stderr)")
        #expect(walked.stderr.contains("vendor/flow.yaml"), "\(walked.stderr)")
        #expect(!walked.stderr.contains("pod.yaml") && !walked.stderr.contains("package.json") && !walked.stderr.contains("chart.yaml"))
        #expect(walked.stdout.hasSuffix("3 files skipped (no workflow: no document.dsl)\n"), "\(walked.stdout)")
        let excluded = try RunBinary.swirl(
            ["validate", ".", "--exclude", "vendor/*", "--exclude", "broken.yaml"], directory: scratch.path)
        #expect(excluded.exitCode == 0, "\(excluded.stderr)")
        #expect(excluded.stdout.hasPrefix("1 file: 0 errors"), "\(excluded.stdout)")
        // A file named on the command line is always checked, and not excluded.
        let named = try RunBinary.swirl(["validate", "k8s/pod.yaml", "--exclude", "*.yaml"], directory: scratch.path)
        #expect(named.exitCode == 1)
        #expect(named.stderr.contains("k8s/pod.yaml:1:1: error: missing required property \"do\""), "\(named.stderr)")
    }

    @Test("prints the embedded schema")
    func schema() throws {
        let result = try RunBinary.swirl(["schema"])
        #expect(result.exitCode == 0)
        let schema = try JSON(parsing: result.stdout)
        #expect(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema")
        #expect(result.stdout == (try String(contentsOfFile: PackageRoot.path("Schema/workflow.schema.json"), encoding: .utf8)))
    }

    @Test("a run waiting for an approval continues when swirl emit, another process, stores the matching event")
    func approvalThroughEmit() async throws {
        let scratch = try Scratch(files: [:])
        let database = scratch.path + "/runs.db"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RunBinary.swirlPath)
        process.arguments = [
            "run", PackageRoot.path("Workflows/expense-approval.yaml"), "--input", #"{"id": "EXP-42", "amount": 120}"#,
            "--output", "json",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["SWIRL_DB"] = "sqlite:" + database
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let stdoutURL = URL(fileURLWithPath: scratch.path + "/stdout")
        let stderrURL = URL(fileURLWithPath: scratch.path + "/stderr")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // Wait (bounded) until the run listens, then send a decision for another expense and one for this one.
        func stderrText() -> String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
        for _ in 0..<600 where !stderrText().contains("awaitDecision started") {
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(stderrText().contains("awaitDecision started"), "\(stderrText())")
        for (expense, by) in [("EXP-7", "eve"), ("EXP-42", "dana")] {
            let sent = try RunBinary.swirl(
                [
                    "emit", "--type", "com.example.expense.decision", "--source", "https://example.com/approvals",
                    "--data", #"{"expense": "\#(expense)", "approved": true, "by": "\#(by)"}"#,
                ],
                environment: ["SWIRL_DB": "sqlite:" + database])
            #expect(sent.exitCode == 0, "\(sent.stderr)")
            // The listen correlates decisions with its expense: only the run can tell whether this one is its.
            #expect(sent.stderr.contains("the event matched no waiting run; 1 more may take it"), "\(sent.stderr)")
        }
        for _ in 0..<600 where process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(!process.isRunning, "the run did not finish: \(stderrText())")
        #expect(process.terminationStatus == 0, "\(stderrText())")
        let output = try JSON(parsing: try String(contentsOf: stdoutURL, encoding: .utf8))
        #expect(output == ["expense": "EXP-42", "approved": true, "decidedBy": "dana"])
    }

    @Test("a faulted run prints its error as problem details on stderr and exits 1")
    func faultedRun() throws {
        let scratch = try Scratch(files: [
            "fail.yaml": """
                document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}
                do:
                  - boom: {raise: {error: {type: 'https://example.com/errors/boom', status: 418, title: Boom}}}

                """
        ])
        let result = try RunBinary.swirl(["run", "fail.yaml", "--quiet"], directory: scratch.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout == "")
        let error = try JSON(parsing: result.stderr)
        #expect(error == ["type": "https://example.com/errors/boom", "status": 418, "title": "Boom", "instance": "/do/0/boom"])
    }

    @Test("runs a workflow and prints its output, with a line per task phase on stderr")
    func runsWorkflow() throws {
        let result = try RunBinary.swirl(["run", "Workflows/hello.yaml", "--input", #"{"name": "Ada"}"#, "--output", "json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == #"{"greeting":"Hello, Ada!"}"# + "\n")
        #expect(result.stderr.contains("swirl: /do/0/greet started"))
        #expect(result.stderr.contains("swirl: /do/0/greet completed in"))
    }

    @Test("an --events file that cannot be written is refused before the run starts, with exit 2", arguments: [false, true])
    func unwritableEventsFile(ephemeral: Bool) throws {
        let scratch = try Scratch(files: [:])
        let file = scratch.path + "/missing-folder/lifecycle.jsonl"
        let result = try RunBinary.swirl(
            ["run", "Workflows/hello.yaml", "--quiet", "--events", file] + (ephemeral ? ["--ephemeral"] : []),
            directory: PackageRoot.path, environment: ["SWIRL_DB": "sqlite:" + scratch.path + "/runs.db"])
        #expect(result.exitCode == 2, "\(result.stderr)")
        #expect(result.stderr.contains("cannot write " + file), "\(result.stderr)")
        #expect(result.stdout == "")
    }

    @Test("writes the run's lifecycle CloudEvents as JSON lines with --events")
    func lifecycleEvents() throws {
        let scratch = try Scratch(files: [:])
        let file = scratch.path + "/lifecycle.jsonl"
        let result = try RunBinary.swirl(["run", "Workflows/hello.yaml", "--quiet", "--events", file])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { try JSON(parsing: String($0)) }
        #expect(
            lines.compactMap { $0["type"]?.stringValue } == [
                "io.serverlessworkflow.workflow.started.v1", "io.serverlessworkflow.task.started.v1",
                "io.serverlessworkflow.task.completed.v1", "io.serverlessworkflow.workflow.completed.v1",
            ])
        #expect(lines.allSatisfy { $0["specversion"] == "1.0" && $0["id"] != nil && $0["time"] != nil })
        #expect(lines[1]["data"]?["task"] == "/do/0/greet")
    }
}
