import Foundation
import SwirlCore
// `ActivityRequest` has no public initializer (its memberwise one is internal).
import SwirlRuntime
import Testing

/// Runs real processes (`/bin/sh`, `python3`, `node`) through the `run:shell` and `run:script`
/// activities.
@Suite struct RunActivityTests {
    static func request(_ run: JSON, kind: String = "run:shell", input: JSON = ["seed": 1]) -> ActivityRequest {
        ActivityRequest(
            key: "run-1/do/0/step", kind: kind, arguments: run, input: input,
            task: "/do/0/step", runID: "run-1")
    }

    static func shell(_ shell: JSON, return mode: String? = nil) async throws(WorkflowError) -> JSON {
        var run: JSON = ["shell": shell]
        if let mode, case .object(var members) = run {
            members["return"] = .string(mode)
            run = .object(members)
        }
        return try await ShellRunActivity().run(request(run))
    }

    static func script(_ script: JSON, searchPath: [String]? = nil) async throws(WorkflowError) -> JSON {
        try await ScriptRunActivity(searchPath: searchPath).run(request(["script": script], kind: "run:script"))
    }

    static let nodeAvailable = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/node") }

    @Test("shell arguments are $1 and $2, passed as argv and never parsed by the shell")
    func shellArguments() async throws {
        let output = try await Self.shell(["command": "echo \"$1|$2|$#\"", "arguments": ["a b", "$(reboot); x"]])
        #expect(output == "a b|$(reboot); x|2")
    }

    @Test("scalar arguments are stringified and object arguments become name=value in order")
    func argumentForms() async throws {
        #expect(try await Self.shell(["command": "echo \"$@\"", "arguments": [1, true, "x"]]) == "1 true x")
        #expect(try await Self.shell(["command": "echo \"$@\"", "arguments": ["b": "2", "a": 1]]) == "b=2 a=1")
    }

    @Test("environment entries are added to this process's environment")
    func environment() async throws {
        let output = try await Self.shell(["command": "echo \"$GREETING $((NUMBER + 1))\" && test -n \"$PATH\"",
                                           "environment": ["GREETING": "hello", "NUMBER": 41]])
        #expect(output == "hello 42")
    }

    @Test("the idempotency key and run id are visible to the process")
    func idempotencyKey() async throws {
        let output = try await Self.shell(["command": "echo \"$SWIRL_IDEMPOTENCY_KEY $SWIRL_RUN_ID\""])
        #expect(output == "run-1:run-1/do/0/step run-1")
    }

    @Test("stdin is fed through a pipe, and is empty when absent")
    func stdin() async throws {
        #expect(try await Self.shell(["command": "tr a-z A-Z", "stdin": "hello\nworld"]) == "HELLO\nWORLD")
        #expect(try await Self.shell(["command": "wc -c | tr -d ' '"]) == "0")
    }

    @Test("each return mode gives its output; stdout and stderr lose one trailing newline, all keeps it")
    func returnModes() async throws {
        let command: JSON = ["command": "printf 'out\\n\\n'; echo err >&2"]
        #expect(try await Self.shell(command) == "out\n")
        #expect(try await Self.shell(command, return: "stdout") == "out\n")
        #expect(try await Self.shell(command, return: "stderr") == "err")
        #expect(try await Self.shell(command, return: "code") == 0)
        #expect(try await Self.shell(command, return: "all") == ["code": 0, "stdout": "out\n\n", "stderr": "err\n"])
        #expect(try await Self.shell(command, return: "none") == .null)
    }

    @Test("stdout that looks like JSON is still returned as text")
    func jsonLookingStdout() async throws {
        #expect(try await Self.shell(["command": "echo '{\"a\": 1}'"]) == "{\"a\": 1}")
    }

