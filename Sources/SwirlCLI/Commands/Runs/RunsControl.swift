import ArgumentParser
import SwirlRuntime

/// `swirl runs cancel ID`.
struct RunsCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a run (and its child runs); a worker holding it stops its activities.")

    @Argument(help: "The run's id.")
    var id: String

    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await RunsOutput.control(.cancel, id: id, store: store)
        Terminal.writeError("swirl: cancellation of run \(id) requested\n")
    }
}

/// `swirl runs suspend ID`.
struct RunsSuspend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspend",
        abstract: "Suspend a run: it is saved and not claimed again until 'swirl runs resume'.")

    @Argument(help: "The run's id.")
    var id: String

    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await RunsOutput.control(.suspend, id: id, store: store)
        Terminal.writeError("swirl: suspension of run \(id) requested\n")
    }
}
