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
            The workflow is validated, its definition stored (a different document under a \\
            version already stored is refused), and a run created; its id is printed on stdout. \\
            With --idempotency-key, starting again with the same key prints the first run's id \\
            and creates nothing.
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
        let idempotencyKey = self.idempotencyKey
        let created = try await Self.start(program, input: input, idempotencyKey: idempotencyKey, store: opened)
        if !created.created { Terminal.writeError("swirl: a run with this idempotency key exists already\n") }
        Terminal.writeOutput(created.id + "\n")
        await opened.close()
    }

    static func start(_ program: Program, input: JSON, idempotencyKey: String?, store: any Store) async throws -> CreatedRun {
        do {
            return try await store.startRun(of: DefinitionRecord(program: program), input: input, idempotencyKey: idempotencyKey)
        } catch let error as StoreError {
            throw EnvironmentFailure(message: error.description)
        }
    }
}
