import ArgumentParser
import SwirlCore
import SwirlExpressions
import SwirlPostgres
import SwirlRuntime

/// `swirl runs resume ID`: clears a suspension and continues the run in the foreground.
struct RunsResume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a run: clear its suspension and continue it here, as 'swirl run' would.",
        discussion: """
            The run continues from its last checkpoint in this process (progress on stderr, the \
            output on stdout, the exit codes of 'swirl run') until it ends; a run held by a \
            worker is followed until it ends. --detach only clears the suspension and leaves the \
            run to the workers.
            """
    )

    @Argument(help: "The run's id.")
    var id: String

    @Flag(help: "Only clear the suspension; let the workers continue the run.")
    var detach = false

    @OptionGroup var activityOptions: ActivityOptions

    @Option(help: "Write the run's lifecycle CloudEvents to this file, one JSON object per line.")
    var events: String?

    @Option(
        name: [.customLong("format"), .customLong("output")],
        help: "How to print the output: json (one line) or pretty. --output is another name for it.")
    var output: Run.OutputStyle = .pretty

    @Flag(help: "Print nothing on stderr but errors.")
    var quiet = false

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let id = self.id
        let runID = id
        let opened = try await store.open()
        guard let record = try await RunsOutput.storeCall({ try await opened.run(id: id) }) else {
            await opened.close()
            throw EnvironmentFailure(message: "no run has the id '\(id)'")
        }
        if record.status == .suspended || record.control == .suspend {
            _ = try await RunsOutput.storeCall { try await opened.request(.resume, runID: id) }
        }
        if detach {
            await opened.close()
            Terminal.writeError("swirl: run \(id) resumed; the workers continue it\n")
            return
        }
        let setup = try activityOptions.setup(defaultDefinitions: nil, quiet: quiet)
        let eventSink = try events.map(EventLines.init(path:))
        var foreground = Foreground(quiet: quiet, style: output == .pretty ? .pretty : .compact)
        foreground.database = store.named
        let ending = try await Self.serve(runID, store: opened, setup: setup, events: eventSink, foreground: foreground)
        await setup.shutdown()
        await opened.close()
        try foreground.finish(ending, database: store.named)
    }

    @WorkerActor
    static func serve(_ id: String, store: any Store, setup: RuntimeSetup, events: EventLines?, foreground: Foreground)
        async throws -> Foreground.Ending
    {
        try await foreground.serve(
            runID: id, store: store, library: WorkflowLibrary(catalog: setup.catalog), setup: setup, events: events)
    }
}
