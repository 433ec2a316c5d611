import Foundation
import SwirlCore
import SwirlRuntime
import SwirlSQLite
import SwirlTestSupport
import Testing

/// `swirl run` on the local store, killed with SIGKILL at random moments and resumed with
/// `swirl runs resume` (itself sometimes killed too), over and over: every run must end with the
/// right output, and no side effect whose completion was saved may run again.
@Suite(.serialized)
struct LocalCrashTests {
    /// Effects (recorded outside the engine by ``CrashTests/effect(_:add:)``), a short wait, a fork
    /// of two effects and a `set`.
    static var workflow: String {
        var text = "document: {dsl: '1.0.3', namespace: local, name: crash, version: '1.0.0'}\n" + CrashTests.useSecrets + "do:\n"
        text += CrashTests.effect("t1") + CrashTests.effect("t2")
        text += "  - t3: {wait: PT0.1S}\n"
        text += CrashTests.effect("t4")
        text += """
              - t5:
                  fork:
                    branches:
                      - left:
                          do:
            \(CrashTests.effect("one").split(separator: "\n").map { "            " + $0 }.joined(separator: "\n"))
                      - right:
                          do:
            \(CrashTests.effect("ten", add: 10).split(separator: "\n").map { "            " + $0 }.joined(separator: "\n"))
              - t6: {set: {n: '${ .[0].n + .[1].n }'}}

            """
        text += CrashTests.effect("t7")
        text += "  - t8: {set: {result: '${ .n }'}}\n"
        return text
    }

    /// What ``workflow`` outputs for input `n`.
    static func expected(_ n: Int) -> JSON {
        let value = n + 3  // t1, t2, t4
        return ["result": .number(Double((value + 1) + (value + 10) + 1))]  // t5, t6, t7
    }

    @Test("50 runs of swirl run killed with SIGKILL at random and resumed all complete, without repeating a saved effect")
    func killAndResume() async throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write("crash.yaml", Self.workflow)
        let database = scratch.path + "/runs.db"
        let log = scratch.path + "/effects.log"
        let environment = CrashTests.secretVariables(["CRASH_LOG": log, "CRASH_DIR": scratch.path, "WORKER": "local"])
        let db = ["--db", "sqlite:" + database]
        var kills = 0
        var ids: [String: Int] = [:]
        for index in 0..<50 {
            let run = try SwirlProcess(
                ["run", file, "--input", #"{"n": \#(index)}"#, "--output", "json"] + db, name: "run\(index)",
                environment: environment, scratch: scratch.path)
            let announced = await eventually(within: 30, every: 0.01) { run.output.contains("swirl: run ") || !run.isRunning }
            #expect(announced, "\(run.output)")
            let id = try #require(Self.runID(in: run.output), "no run id: \(run.output)")
            ids[id] = index
            // Killed at a random point of the workflow, whatever the machine's speed: once a random task has
            // started or completed (the last one only started: the run ends right after), a moment later.
            let marker = Self.markers.randomElement()!
            _ = await eventually(within: 30, every: 0.005) { run.output.contains(marker) || !run.isRunning }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...15)))
            if run.isRunning {
                run.kill9()
                kills += 1
            }
            // Resume until it ends; a resume is itself killed now and then.
            var attempts = 0
            while try await Self.status(of: id, in: database) != .completed, attempts < 20 {
                attempts += 1
                let resume = try SwirlProcess(
                    ["runs", "resume", id, "--output", "json"] + db, name: "resume\(index)-\(attempts)",
                    environment: environment, scratch: scratch.path)
                if Bool.random() {
                    try await Task.sleep(for: .milliseconds(Int.random(in: 50...400)))
                    if resume.isRunning {
                        resume.kill9()
                        kills += 1
                        continue
                    }
                }
                #expect(resume.child.wait(seconds: 60), "resume \(attempts) of \(id) did not end: \(resume.output)")
                #expect(resume.exitCode == 0, "\(resume.output)")
            }
        }
        #expect(kills >= 25, "only \(kills) processes were killed")

        let store = try await SQLiteStore.open(path: database)
        let byKey = Dictionary(grouping: CrashTests.executions(log), by: \.key)
        var repeatedAfterCheckpoint: [String] = []
        for (id, index) in ids {
            let record = try #require(try await store.run(id: id))
            #expect(record.status == .completed, "\(id): \(record.status) \(String(describing: record.error))")
            #expect(record.output == Self.expected(index), "\(id): \(String(describing: record.output))")
            let history = try await store.history(runID: id)
            #expect(history.filter { $0.kind == "run.completed" }.count == 1)
            for entry in history where entry.kind == "task.completed" {
                guard let key = entry.stepKey else { continue }
                for execution in byKey["\(id):\(key)"] ?? [] where execution.time > entry.time + 0.001 {
                    repeatedAfterCheckpoint.append("\(id):\(key) ran at \(execution.time) after completing at \(entry.time)")
                }
            }
        }
        #expect(repeatedAfterCheckpoint.isEmpty, "\(repeatedAfterCheckpoint.prefix(5))")
        // Six effects per run, each executed at least once.
        #expect(byKey.keys.count == ids.count * 6, "\(byKey.keys.count) distinct effects for \(ids.count) runs")
        let repeats = byKey.values.filter { $0.count > 1 }.count
        print("local crash test: \(ids.count) runs, \(kills) kills, \(repeats) effects re-run (in flight when killed)")
        await store.close()
    }

    /// Progress lines of ``workflow`` to kill a run after.
    static let markers =
        ["/do/0/t1", "/do/1/t2", "/do/2/t3", "/do/3/t4", "/do/4/t5", "/do/5/t6"].flatMap { ["\($0) started", "\($0) completed"] }
        + ["/do/6/t7 started"]

    static func runID(in output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("swirl: run ") }.map { String($0.dropFirst("swirl: run ".count)) }
    }

    static func status(of id: String, in database: String) async throws -> RunStatus? {
        let store = try await SQLiteStore.open(path: database)
        let status = try await store.run(id: id)?.status
        await store.close()
        return status
    }
}
