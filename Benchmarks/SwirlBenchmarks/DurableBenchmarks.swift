import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlPostgres
import SwirlSQLite
import SwirlRuntime
import SwirlSyntax
import Synchronization

/// Durable execution on PostgreSQL, in one process: a `Worker` serving runs of a 10-task
/// workflow (pure `set` tasks only, or side-effecting no-op calls) at concurrency 1 and 16; the
/// latency from creating one run to its end; and the bytes a `for` loop with an activity per
/// item writes. Each store call is counted, so the figures come with round trips per run.
enum DurableBenchmarks {
    static func document(_ name: String, _ body: String) -> String {
        "document: {dsl: '1.0.3', namespace: bench, name: \(name), version: '1.0.0'}\ndo:\n" + body
    }

    static var pure: String {
        document("pure10", (0..<10).map { "  - t\($0): {set: {n: '${ .n + \($0) }'}}\n" }.joined())
    }

    /// Ten `call: http` tasks, served by a no-op activity: side effects as the engine sees them.
    static var effects: String {
        document(
            "effects10",
            (0..<10).map { "  - t\($0): {call: http, with: {method: get, endpoint: 'http://127.0.0.1:9/noop'}, output: {as: '${ {n: \($0)} }'}}\n" }
                .joined())
    }

    static func loop(_ count: Int) -> String {
        document(
            "loop\(count)",
            """
              - each:
                  for: {in: '[range(\(count))]'}
                  do:
                    - call: {call: http, with: {method: get, endpoint: 'http://127.0.0.1:9/noop'}, output: {as: '${ {n: $item} }'}}

            """)
    }

    static func compile(_ text: String) -> Program {
        WorkflowValidator.standard().validate(bytes: Array(text.utf8), file: "bench.yaml").program!
    }

    /// Answers every call at once, with `{}`.
    struct NoopActivity: Activity {
        func run(_ request: ActivityRequest) async throws(WorkflowError) -> JSON { [:] }
    }

    static func run(url: String, repeats: Int) async throws {
        // `memory` instead of a URL: the same runs on the memory store, for the engine's own share of the cost;
        // `sqlite:PATH`: on the local store, at concurrency 1 and 8.
        let local = url.hasPrefix("sqlite:")
        let inner: any Store =
            if url == "memory" {
                MemoryStore()
            } else if local {
                try await SQLiteStore.open(path: String(url.dropFirst("sqlite:".count)))
            } else {
                try await PostgresStore.open(url: url, poolSize: 16)
            }
        let store = CountingStore(inner)
        let activities = ActivityRegistry(["call:http": NoopActivity()])
        // SWIRL_BENCH_ONLY=label:concurrency (for example side-effecting:16, or side-effecting:latency; several with
        // commas) measures those cases alone, in that order, for profiling.
        let only = ProcessInfo.processInfo.environment["SWIRL_BENCH_ONLY"].map { $0.split(separator: ",").map(String.init) }
        for (label, text) in [("pure", pure), ("side-effecting", effects)] {
            let program = compile(text)
            // At the higher concurrency, also with one driver thread: on a machine whose cores add
            // little to each other, more threads cost hand-offs between them.
            for (concurrency, threads) in local ? [(1, 0), (8, 0), (8, 1)] : [(1, 0), (16, 0), (16, 1)] {
                if let only, !only.contains("\(label):\(concurrency)") { continue }
                var rates: [Double] = []
                var writes: [Double] = []
                for _ in 0..<repeats {
                    // SWIRL_BENCH_RUNS=N: N runs per repeat at the higher concurrency, for a longer window to profile.
                    let runs = concurrency == 1 ? 200 : Int(ProcessInfo.processInfo.environment["SWIRL_BENCH_RUNS"] ?? "") ?? 1000
                    let (seconds, calls) = try await throughput(
                        program, runs: runs, concurrency: concurrency, threads: threads, store: store, activities: activities)
                    rates.append(Double(runs) / seconds)
                    writes.append(Double(calls.checkpoints) / Double(runs))
                }
                let median = rates.sorted()[rates.count / 2]
                let threading = threads == 1 ? ", one driver thread" : ""
                print(
                    "\(label) 10-task workflow, concurrency \(concurrency)\(threading): \(Int(median)) runs/s, \(Int(median * 10)) task completions/s "
                        + "(median of \(repeats)); \(String(format: "%.1f", writes.sorted()[writes.count / 2])) checkpoints per run")
            }
            if let only, !only.contains("\(label):latency") { continue }
            let latencies = try await latency(program, samples: 200, store: store, activities: activities)
            print(
                "\(label) 10-task workflow, one run at a time: start to completion p50 \(format(percentile(latencies, 0.5))), "
                    + "p99 \(format(percentile(latencies, 0.99)))")
        }
        if only != nil || url == "memory" || local {
            await store.close()
            return
        }
        let wal = try PGConnection(url: url)
        for count in [1_000, 10_000] {
            let program = compile(loop(count))
            let before = try walPosition(wal)
            store.reset()
            let (seconds, calls) = try await throughput(program, runs: 1, concurrency: 1, store: store, activities: activities)
            let walBytes = try walPosition(wal) - before
            print(
                "for over \(count) items with an activity each: \(calls.checkpoints) checkpoints, \(calls.stateBytes) bytes of state, "
                    + "\(calls.valueBytes) bytes of stored values, \(calls.historyEntries) history entries; \(walBytes) bytes of WAL; "
                    + "\(String(format: "%.1f", seconds)) s")
        }
        await store.close()
    }

