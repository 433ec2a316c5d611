import ArgumentParser
import Foundation
import SwirlCore
import SwirlRuntime

/// `swirl emit`: delivers a CloudEvent to the runs of `swirl run` on this machine that listen
/// for events, through a spool folder they watch.
struct Emit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a CloudEvent to the workflows that 'swirl run' is running here.",
        discussion: """
            The event is written to the events folder (SWIRL_EVENTS_DIR, or .swirl/events in the \\
            current directory), which every 'swirl run' started from the same folder watches; \\
            runs listening for a matching event receive it. The event is printed on stdout.
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

    func run() throws {
        var attributes: OrderedDictionary<String, JSON> = ["source": .string(source), "type": .string(type)]
        if let subject { attributes["subject"] = .string(subject) }
        if let data {
            do {
                attributes["data"] = try JSON(parsing: data)
            } catch {
                throw EnvironmentFailure(message: "--data is not JSON: \(error)")
            }
        }
        let value = CloudEvents.envelope(attributes, time: Date().timeIntervalSince1970)
        try EventSpool.defaultFolder.deposit(value)
        Terminal.writeOutput(value.serialized() + "\n")
    }
}
