import Foundation
import SwirlCore

/// The `jq` program the engine's tests compare with: Debian's jq 1.6 unless `SWIRL_TEST_JQ`
/// names another build.
enum ReferenceJQ {
    static let path = ProcessInfo.processInfo.environment["SWIRL_TEST_JQ"] ?? "/usr/bin/jq"

    /// The Python that scripts/deps sets up with PyPI's jq module (a newer libjq), next to the
    /// package's build, unless `SWIRL_TEST_PYTHON` names another.
    static let python: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return ProcessInfo.processInfo.environment["SWIRL_TEST_PYTHON"] ?? root.appendingPathComponent(".build/tools/venv/bin/python").path
    }()

    /// Runs `program` with `jq -c` on `input` (JSON texts), giving its exit status and each
    /// output line as a value. The input is written from another thread, so a large output
    /// cannot block it.
    static func run(_ program: String, input: String, environment: [String: String]? = nil) throws -> (status: Int32, outputs: [JSON]) {
        // A jq that fails early closes its input: the write must fail, not kill the tests.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        // A long program (a batch of many cases) goes in a file: the argument list has a limit.
        var programFile: URL?
        if program.utf8.count > 64 << 10 {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("swirl-jq-\(UUID().uuidString).jq")
            try Data(program.utf8).write(to: file)
            programFile = file
        }
        defer { if let programFile { try? FileManager.default.removeItem(at: programFile) } }
        process.arguments = programFile.map { ["-c", "-f", $0.path] } ?? ["-c", program]
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        let data = Data(input.utf8)
        let writer = Thread {
            stdin.fileHandleForWriting.write(data)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let outputs = try String(decoding: output, as: UTF8.self).split(separator: "\n").map { try JSON(parsing: String($0)) }
        return (process.terminationStatus, outputs)
    }

    /// Whether `jq -n` compiles `program`: jq exits with 3 for a program that does not compile.
    /// A program that runs on past 5 seconds compiled, and is stopped.
    static func compiles(_ program: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-n", program]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline {
            usleep(2_000)
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return true
        }
        return process.terminationStatus != 3
    }
}
