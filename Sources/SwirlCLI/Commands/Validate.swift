import ArgumentParser
import Foundation
import SwirlCompiler
import SwirlCore
import SwirlSyntax

/// `swirl validate PATH...`: checks each workflow file (loader, schema, semantic checks) and
/// reports every problem with its position.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check workflow definitions and report problems as file:line:column.",
        discussion: """
            Directories are searched recursively for *.yaml, *.yml and *.json files (hidden \
            directories, and examples' companion files *.input.json and *.expected.json, are \
            skipped); of those, only documents that look like workflows (a top-level \
            document.dsl) are checked, and the summary says how many others were skipped. \
            --exclude leaves out files found in directories; files named on the command line \
            are always checked. '-' reads one document from standard input. Files are \
            checked in parallel; nothing needs a database or the network. Exits 0 when every \
            file is valid, 1 when any has an error (or a warning, with --strict), 2 when a path \
            cannot be read.
            """
    )

    @Argument(help: "Workflow files or directories to check; '-' reads standard input.")
    var paths: [String]

    @Option(
        help: ArgumentHelp(
            "Leave out files found in directories whose path matches this glob (repeatable; '*' also matches '/', so 'vendor/*' leaves out a whole folder).",
            valueName: "glob"))
    var exclude: [String] = []

    @Flag(help: "Treat warnings as errors: exit 1 when there is any.")
    var strict = false

    @Flag(help: "Report errors only: no warnings, no summary line.")
    var quiet = false

    @Flag(help: "Do not run shellcheck on run: shell commands, even when it is on the PATH.")
    var noShellcheck = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !paths.isEmpty else {
            throw ValidationError("Give at least one file or directory to validate (for example 'Workflows/').")
        }
    }

    /// What checking one file produced.
    private enum Outcome: Sendable {
        case checked(diagnostics: [Diagnostic], source: String)
        /// Found in a directory, and no workflow.
        case skipped
        case unreadable(UnreadableFile)
    }

    func run() async throws {
        let validator = WorkflowValidator.standard()
        var inputs = WorkflowFiles(excluding: exclude)
        for path in paths { inputs.add(path) }
        let standardInput: [UInt8]
        do {
            standardInput = inputs.files.contains("-") ? try InputReader.read(.standardInput) : []
        } catch {
            throw EnvironmentFailure(message: error.description)
        }

        let shell = ShellChecks(enabled: !noShellcheck)
        let outcomes = await Self.check(inputs.files, found: inputs.found, standardInput: standardInput, with: validator, shell: shell)
        var diagnostics: [Diagnostic] = []
        var sources: [String: String] = [:]
        var unreadable = inputs.problems
        var skipped = 0
        for (file, outcome) in zip(inputs.files, outcomes) {
            switch outcome {
            case .checked(let fileDiagnostics, let source):
                diagnostics += fileDiagnostics
                sources[file == "-" ? "<stdin>" : file] = source
            case .skipped:
                skipped += 1
            case .unreadable(let problem):
                unreadable.append(problem)
            }
        }

        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        let shown = quiet ? diagnostics.filter { $0.severity == .error } : diagnostics
        DiagnosticPrinter(options: output, sources: sources).print(shown, unreadable: unreadable)
        if output.format == .text && !quiet {
            let count = inputs.files.count - skipped
            let others = skipped == 0 ? "" : "; \(skipped) \(skipped == 1 ? "file" : "files") skipped (no workflow: no document.dsl)"
            Terminal.writeOutput(
                "\(count) \(count == 1 ? "file" : "files"): \(errors) \(errors == 1 ? "error" : "errors"), "
                    + "\(warnings) \(warnings == 1 ? "warning" : "warnings")\(others)\n")
        }
        for problem in unreadable {
            Terminal.writeError("swirl: error: \(problem.message)\n")
        }
        if !unreadable.isEmpty { throw ExitCode.environmentError }
        if errors > 0 || (strict && warnings > 0) { throw ExitCode.invalidWorkflow }
    }

    /// Checks every file, as many at once as there are cores, and returns the outcomes in the
    /// order of `files`.
    private static func check(
        _ files: [String], found: Set<String>, standardInput: [UInt8], with validator: WorkflowValidator, shell: ShellChecks
    ) async -> [Outcome]
    {
        var outcomes = [Outcome?](repeating: nil, count: files.count)
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        await withTaskGroup(of: (Int, Outcome).self) { group in
            var next = 0
            func startNext() {
                guard next < files.count else { return }
                let index = next
                let file = files[index]
                let onlyWorkflows = found.contains(file)
                group.addTask {
                    (index, checkOne(file, onlyWorkflows: onlyWorkflows, standardInput: standardInput, with: validator, shell: shell))
                }
                next += 1
            }
            for _ in 0..<width { startNext() }
            while let (index, outcome) = await group.next() {
                outcomes[index] = outcome
                startNext()
            }
        }
        return outcomes.map { $0! }
    }

    private static func checkOne(
        _ file: String, onlyWorkflows: Bool, standardInput: [UInt8], with validator: WorkflowValidator, shell: ShellChecks
    ) -> Outcome {
        let name = file == "-" ? "<stdin>" : file
        var tooLarge: [Diagnostic] = []
        let bytes: [UInt8]
        do {
            guard let read = try file == "-" ? standardInput : validator.loader.readFile(atPath: file, diagnostics: &tooLarge)
            else { return .checked(diagnostics: tooLarge, source: "") }
            bytes = read
        } catch {
            return .unreadable(UnreadableFile(file: name, message: error.description))
        }
        let result = validator.validate(bytes: bytes, file: name, onlyWorkflows: onlyWorkflows, buildingProgram: false)
        if result.skipped { return .skipped }
        var diagnostics = result.diagnostics
        // Commands are checked in documents that are otherwise sound: a broken one's commands may not be where
        // they seem.
        if result.isValid, let document = result.document.value {
            diagnostics += shell.check(
                result.shellTasks, in: document, sourceMap: result.document.sourceMap, source: { String(decoding: bytes, as: UTF8.self) })
            diagnostics += RuntimeSupport.check(result.activities, sourceMap: result.document.sourceMap)
        }
        DeferredRelease.release(consume result)
        // The text is only needed to show the lines diagnostics point at.
        return .checked(diagnostics: diagnostics, source: diagnostics.isEmpty ? "" : String(decoding: bytes, as: UTF8.self))
    }
}

