import Foundation
import SwirlCore
import SwirlTestSupport
import Testing

/// A jq expression that never ends no longer holds `swirl run` for ever: the workflow's timeout,
/// the per-expression limit and SIGINT each end it, through the expression watchdog.
@Suite struct RunawayExpressionCLITests {
    /// A workflow whose last task sets `n` from `expression`, after the tasks in `before`, with
    /// `extra` lines at the top level.
    static func workflow(_ expression: String, extra: String = "", before: String = "") -> String {
        """
        document: {dsl: '1.0.3', namespace: cli, name: runaway, version: '1.0.0'}
        \(extra)
        do:
        \(before)
          - spin:
              set:
                n: \(JSON.quote("${ \(expression) }"))
        """
    }

    @Test("a never-ending expression under a workflow timeout of 2 s faults the run with a timeout error within seconds")
    func workflowTimeout() async throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write("runaway.yaml", Self.workflow("last(range(1e12))", extra: "timeout: {after: PT2S}"))
        // The per-expression ceiling is out of the way: the workflow's timeout must be what ends it.
        let running = try SwirlProcess(["run", file, "--jq-timeout", "600"], name: "run", scratch: scratch.path)
        defer { if running.isRunning { running.kill9() } }
        // Without the watchdog the process never stops; with it, 2 s and a little. The bound is
        // for a loaded machine.
        #expect(await eventually(within: 60, every: 0.05) { !running.isRunning }, "\(running.output)")
        #expect(running.exitCode == 1, "\(running.output)")
        let output = running.output
        #expect(output.contains("Expression timed out"), "\(output)")
        #expect(output.contains("errors/timeout"), "\(output)")
        #expect(output.contains("/do/0/spin"), "\(output)")
        // What was left of the 2 s when the expression began, to the hundredth.
        #expect(output.contains("did not finish within 1.9") || output.contains("did not finish within 2 s"), "\(output)")
        #expect(output.contains("the time left before a timeout of the task or workflow"), "\(output)")
    }

    @Test("without any timeout, the per-expression limit (--jq-timeout, SWIRL_JQ_TIMEOUT) ends it", arguments: [true, false])
    func ceiling(fromOption: Bool) async throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write("runaway.yaml", Self.workflow("last(repeat(1))"))
        let running = try SwirlProcess(
            ["run", file] + (fromOption ? ["--jq-timeout", "1"] : []), name: "run",
            environment: fromOption ? [:] : ["SWIRL_JQ_TIMEOUT": "1"], scratch: scratch.path)
        defer { if running.isRunning { running.kill9() } }
        #expect(await eventually(within: 60, every: 0.05) { !running.isRunning }, "\(running.output)")
        #expect(running.exitCode == 1, "\(running.output)")
        #expect(running.output.contains("did not finish within 1 s (the limit for one expression)"), "\(running.output)")
    }

    @Test("a malformed SWIRL_JQ_TIMEOUT is a usage error")
    func malformedCeiling() throws {
        let result = try RunBinary.swirl(["run", "Workflows/hello.yaml"], environment: ["SWIRL_JQ_TIMEOUT": "soon"])
        #expect(result.exitCode == 2, "\(result.stderr)")
        #expect(result.stderr.contains("SWIRL_JQ_TIMEOUT"), "\(result.stderr)")
    }

    @Test("SIGINT while an expression never ends stops swirl run promptly with 130")
    func interrupt() async throws {
        let scratch = try ScratchFolder()
        // Progress lines of a step come out when the step ends, so a short wait first shows when
        // the run is under way; the expression begins as soon as the wait is over.
        let file = try scratch.write(
            "runaway.yaml", Self.workflow("last(repeat(1))", before: "  - pause: {wait: PT0.2S}"))
        let running = try SwirlProcess(["run", file, "--jq-timeout", "600"], name: "run", scratch: scratch.path)
        defer { if running.isRunning { running.kill9() } }
        #expect(await eventually(within: 60, every: 0.05) { running.output.contains("/do/0/pause waiting") }, "\(running.output)")
        try await Task.sleep(for: .seconds(2))
        let signalled = ContinuousClock.now
        running.signal(SIGINT)
        #expect(await eventually(within: 30, every: 0.02) { !running.isRunning }, "\(running.output)")
        let took = ContinuousClock.now - signalled
        #expect(running.exitCode == 130, "\(running.output)")
        // Without the fix it never stops; the bound is for a loaded machine.
        #expect(took < .seconds(20), "swirl took \(took) to stop")
    }
}

