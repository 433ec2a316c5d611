import Foundation
import SwirlCore
import SwirlTestSupport
import Testing

/// Schedules from the command line, on the local store (`.swirl/swirl.db` of the working folder): `swirl start`
/// registers them, `swirl schedules` lists, pauses, resumes and deletes them, `swirl run` runs the workflow once.
@Suite struct ScheduleCLITests {
    static let hourly = """
        document: {dsl: '1.0.3', namespace: cli, name: hourly, version: '1.0.0'}
        schedule: {every: PT1H}
        do:
          - tick: {set: {ticked: true}}
        """

    static let nightly = """
        document: {dsl: '1.0.3', namespace: cli, name: nightly, version: '1.0.0'}
        schedule: {cron: '0 3 * * *'}
        do:
          - tick: {set: {ticked: true}}
        """

    @Test("swirl start registers a document's schedule once; swirl schedules lists, pauses, resumes and deletes it")
    func registerAndList() throws {
        let scratch = try ScratchFolder()
        let hourly = try scratch.write("hourly.yaml", Self.hourly)
        let nightly = try scratch.write("nightly.yaml", Self.nightly)

        let started = try RunBinary.swirl(["start", hourly, "--input", #"{"from": "cli"}"#], directory: scratch.path)
        #expect(started.exitCode == 0, "\(started.stderr)")
        let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("sch-"))
        #expect(started.stderr.contains("schedule of cli/hourly:1.0.0 registered (every 3600s; next run at "))
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/.swirl/swirl.db"))
        // Registering the same document again keeps the schedule; no run was created.
        let again = try RunBinary.swirl(["start", hourly, "--input", #"{"from": "cli"}"#], directory: scratch.path)
        #expect(again.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == id)
        let runs = try RunBinary.swirl(["runs", "list", "--json"], directory: scratch.path)
        #expect(try JSON(parsing: runs.stdout).arrayValue?.isEmpty == true)
        #expect(try RunBinary.swirl(["start", nightly], directory: scratch.path).exitCode == 0)

        let table = try RunBinary.swirl(["schedules", "list"], directory: scratch.path)
        #expect(table.exitCode == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("ID") == true && lines.first?.contains("SCHEDULE") == true)
        #expect(lines[1].contains(id) && lines[1].contains("cli/hourly:1.0.0") && lines[1].contains("every 3600s"))
        #expect(lines[1].contains("active"))
        #expect(lines[2].contains("cli/nightly:1.0.0") && lines[2].contains("cron '0 3 * * *' UTC"))
        #expect(lines[2].contains("T03:00:00"))

        let listed = try JSON(parsing: try RunBinary.swirl(["schedules", "list", "--json"], directory: scratch.path).stdout)
        let first = try #require(listed.arrayValue?.first)
        #expect(first["id"] == .string(id))
        #expect(first["schedule"] == ["kind": "every", "seconds": 3600])
        #expect(first["input"] == ["from": "cli"])
        #expect(first["paused"] == false)
        #expect(first["runs"] == 0)

        let paused = try RunBinary.swirl(["schedules", "pause", "hourly"], directory: scratch.path)
        #expect(paused.exitCode == 0, "\(paused.stderr)")
        #expect(paused.stderr.contains("paused"))
        #expect(try RunBinary.swirl(["schedules", "list"], directory: scratch.path).stdout.contains("paused"))
        let resumed = try RunBinary.swirl(["schedules", "resume", "cli/hourly"], directory: scratch.path)
        #expect(resumed.exitCode == 0, "\(resumed.stderr)")
        let deleted = try RunBinary.swirl(["schedules", "delete", id], directory: scratch.path)
        #expect(deleted.exitCode == 0, "\(deleted.stderr)")
        let remaining = try JSON(parsing: try RunBinary.swirl(["schedules", "list", "--json"], directory: scratch.path).stdout)
        #expect(remaining.arrayValue?.map { $0["workflow"]?["name"] } == ["nightly"])
        let missing = try RunBinary.swirl(["schedules", "pause", "no-such-schedule"], directory: scratch.path)
        #expect(missing.exitCode == 2 && missing.stderr.contains("no schedule has the id or workflow 'no-such-schedule'"))
    }

    @Test("swirl run of a scheduled workflow says the schedule is for swirl worker, and runs it once")
    func runIgnoresTheSchedule() throws {
        let scratch = try ScratchFolder()
        let hourly = try scratch.write("hourly.yaml", Self.hourly)
        let result = try RunBinary.swirl(["run", hourly, "--ephemeral"], directory: scratch.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stderr.contains("schedule is not followed by 'swirl run'"))
        #expect(result.stderr.contains("'swirl worker' starts its runs"))
        #expect(try JSON(parsing: result.stdout) == ["ticked": true])
    }

    static let onEvents = """
        document: {dsl: '1.0.3', namespace: cli, name: on-event, version: '1.0.0'}
        schedule:
          on:
            one:
              with: {type: com.example.ping, source: 'https://example\\.com/.*'}
        do:
          - greet: {set: {got: '${ $workflow.input[0].data.n }', count: '${ $workflow.input | length }'}}
        """

    @Test("schedule.on: swirl start registers it; under swirl worker each matching event starts a run with the events as input")
    func eventSchedule() async throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write("on.yaml", Self.onEvents)
        let emit = { (type: String, id: String, n: Int) in
            try RunBinary.swirl(
                ["emit", "--type", type, "--source", "https://example.com/pings", "--id", id, "--data", #"{"n": \#(n)}"#],
                directory: scratch.path)
        }
        // An event before the registration starts nothing.
        #expect(try emit("com.example.ping", "before", 0).exitCode == 0)
        let started = try RunBinary.swirl(["start", file], directory: scratch.path)
        #expect(started.exitCode == 0, "\(started.stderr)")
        #expect(started.stderr.contains("on events"), "\(started.stderr)")
        let listed = try JSON(parsing: try RunBinary.swirl(["schedules", "list", "--json"], directory: scratch.path).stdout)
        #expect(listed.arrayValue?.first?["schedule"]?["kind"] == "on")

        let worker = try SwirlProcess(
            ["worker", "--db", "sqlite:" + scratch.path + "/.swirl/swirl.db", "--grace", "0"], name: "worker", scratch: scratch.path)
        defer { _ = worker.terminate(within: 10) }
        #expect(try emit("com.example.ping", "first", 1).exitCode == 0)
        #expect(try emit("com.example.other", "ignored", 2).exitCode == 0)
        #expect(try emit("com.example.ping", "second", 3).exitCode == 0)
        // A second copy of an event (same source and id) is stored once and starts nothing more.
        #expect(try emit("com.example.ping", "second", 3).exitCode == 0)

        var outputs: [JSON] = []
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let runs = try JSON(parsing: try RunBinary.swirl(["runs", "list", "--json"], directory: scratch.path).stdout)
            let items = runs.arrayValue ?? []
            if items.count >= 2, items.allSatisfy({ $0["status"] == "completed" }) {
                outputs = try items.map { item in
                    let id = try #require(item["id"]?.stringValue)
                    let shown = try JSON(parsing: try RunBinary.swirl(["runs", "show", id, "--json"], directory: scratch.path).stdout)
                    return shown["output"] ?? .null
                }
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(
            Set(outputs.map { $0.serialized() }) == [#"{"got":1,"count":1}"#, #"{"got":3,"count":1}"#], "\(worker.output)")
        // Nothing else was started.
        try await Task.sleep(for: .milliseconds(500))
        let runs = try JSON(parsing: try RunBinary.swirl(["runs", "list", "--json"], directory: scratch.path).stdout)
        #expect(runs.arrayValue?.count == 2)
    }

    @Test("schedule.on with an expression filter is refused by swirl start, naming the attribute")
    func refusesExpressionFilters() throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write(
            "on.yaml",
            """
            document: {dsl: '1.0.3', namespace: cli, name: on-event, version: '1.0.0'}
            schedule:
              on:
                any:
                  - with: {type: '${ . == "com.example.ping" }'}
            do:
              - tick: {set: {ticked: true}}
            """)
        let result = try RunBinary.swirl(["start", file], directory: scratch.path)
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("schedule.on.any[0].with.type"), "\(result.stderr)")
    }
}
