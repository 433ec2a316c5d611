import ArgumentParser
import Foundation
import SwirlCore
import SwirlPostgres
import SwirlRuntime

/// `swirl emit`: stores a CloudEvent in the store the runs use, wakes the runs that listen for
/// events, and says how many of them it matched.
struct Emit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emit",
        abstract: "Deliver a CloudEvent to the runs of a store that listen for it.",
        discussion: """
            The event is stored once in the store the runs use (.swirl/swirl.db here unless --db, \
            SWIRL_DB or DATABASE_URL names another; an event with the same source and id is a \
            duplicate), and every run waiting in a listen there is woken to look at it, even one \
            no process holds: a parked run receives it when it is next claimed. Runs started \
            with 'swirl run --ephemeral' live in memory and receive only their own events. The \
            event is printed on stdout, and on stderr how many waiting runs it matched.
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

    @OptionGroup var store: StoreOptions

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
        let delivery = try await RunsOutput.reading(store) { try await $0.deliver(event: value) }
        switch delivery {
        case .duplicate: Terminal.writeError("swirl: an event with this source and id was delivered before\n")
        case .stored(_, let listeners): Terminal.writeError("swirl: \(Self.describe(listeners))\n")
        }
        Terminal.writeOutput(value.serialized() + "\n")
    }

    /// What `swirl emit` says of the runs an event reached.
    static func describe(_ listeners: ListenerCount) -> String {
        func runs(_ count: Int) -> String { count == 1 ? "1 waiting run" : "\(count) waiting runs" }
        var text = listeners.matched == 0 ? "the event matched no waiting run" : "the event matched \(runs(listeners.matched))"
        if listeners.possible > 0 {
            text += listeners.possible == 1
                ? "; 1 more may take it (its listen also filters with expressions or correlations, which the run evaluates when it wakes)"
                : "; \(listeners.possible) more may take it (their listens also filter with expressions or correlations, which each run evaluates when it wakes)"
        }
        return text
    }
}