    @Test("a non-zero exit is a runtime error whose detail holds stderr")
    func nonZeroExit() async throws {
        let error = await #expect(throws: WorkflowError.self) {
            try await Self.shell(["command": "echo boom >&2; exit 3"])
        }
        #expect(error?.status == 500)
        #expect(error?.type == WorkflowError.Kind.runtime.type)
        #expect(error?.instance == "/do/0/step")
        #expect(error?.detail == "exit code 3: boom\n")
    }

    @Test("stderr in the error detail is cut to 4 KB")
    func longStderr() async throws {
        let error = await #expect(throws: WorkflowError.self) {
            try await Self.shell(["command": "head -c 100000 /dev/zero | tr '\\0' x >&2; exit 1"])
        }
        #expect(error?.detail == "exit code 1: " + String(repeating: "x", count: 4096))
    }

    @Test("a non-zero exit with return code or all is the task's output, not an error")
    func nonZeroExitWithCode() async throws {
        #expect(try await Self.shell(["command": "exit 7"], return: "code") == 7)
        #expect(try await Self.shell(["command": "echo e >&2; exit 7"], return: "all")
            == ["code": 7, "stdout": "", "stderr": "e\n"])
    }

    @Test("an unknown return mode is a configuration error")
    func badReturn() async throws {
        let error = await #expect(throws: WorkflowError.self) {
            try await Self.shell(["command": "true"], return: "json")
        }
        #expect(error?.status == 400)
    }

    @Test("await false returns the task's input without waiting for the process")
    func noAwait() async throws {
        let request = Self.request(["shell": ["command": "echo ignored"], "await": false])
        #expect(try await ShellRunActivity().run(request) == ["seed": 1])
    }

    @Test("cancelling the Swift task kills the process and its children", .timeLimit(.minutes(1)))
    func cancellation() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("swirl-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: marker) }
        // A background child that holds stdout open: the activity can only return once it is dead too.
        let running = Task {
            try await Self.shell(["command": "sleep 300 & echo started > \"$1\"; wait", "arguments": [.string(marker)]])
        }
        // Wait for the process to be up, so the cancellation reaches a live process rather than an unstarted one.
        while !FileManager.default.fileExists(atPath: marker) { try await Task.sleep(for: .milliseconds(10)) }
        running.cancel()
        let result = await running.result
        #expect(throws: WorkflowError.self) { try result.get() }
    }

    @Test("a python script gets its arguments as sys.argv[1:] and reads stdin")
    func python() async throws {
        let output = try await Self.script([
            "language": "python",
            "code": "import sys, json\nprint(json.dumps({'args': sys.argv[1:], 'stdin': sys.stdin.read()}))",
            "arguments": ["one", 2],
            "stdin": "piped",
        ])
        #expect(output == #"{"args": ["one", "2"], "stdin": "piped"}"#)
    }

    @Test("a python script from a file:// source runs in place")
    func pythonSource() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swirl-\(UUID().uuidString).py")
        try Data("import os, sys\nprint(sys.argv[1], os.environ['X'])\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try await Self.script([
            "language": "python", "source": ["endpoint": .string(file.absoluteString)],
            "arguments": ["hi"], "environment": ["X": "y"],
        ])
        #expect(output == "hi y")
    }

    @Test("a source that is not a local file is a configuration error")
    func remoteSource() async throws {
        let error = await #expect(throws: WorkflowError.self) {
            try await Self.script(["language": "python", "source": ["endpoint": "https://example.com/a.py"]])
        }
        #expect(error?.status == 400)
    }

    @Test(
        "a javascript script runs as an ES module with process.argv[2...] and stdin",
        .enabled(if: nodeAvailable, "node is not on PATH"))
    func node() async throws {
        let code = """
            import process from 'node:process';
            let input = '';
            for await (const chunk of process.stdin) input += chunk;
            console.log(JSON.stringify({ args: process.argv.slice(2), input }));
            """
        let output = try await Self.script([
            "language": "javascript", "code": .string(code), "arguments": ["a", "b c"], "stdin": "in",
        ])
        #expect(output == #"{"args":["a","b c"],"input":"in"}"#)
    }

    @Test("a missing interpreter is a configuration error that names it")
    func missingInterpreter() async throws {
        let error = await #expect(throws: WorkflowError.self) {
            try await Self.script(["language": "python", "code": "print(1)"], searchPath: [])
        }
        #expect(error?.status == 400)
        #expect(error?.type == WorkflowError.Kind.configuration.type)
        #expect(error?.detail?.contains("'python3'") == true)
    }

    @Test("an unknown language is a configuration error")
    func unknownLanguage() async throws {
        let error = await #expect(throws: WorkflowError.self) {
            try await Self.script(["language": "ruby", "code": "1"])
        }
        #expect(error?.status == 400)
    }
}

@Suite struct ContainerRunActivityTests {
    @Test("without docker or podman on the search path, a container task is a configuration error")
    func noEngine() async throws {
        let request = ActivityRequest(
            key: "k", kind: "run:container", arguments: ["container": ["image": "alpine:3", "command": "echo hi"]],
            input: [:], task: "/do/0/box", runID: "r")
        do {
            _ = try await ContainerRunActivity(searchPath: []).run(request)
            Issue.record("expected a configuration error")
        } catch {
            #expect(error.status == 400)
            #expect(WorkflowError.typesMatch(error.type, WorkflowError.Kind.configuration.type))
            #expect(error.detail?.contains("docker or podman") == true)
            #expect(error.instance == "/do/0/box")
        }
    }
}
