import ArgumentParser
import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax

/// `swirl run FILE`: validates, compiles and runs a workflow, and prints its output.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a workflow and print its output as JSON.",
        discussion: """
            The workflow is validated first; an invalid one is reported as 'swirl validate' \\
            would. Progress goes to stderr (unless --quiet), the output to stdout. A faulted run \\
            prints its error as JSON problem details on stderr and exits 1; Ctrl-C cancels the \\
            run and exits 130.
            """
    )

    enum OutputStyle: String, ExpressibleByArgument, CaseIterable {
        case json
        case pretty
    }

    @Argument(help: "The workflow file ('-' reads standard input).")
    var file: String

    @Option(help: "The workflow input, as JSON text.")
    var input: String?

    @Option(help: "A file holding the workflow input as JSON.")
    var inputFile: String?

    @Option(
        help: """
            A JSON or YAML file of secret values by name, for the workflow's use.secrets; names not \
            in it are read from SWIRL_SECRET_<NAME> environment variables.
            """
    )
    var secrets: String?

    @Option(help: "A folder of workflow definitions that 'run: workflow' tasks may run (default: the folder of FILE).")
    var definitions: String?

    @Option(
        name: .customLong("rewrite-endpoint"),
        help: """
            FROM=TO: send HTTP requests whose URL starts with FROM to TO instead (repeatable; also \
            SWIRL_REWRITE_ENDPOINTS, ';'-separated). For testing workflows against local stand-ins.
            """
    )
    var rewriteEndpoints: [String] = []

    @Option(help: "Write the run's lifecycle CloudEvents to this file, one JSON object per line.")
    var events: String?

    @Option(help: "How to print the output: json (one line) or pretty.")
    var output: OutputStyle = .pretty

    @Flag(help: "Print nothing on stderr but errors.")
    var quiet = false

    @OptionGroup var colors: ColorOptions

    func validate() throws {
        if input != nil && inputFile != nil { throw ValidationError("Give --input or --input-file, not both.") }
    }

    func run() async throws {
        let workflowInput = try readInput()
        let secretValues = try readSecrets()
        let rewrites = try readRewrites()
        let program = try WorkflowFile.compile(file, colors: colors)
        let eventSink = try events.map(EventLines.init(path:))
        // Other definitions are read only when the workflow runs sub-workflows.
        let folder = (file as NSString).deletingLastPathComponent
        let catalog =
            program.uses(activity: "run:workflow")
            ? Self.loadDefinitions(from: definitions ?? (file == "-" || folder.isEmpty ? "." : folder), quiet: quiet)
            : DefinitionCatalog()
        let quiet = self.quiet
        let started = ContinuousClock.now
        let execution = Task {
            try await Self.execute(
                program, input: workflowInput, secrets: secretValues, catalog: catalog, rewrites: rewrites,
                events: eventSink
            ) { progress in
            guard !quiet else { return }
            switch progress.kind {
            case .waiting:
                // Each waiting task has its own line already.
                break
            case .completed:
                let elapsed = ContinuousClock.now - started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                Terminal.writeError("swirl: workflow completed in \(Self.formatDuration(seconds))\n")
            case .faulted:
                break
            case .task(let event):
                Terminal.writeError(Self.progressLine(event))
            }
            }
        }
        // Ctrl-C cancels the run: it stops at its next wait, saves its state and reports cancelled.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler { execution.cancel() }
        interrupt.resume()
        defer { interrupt.cancel() }
        let outcome = try await execution.value
        switch outcome {
        case .completed(let value):
            Terminal.writeOutput(value.serialized(output == .pretty ? .pretty : .compact) + "\n")
        case .faulted(let error):
            Terminal.writeError(error.json.serialized(.pretty) + "\n")
            throw ExitCode.invalidWorkflow
        case .cancelled:
            Terminal.writeError("swirl: the run was cancelled\n")
            throw ExitCode(130)
        }
    }

    /// One line per task phase: `  /do/0/greet completed in 0.4 ms`.
    static func progressLine(_ event: TaskEvent) -> String {
        let what: String
        switch event.kind {
        case .started: what = "started"
        case .completed(let duration): what = "completed in " + formatDuration(duration)
        case .skipped: what = "skipped"
        case .faulted(let error): what = "faulted: \(error.title ?? error.type) (\(error.status))"
        case .retrying(let attempt, let at, let error):
            what = "retry \(attempt) in \(formatDuration(at - event.time)) after \(error.title ?? error.type) (\(error.status))"
        case .waiting(let until): what = "waiting \(formatDuration(until - event.time))"
        }
        return "swirl: \(event.task) \(what)\n"
    }

    static func formatDuration(_ seconds: Double) -> String {
        if seconds < 1 { return String(format: "%.1f ms", seconds * 1000) }
        return String(format: "%.2f s", seconds)
    }

    @JQActor
    static func execute(
        _ program: Program, input: JSON, secrets: OrderedDictionary<String, JSON>, catalog: DefinitionCatalog,
        rewrites: [HTTPCallActivity.Rewrite], events: EventLines?, onProgress: @escaping @Sendable (RunProgress) -> Void
    ) async throws -> RunOutcome {
        let store = MemoryStore()
        let environment = ProcessInfo.processInfo.environment
        // One HTTP client for the whole run, shut down when it ends.
        let client = HTTPCallActivity.makeClient()
        let names = program.definition["use"]?["secrets"]?.arrayValue?.compactMap(\.stringValue) ?? []
        // A missing secret faults the run inside the interpreter, with the error the workflow can see.
        let resolvedSecrets = (try? Secrets.resolve(names, provided: secrets, environment: environment)) ?? Secrets()
        let http = HTTPCallActivity(
            client: client, authentications: program.definition["use"]?["authentications"]?.objectValue.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key, $0.value) }) } ?? [:],
            secrets: resolvedSecrets, rewrites: rewrites)
        // Events reach the run from its own emit tasks and, through the spool folder, from `swirl emit`.
        let bus = EventBus()
        let spool = Task.detached { await EventSpool.defaultFolder.watch(publishingTo: bus) }
        defer { spool.cancel() }
        let activities = ActivityRegistry.local(adding: ["call:http": http])
        let interpreter = try Interpreter(
            program: program, store: store, activities: activities, catalog: catalog, secrets: secrets,
            environment: environment, events: bus)
        // Lifecycle events go to --events; a run never receives its own (DSL-NOTES §2 #37).
        if let events { interpreter.onLifecycleEvent = { event in events.write(event) } }
        interpreter.onProgress = onProgress
        do {
            let outcome = try await interpreter.run(input: input, runID: UUID().uuidString.lowercased())
            try? await http.shutdown()
            return outcome
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// The valid workflows of `directory`, for `run: workflow`; invalid ones are skipped with a note.
    static func loadDefinitions(from directory: String, quiet: Bool) -> DefinitionCatalog {
        let validator = WorkflowValidator.standard()
        var catalog = DefinitionCatalog()
        for path in WorkflowDirectory.workflowFiles(under: directory) {
            var ignored: [Diagnostic] = []
            guard let bytes = try? validator.loader.readFile(atPath: path, diagnostics: &ignored) else { continue }
            if let program = validator.validate(bytes: bytes, file: path).program {
                catalog.add(program)
            } else if !quiet {
                Terminal.writeError("swirl: note: \(path) is not a valid workflow; 'run: workflow' cannot use it\n")
            }
        }
        return catalog
    }

    private func readRewrites() throws -> [HTTPCallActivity.Rewrite] {
        var rewrites: [HTTPCallActivity.Rewrite] = []
        do {
            if let list = ProcessInfo.processInfo.environment["SWIRL_REWRITE_ENDPOINTS"], !list.isEmpty {
                rewrites += try HTTPCallActivity.parseRewrites(list)
            }
            for text in rewriteEndpoints { rewrites.append(try HTTPCallActivity.parseRewrite(text)) }
        } catch {
            throw ValidationError("\(error)")
        }
        return rewrites
    }

    private func readSecrets() throws -> OrderedDictionary<String, JSON> {
        guard let secrets else { return [:] }
        guard let data = FileManager.default.contents(atPath: secrets) else {
            throw EnvironmentFailure(message: "cannot read \(secrets): no such file")
        }
        let document = Loader().load(bytes: [UInt8](data), file: secrets)
        guard let values = document.value?.objectValue, !document.diagnostics.containsErrors else {
            throw EnvironmentFailure(message: "\(secrets) must hold one JSON or YAML object of secret values by name")
        }
        return values
    }

    private func readInput() throws -> JSON {
        let text: String
        if let input {
            text = input
        } else if let inputFile {
            guard let data = FileManager.default.contents(atPath: inputFile) else {
                throw EnvironmentFailure(message: "cannot read \(inputFile): no such file")
            }
            text = String(decoding: data, as: UTF8.self)
        } else {
            return [:]
        }
        do {
            return try JSON(parsing: text)
        } catch {
            throw EnvironmentFailure(message: "the input is not JSON: \(error)")
        }
    }
}

/// A file receiving one JSON value per line.
final class EventLines: Sendable {
    private let handle: FileHandle

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path)
        else { throw EnvironmentFailure(message: "cannot write \(path)") }
        self.handle = handle
    }

    func write(_ value: JSON) {
        handle.write(Data((value.serialized() + "\n").utf8))
    }

    deinit { try? handle.close() }
}
