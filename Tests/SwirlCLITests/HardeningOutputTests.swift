import Foundation
import SwirlCore
import SwirlTestSupport
import Testing

/// Writing results, refusing bad events, the shell's map arguments, and long diagnostics.
@Suite struct HardeningOutputTests {
    typealias Scratch = EndToEndTests.Scratch

    @Test("a result that cannot be written to stdout exits 2 with a message on stderr", arguments: [
        ["run", "--quiet", "wf.yaml"], ["graph", "wf.yaml"], ["schema"], ["validate", "--format", "json", "wf.yaml"],
        ["validate", "wf.yaml"],
    ])
    func fullDisk(arguments: [String]) throws {
        let scratch = try Scratch(files: ["wf.yaml": HardeningInputTests.echo])
        let result = try swirlWithStreams(arguments, stdout: "/dev/full", directory: scratch.path)
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasSuffix("swirl: error: cannot write to standard output: No space left on device\n"), "\(result.stderr)")
    }

    @Test("emit refuses an empty type, source or id", arguments: [
        (["--type", "", "--source", "s"], "--type must not be empty"),
        (["--type", "t", "--source", ""], "--source must not be empty"),
        (["--type", "t", "--source", "s", "--id", ""], "--id must not be empty"),
    ])
    func emptyEventAttributes(arguments: [String], message: String) throws {
        let scratch = try Scratch(files: [:])
        let result = try RunBinary.swirl(["emit"] + arguments, directory: scratch.path, environment: ["SWIRL_DB": nil])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        // Refused before any store is opened: no run store was created.
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/.swirl"))
    }

    static func shellWorkflow(arguments: String) -> String {
        """
        document: {dsl: '1.0.0', namespace: t, name: shell-map, version: '1.0.0'}
        do:
          - greet:
              run:
                shell:
                  command: 'printf "%s|%s|%s" "$1" "$2" "$#"'
                  arguments: \(arguments)
                return: stdout

        """
    }

    @Test("shell arguments given as a map are valid and reach the command as key=value, in order")
    func shellMapArguments() throws {
        let scratch = try Scratch(files: [
            "map.yaml": Self.shellWorkflow(arguments: "{greeting: hello world, count: 2}"),
            "list.yaml": Self.shellWorkflow(arguments: "[a, b c]"),
            "scalar.yaml": Self.shellWorkflow(arguments: "3"),
        ])
        let validate = try RunBinary.swirl(["validate", "map.yaml", "list.yaml"], directory: scratch.path)
        #expect(validate.exitCode == 0, "\(validate.stderr)")
        let run = try RunBinary.swirl(["run", "--quiet", "--output", "json", "map.yaml"], directory: scratch.path)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stdout == "\"greeting=hello world|count=2|2\"\n")
        let list = try RunBinary.swirl(["run", "--quiet", "--output", "json", "list.yaml"], directory: scratch.path)
        #expect(list.stdout == "\"a|b c|2\"\n")
        // Any other type is still refused.
        let scalar = try RunBinary.swirl(["validate", "scalar.yaml"], directory: scratch.path)
        #expect(scalar.exitCode == 1)
        #expect(scalar.stderr.contains("scalar.yaml:7:22: error:"), "\(scalar.stderr)")
    }

    @Test("text diagnostics of a long one-line document are cut and capped, and quick")
    func longLineDiagnostics() throws {
        var tasks: [String] = []
        for index in 0..<150 {
            tasks.append("{\"t\(index)\":{\"set\":{\"x\":\"\(String(repeating: "a", count: 20_000))\"},\"bogus\":1}}")
        }
        let document =
            "{\"document\":{\"dsl\":\"1.0.3\",\"namespace\":\"t\",\"name\":\"t\",\"version\":\"1.0.0\"},\"do\":["
            + tasks.joined(separator: ",") + "]}"
        let scratch = try Scratch(files: ["long.json": document])
        let started = ContinuousClock.now
        let result = try RunBinary.swirl(["validate", "long.json"], directory: scratch.path)
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(result.exitCode == 1)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.allSatisfy { $0.unicodeScalars.count <= 200 }, "a line is longer than the window")
        #expect(lines.filter { $0.hasPrefix("long.json:1:") }.count == 100)
        #expect(
            result.stderr.hasSuffix(
                "long.json: and 50 more errors (at most 100 diagnostics are printed per file)\n"), "\(result.stderr.suffix(300))")
        #expect(lines.contains { $0.hasPrefix("…aaaa") && $0.contains("aa\"},\"bogus\":1}},{\"t") && $0.hasSuffix("aaaa…") })
        #expect(result.stdout == "1 file: 150 errors, 0 warnings\n")
        // JSON keeps every diagnostic, for tools.
        let json = try RunBinary.swirl(["validate", "--format", "json", "long.json"], directory: scratch.path)
        #expect(try JSON(parsing: json.stdout).arrayValue?.count == 150)
    }
}
