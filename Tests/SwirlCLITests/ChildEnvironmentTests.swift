import Foundation
import SwirlCore
import SwirlTestSupport
import Testing

/// What a `run` task's process sees of `swirl`'s environment: the task's own variables, the
/// idempotency key and run id, and a safe base (PATH, HOME, the locale...), nothing else; for
/// shell, script and container tasks, with `swirl` started with secrets in its environment.
@Suite struct ChildEnvironmentTests {
    /// Variables of `swirl`'s environment that no child may see.
    static let hidden = ["SWIRL_SECRET_TOKEN": "s3cr3t-from-env", "SWIRL_CHILD_ENV_OTHER": "not-for-children"]

    static let safeBase: Set<String> = ["PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM"]

    /// The output of `swirl run` for a workflow whose one task is `task`, with `path` as PATH.
    static func run(_ task: String, path: String = "/usr/local/bin:/usr/bin:/bin") throws -> String {
        let scratch = try ScratchFolder()
        let file = try scratch.write(
            "env.yaml",
            """
            document: {dsl: '1.0.3', namespace: cli, name: env, version: '1.0.0'}
            do:
              - show:
            \(task)
            """)
        var environment: [String: String?] = Self.hidden
        environment["PATH"] = path
        let result = try RunBinary.swirl(["run", file, "--output", "json", "--quiet"], environment: environment)
        #expect(result.exitCode == 0, "\(result.stderr)")
        return try #require(try JSON(parsing: result.stdout).stringValue)
    }

    /// `env`-style `NAME=value` lines as a dictionary.
    static func variables(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equal = line.firstIndex(of: "=") else { continue }
            result[String(line[..<equal])] = String(line[line.index(after: equal)...])
        }
        return result
    }

    static func expectSafe(_ seen: [String: String], path: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for name in hidden.keys { #expect(seen[name] == nil, "\(name) reached the child", sourceLocation: sourceLocation) }
        #expect(!seen.keys.contains { $0.hasPrefix("SWIRL_SECRET_") }, sourceLocation: sourceLocation)
        let runID = try? #require(seen["SWIRL_RUN_ID"], sourceLocation: sourceLocation)
        #expect(seen["SWIRL_IDEMPOTENCY_KEY"]?.hasPrefix((runID ?? "?") + ":") == true, "\(seen)", sourceLocation: sourceLocation)
        #expect(seen["DECLARED"] == "yes", sourceLocation: sourceLocation)
        #expect(seen["PATH"] == path, sourceLocation: sourceLocation)
    }

    @Test("a shell task sees its own environment and the safe base, never SWIRL_SECRET_* or other variables")
    func shell() throws {
        let seen = Self.variables(
            try Self.run("          run: {shell: {command: env, environment: {DECLARED: 'yes'}}}"))
        Self.expectSafe(seen, path: "/usr/local/bin:/usr/bin:/bin")
        // What the shell itself adds: its working directory, nesting level and last command.
        for name in seen.keys where !["DECLARED", "SWIRL_IDEMPOTENCY_KEY", "SWIRL_RUN_ID", "PWD", "SHLVL", "_", "OLDPWD"].contains(name) {
            #expect(Self.safeBase.contains(name) || name.hasPrefix("LC_"), "\(name) is not in the safe base")
        }
    }

    @Test("a python script task gets the same environment", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func python() throws {
        let seen = Self.variables(
            try Self.run(
                """
                          run:
                            script:
                              language: python
                              environment: {DECLARED: 'yes'}
                              code: |
                                import os
                                for name, value in os.environ.items(): print(name + '=' + value)
                """, path: "/usr/bin:/bin"))
        Self.expectSafe(seen, path: "/usr/bin:/bin")
    }

    @Test("a container engine gets the safe base and passes the idempotency key and run id into the container")
    func container() throws {
        // A stand-in `docker`, first on PATH, that prints its environment and its command line.
        let folder = try ScratchFolder()
        let engine = try folder.write("docker", "#!/bin/sh\nenv\necho \"ARGS=$*\"\n")
        chmod(engine, 0o755)
        let path = folder.path + ":/usr/bin:/bin"
        var seen = Self.variables(
            try Self.run("          run: {container: {image: alpine, environment: {DECLARED: 'yes'}}}", path: path))
        let arguments = seen.removeValue(forKey: "ARGS") ?? ""
        #expect(arguments.contains("-e DECLARED=yes -e SWIRL_IDEMPOTENCY_KEY -e SWIRL_RUN_ID alpine"), "\(arguments)")
        // DECLARED is the container's (given with -e), not the engine's.
        #expect(seen.removeValue(forKey: "DECLARED") == nil)
        seen["DECLARED"] = "yes"
        Self.expectSafe(seen, path: path)
    }
}
