import Foundation
import SwirlTestSupport
import Testing

/// The pre-commit the hook's tests run: `SWIRL_TEST_PRE_COMMIT` (scripts/test sets it), else one on PATH.
enum PreCommitTool {
    static let path: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["SWIRL_TEST_PRE_COMMIT"], FileManager.default.isExecutableFile(atPath: path) { return path }
        for folder in (environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(folder)/pre-commit"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }()

    /// In CI (or when scripts/test named one) a missing pre-commit fails the tests instead of skipping them.
    static var availableOrRequired: Bool {
        let environment = ProcessInfo.processInfo.environment
        return path != nil || ["true", "1"].contains(environment["CI"]?.lowercased() ?? "")
            || environment["SWIRL_TEST_PRE_COMMIT"] != nil
    }
}

/// The `swirl-validate` hook of `.pre-commit-hooks.yaml`, run by the real pre-commit (from PyPI, installed by
/// scripts/deps) in a scratch repository: a good workflow passes, a bad one fails the commit with Swirl's
/// diagnostic.
@Suite(.enabled(if: PreCommitTool.availableOrRequired, "pre-commit is not installed; use scripts/test"))
struct PreCommitHookTests {
    static let good = """
        document: {dsl: '1.0.3', namespace: hooks, name: good, version: '1.0.0'}
        do:
          - greet: {set: {hello: world}}
        """

    static let bad = """
        document: {dsl: '1.0.3', namespace: hooks, name: bad, version: '1.0.0'}
        do:
          - greet: {set: {hello: world}, then: nowhere}
        """

    /// A scratch git repository with pre-commit's cache inside it, and the environment to run tools in it:
    /// the `swirl` under test first on PATH.
    struct Repository {
        let folder: ScratchFolder
        let environment: [String: String?]

        init() throws {
            folder = try ScratchFolder()
            let swirlFolder = URL(fileURLWithPath: RunBinary.swirlPath).deletingLastPathComponent().path
            environment = [
                "PATH": swirlFolder + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                "PRE_COMMIT_HOME": folder.path + "/.pre-commit-home",
                "GIT_AUTHOR_NAME": "Swirl Tests", "GIT_AUTHOR_EMAIL": "tests@swirl.invalid",
                "GIT_COMMITTER_NAME": "Swirl Tests", "GIT_COMMITTER_EMAIL": "tests@swirl.invalid",
                "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
            ]
            let initialised = try git(["init", "-q", "-b", "main", "."])
            #expect(initialised.exitCode == 0, "\(initialised.stderr)")
        }

        func git(_ arguments: [String]) throws -> BinaryResult {
            try RunBinary.run("/usr/bin/git", arguments, directory: folder.path, environment: environment)
        }

        func preCommit(_ arguments: [String]) throws -> BinaryResult {
            try RunBinary.run(try #require(PreCommitTool.path, "pre-commit is not installed (scripts/deps installs it)"), arguments, directory: folder.path, environment: environment)
        }

        func write(_ name: String, _ content: String) throws {
            let path = folder.path + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try content.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    @Test("pre-commit try-repo: the hook passes a good workflow and fails a bad one with its file, line and column")
    func tryRepo() throws {
        let repository = try Repository()
        try repository.write("Workflows/good.yaml", Self.good)
        try repository.write("flows/bad.sw.yaml", Self.bad)
        try repository.write("notes/other.yaml", "kind: ConfigMap\n")
        #expect(try repository.git(["add", "."]).exitCode == 0)

        let good = try repository.preCommit(["try-repo", PackageRoot.path, "swirl-validate", "--files", "Workflows/good.yaml"])
        #expect(good.exitCode == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("swirl validate") && good.stdout.contains("Passed"), "\(good.stdout)")

        let all = try repository.preCommit(["try-repo", PackageRoot.path, "swirl-validate", "--all-files"])
        #expect(all.exitCode == 1, "\(all.stdout)\(all.stderr)")
        #expect(all.stdout.contains("Failed"), "\(all.stdout)")
        #expect(all.stdout.contains("flows/bad.sw.yaml:3:"), "\(all.stdout)")
        #expect(all.stdout.contains("nowhere"), "\(all.stdout)")
        // Files that are neither *.sw.yaml nor under Workflows/ are not the hook's.
        #expect(!all.stdout.contains("notes/other.yaml"), "\(all.stdout)")
    }

    @Test("installed as a git hook from .pre-commit-config.yaml, it refuses the commit of a bad workflow")
    func refusesTheCommit() throws {
        let repository = try Repository()
        let revision = try RunBinary.run("/usr/bin/git", ["rev-parse", "HEAD"], environment: ["GIT_CONFIG_GLOBAL": "/dev/null"])
        #expect(revision.exitCode == 0, "\(revision.stderr)")
        let head = revision.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try repository.write(
            ".pre-commit-config.yaml",
            """
            repos:
              - repo: \(PackageRoot.path)
                rev: \(head)
                hooks:
                  - id: swirl-validate

            """)
        let installed = try repository.preCommit(["install"])
        #expect(installed.exitCode == 0, "\(installed.stdout)\(installed.stderr)")

        try repository.write("Workflows/good.yaml", Self.good)
        #expect(try repository.git(["add", "."]).exitCode == 0)
        let first = try repository.git(["commit", "-q", "-m", "a good workflow"])
        #expect(first.exitCode == 0, "\(first.stdout)\(first.stderr)")

        try repository.write("Workflows/bad.yaml", Self.bad)
        #expect(try repository.git(["add", "."]).exitCode == 0)
        let refused = try repository.git(["commit", "-q", "-m", "a bad workflow"])
        #expect(refused.exitCode != 0)
        let said = refused.stdout + refused.stderr
        #expect(said.contains("Workflows/bad.yaml:3:") && said.contains("nowhere"), "\(said)")
        let log = try repository.git(["log", "--oneline"])
        #expect(log.stdout.split(separator: "\n").count == 1, "\(log.stdout)")
    }
}
