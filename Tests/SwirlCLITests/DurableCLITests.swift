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
        let unrelated = try RunBinary.swirl([
            "emit", "--db", database.url, "--type", "com.example.other", "--source", "https://example.com", "--id", "e0",
        ])
        #expect(unrelated.exitCode == 0, "\(unrelated.stderr)")
        #expect(unrelated.stderr.contains("swirl: the event matched no waiting run\n"), "\(unrelated.stderr)")
        let emitted = try RunBinary.swirl([
            "emit", "--db", database.url, "--type", "com.example.decision", "--source", "https://example.com", "--id", "e1",
            "--data", #"{"approved": true}"#,
        ])
        #expect(emitted.exitCode == 0, "\(emitted.stderr)")
        #expect(emitted.stderr.contains("swirl: the event matched 1 waiting run\n"), "\(emitted.stderr)")
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

    @Test("without --db, SWIRL_DB or DATABASE_URL, runs are kept in .swirl/swirl.db of the current folder")
    func localStoreByDefault() throws {
        let scratch = try ScratchFolder()
        let unset: [String: String?] = ["DATABASE_URL": nil, "SWIRL_DB": nil]
        let ran = try RunBinary.swirl(
            ["run", PackageRoot.path("Workflows/hello.yaml"), "--input", #"{"name": "Ada"}"#, "--output", "json"],
            directory: scratch.path, environment: unset)
        #expect(ran.exitCode == 0, "\(ran.stderr)")
        #expect(ran.stdout == #"{"greeting":"Hello, Ada!"}"# + "\n")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/.swirl/swirl.db"))
        let id = try #require(
            ran.stderr.split(separator: "\n").first { $0.hasPrefix("swirl: run ") }.map { String($0.dropFirst("swirl: run ".count)) })
        let listed = try RunBinary.swirl(["runs", "list", "--json"], directory: scratch.path, environment: unset)
        #expect(listed.exitCode == 0, "\(listed.stderr)")
        let runs = try JSON(parsing: listed.stdout).arrayValue ?? []
        #expect(runs.map { $0["id"] } == [.string(id)])
        #expect(runs.first?["status"] == "completed")
        // The same file named explicitly, from elsewhere.
        let shown = try RunBinary.swirl(["runs", "show", id, "--json", "--db", "sqlite:" + scratch.path + "/.swirl/swirl.db"])
        #expect(shown.exitCode == 0, "\(shown.stderr)")
        #expect(try JSON(parsing: shown.stdout)["output"] == ["greeting": "Hello, Ada!"])
    }

    @Test("a run parked on a long wait says it may be left; Ctrl-C leaves it waiting, resumable")
    func longWaitMayBeLeft() async throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write(
            "wait.yaml",
            "document: {dsl: '1.0.3', namespace: t, name: long-wait, version: '1.0.0'}\ndo:\n  - nap: {wait: PT1H}\n")
        let database = "sqlite:" + scratch.path + "/runs.db"
        let running = try SwirlProcess(["run", file, "--db", database], name: "wait", scratch: scratch.path)
        #expect(await eventually(within: 30) { running.output.contains("waits until") }, "\(running.output)")
        let id = try #require(
            running.output.split(separator: "\n").first { $0.hasPrefix("swirl: run ") }.map { String($0.dropFirst("swirl: run ".count)) })
        #expect(running.output.contains("Ctrl-C leaves it, and 'swirl runs resume \(id) --db '\(database)'' or a 'swirl worker'"))
        running.signal(SIGINT)
        #expect(await eventually(within: 20) { !running.isRunning })
        #expect(running.exitCode == 130, "\(running.output)")
        let shown = try RunBinary.swirl(["runs", "show", id, "--json", "--db", database])
        #expect(try JSON(parsing: shown.stdout)["status"] == "waiting", "\(shown.stdout)")
    }

    @Test("an SQLite store that cannot be opened is an environment error (exit 2) naming the file")
    func unusableLocalStore() throws {
        let scratch = try ScratchFolder()
        let blocker = try scratch.write("plain-file", "not a folder")
        let result = try RunBinary.swirl(["runs", "list", "--db", "sqlite:" + blocker + "/swirl.db"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("cannot use the run store " + blocker + "/swirl.db"), "\(result.stderr)")
        let empty = try RunBinary.swirl(["runs", "list", "--db", "sqlite:"])
        #expect(empty.exitCode != 0)
        #expect(empty.stderr.contains("needs a file"), "\(empty.stderr)")
    }

    @Test("swirl run keeps an edited document under its unchanged version as a build of that version")
    func editedDocumentKeepsRunning() throws {
        let scratch = try ScratchFolder()
        let unset: [String: String?] = ["DATABASE_URL": nil, "SWIRL_DB": nil]
        func document(_ value: Int) -> String {
            "document: {dsl: '1.0.3', namespace: t, name: edited, version: '1.0.0'}\ndo:\n  - only: {set: {n: \(value)}}\n"
        }
        let file = try scratch.write("flow.yaml", document(1))
        let first = try RunBinary.swirl(["run", file, "--output", "json"], directory: scratch.path, environment: unset)
        #expect(first.exitCode == 0, "\(first.stderr)")
        _ = try scratch.write("flow.yaml", document(2))
        let second = try RunBinary.swirl(["run", file, "--output", "json"], directory: scratch.path, environment: unset)
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(second.stdout == #"{"n":2}"# + "\n")
        #expect(second.stderr.contains("another document is stored as t/edited:1.0.0; this one is kept as version 1.0.0+"))
        // `swirl start` refuses the same thing: workers find definitions by version.
        _ = try scratch.write("flow.yaml", document(3))
        let started = try RunBinary.swirl(["start", file], directory: scratch.path, environment: unset)
        #expect(started.exitCode == 2)
        #expect(started.stderr.contains("a different definition of t/edited:1.0.0 is already stored"), "\(started.stderr)")
    }
}