    /// Creates `runs` runs, then times a worker serving them all to completion.
    @WorkerActor
    static func throughput(
        _ program: Program, runs: Int, concurrency: Int, threads: Int = 0, store: CountingStore, activities: ActivityRegistry
    ) async throws -> (Double, CountingStore.Calls)
    {
        let library = WorkflowLibrary()
        let workflow = try library.add(program)
        try await library.save(workflow, in: store)
        var ids: [String] = []
        for _ in 0..<runs {
            let id = UUID().uuidString.lowercased()
            ids.append(id)
            _ = try await store.createRun(NewRun(id: id, definitionHash: workflow.definition.hash, input: ["n": 0]))
        }
        store.reset()
        let remaining = Mutex(runs)
        let done = AsyncStream.makeStream(of: Void.self)
        let worker = Worker(
            store: store, library: library, activities: activities,
            configuration: Worker.Configuration(concurrency: concurrency, pollSeconds: 1, threads: threads))
        worker.onProgress = { progress in
            if case .completed = progress.kind {
                let left = remaining.withLock { value -> Int in
                    value -= 1
                    return value
                }
                if left == 0 { done.continuation.yield() }
            }
        }
        let start = ContinuousClock.now
        let serving = Task { @WorkerActor in try await worker.run() }
        for await _ in done.stream { break }
        let elapsed = ContinuousClock.now - start
        let calls = store.calls
        serving.cancel()
        _ = await serving.result
        return (seconds(elapsed), calls)
    }

    /// Start-to-completion times of runs created one after another, each served by an idle worker.
    @WorkerActor
    static func latency(_ program: Program, samples: Int, store: CountingStore, activities: ActivityRegistry) async throws -> [Double] {
        let library = WorkflowLibrary()
        let workflow = try library.add(program)
        try await library.save(workflow, in: store)
        let (ended, continuation) = AsyncStream.makeStream(of: String.self)
        let worker = Worker(store: store, library: library, activities: activities, configuration: Worker.Configuration(pollSeconds: 1))
        worker.onProgress = { progress in
            if case .completed = progress.kind { continuation.yield(progress.runID) }
        }
        let serving = Task { @WorkerActor in try await worker.run() }
        var iterator = ended.makeAsyncIterator()
        var times: [Double] = []
        // A few runs first, so the worker is idle and waiting when the measured ones arrive.
        for number in 0..<(samples + 10) {
            try await Task.sleep(for: .milliseconds(2))
            let id = UUID().uuidString.lowercased()
            let start = ContinuousClock.now
            _ = try await store.createRun(NewRun(id: id, definitionHash: workflow.definition.hash, input: ["n": 0]))
            while let finished = await iterator.next(), finished != id {}
            if number >= 10 { times.append(seconds(ContinuousClock.now - start)) }
        }
        serving.cancel()
        _ = await serving.result
        return times
    }

    static func walPosition(_ connection: PGConnection) throws -> Int {
        let rows = try connection.query("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS bytes")
        return Int(rows.value(row: 0, column: "bytes") ?? "0") ?? 0
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }

