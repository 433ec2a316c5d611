import ArgumentParser
import SwirlCore
import SwirlPostgres
import SwirlRuntime

/// `swirl runs list`: the newest runs first.
struct RunsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List runs, newest first.")

    @Option(help: "Only runs with this status (pending, running, waiting, suspended, cancelled, faulted, completed).")
    var status: String?

    @Option(help: "Only runs of this workflow: its name, or namespace/name.")
    var workflow: String?

    @Option(help: "At most this many runs.")
    var limit = 50

    @OptionGroup var json: JSONFlag
    @OptionGroup var store: StoreOptions

    func validate() throws {
        if let status, RunStatus(rawValue: status) == nil {
            throw ValidationError("--status must be one of pending, running, waiting, suspended, cancelled, faulted, completed.")
        }
        if limit < 1 || limit > 10_000 { throw ValidationError("--limit must be between 1 and 10000.") }
    }

    func run() async throws {
        let query = RunQuery(status: status.flatMap(RunStatus.init(rawValue:)), workflow: workflow, limit: limit)
        let runs = try await RunsOutput.reading(store) { try await $0.runs(query) }
        if json.enabled {
            Terminal.writeOutput(JSON.array(runs.map(RunsOutput.summary)).serialized(.pretty) + "\n")
            return
        }
        let rows = runs.map { run in
            [run.id, run.status.rawValue, run.definition.displayName, RunsOutput.time(run.createdAt), RunsOutput.time(run.updatedAt)]
        }
        Terminal.writeOutput(RunsOutput.table(header: ["ID", "STATUS", "WORKFLOW", "CREATED", "UPDATED"], rows: rows))
    }
}
