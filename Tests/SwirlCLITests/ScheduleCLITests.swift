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

    @Test("swirl start refuses schedule.on, which is not supported yet")
    func refusesOn() throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write(
            "on.yaml",
            """
            document: {dsl: '1.0.3', namespace: cli, name: on-event, version: '1.0.0'}
            schedule:
              on:
                one:
                  with: {type: com.example.ping}
            do:
              - tick: {set: {ticked: true}}
            """)
        let result = try RunBinary.swirl(["start", file], directory: scratch.path)
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("schedule.on"))
    }
}
