import ArgumentParser
import Foundation
import SwirlCompiler
import SwirlCore
import SwirlPostgres
import SwirlRuntime

/// `swirl start FILE`: registers a workflow and creates a run for the workers.
struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a run of a workflow in a database, for 'swirl worker' to carry out.",
        discussion: """
            The workflow is validated, its definition stored (a different document under a \
            version already stored is refused), and a run created; its id is printed on stdout. \
            With --idempotency-key, starting again with the same key prints the first run's id \
            and creates nothing.

            A workflow whose document has a 'schedule' (every, cron or after; times in UTC) is \
            registered instead of started: its schedule's id is printed on stdout, and any \
            'swirl worker' on the same store starts its runs. Starting it again with the same \
            document and input keeps the schedule as it is; a changed one replaces it. See \
            'swirl schedules'.
            """
    )

    @Argument(help: "The workflow file ('-' reads standard input).")
    var file: String

    @OptionGroup var inputOptions: InputOptions

    @Option(help: "A key that makes starting idempotent: the same key gives the same run.")
    var idempotencyKey: String?

    @OptionGroup var store: StoreOptions

    @OptionGroup var colors: ColorOptions

    func validate() throws {
        try inputOptions.checkStandardInput(workflow: file)
    }

    func run() async throws {
        let input = try inputOptions.read()
        let program = try WorkflowFile.compile(file, colors: colors)
        let opened = try await store.open(poolSize: 1)
        let trigger: ScheduleTrigger?
        do {
            trigger = try ScheduleTrigger(document: program.definition)
        } catch {
            await opened.close()
            throw EnvironmentFailure(message: "cannot register the schedule: \(error)")
        }
        if let trigger {
            do {
                try await Self.register(program, trigger: trigger, input: input, store: opened)
            } catch {
                await opened.close()
                throw error
            }
            await opened.close()
            return
        }
        let idempotencyKey = self.idempotencyKey
        let created = try await Self.start(program, input: input, idempotencyKey: idempotencyKey, store: opened)
        if !created.created { Terminal.writeError("swirl: a run with this idempotency key exists already\n") }
        Terminal.writeOutput(created.id + "\n")
        await opened.close()
    }

    /// Stores the definition and registers its schedule; prints the schedule's id on stdout.
    static func register(_ program: Program, trigger: ScheduleTrigger, input: JSON, store: any Store) async throws {
        let definition = DefinitionRecord(program: program)
        let schedule = try await RunsOutput.storeCall {
            try await store.saveDefinition(definition)
            return try await store.saveSchedule(NewSchedule(definitionHash: definition.hash, trigger: trigger, input: input))
        }
        let next = schedule.dueAt.map { "next run at \(RunsOutput.time($0))" } ?? SchedulesOutput.next(schedule)
        Terminal.writeError(
            "swirl: schedule of \(definition.displayName) registered (\(SchedulesOutput.describe(schedule.trigger)); "
                + "\(schedule.paused ? "paused" : next)); 'swirl worker' starts its runs\n")
        Terminal.writeOutput(schedule.id + "\n")
    }

    /// Stores the definition and creates the run.
    ///
    /// - Parameter keepingChangedDocument: when the store holds another document under the workflow's version
    ///   (a file edited without a new version, as happens while writing it), store this one as a build of that
    ///   version, `VERSION+HASH` (semantic versioning's build metadata: the same version, another build), and
    ///   say so on stderr, instead of refusing. For `swirl run`, which runs the file it is given; `swirl start`
    ///   refuses, since workers and sub-workflow calls find definitions by version.
    static func start(
        _ program: Program, input: JSON, idempotencyKey: String?, store: any Store, keepingChangedDocument: Bool = false,
        quiet: Bool = false
    ) async throws -> CreatedRun {
        var definition = DefinitionRecord(program: program)
        do {
            return try await store.startRun(of: definition, input: input, idempotencyKey: idempotencyKey)
        } catch StoreError.definitionConflict where keepingChangedDocument {
            let stored = definition.displayName
            definition.version += "+" + definition.hash.prefix(12)
            if !quiet {
                Terminal.writeError(
                    "swirl: note: another document is stored as \(stored); this one is kept as version \(definition.version)\n")
            }
        } catch let error as StoreError {
            throw EnvironmentFailure(message: error.description)
        }
        do {
            return try await store.startRun(of: definition, input: input, idempotencyKey: idempotencyKey)
        } catch let error as StoreError {
            throw EnvironmentFailure(message: error.description)
        }
    }
}