/// The files named on a command line, with directories expanded.
struct WorkflowFiles {
    private(set) var files: [String] = []
    /// The files found by walking a directory (not named), which are checked only when they are workflows.
    private(set) var found: Set<String> = []
    /// Paths that do not exist, reported as environment errors.
    private(set) var problems: [UnreadableFile] = []
    /// Globs that leave out files found in directories.
    let excluded: [String]

    init(excluding excluded: [String] = []) {
        self.excluded = excluded
    }

    /// Whether `path` (found in a directory) matches an `--exclude` glob: as reported, without a leading `./`,
    /// or by its file name alone.
    func isExcluded(_ path: String) -> Bool {
        let forms = [path, path.hasPrefix("./") ? String(path.dropFirst(2)) : path, (path as NSString).lastPathComponent]
        return excluded.contains { glob in forms.contains { fnmatch(glob, $0, 0) == 0 } }
    }

    mutating func add(_ path: String) {
        if path == "-" {
            files.append(path)
            return
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            problems.append(UnreadableFile(file: path, message: "cannot read \(path): no such file or directory"))
            return
        }
        guard isDirectory.boolValue else {
            files.append(path)
            return
        }
        for file in WorkflowDirectory.workflowFiles(under: path) where !isExcluded(file) && found.insert(file).inserted {
            files.append(file)
        }
    }
}