/// `swirl worker` against PostgreSQL: a run stuck in an expression faults, saved, while the
/// worker's other runs complete; SIGTERM during such an expression stops the worker at once and
/// leaves the run to be continued, not faulted.
@Suite(.enabled(if: TestDatabase.isAvailableOrRequired, "SWIRL_TEST_DATABASE_URL is not set; use scripts/test"))
struct RunawayExpressionWorkerTests {
    static func status(_ id: String, _ database: ScratchDatabase) -> JSON? {
        guard let shown = try? RunBinary.swirl(["runs", "show", id, "--json", "--db", database.url]) else { return nil }
        return try? JSON(parsing: shown.stdout)
    }

    static func start(_ file: String, _ database: ScratchDatabase) throws -> String {
        let started = try RunBinary.swirl(["start", file, "--db", database.url])
        #expect(started.exitCode == 0, "\(started.stderr)")
        return started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("a worker faults the stuck run with a timeout error and completes its other runs")
    func faultsAndGoesOn() async throws {
        let database = try ScratchDatabase()
        let scratch = try ScratchFolder()
        #expect(try RunBinary.swirl(["migrate", "--db", database.url]).exitCode == 0)
        let stuck = try Self.start(
            try scratch.write("stuck.yaml", RunawayExpressionCLITests.workflow("last(range(1e12))")), database)
        let hello = try Self.start(try scratch.write("hello.yaml", DurableCLITests.hello), database)
        let worker = try SwirlProcess(["worker", "--db", database.url, "--jq-timeout", "2"], name: "worker", scratch: scratch.path)
        defer { if worker.isRunning { worker.kill9() } }
        #expect(await eventually(within: 60) { Self.status(stuck, database)?["status"] == "faulted" }, "\(worker.output)")
        #expect(await eventually(within: 60) { Self.status(hello, database)?["status"] == "completed" }, "\(worker.output)")
        #expect(Self.status(stuck, database)?["error"]?["title"] == "Expression timed out")
        #expect(worker.isRunning, "\(worker.output)")
        #expect(worker.terminate(within: 30) == 0, "\(worker.output)")
    }

    @Test("SIGTERM during a never-ending expression stops the worker promptly and keeps the run")
    func stopsAndKeeps() async throws {
        let database = try ScratchDatabase()
        let scratch = try ScratchFolder()
        #expect(try RunBinary.swirl(["migrate", "--db", database.url]).exitCode == 0)
        let stuck = try Self.start(
            try scratch.write("stuck.yaml", RunawayExpressionCLITests.workflow("last(repeat(1))")), database)
        let worker = try SwirlProcess(
            ["worker", "--db", database.url, "--jq-timeout", "600", "--grace", "5"], name: "worker", scratch: scratch.path)
        defer { if worker.isRunning { worker.kill9() } }
        // The worker claims at once; a stuck first step saves nothing, so the run's status does
        // not say when the expression began: give the claim a few seconds.
        #expect(await eventually(within: 60) { worker.output.contains("serving up to") }, "\(worker.output)")
        try await Task.sleep(for: .seconds(3))
        let signalled = ContinuousClock.now
        // Without the watchdog the worker never sees the signal's effect and never exits.
        #expect(worker.terminate(within: 30) == 0, "\(worker.output)")
        #expect(ContinuousClock.now - signalled < .seconds(25))
        let status = Self.status(stuck, database)?["status"]?.stringValue
        #expect(status != "faulted" && status != nil, "the run is \(status ?? "missing"): \(worker.output)")
    }
}
