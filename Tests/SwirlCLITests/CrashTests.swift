import Foundation
import SwirlCompiler
import SwirlCore
import SwirlPostgres
import SwirlRuntime
import SwirlSyntax
import SwirlTestSupport
import Testing

/// Durability against the real thing: `swirl worker` processes on PostgreSQL, killed with
/// SIGKILL at random moments and restarted, stopped with SIGSTOP past their lease, and the
/// database server restarted under them. Every run must finish as if nothing happened.
@Suite(.enabled(if: TestDatabase.isAvailableOrRequired, "SWIRL_TEST_DATABASE_URL is not set; use scripts/test"), .serialized)
struct CrashTests {
    /// A shell step that records its execution (step key and start time) outside the engine,
    /// then adds `add` to `.n`.
    static func effect(_ name: String, add: Int = 1) -> String {
        """
          - \(name):
              run:
                shell:
                  command: 'echo "$SWIRL_IDEMPOTENCY_KEY $(date +%s.%N) $WORKER" >> "$CRASH_LOG"; echo $(( N + \(add) ))'
                  environment: {N: '${ .n }', CRASH_LOG: '${ $secrets.crash_log }', WORKER: '${ $secrets.worker }'}
              output: {as: '${ {n: tonumber} }'}

        """
    }

    /// Task processes see only what their task declares: the workers' log, folder and name reach
    /// them as secrets (`SWIRL_SECRET_*` in the workers' environment, see ``secretVariables(_:)``).
    static let useSecrets = "use: {secrets: [crash_log, crash_dir, worker]}\n"

    /// `environment` with each `NAME` also given as `SWIRL_SECRET_NAME`.
    static func secretVariables(_ environment: [String: String]) -> [String: String] {
        var result = environment
        for (name, value) in environment { result["SWIRL_SECRET_" + name] = value }
        return result
    }

    /// Twenty tasks: effects, waits, a fork of two effects, and a retried step that fails once per run.
    static var twenty: String {
        var text = "document: {dsl: '1.0.3', namespace: crash, name: twenty, version: '1.0.0'}\n" + useSecrets + "do:\n"
        text += "  - t01: {set: {n: '${ .n }'}}\n"
        text += effect("t02") + effect("t03")
        text += "  - t04: {wait: PT1S}\n"
        text += effect("t05")
        text += """
              - t06:
                  fork:
                    branches:
                      - left:
                          do:
            \(effect("one").split(separator: "\n").map { "            " + $0 }.joined(separator: "\n"))
                      - right:
                          do:
            \(effect("ten", add: 10).split(separator: "\n").map { "            " + $0 }.joined(separator: "\n"))
              - t07: {set: {n: '${ .[0].n + .[1].n }'}}
              - t08:
                  try:
                    - flaky:
                        run:
                          shell:
                            command: 'm="$CRASH_DIR/$SWIRL_RUN_ID.tried"; if [ ! -e "$m" ]; then : > "$m"; exit 3; fi; echo $(( N + 1 ))'
                            environment: {N: '${ .n }', CRASH_DIR: '${ $secrets.crash_dir }'}
                        output: {as: '${ {n: tonumber} }'}
                  catch:
                    retry: {delay: PT0.2S, limit: {attempt: {count: 5}}}

            """
        text += effect("t09")
        text += "  - t10: {wait: PT1.5S}\n"
        text += effect("t11")
        text += "  - t12: {set: {n: '${ .n + 100 }'}}\n"
        text += effect("t13") + effect("t14")
        text += "  - t15: {wait: PT1S}\n"
        text += effect("t16") + effect("t17")
        text += "  - t18: {set: {n: '${ .n * 2 }'}}\n"
        text += effect("t19")
        text += "  - t20: {set: {result: '${ .n }'}}\n"
        return text
    }

    /// What `twenty` outputs for input `n`.
    static func expected(_ n: Int) -> JSON {
        var value = n + 2  // t02, t03
        value += 1  // t05
        value = (value + 1) + (value + 10)  // t06, t07
        value += 1  // t08
        value += 1  // t09
        value += 1  // t11
        value += 100  // t12
        value += 2  // t13, t14
        value += 2  // t16, t17
        value *= 2  // t18
        value += 1  // t19
        return ["result": .number(Double(value))]
    }

    static func compile(_ text: String) throws -> Program {
        let result = WorkflowValidator.standard().validate(bytes: Array(text.utf8), file: "crash.yaml")
        return try #require(result.program, "\(result.diagnostics.map(\.message))")
    }

