import Foundation
import SwirlCore
import SwirlTestSupport
import Testing

/// The commands that operate durable runs, run as a user would against a real PostgreSQL:
/// `migrate`, `start`, `worker`, `run --db`, `runs …`, `emit --db`.
@Suite(.enabled(if: TestDatabase.isAvailableOrRequired, "SWIRL_TEST_DATABASE_URL is not set; use scripts/test"))
struct DurableCLITests {
    static let hello = """
        document: {dsl: '1.0.3', namespace: cli, name: hello, version: '1.0.0'}
        do:
          - greet: {set: {greeting: '${ "Hello, " + .name + "!" }'}}
        """

    static let approval = """
        document: {dsl: '1.0.3', namespace: cli, name: approval, version: '1.0.0'}
        do:
          - decide:
              listen:
                to:
                  one:
                    with: {type: com.example.decision}
          - done: {set: {approved: '${ .[0].approved }'}}
        """

    static let sleeper = """
        document: {dsl: '1.0.3', namespace: cli, name: sleeper, version: '1.0.0'}
        do:
          - first: {set: {step: 1}}
          - nap: {wait: PT1H}
          - last: {set: {step: 2}}
        """

    @Test("migrate applies once and prints its SQL; start is idempotent on its key; a worker runs the run; runs list, show and history report it")
    func startWorkerInspect() async throws {
        let database = try ScratchDatabase()
        let scratch = try ScratchFolder()
        let file = try scratch.write("hello.yaml", Self.hello)

        let migrate = try RunBinary.swirl(["migrate", "--db", database.url])
        #expect(migrate.exitCode == 0, "\(migrate.stderr)")
        #expect(try RunBinary.swirl(["migrate", "--db", database.url]).exitCode == 0)
        let sql = try RunBinary.swirl(["migrate", "--print-sql"])
        #expect(sql.exitCode == 0 && sql.stdout.contains("CREATE TABLE"))

        let started = try RunBinary.swirl(["start", file, "--input", #"{"name": "Ada"}"#, "--idempotency-key", "k1", "--db", database.url])
        #expect(started.exitCode == 0, "\(started.stderr)")
        let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!id.isEmpty)
        let again = try RunBinary.swirl(["start", file, "--input", #"{"name": "Ada"}"#, "--idempotency-key", "k1", "--db", database.url])
        #expect(again.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == id)

        let pending = try RunBinary.swirl(["runs", "show", id, "--json", "--db", database.url])
        #expect(try JSON(parsing: pending.stdout)["status"] == "pending")

        let worker = try SwirlProcess(["worker", "--db", database.url], name: "worker", scratch: scratch.path)
        let completed = await eventually(within: 30) {
            let shown = try? RunBinary.swirl(["runs", "show", id, "--json", "--db", database.url])
            return (try? JSON(parsing: shown?.stdout ?? ""))?["status"] == "completed"
        }
        #expect(completed)
        // SIGTERM: the worker stops claiming, releases what it holds, and exits 0.
        #expect(worker.terminate() == 0, "\(worker.output)")

        let shown = try JSON(parsing: try RunBinary.swirl(["runs", "show", id, "--json", "--db", database.url]).stdout)
        #expect(shown["output"] == ["greeting": "Hello, Ada!"])
        #expect(shown["workflow"]?["name"] == "hello")
        let table = try RunBinary.swirl(["runs", "list", "--db", database.url])
        #expect(table.exitCode == 0)
        #expect(table.stdout.hasPrefix("ID"))
        #expect(table.stdout.contains(id) && table.stdout.contains("completed") && table.stdout.contains("cli/hello:1.0.0"))
        let listed = try JSON(parsing: try RunBinary.swirl(["runs", "list", "--status", "completed", "--json", "--db", database.url]).stdout)
        #expect(listed.arrayValue?.count == 1)
        let history = try JSON(parsing: try RunBinary.swirl(["runs", "history", id, "--json", "--db", database.url]).stdout)
        let kinds = history.arrayValue?.compactMap { $0["kind"]?.stringValue } ?? []
        #expect(kinds == ["run.started", "task.started", "task.completed", "run.completed"])

        let missing = try RunBinary.swirl(["runs", "show", "no-such-run", "--db", database.url])
        #expect(missing.exitCode == 2 && missing.stderr.contains("no run has the id 'no-such-run'"))
    }

    @Test("a changed document under a stored version is refused with a clear message")
    func definitionConflict() throws {
        let database = try ScratchDatabase()
        let scratch = try ScratchFolder()
        let first = try scratch.write("a.yaml", Self.hello)
        let second = try scratch.write("b.yaml", Self.hello.replacingOccurrences(of: "Hello, ", with: "Hi, "))
        #expect(try RunBinary.swirl(["start", first, "--input", #"{"name": "A"}"#, "--db", database.url]).exitCode == 0)
        let refused = try RunBinary.swirl(["start", second, "--input", #"{"name": "A"}"#, "--db", database.url])
        #expect(refused.exitCode == 2)
        #expect(refused.stderr.contains("cli/hello:1.0.0"), "\(refused.stderr)")
    }

    @Test("run --db prints its id and the output; a parked listen receives swirl emit --db with no process holding it")
    func runAndEmit() async throws {
        let database = try ScratchDatabase()
        let scratch = try ScratchFolder()
        let hello = try scratch.write("hello.yaml", Self.hello)
        let result = try RunBinary.swirl(["run", hello, "--input", #"{"name": "Bo"}"#, "--db", database.url, "--output", "json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == #"{"greeting":"Hello, Bo!"}"# + "\n")
        #expect(result.stderr.contains("swirl: run "))

        // The run parks in its listen: no process holds it while it waits.
        let approval = try scratch.write("approval.yaml", Self.approval)
        let id = try RunBinary.swirl(["start", approval, "--db", database.url]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var worker = try SwirlProcess(["worker", "--db", database.url], name: "worker1", scratch: scratch.path)
        #expect(await eventually(within: 30) {
            (try? JSON(parsing: (try? RunBinary.swirl(["runs", "show", id, "--json", "--db", database.url]))?.stdout ?? ""))?["status"]
                == "waiting"
        })
        #expect(worker.terminate() == 0)
        let emitted = try RunBinary.swirl([
            "emit", "--db", database.url, "--type", "com.example.decision", "--source", "https://example.com", "--id", "e1",
            "--data", #"{"approved": true}"#,
        ])
        #expect(emitted.exitCode == 0, "\(emitted.stderr)")
        let duplicate = try RunBinary.swirl([
            "emit", "--db", database.url, "--type", "com.example.decision", "--source", "https://example.com", "--id", "e1",
            "--data", #"{"approved": false}"#,
        ])
        #expect(duplicate.stderr.contains("delivered before"))
        // A worker started after the event still finds the run due and completes it.
        worker = try SwirlProcess(["worker", "--db", database.url], name: "worker2", scratch: scratch.path)
        #expect(await eventually(within: 30) {
            (try? JSON(parsing: (try? RunBinary.swirl(["runs", "show", id, "--json", "--db", database.url]))?.stdout ?? ""))?["output"]
                == ["approved": true]
        })
        _ = worker.terminate()
    }

    @Test("Ctrl-C stops swirl run --db and keeps the run; runs suspend, resume --detach and cancel control it")
    func interruptSuspendResumeCancel() async throws {
        let database = try ScratchDatabase()
        let scratch = try ScratchFolder()
        let file = try scratch.write("sleeper.yaml", Self.sleeper)
        let running = try SwirlProcess(["run", file, "--db", database.url], name: "run", scratch: scratch.path)
        #expect(await eventually(within: 30) { running.output.contains("/do/1/nap waiting") })
        running.signal(SIGINT)
        #expect(await eventually(within: 20) { !running.isRunning })
        #expect(running.exitCode == 130)
        let output = running.output
        let id = try #require(output.split(separator: "\n").first { $0.hasPrefix("swirl: run ") }.map { String($0.dropFirst("swirl: run ".count)) })
        #expect(output.contains("swirl runs resume \(id)"), "\(output)")

        func status() throws -> JSON? {
            try JSON(parsing: try RunBinary.swirl(["runs", "show", id, "--json", "--db", database.url]).stdout)["status"]
        }
        #expect(try status() == "waiting")
        let suspended = try RunBinary.swirl(["runs", "suspend", id, "--db", database.url])
        #expect(suspended.exitCode == 0, "\(suspended.stderr)")
        #expect(try status() == "suspended")
        #expect(try RunBinary.swirl(["runs", "resume", id, "--detach", "--db", database.url]).exitCode == 0)
        #expect(try status() == "waiting")
        #expect(try RunBinary.swirl(["runs", "cancel", id, "--db", database.url]).exitCode == 0)
        // Nobody holds the parked run: the next worker to claim it finalises the cancellation.
        let worker = try SwirlProcess(["worker", "--db", database.url], name: "worker", scratch: scratch.path)
        #expect(await eventually(within: 30) { (try? status()) == "cancelled" })
        _ = worker.terminate()
        let again = try RunBinary.swirl(["runs", "cancel", id, "--db", database.url])
        #expect(again.exitCode == 2 && again.stderr.contains("cancelled"))
    }

    @Test("runs resume continues a stopped run in the foreground and prints its output")
    func resumeInForeground() async throws {
        let database = try ScratchDatabase()
        let scratch = try ScratchFolder()
        let file = try scratch.write(
            "short.yaml",
            """
            document: {dsl: '1.0.3', namespace: cli, name: short, version: '1.0.0'}
            do:
              - first: {set: {step: 1}}
              - nap: {wait: PT15S}
              - last: {set: {step: 2}}
            """)
        let running = try SwirlProcess(["run", file, "--db", database.url], name: "run", scratch: scratch.path)
        #expect(await eventually(within: 30) { running.output.contains("/do/1/nap waiting") })
        running.signal(SIGINT)
        #expect(await eventually(within: 20) { !running.isRunning })
        // Interrupted, not finished: the wait is long enough for a loaded machine.
        #expect(running.exitCode == 130, "\(running.output)")
        let id = try #require(
            running.output.split(separator: "\n").first { $0.hasPrefix("swirl: run ") }.map { String($0.dropFirst("swirl: run ".count)) })
        let resumed = try RunBinary.swirl(["runs", "resume", id, "--db", database.url, "--output", "json"])
        #expect(resumed.exitCode == 0, "\(resumed.stderr)")
        #expect(resumed.stdout == #"{"step":2}"# + "\n")
        #expect(resumed.stderr.contains("/do/2/last completed"))
    }

    @Test("without a database the commands that need one say so and exit 2")
    func noDatabase() throws {
        let result = try RunBinary.swirl(["runs", "list"], environment: ["DATABASE_URL": nil])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("no database"))
    }
}
