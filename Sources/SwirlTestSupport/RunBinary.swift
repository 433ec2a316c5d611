import Foundation

/// What a run of a built executable printed and how it exited.
public struct BinaryResult: Sendable {
    public var stdout: String
    public var stderr: String
    public var exitCode: Int32
}

/// Runs the package's built executables, as a user would, for end-to-end tests.
public enum RunBinary {
    /// Why the executable could not be run.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The directory of the test runner, which is where the package's executables are built.
    static var productsDirectory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// The path of the built `swirl`, for tests that start it themselves.
    public static var swirlPath: String {
        productsDirectory.appendingPathComponent("swirl").path
    }

    /// Runs `swirl` with `arguments` and returns what it printed.
    /// - Parameters:
    ///   - arguments: the command line after `swirl`.
    ///   - standardInput: bytes fed to the process's stdin (empty when `nil`).
    ///   - directory: the working directory; the package root by default.
    ///   - environment: variables added to (or, with `nil`, removed from) the test's environment.
    /// - Throws: ``Failure`` when the binary is missing or cannot start.
    public static func swirl(
        _ arguments: [String],
        standardInput: String? = nil,
        directory: String = PackageRoot.path,
        environment: [String: String?] = [:]
    ) throws -> BinaryResult {
        let executable = productsDirectory.appendingPathComponent("swirl")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw Failure(description: "no swirl executable at \(executable.path); build the package first")
        }
        return try run(executable.path, arguments, standardInput: standardInput, directory: directory, environment: environment)
    }

    /// Runs any program as ``swirl(_:standardInput:directory:environment:)`` runs `swirl`, and waits for it.
    public static func run(
        _ path: String,
        _ arguments: [String],
        standardInput: String? = nil,
        directory: String = PackageRoot.path,
        environment: [String: String?] = [:]
    ) throws -> BinaryResult {
        let executable = URL(fileURLWithPath: path)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var variables = ProcessInfo.processInfo.environment
        variables["NO_COLOR"] = "1"
        for (name, value) in environment { variables[name] = value }
        process.environment = variables

        // Files, not pipes: a chatty process cannot fill a pipe buffer and block while the test waits.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("swirl-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let stdinURL = scratch.appendingPathComponent("stdin")
        let stdoutURL = scratch.appendingPathComponent("stdout")
        let stderrURL = scratch.appendingPathComponent("stderr")
        try Data((standardInput ?? "").utf8).write(to: stdinURL)
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.standardInput = try FileHandle(forReadingFrom: stdinURL)
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)

        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start \(executable.path): \(error)")
        }
        process.waitUntilExit()
        return BinaryResult(
            stdout: try String(contentsOf: stdoutURL, encoding: .utf8),
            stderr: try String(contentsOf: stderrURL, encoding: .utf8),
            exitCode: process.terminationStatus)
    }
}
