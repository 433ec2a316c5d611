import ArgumentParser
import SwirlCore
import SwirlRuntime

/// `swirl schedules`: the schedules registered by `swirl start`.
struct Schedules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules",
        abstract: "List, pause, resume and delete the schedules of a store.",
        discussion: """
            'swirl start FILE' registers the schedule of a workflow whose document has one; any \
            'swirl worker' on the store then starts a run at each fire time, exactly once however \
            many workers there are. Times are UTC. After downtime, the fire times missed produce one \
            run (for the latest of them), not one each. A schedule is named by its id or by its \
            workflow (name, or namespace/name).
            """,
        subcommands: [SchedulesList.self, SchedulesPause.self, SchedulesResume.self, SchedulesDelete.self]
    )
}

/// `swirl schedules list`.
struct SchedulesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List schedules by workflow.")

    @OptionGroup var json: JSONFlag
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let schedules = try await RunsOutput.reading(store) { try await $0.schedules() }
        if json.enabled {
            Terminal.writeOutput(JSON.array(schedules.map(SchedulesOutput.summary)).serialized(.pretty) + "\n")
            return
        }
        let rows = schedules.map { schedule in
            [
                schedule.id, schedule.definition.displayName, SchedulesOutput.describe(schedule.trigger),
                schedule.paused ? "paused" : "active", SchedulesOutput.next(schedule), String(schedule.fires),
                schedule.lastRunID ?? "",
            ]
        }
        Terminal.writeOutput(
            RunsOutput.table(header: ["ID", "WORKFLOW", "SCHEDULE", "STATE", "NEXT", "RUNS", "LAST RUN"], rows: rows))
    }
}

/// `swirl schedules pause ID`.
struct SchedulesPause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause a schedule: it starts no run until resumed.")

    @Argument(help: "The schedule's id, or its workflow's name or namespace/name.")
    var schedule: String

    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await SchedulesOutput.pause(schedule, paused: true, store: store)
    }
}

/// `swirl schedules resume ID`.
struct SchedulesResume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a paused schedule; the fire times it missed are skipped.")

    @Argument(help: "The schedule's id, or its workflow's name or namespace/name.")
    var schedule: String

    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await SchedulesOutput.pause(schedule, paused: false, store: store)
    }
}

/// `swirl schedules delete ID`.
struct SchedulesDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a schedule; the runs it started stay.")

    @Argument(help: "The schedule's id, or its workflow's name or namespace/name.")
    var schedule: String

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let name = schedule
        try await RunsOutput.reading(store) { store in
            let found = try await SchedulesOutput.find(name, in: store)
            try await store.deleteSchedule(id: found.id)
            Terminal.writeError("swirl: schedule \(found.id) of \(found.definition.displayName) deleted\n")
        }
    }
}

/// How `swirl schedules` finds and prints schedules.
enum SchedulesOutput {
    /// The schedule named by its id or its workflow.
    static func find(_ name: String, in store: any Store) async throws -> ScheduleRecord {
        let schedules = try await store.schedules()
        if let schedule = schedules.first(where: { $0.id == name }) { return schedule }
        let matching = schedules.filter {
            "\($0.definition.namespace)/\($0.definition.name)" == name || $0.definition.name == name
        }
        switch matching.count {
        case 1: return matching[0]
        case 0: throw EnvironmentFailure(message: "no schedule has the id or workflow '\(name)'")
        default:
            throw EnvironmentFailure(
                message: "'\(name)' names the schedules of several workflows (\(matching.map(\.definition.displayName).joined(separator: ", "))); give namespace/name or the id")
        }
    }

    static func pause(_ name: String, paused: Bool, store options: StoreOptions) async throws {
        try await RunsOutput.reading(options) { store in
            let found = try await find(name, in: store)
            guard let schedule = try await store.pauseSchedule(id: found.id, paused: paused) else {
                throw EnvironmentFailure(message: "no schedule has the id '\(found.id)'")
            }
            let state = paused ? "paused" : "resumed (\(next(schedule)))"
            Terminal.writeError("swirl: schedule \(schedule.id) of \(schedule.definition.displayName) \(state)\n")
        }
    }

    static func describe(_ trigger: ScheduleTrigger) -> String {
        switch trigger {
        case .every(let seconds): "every \(length(seconds))"
        case .cron(let text): "cron '\(text)' UTC"
        case .after(let seconds): "after \(length(seconds))"
        case .on(let events): "on events \(events.strategy.serialized())"
        }
    }

    private static func length(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }

    static func next(_ schedule: ScheduleRecord) -> String {
        if let due = schedule.dueAt { return RunsOutput.time(due) }
        if case .after = schedule.trigger, let last = schedule.lastRunID { return "when \(last) ends" }
        if case .on = schedule.trigger { return "at each matching event" }
        return "never"
    }

    static func summary(_ schedule: ScheduleRecord) -> JSON {
        var trigger: OrderedDictionary<String, JSON> = ["kind": .string(schedule.trigger.kind)]
        if let seconds = schedule.trigger.seconds { trigger["seconds"] = .number(seconds) }
        if let cron = schedule.trigger.cron { trigger["cron"] = .string(cron) }
        if let events = schedule.trigger.events { trigger["on"] = events.strategy }
        var object: OrderedDictionary<String, JSON> = [
            "id": .string(schedule.id),
            "workflow": [
                "namespace": .string(schedule.definition.namespace), "name": .string(schedule.definition.name),
                "version": .string(schedule.definition.version), "hash": .string(schedule.definition.hash),
            ],
            "schedule": .object(trigger), "paused": .bool(schedule.paused), "input": schedule.input,
            "runs": .number(Double(schedule.fires)), "createdAt": .string(RunsOutput.time(schedule.createdAt)),
        ]
        if let due = schedule.dueAt { object["nextRunAt"] = .string(RunsOutput.time(due)) }
        if let last = schedule.lastRunID { object["lastRunID"] = .string(last) }
        if let fired = schedule.lastFireAt { object["lastFireAt"] = .string(RunsOutput.time(fired)) }
        return .object(object)
    }
}
