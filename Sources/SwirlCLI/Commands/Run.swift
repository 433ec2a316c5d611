import ArgumentParser
import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlPostgres
import SwirlRuntime
import SwirlSyntax

/// `swirl run FILE`: validates, compiles and runs a workflow, and prints its output.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a workflow and print its output as JSON.",
        discussion: """
            The workflow is validated first; an invalid one is reported as 'swirl validate' \
            would. Progress goes to stderr (unless --quiet), the output to stdout. A faulted run \
            prints its error as JSON problem details on stderr and exits 1. The run is kept in a \
            store (.swirl/swirl.db here unless --db, SWIRL_DB or DATABASE_URL names another): its \
            id is printed on stderr, every step is checkpointed, and Ctrl-C stops the process but \
            leaves the run to 'swirl runs resume ID' or to any 'swirl worker' (exit 130); a run \
            killed outright is resumed the same way, from its last checkpoint. With --ephemeral \
            the run lives in memory only and Ctrl-C cancels it (exit 130). SIGTERM does what \
            Ctrl-C does, with exit 143. Either way the process groups of the task processes still \
            running get SIGTERM, then SIGKILL 2 s later, before swirl exits.
            """
    )

    enum OutputStyle: String, ExpressibleByArgument, CaseIterable {
        case json
        case pretty
    }

    @Argument(help: "The workflow file ('-' reads standard input).")
    var file: String

    @OptionGroup var inputOptions: InputOptions

    @OptionGroup var activityOptions: ActivityOptions

    @OptionGroup var store: StoreOptions

    @Flag(help: "Keep the run in memory only: nothing is saved, and Ctrl-C cancels it.")
    var ephemeral = false

    @Option(help: "A run started before with this key is continued instead of starting another.")
    var idempotencyKey: String?

    @Option(help: "Write the run's lifecycle CloudEvents to this file, one JSON object per line.")
    var events: String?

    @Option(
        name: [.customLong("format"), .customLong("output")],
        help: "How to print the output: json (one line) or pretty. --output is another name for it.")
    var output: OutputStyle = .pretty

    @Flag(help: "Print nothing on stderr but errors.")
    var quiet = false

    @OptionGroup var colors: ColorOptions

    func validate() throws {
        if ephemeral && idempotencyKey != nil { throw ValidationError("--idempotency-key needs a store; drop --ephemeral.") }
        if ephemeral && store.database != nil { throw ValidationError("--ephemeral keeps the run in memory; it cannot be used with --db.") }
        try inputOptions.checkStandardInput(workflow: file)
    }

    func run() async throws {
        let workflowInput = try inputOptions.read()
        let compiled = try WorkflowFile.load(file, colors: colors, quiet: quiet)
        let program = compiled.program
        if !quiet, program.definition["schedule"] != nil {
            let operand = file == "-" ? "FILE" : file
            Terminal.writeError(
                "swirl: note: the workflow's schedule is not followed by 'swirl run', which runs it once now; "
                    + "'swirl start \(operand)' registers the schedule and 'swirl worker' starts its runs\n")
        }
        let eventSink = try events.map(EventLines.init(path:))
        // Opened before the activities' set-up, which must be shut down on every path once made.
        let opened = ephemeral ? nil : try await store.location.open()
        var foreground = Foreground(quiet: quiet, style: output == .pretty ? .pretty : .compact)
        foreground.database = store.named
        let colored = colors.useColor
        foreground.locateFault = { compiled.describe($0, colored: colored) }
        let setup: RuntimeSetup
        do {
            setup = try activityOptions.setup(
                defaultDefinitions: WorkflowFile.folder(of: file),
                needsDefinitions: program.uses(activity: "run:workflow"), quiet: quiet)
        } catch {
            await opened?.close()
            throw error
        }
        let outcome: Result<Foreground.Ending, any Error>
        if let opened {
            outcome = await Self.catching {
                try await Self.startDurably(
                    program, input: workflowInput, idempotencyKey: idempotencyKey, store: opened, setup: setup,
                    events: eventSink, foreground: foreground)
            }
        } else {
            outcome = await Self.catching {
                try await foreground.interruptible { progress in
                    try await Self.execute(program, input: workflowInput, setup: setup, events: eventSink, onProgress: progress)
                }
            }
        }
        await setup.shutdown()
        await opened?.close()
        try foreground.finish(outcome.get(), database: opened == nil ? nil : store.named)
    }

    /// What `body` returned or threw.
    private static func catching<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }

    /// Registers the definition, creates the run and serves it in this process.
    @WorkerActor
    static func startDurably(
        _ program: Program, input: JSON, idempotencyKey: String?, store: any Store, setup: RuntimeSetup, events: EventLines?,
        foreground: Foreground
    ) async throws -> Foreground.Ending {
        let library = WorkflowLibrary(catalog: setup.catalog)
        _ = try library.add(program)
        let runID = try await Start.start(
            program, input: input, idempotencyKey: idempotencyKey, store: store, keepingChangedDocument: true,
            quiet: foreground.quiet
        ).id
        foreground.announce(runID)
        return try await foreground.serve(runID: runID, store: store, library: library, setup: setup, events: events)
    }

    /// Runs `program` in memory, to its end.
    @WorkerActor
    static func execute(
        _ program: Program, input: JSON, setup: RuntimeSetup, events: EventLines?,
        onProgress: @escaping @Sendable (RunProgress) -> Void
    ) async throws -> RunOutcome {
        let store = MemoryStore()
        // In memory, events reach the run from its own emit tasks only.
        let bus = EventBus()
        let interpreter = try Interpreter(
            program: program, store: store, activities: setup.activities, catalog: setup.catalog, secrets: setup.secrets,
            environment: setup.environment, events: bus)
        // Lifecycle events go to --events; a run never receives its own (DSL-NOTES §2 #37).
        if let events { interpreter.onLifecycleEvent = { event in events.write(event) } }
        interpreter.onProgress = onProgress
        return try await interpreter.run(input: input, runID: UUID().uuidString.lowercased())
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
