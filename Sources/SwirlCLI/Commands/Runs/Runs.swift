import ArgumentParser

/// `swirl runs …`: inspect and control the runs of a database.
struct Runs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List, inspect, cancel, suspend and resume the runs of a database.",
        subcommands: [RunsList.self, RunsShow.self, RunsHistory.self, RunsCancel.self, RunsSuspend.self, RunsResume.self]
    )
}

/// `--json`: one JSON document on stdout instead of a table.
struct JSONFlag: ParsableArguments {
    @Flag(name: .customLong("json"), help: "Print one JSON document instead of a table.")
    var enabled = false
}
