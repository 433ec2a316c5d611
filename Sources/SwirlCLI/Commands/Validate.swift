import ArgumentParser
import Foundation
import SwirlCore
import SwirlSyntax

/// `swirl validate PATH...`: reads each workflow file and reports every problem with its position.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check workflow definitions and report problems as file:line:column.",
        discussion: """
            Directories are searched recursively for *.yaml, *.yml and *.json files (hidden \
            directories are skipped). '-' reads one document from standard input. Exits 0 when \
            every file is valid, 1 when any has an error, 2 when a path cannot be read.
            """
    )

    @Argument(help: "Workflow files or directories to check; '-' reads standard input.")
    var paths: [String]

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !paths.isEmpty else {
            throw ValidationError("Give at least one file or directory to validate (for example 'Workflows/').")
        }
    }

    func run() async throws {
        let loader = Loader()
        var inputs = WorkflowFiles()
        for path in paths { inputs.add(path) }

        var diagnostics: [Diagnostic] = []
        var sources: [String: String] = [:]
        var unreadable: [String] = inputs.problems
        for file in inputs.files {
            var fileDiagnostics: [Diagnostic] = []
            let bytes: [UInt8]?
            do {
                bytes = try file == "-" ? readStandardInput(limit: loader.limits.maxBytes) : loader.readFile(atPath: file, diagnostics: &fileDiagnostics)
            } catch {
                unreadable.append(error.description)
                continue
            }
            let name = file == "-" ? "<stdin>" : file
            if let bytes {
                let document = loader.load(bytes: bytes, file: name)
                fileDiagnostics += document.diagnostics
                sources[name] = String(decoding: bytes, as: UTF8.self)
            }
            diagnostics += fileDiagnostics
        }

        DiagnosticPrinter(options: output, sources: sources).print(diagnostics)
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        if output.format == .text {
            let count = inputs.files.count
            Terminal.writeOutput(
                "\(count) \(count == 1 ? "file" : "files"): \(errors) \(errors == 1 ? "error" : "errors"), "
                    + "\(warnings) \(warnings == 1 ? "warning" : "warnings")\n")
        }
        for problem in unreadable {
            Terminal.writeError("swirl: error: \(problem)\n")
        }
        if !unreadable.isEmpty { throw ExitCode.environmentError }
        if errors > 0 { throw ExitCode.invalidWorkflow }
    }

    private func readStandardInput(limit: Int) throws(Loader.ReadError) -> [UInt8] {
        // Reading one byte past the limit is enough for the loader to report the file as too large.
        var bytes: [UInt8] = []
        while bytes.count <= limit {
            let chunk = FileHandle.standardInput.readData(ofLength: 1 << 16)
            if chunk.isEmpty { break }
            bytes += chunk
        }
        return bytes
    }
}

/// The files named on a command line, with directories expanded.
struct WorkflowFiles {
    static let extensions: Set<String> = ["yaml", "yml", "json"]

    private(set) var files: [String] = []
    /// Paths that do not exist, reported as environment errors.
    private(set) var problems: [String] = []

    mutating func add(_ path: String) {
        if path == "-" {
            files.append(path)
            return
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            problems.append("cannot read \(path): no such file or directory")
            return
        }
        guard isDirectory.boolValue else {
            files.append(path)
            return
        }
        files += Self.workflowFiles(under: path)
    }

    /// Workflow files under `directory`, sorted so output is the same on every run.
    static func workflowFiles(under directory: String) -> [String] {
        let base = URL(fileURLWithPath: directory)
        guard
            let enumerator = FileManager.default.enumerator(
                at: base, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        var found: [String] = []
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        for case let url as URL in enumerator where extensions.contains(url.pathExtension.lowercased()) {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            // Report paths as the user would write them: relative to the directory they named.
            let relative = url.standardizedFileURL.path.dropFirst(base.standardizedFileURL.path.count)
            found.append(prefix + relative.drop(while: { $0 == "/" }))
        }
        return found.sorted()
    }
}