    static func format(_ seconds: Double) -> String {
        String(format: "%.2f ms", seconds * 1000)
    }
}

/// A store that forwards every call and counts checkpoints and the bytes they carry.
final class CountingStore: Store {
    struct Calls: Sendable {
        var checkpoints = 0
        var stateBytes = 0
        var valueBytes = 0
        var historyEntries = 0
    }

    let inner: any Store
    private let counts = Mutex(Calls())

    init(_ inner: any Store) {
        self.inner = inner
    }

    func close() async {
        await (inner as? PostgresStore)?.close()
        await (inner as? SQLiteStore)?.close()
    }

    var calls: Calls { counts.withLock { $0 } }
    func reset() { counts.withLock { $0 = Calls() } }

    nonisolated(nonsending) func checkpoint(_ checkpoint: Checkpoint) async throws -> CheckpointResult {
        counts.withLock { calls in
            calls.checkpoints += 1
            calls.stateBytes += checkpoint.state.bytes.count
            calls.valueBytes += checkpoint.state.newValues.values.reduce(0) { $0 + $1.count }
            calls.historyEntries += checkpoint.history.count
        }
        return try await inner.checkpoint(checkpoint)
    }

    func saveDefinition(_ definition: DefinitionRecord) async throws -> DefinitionRecord { try await inner.saveDefinition(definition) }
    func definition(hash: String) async throws -> DefinitionRecord? { try await inner.definition(hash: hash) }
    func createRun(_ run: NewRun) async throws -> CreatedRun { try await inner.createRun(run) }
    func claim(owner: String, limit: Int, leaseSeconds: Double, runID: String?) async throws -> [ClaimedRun] {
        try await inner.claim(owner: owner, limit: limit, leaseSeconds: leaseSeconds, runID: runID)
    }
    func heartbeat(owner: String, leases: [Lease], leaseSeconds: Double) async throws -> [String: HeartbeatStatus] {
        try await inner.heartbeat(owner: owner, leases: leases, leaseSeconds: leaseSeconds)
    }
    func release(_ lease: Lease, wakeAt: Double?) async throws { try await inner.release(lease, wakeAt: wakeAt) }
    func expireLease(runID: String, owner: String) async throws -> Bool { try await inner.expireLease(runID: runID, owner: owner) }
    func request(_ control: ControlRequest, runID: String) async throws -> ControlReply { try await inner.request(control, runID: runID) }
    func deliver(event: JSON) async throws -> EventDelivery { try await inner.deliver(event: event) }
    func events(after sequence: Int64, limit: Int) async throws -> [StoredEvent] { try await inner.events(after: sequence, limit: limit) }
    func purgeEvents(storedBefore time: Double) async throws -> Int { try await inner.purgeEvents(storedBefore: time) }
    func run(id: String) async throws -> RunRecord? { try await inner.run(id: id) }
    func runs(_ query: RunQuery) async throws -> [RunRecord] { try await inner.runs(query) }
    func history(runID: String) async throws -> [HistoryEntry] { try await inner.history(runID: runID) }
    func nextWake(excludingOwner owner: String?) async throws -> Double? { try await inner.nextWake(excludingOwner: owner) }
    func now() async throws -> Double { try await inner.now() }
    func waitForWork(until deadline: Double) async { await inner.waitForWork(until: deadline) }
    func saveSchedule(_ schedule: NewSchedule) async throws -> ScheduleRecord { try await inner.saveSchedule(schedule) }
    func schedules() async throws -> [ScheduleRecord] { try await inner.schedules() }
    func pauseSchedule(id: String, paused: Bool) async throws -> ScheduleRecord? {
        try await inner.pauseSchedule(id: id, paused: paused)
    }
    func deleteSchedule(id: String) async throws -> Bool { try await inner.deleteSchedule(id: id) }
    func fireSchedules(asOf: Double, limit: Int) async throws -> [ScheduledRun] {
        try await inner.fireSchedules(asOf: asOf, limit: limit)
    }
    func nextScheduleFire() async throws -> Double? { try await inner.nextScheduleFire() }
    func advanceEventSchedule(id: String, revision: Int64, cursor: Int64, progress: String?, runs: [NewRun]) async throws
        -> [String]?
    {
        try await inner.advanceEventSchedule(id: id, revision: revision, cursor: cursor, progress: progress, runs: runs)
    }
}
