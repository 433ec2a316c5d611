import ArgumentParser
import SwirlCore
import SwirlPostgres
import SwirlRuntime

/// `swirl runs history ID`: what happened to a run, in order.
struct RunsHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Show a run's history: lifecycle events and task results, in order.")

    @Argument(help: "The run's id.")
    var id: String

    @OptionGroup var json: JSONFlag
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let (found, entries) = try await RunsOutput.reading(store) { (try await $0.run(id: id), try await $0.history(runID: id)) }
        guard found != nil else { throw EnvironmentFailure(message: "no run has the id '\(id)'") }
        if json.enabled {
            Terminal.writeOutput(JSON.array(entries.map(RunsOutput.entry)).serialized(.pretty) + "\n")
            return
        }
        let rows = entries.map { entry in
            [
                RunsOutput.time(entry.time), entry.kind, entry.task ?? "", entry.attempt.map { "\($0)" } ?? "",
                RunsOutput.excerpt(entry.data?.value),
            ]
        }
        Terminal.writeOutput(RunsOutput.table(header: ["TIME", "EVENT", "TASK", "ATTEMPT", "DATA"], rows: rows))
    }
}
