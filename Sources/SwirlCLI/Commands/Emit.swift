import ArgumentParser
import Foundation
import SwirlCore
import SwirlPostgres
import SwirlRuntime

/// `swirl emit`: delivers a CloudEvent to the runs of `swirl run` on this machine that listen
/// for events, through a spool folder they watch.
struct Emit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emit",
        abstract: "Send a CloudEvent to the workflows that 'swirl run' is running here.",
        discussion: """
            The event is written to the events folder (SWIRL_EVENTS_DIR, or .swirl/events in the \\
            current directory), which every 'swirl run' started from the same folder watches; \\
            runs listening for a matching event receive it. With --db the event is stored in \
            that database instead, once (an event with the same source and id is a duplicate), \
            and every run waiting in a matching listen there is woken, even one no process holds. \
            The event is printed on stdout.
            """
    )

    @Option(help: "The event's type, such as com.example.approval.")
    var type: String

    @Option(help: "The event's source, a URI reference such as https://example.com/approvals.")
    var source: String

    @Option(help: "The event's data, as JSON text.")
    var data: String?

    @Option(help: "The event's subject.")
    var subject: String?

    @Option(help: "The event's id (default: a new UUID); the store ignores a second event with the same source and id.")
    var id: String?

    @Option(
        name: .customLong("db"),
        help: ArgumentHelp("Deliver the event to the runs of this PostgreSQL database.", valueName: "url"))
    var database: String?

    func validate() throws {
        // CloudEvents requires these attributes to be non-empty strings.
        if type.isEmpty { throw ValidationError("--type must not be empty: a CloudEvent needs a type.") }
        if source.isEmpty { throw ValidationError("--source must not be empty: a CloudEvent needs a source.") }
        if id?.isEmpty == true { throw ValidationError("--id must not be empty: a CloudEvent needs an id.") }
    }

    func run() async throws {
        var attributes: OrderedDictionary<String, JSON> = ["source": .string(source), "type": .string(type)]
        if let subject { attributes["subject"] = .string(subject) }
        if let id { attributes["id"] = .string(id) }
        if let data {
            do {
                attributes["data"] = try JSON(parsing: data)
            } catch {
                throw EnvironmentFailure(message: "--data is not JSON: \(error)")
            }
        }
        let value = CloudEvents.envelope(attributes, time: Date().timeIntervalSince1970)
        if let database {
            let store = try await StoreOptions.open(url: database, poolSize: 1)
            let delivery = try await RunsOutput.storeCall { try await store.deliver(event: value) }
            await store.close()
            if delivery == .duplicate { Terminal.writeError("swirl: an event with this source and id was delivered before\n") }
        } else {
            try EventSpool.defaultFolder.deposit(value)
        }
        Terminal.writeOutput(value.serialized() + "\n")
    }
}
