import ArgumentParser
import Foundation
import SwirlCore
import SwirlPostgres
import SwirlRuntime

/// `swirl runs show ID`: one run in full.
struct RunsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a run: status, definition, input, output or error, timings, attempts.")

    @Argument(help: "The run's id.")
    var id: String

    @OptionGroup var json: JSONFlag
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let found = try await RunsOutput.reading(store) { try await $0.run(id: id) }
        guard let run = found else { throw EnvironmentFailure(message: "no run has the id '\(id)'") }
        let value = RunsOutput.details(run)
        if json.enabled {
            Terminal.writeOutput(value.serialized(.pretty) + "\n")
            return
        }
        var lines: [(String, String)] = [
            ("id", run.id), ("status", run.status.rawValue),
            ("workflow", run.definition.displayName), ("definition", run.definition.hash),
            ("created", RunsOutput.time(run.createdAt)), ("updated", RunsOutput.time(run.updatedAt)),
        ]
        if let ended = run.endedAt { lines.append(("ended", RunsOutput.time(ended))) }
        if let wakeAt = run.wakeAt, run.leaseOwner == nil { lines.append(("due", RunsOutput.time(wakeAt))) }
        if let owner = run.leaseOwner {
            lines.append(("held by", owner + (run.leaseExpiresAt.map { " until " + RunsOutput.time($0) } ?? "")))
        }
        lines.append(("claims", "\(run.claims)"))
        lines.append(("takeovers", "\(run.takeovers)"))
        if let control = run.control { lines.append(("requested", control.rawValue)) }
        if let parent = run.parentID { lines.append(("parent", parent)) }
        if let key = run.idempotencyKey { lines.append(("idempotency key", key)) }
        lines.append(("input", run.input.serialized()))
        if let output = run.output { lines.append(("output", output.serialized())) }
        if let error = run.error { lines.append(("error", error.json.serialized())) }
        let width = lines.map(\.0.count).max() ?? 0
        Terminal.writeOutput(lines.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 + "\n" }.joined())
    }
}