    /// One execution of a side effect, as the effect itself recorded it.
    struct Execution {
        var key: String
        var time: Double
        var worker: String
    }

    static func executions(_ path: String) -> [Execution] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count >= 3, let time = Double(parts[1]) else { return nil }
            return Execution(key: String(parts[0]), time: time, worker: String(parts[2]))
        }
    }

    @Test("200 runs on three workers killed at random and a database restart all complete, without repeating a checkpointed effect")
    func crashTest() async throws {
        let database = try ScratchDatabase()
        let scratch = try ScratchFolder()
        let log = scratch.path + "/effects.log"
        let restart = ScratchDatabase.restartCommand
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            #expect(restart != nil, "scripts/test must set SWIRL_TEST_PG_RESTART so the crash test restarts the server")
        }
        let store = try await PostgresStore.open(url: database.url)
        let program = try Self.compile(Self.twenty)
        let definition = DefinitionRecord(program: program)
        try await store.saveDefinition(definition)
        let count = 200
        var inputs: [String: Int] = [:]
        for index in 0..<count {
            let id = "crash-\(index)"
            inputs[id] = index
            _ = try await store.createRun(NewRun(id: id, definitionHash: definition.hash, input: ["n": .number(Double(index))]))
        }

        var workers: [Int: SwirlProcess] = [:]
        func startWorker(_ slot: Int) throws {
            workers[slot] = try SwirlProcess(
                ["worker", "--db", database.url, "--concurrency", "16", "--lease-seconds", "2", "--grace", "0", "--quiet"],
                name: "worker\(slot)",
                environment: Self.secretVariables(
                    ["CRASH_LOG": log, "CRASH_DIR": scratch.path, "WORKER": "w\(slot)-\(UUID().uuidString.prefix(4))"]),
                scratch: scratch.path)
        }
        for slot in 0..<3 { try startWorker(slot) }

        var kills = 0
        var restarted = false
        let started = Date()
        var finished = false
        while Date().timeIntervalSince(started) < 150 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...300)))
            let ended = try await store.runs(RunQuery(limit: 10_000)).filter { [.completed, .faulted, .cancelled].contains($0.status) }
            if ended.count == count {
                finished = true
                break
            }
            if !restarted, let restart, ended.count >= count / 2 {
                // The server goes away under every worker's connections and comes back.
                #expect(try runShell(restart, scratch: scratch.path) == 0, "restarting PostgreSQL failed")
                restarted = true
                continue
            }
            // Stop killing once most runs are done, so the tail is not starved; but not before 30 kills, however
            // fast the workers got through the runs.
            if ended.count < count * 9 / 10 || kills < 30 {
                let slot = Int.random(in: 0..<3)
                workers[slot]?.kill9()
                kills += 1
                try startWorker(slot)
            }
        }
        let outputs = workers.values.map(\.output).joined(separator: "\n")
        for worker in workers.values { _ = worker.terminate() }

        let runs = try await store.runs(RunQuery(limit: 10_000))
        let stuck = runs.filter { $0.status != .completed }
        #expect(finished, "not every run ended within the time limit: \(stuck.prefix(5).map { "\($0.id) \($0.status) wake \(String(describing: $0.wakeAt)) owner \(String(describing: $0.leaseOwner))" })\n\(outputs.suffix(3000))")
        #expect(stuck.isEmpty, "\(stuck.prefix(5).map { "\($0.id): \($0.status) \(String(describing: $0.error))" })")
        for run in runs where run.status == .completed {
            #expect(run.output == Self.expected(inputs[run.id] ?? -1), "\(run.id): \(String(describing: run.output))")
        }
        #expect(kills >= 30, "only \(kills) workers were killed")
        if restart != nil { #expect(restarted) }
        // Enough takeovers for the test to mean something; how many depends on how far the workers
        // get between kills (183 to well over 200 for 200 runs on this machine).
        let takeovers = runs.map(\.takeovers).reduce(0, +)
        #expect(takeovers >= count / 2, "only \(takeovers) takeovers for \(count) runs")

        // No effect whose completion was checkpointed ran again, and no fenced worker wrote.
        let byKey = Dictionary(grouping: Self.executions(log), by: \.key)
        var repeatedAfterCheckpoint: [String] = []
        var duplicateEntries: [String] = []
        for run in runs {
            let history = try await store.history(runID: run.id)
            var completedAt: [String: Double] = [:]
            for entry in history where entry.kind == "task.completed" {
                guard let key = entry.stepKey else { continue }
                if completedAt[key] != nil { duplicateEntries.append("\(run.id) \(key)") }
                completedAt[key] = entry.time
            }
            for (key, time) in completedAt {
                for execution in byKey["\(run.id):\(key)"] ?? [] where execution.time > time + 0.001 {
                    repeatedAfterCheckpoint.append("\(run.id):\(key) ran at \(execution.time) after completing at \(time)")
                }
            }
            #expect(history.filter { $0.kind == "run.completed" }.count == 1, "\(run.id) completed \(history.filter { $0.kind == "run.completed" }.count) times")
        }
        #expect(repeatedAfterCheckpoint.isEmpty, "\(repeatedAfterCheckpoint.prefix(5))")
        #expect(duplicateEntries.isEmpty, "history written twice for \(duplicateEntries.prefix(5))")
        // Every effect of every run executed at least once.
        #expect(byKey.keys.count == count * 12, "\(byKey.keys.count) distinct effects executed, not \(count * 12)")
        let repeats = byKey.values.filter { $0.count > 1 }.count
        print("crash test: \(count) runs, \(kills) kills, \(takeovers) takeovers, \(repeats) effects re-run after a crash (in flight when killed), restart: \(restarted), \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        await store.close()
    }

    @Test("a worker stopped with SIGSTOP loses its lease; another finishes the run; the first, continued, writes nothing")
    func stoppedWorkerIsFenced() async throws {
        let database = try ScratchDatabase()
        let scratch = try ScratchFolder()
        let log = scratch.path + "/effects.log"
        let program = try Self.compile(
            """
            document: {dsl: '1.0.3', namespace: crash, name: fenced, version: '1.0.0'}
            \(Self.useSecrets)do:
            \(Self.effect("first"))
              - slow: {run: {shell: {command: 'sleep 2'}}, output: {as: '${ {n: 1} }'}}
            \(Self.effect("last"))
            """)
        let store = try await PostgresStore.open(url: database.url)
        let definition = DefinitionRecord(program: program)
        try await store.saveDefinition(definition)
        _ = try await store.createRun(NewRun(id: "fenced", definitionHash: definition.hash, input: ["n": 0]))
        let environment = ["CRASH_LOG": log, "CRASH_DIR": scratch.path]

        var first = environment
        first["WORKER"] = "A"
        let a = try SwirlProcess(
            ["worker", "--db", database.url, "--lease-seconds", "1", "--grace", "0", "--quiet"], name: "A", environment: Self.secretVariables(first),
            scratch: scratch.path)
        // Stop A once it has run the first effect and is inside the slow step.
        #expect(await eventually(within: 20) { Self.executions(log).contains { $0.worker == "A" } })
        try await Task.sleep(for: .milliseconds(300))
        a.signal(SIGSTOP)
        let held = try #require(try await store.run(id: "fenced"))
        #expect(held.leaseOwner != nil)

        var second = environment
        second["WORKER"] = "B"
        let b = try SwirlProcess(
            ["worker", "--db", database.url, "--lease-seconds", "1", "--grace", "0", "--quiet"], name: "B", environment: Self.secretVariables(second),
            scratch: scratch.path)
        #expect(try await eventually(within: 30) { try await store.run(id: "fenced")?.status == .completed })
        let done = try #require(try await store.run(id: "fenced"))
        #expect(done.takeovers >= 1)
        #expect(done.output == ["n": 2])
        let historyBefore = try await store.history(runID: "fenced")

        // A wakes up with the slow step's result and tries to save it: fenced, it writes nothing.
        a.signal(SIGCONT)
        try await Task.sleep(for: .seconds(3))
        let historyAfter = try await store.history(runID: "fenced")
        #expect(historyAfter == historyBefore, "a fenced worker wrote \(historyAfter.count - historyBefore.count) history entries")
        let after = try #require(try await store.run(id: "fenced"))
        #expect(after.status == .completed && after.updatedAt == done.updatedAt && after.output == done.output)
        // The last effect ran once, by B: A never got past the slow step.
        #expect(Self.executions(log).filter { $0.key.contains("/do/2/last") }.map(\.worker) == ["B"])
        _ = a.terminate()
        _ = b.terminate()
        await store.close()
    }
}
