import ArgumentParser

/// `swirl runs …`: inspect and control the runs of a database.
struct Runs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List, inspect, cancel, suspend and resume the runs of a database.",
        subcommands: [RunsList.self, RunsShow.self, RunsHistory.self, RunsCancel.self, RunsSuspend.self, RunsResume.self]
    )
}

/// `--format table|json` (`--json` for short): a table, or one JSON document on stdout.
struct JSONFlag: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table
        case json
    }

    @Option(help: "How to print: a table, or json (one JSON document on stdout).")
    var format: Format = .table

    @Flag(name: .customLong("json"), help: "Same as --format json.")
    var json = false

    /// Whether JSON was asked for, by either name.
    var enabled: Bool { json || format == .json }
}
