import Foundation
import SwirlCore
import SwirlTestSupport
import Testing

/// What ``swirlWithStreams(_:stdin:stdout:directory:timeout:)`` saw.
struct StreamsResult {
    var stdout: String
    var stderr: String
    var exitCode: Int32
}

struct StreamsTimeout: Error, CustomStringConvertible {
    var description: String
}

/// Runs `swirl` with its standard streams connected to the given files, for tests that need a
/// device (`/dev/zero`, `/dev/full`) where ``RunBinary`` puts a scratch file.
func swirlWithStreams(
    _ arguments: [String], stdin: String = "/dev/null", stdout: String? = nil, directory: String = PackageRoot.path,
    timeout: Duration = .seconds(60)
) throws -> StreamsResult {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("swirl-streams-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outPath = stdout ?? scratch.appendingPathComponent("stdout").path
    let errPath = scratch.appendingPathComponent("stderr").path
    if stdout == nil { FileManager.default.createFile(atPath: outPath, contents: nil) }
    FileManager.default.createFile(atPath: errPath, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: RunBinary.swirlPath)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    process.environment = environment
    process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdin))
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        throw StreamsTimeout(description: "swirl \(arguments.joined(separator: " ")) did not end within \(timeout)")
    }
    process.waitUntilExit()
    let output = stdout == nil ? try String(contentsOfFile: outPath, encoding: .utf8) : ""
    return StreamsResult(
        stdout: output, stderr: try String(contentsOfFile: errPath, encoding: .utf8), exitCode: process.terminationStatus)
}

/// Reading workflows and inputs: standard input, short names, directories and the size cap.
@Suite struct HardeningInputTests {
    typealias Scratch = EndToEndTests.Scratch

    static let echo = "document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}\ndo:\n  - a: {set: {got: '${ . }'}}\n"

    @Test("run - reads the workflow from standard input")
    func runStandardInput() throws {
        let result = try RunBinary.swirl(["run", "--quiet", "--output", "json", "-"], standardInput: Self.echo)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == "{\"got\":{}}\n")
    }

    @Test("run takes a workflow file with a one-character name")
    func oneCharacterName() throws {
        let scratch = try Scratch(files: ["a": Self.echo])
        let result = try RunBinary.swirl(["run", "--quiet", "--output", "json", "a"], directory: scratch.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == "{\"got\":{}}\n")
        let nested = try RunBinary.swirl(["run", "--quiet", "--output", "json", scratch.path + "/a"])
        #expect(nested.exitCode == 0, "\(nested.stderr)")
    }

    @Test("run --input-file - reads the input from standard input")
    func inputFromStandardInput() throws {
        let scratch = try Scratch(files: ["wf.yaml": Self.echo])
        let result = try RunBinary.swirl(
            ["run", "--quiet", "--output", "json", "--input-file", "-", "wf.yaml"], standardInput: "{\"n\": 1}",
            directory: scratch.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == "{\"got\":{\"n\":1}}\n")
        let both = try RunBinary.swirl(["run", "--input-file", "-", "-"], standardInput: "{}")
        #expect(both.exitCode == 2)
        #expect(both.stderr.contains("standard input"))
    }

    @Test("a directory given as a workflow is refused with its path")
    func directoryAsWorkflow() throws {
        let scratch = try Scratch(files: ["dir/x.txt": ""])
        for command in ["run", "graph"] {
            let result = try RunBinary.swirl([command, "dir"], directory: scratch.path)
            #expect(result.exitCode == 2)
            #expect(result.stderr == "swirl: error: cannot read dir: it is a directory, not a file\n")
        }
    }

    @Test("devices and standard input are read up to the 16 MiB cap and no further")
    func sizeCap() throws {
        let limit = "more than 16 MiB (16777216 bytes), the limit for a file Swirl reads"
        let validate = try swirlWithStreams(["validate", "/dev/zero"])
        #expect(validate.exitCode == 2)
        #expect(validate.stderr.contains("cannot read /dev/zero: it holds \(limit)"), "\(validate.stderr)")

        let graph = try swirlWithStreams(["graph", "-"], stdin: "/dev/zero")
        #expect(graph.exitCode == 2)
        #expect(graph.stderr == "swirl: error: cannot read standard input: it holds \(limit)\n")

        let validateStdin = try swirlWithStreams(["validate", "-"], stdin: "/dev/zero")
        #expect(validateStdin.exitCode == 2)
        #expect(validateStdin.stderr.contains("cannot read standard input: it holds \(limit)"))

        let scratch = try Scratch(files: ["wf.yaml": HardeningInputTests.echo])
        for options in [["--input-file", "/dev/zero"], ["--secrets", "/dev/zero"], ["--input-file", "-"]] {
            let result = try swirlWithStreams(["run"] + options + ["wf.yaml"], stdin: "/dev/zero", directory: scratch.path)
            #expect(result.exitCode == 2)
            #expect(result.stderr.contains("it holds \(limit)"), "\(options): \(result.stderr)")
        }
    }

    @Test("a definition over the size limit in --definitions is skipped, unread, with a note naming the limit")
    func definitionsCap() throws {
        let child = """
            document: {dsl: '1.0.3', namespace: t, name: child, version: '1.0.0'}
            do:
              - a: {set: {child: true}}

            """
        let parent = """
            document: {dsl: '1.0.3', namespace: t, name: parent, version: '1.0.0'}
            do:
              - c: {run: {workflow: {namespace: t, name: child, version: '1.0.0'}}}

            """
        let scratch = try Scratch(files: ["parent.yaml": parent, "defs/child.yaml": child])
        // A regular file over the cap is refused before it is read.
        let big = scratch.path + "/defs/big.yaml"
        FileManager.default.createFile(atPath: big, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
        try handle.truncate(atOffset: UInt64(16 << 20) + 1)
        try handle.close()
        let result = try RunBinary.swirl(
            ["run", "--output", "json", "--definitions", "defs", "parent.yaml"], directory: scratch.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == "{\"child\":true}\n")
        #expect(
            result.stderr.contains(
                "swirl: note: defs/big.yaml: the file is 16777217 bytes, over the limit of 10 MiB (10485760 bytes) for a workflow document; 'run: workflow' cannot use it"
            ), "\(result.stderr)")
    }
}
