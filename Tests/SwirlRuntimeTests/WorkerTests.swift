import Foundation
import Synchronization
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import Testing

// MARK: - test doubles

/// A clock whose time moves only when the test moves it: a sleeper waits until then. Unlike
/// ``ManualClock`` (which jumps to any deadline someone sleeps until), it lets a test look at a
/// run while it is parked, and decide when its timer is due.
/// A manual clock that jumps ahead whenever someone sleeps, as ``ManualClock`` does, but never past
/// `end`: a sleep beyond it waits in real time, in short slices, without moving the clock.
final class DayClock: RuntimeClock, Sendable {
    private let current: Mutex<Double>
    let end: Double

    init(start: Double, end: Double) {
        current = Mutex(start)
        self.end = end
    }

    func now() -> Double { current.withLock { $0 } }

    func sleep(until deadline: Double) async throws {
        try Task.checkCancellation()
        if deadline <= end {
            current.withLock { $0 = max($0, deadline) }
        } else {
            current.withLock { $0 = max($0, end) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

final class SteppedClock: RuntimeClock, Sendable {
    private struct Sleeper {
        var deadline: Double
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Double
        var sleepers: [Int: Sleeper] = [:]
        var nextSleeper = 0
    }

    private let state: Mutex<State>

    init(now: Double = 1_767_225_600) {
        state = Mutex(State(now: now))
    }

    func now() -> Double {
        state.withLock { $0.now }
    }

    func sleep(until deadline: Double) async throws {
        let id = state.withLock { state in
            state.nextSleeper += 1
            return state.nextSleeper
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Registering and the cancellation check share the lock, so no cancel is missed.
                let answer: Bool? = state.withLock { state in
                    if state.now >= deadline { return true }
                    if Task.isCancelled { return false }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                switch answer {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward by `seconds` and wakes the sleepers that are due.
    func advance(by seconds: Double) {
        let due = state.withLock { state in
            state.now += seconds
            let now = state.now
            let ids = state.sleepers.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { state.sleepers.removeValue(forKey: $0)?.continuation }
        }
        for continuation in due { continuation.resume() }
    }
}

/// Holds activities until it opens (by hand, or by itself once `opensAt` activities arrived).
actor Gate {
    private let opensAt: Int?
    private var isOpen = false
    private var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
    private var nextWaiter = 0
    /// How many activities came to the gate.
    private(set) var arrivals = 0
    /// How many wait at it now.
    var waiting: Int { waiters.count }

    init(opensAt: Int? = nil) {
        self.opensAt = opensAt
    }

    func open() {
        isOpen = true
        let ready = waiters.values
        waiters.removeAll()
        for waiter in ready { waiter.resume(returning: true) }
    }

    /// Waits until the gate is open; `false` when the waiting task was cancelled first.
    func pass() async -> Bool {
        arrivals += 1
        if let opensAt, arrivals >= opensAt { open() }
        if isOpen { return true }
        let id = nextWaiter
        nextWaiter += 1
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled { continuation.resume(returning: false) } else { waiters[id] = continuation }
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    private func cancel(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume(returning: false)
    }
}

/// Logs its step key, waits at its gate (when it has one), and returns its arguments.
struct GatedActivity: Activity {
    let log: ExecutionLog
    var gate: Gate?

    func run(_ request: ActivityRequest) async throws(WorkflowError) -> JSON {
        await log.record(request.key)
        if let gate, await gate.pass() == false {
            throw WorkflowError(.runtime, title: "Cancelled", detail: "the activity was cancelled at its gate")
        }
        return request.arguments.value
    }
}

/// A store that forwards everything to a ``MemoryStore`` and adds up what checkpoints write.
actor CountingStore: Store {
    let inner: MemoryStore
    /// Bytes of saved states and of the new values they carry, over every saved checkpoint.
    private(set) var checkpointBytes = 0
    private(set) var checkpointCount = 0
    private(set) var claimCalls = 0
    /// Every saved state as written, and every value written beside them, to decode any of them.
    private(set) var savedStates: [[UInt8]] = []
    private(set) var savedValues: [String: [UInt8]] = [:]

    init(_ inner: MemoryStore) {
        self.inner = inner
    }

    func saveDefinition(_ definition: DefinitionRecord) async throws -> DefinitionRecord {
        try await inner.saveDefinition(definition)
    }

    func definition(hash: String) async throws -> DefinitionRecord? {
        try await inner.definition(hash: hash)
    }

    func createRun(_ run: NewRun) async throws -> CreatedRun {
        try await inner.createRun(run)
    }

    func claim(owner: String, limit: Int, leaseSeconds: Double, runID: String?) async throws -> [ClaimedRun] {
        claimCalls += 1
        return try await inner.claim(owner: owner, limit: limit, leaseSeconds: leaseSeconds, runID: runID)
    }

    func checkpoint(_ checkpoint: Checkpoint) async throws -> CheckpointResult {
        let result = try await inner.checkpoint(checkpoint)
        if case .saved = result {
            checkpointCount += 1
            savedStates.append(checkpoint.state.bytes)
            savedValues.merge(checkpoint.state.newValues) { old, _ in old }
            checkpointBytes += checkpoint.state.bytes.count + checkpoint.state.newValues.values.reduce(0) { $0 + $1.count }
        }
        return result
    }

    func heartbeat(owner: String, leases: [Lease], leaseSeconds: Double) async throws -> [String: HeartbeatStatus] {
        try await inner.heartbeat(owner: owner, leases: leases, leaseSeconds: leaseSeconds)
    }

    func release(_ lease: Lease, wakeAt: Double?) async throws {
        try await inner.release(lease, wakeAt: wakeAt)
    }

    func expireLease(runID: String, owner: String) async throws -> Bool {
        try await inner.expireLease(runID: runID, owner: owner)
    }

    func request(_ control: ControlRequest, runID: String) async throws -> ControlReply {
        try await inner.request(control, runID: runID)
    }

    func deliver(event: JSON) async throws -> EventDelivery {
        try await inner.deliver(event: event)
    }

    func events(after sequence: Int64, limit: Int) async throws -> [StoredEvent] {
        try await inner.events(after: sequence, limit: limit)
    }

    func purgeEvents(storedBefore time: Double) async throws -> Int {
        try await inner.purgeEvents(storedBefore: time)
    }

    func saveSchedule(_ schedule: NewSchedule) async throws -> ScheduleRecord {
        try await inner.saveSchedule(schedule)
    }
    func schedules() async throws -> [ScheduleRecord] {
        try await inner.schedules()
    }
    func pauseSchedule(id: String, paused: Bool) async throws -> ScheduleRecord? {
        try await inner.pauseSchedule(id: id, paused: paused)
    }
    func deleteSchedule(id: String) async throws -> Bool {
        try await inner.deleteSchedule(id: id)
    }
    func fireSchedules(asOf: Double, limit: Int) async throws -> [ScheduledRun] {
        try await inner.fireSchedules(asOf: asOf, limit: limit)
    }
    func nextScheduleFire() async throws -> Double? {
        try await inner.nextScheduleFire()
    }
    func advanceEventSchedule(id: String, revision: Int64, cursor: Int64, progress: String?, runs: [NewRun]) async throws
        -> [String]?
    {
        try await inner.advanceEventSchedule(id: id, revision: revision, cursor: cursor, progress: progress, runs: runs)
    }

    func run(id: String) async throws -> RunRecord? {
        try await inner.run(id: id)
    }

    func runs(_ query: RunQuery) async throws -> [RunRecord] {
        try await inner.runs(query)
    }

    func history(runID: String) async throws -> [HistoryEntry] {
        try await inner.history(runID: runID)
    }

    func nextWake(excludingOwner owner: String?) async throws -> Double? {
        try await inner.nextWake(excludingOwner: owner)
    }

    func now() async throws -> Double {
        try await inner.now()
    }

    func waitForWork(until deadline: Double) async {
        await inner.waitForWork(until: deadline)
    }
}

/// Who reported each run's completion, across workers.
final class CompletionLog: Sendable {
    private let entries = Mutex<[(runID: String, owner: String)]>([])

    func record(_ runID: String, by owner: String) {
        entries.withLock { $0.append((runID, owner)) }
    }

    var all: [(runID: String, owner: String)] { entries.withLock { $0 } }
}

// MARK: - the suite

/// The worker loop on a memory store: claiming, driving, parking, waking, leases, control
/// requests, events and child runs, with time under the test's control.
@Suite struct WorkerTests {
    static func program(_ name: String, _ body: String) throws -> Program {
        let text = "document: {dsl: '1.0.3', namespace: t, name: \(name), version: '1.0.0'}\n" + body
        return try Compiler().compile(try #require(Loader().load(text: text, file: "\(name).yaml").value))
    }

    static func event(id: String, type: String = "com.example.approval", data: JSON) -> JSON {
        ["specversion": "1.0", "id": .string(id), "source": "https://example.com/tests", "type": .string(type), "data": data]
    }

    /// A store, a clock, the workflows and activities of one test, and the workers serving it.
    @WorkerActor
    final class Fixture {
        let store: any Store
        let clock: any RuntimeClock
        let library: WorkflowLibrary
        let log = ExecutionLog()
        let gate: Gate
        private var serving: [Task<Void, any Error>] = []

        init(store: any Store, clock: any RuntimeClock, catalog: DefinitionCatalog = DefinitionCatalog(), gate: Gate = Gate()) {
            self.store = store
            self.clock = clock
            self.library = WorkflowLibrary(catalog: catalog)
            self.gate = gate
        }

        /// A memory store on a manual clock, the clock shared with the workers.
        convenience init(catalog: DefinitionCatalog = DefinitionCatalog(), recording: Bool = false, gate: Gate = Gate()) {
            let clock = ManualClock()
            self.init(store: MemoryStore(clock: clock, recordingCheckpoints: recording), clock: clock, catalog: catalog, gate: gate)
        }

        var activities: ActivityRegistry {
            ActivityRegistry([
                "call:effect": CountingActivity(log: log),
                "call:item": GatedActivity(log: log),
                "call:block": GatedActivity(log: log, gate: gate),
            ])
        }

        func add(_ program: Program) async throws -> CompiledWorkflow {
            let workflow = try library.add(program)
            try await library.save(workflow, in: store)
            return workflow
        }

        @discardableResult
        func create(_ workflow: CompiledWorkflow, id: String, input: JSON = [:]) async throws -> String {
            try await store.createRun(NewRun(id: id, definitionHash: workflow.definition.hash, input: input)).id
        }

        /// Starts a worker's `run()` loop; the fixture stops it in ``stopAll()``.
        @discardableResult
        func startWorker(
            owner: String = "worker-1", concurrency: Int = 8, maxTakeovers: Int = 20, leaseSeconds: Double = 30,
            activities: ActivityRegistry? = nil, onProgress: (@Sendable (RunProgress) -> Void)? = nil
        ) -> (worker: Worker, task: Task<Void, any Error>) {
            let worker = Worker(
                store: store, library: library, activities: activities ?? self.activities, clock: clock,
                configuration: Worker.Configuration(
                    owner: owner, concurrency: concurrency, leaseSeconds: leaseSeconds, pollSeconds: 0.2, graceSeconds: 0.05,
                    maxTakeovers: maxTakeovers))
            worker.onProgress = onProgress
            let task = Task { @WorkerActor in try await worker.run() }
            serving.append(task)
            return (worker, task)
        }

        func stopAll() async {
            for task in serving { task.cancel() }
            for task in serving { _ = try? await task.value }
            serving.removeAll()
        }

        func record(_ id: String) async throws -> RunRecord {
            try #require(try await store.run(id: id))
        }

        func history(_ id: String) async throws -> [HistoryEntry] {
            try await store.history(runID: id)
        }

        /// Polls until `condition` holds, for at most `seconds` of wall time.
        func eventually(
            _ what: String, within seconds: Double = 30, sourceLocation: Testing.SourceLocation = #_sourceLocation,
            _ condition: () async throws -> Bool
        ) async throws {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < deadline {
                if try await condition() { return }
                try await Task.sleep(for: .milliseconds(5))
            }
            Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
            throw CancellationError()
        }

        func status(_ id: String) async throws -> RunStatus? {
            try await store.run(id: id)?.status
        }

        /// Whether the run is parked: waiting, and held by nobody.
        func isParked(_ id: String) async throws -> Bool {
            guard let record = try await store.run(id: id) else { return false }
            return record.status == .waiting && record.leaseOwner == nil
        }
    }

    static let threeEffects = """
        do:
          - a: {call: effect, with: {n: 1}}
          - b: {call: effect, with: {n: 2}}
          - c: {call: effect, with: {n: 3}}
        """

    static let approval = "do:\n  - approval: {listen: {to: {one: {with: {type: com.example.approval}}}}}\n"

    // MARK: serving

    @Test("a worker serves many runs at once, each to its end")
    @WorkerActor func servesManyRuns() async throws {
        // Every run first meets the others at a gate that opens once two are there: a worker that
        // drove one run at a time would never get past it.
        let fixture = Fixture(gate: Gate(opensAt: 2))
        let workflow = try await fixture.add(
            try Self.program(
                "many",
                """
                do:
                  - meet: {call: block}
                  - a: {call: effect, with: {n: 1}}
                  - b: {call: effect, with: {n: 2}}
                """))
        let ids = (0..<24).map { "many-\($0)" }
        for id in ids { try await fixture.create(workflow, id: id) }
        let (worker, _) = fixture.startWorker(concurrency: 6)
        defer { Task { await fixture.stopAll() } }

        try await fixture.eventually("every run completed") {
            try await fixture.store.runs(RunQuery(status: .completed, limit: 100)).count == ids.count
        }
        for id in ids {
            let record = try await fixture.record(id)
            #expect(record.output?["echo"] == ["n": 2])
            #expect(record.leaseOwner == nil)
            #expect(record.takeovers == 0)
        }
        // Each run's three activities ran exactly once.
        let keys = await fixture.log.keys
        #expect(keys.count == ids.count * 3)
        try await fixture.eventually("the worker holds no run") { worker.activeRuns == 0 }
        await fixture.stopAll()
    }

    @Test("two workers share the runs, and each run completes exactly once")
    @WorkerActor func twoWorkersCompleteEachRunOnce() async throws {
        let fixture = Fixture()
        let workflow = try await fixture.add(try Self.program("shared", Self.threeEffects))
        let ids = (0..<30).map { "shared-\($0)" }
        for id in ids { try await fixture.create(workflow, id: id) }
        let completions = CompletionLog()
        for owner in ["worker-a", "worker-b"] {
            // The manual clock jumps whenever an idle worker sleeps, so one worker may find the
            // other's leases expired and take runs over: fencing must keep every run whole.
            fixture.startWorker(owner: owner, concurrency: 4, maxTakeovers: 1000) { progress in
                if case .completed = progress.kind { completions.record(progress.runID, by: owner) }
            }
        }
        defer { Task { await fixture.stopAll() } }

        try await fixture.eventually("every run completed") {
            try await fixture.store.runs(RunQuery(status: .completed, limit: 100)).count == ids.count
        }
        await fixture.stopAll()
        let byRun = Dictionary(grouping: completions.all, by: \.runID)
        #expect(Set(byRun.keys) == Set(ids))
        for id in ids {
            #expect(byRun[id]?.count == 1, "run \(id) was completed by \(byRun[id]?.map(\.owner) ?? [])")
            let ends = try await fixture.history(id).filter { $0.kind == "run.completed" }
            #expect(ends.count == 1, "run \(id) has \(ends.count) run.completed entries")
            #expect(try await fixture.record(id).output?["echo"] == ["n": 3])
        }
    }

    /// The fire times of the runs a schedule started, from their idempotency keys, in order.
    static func fireTimes(_ runs: [RunRecord]) -> [Double] {
        runs.compactMap { $0.idempotencyKey?.split(separator: ":").last.flatMap { Double($0) }.map { $0 / 1000 } }.sorted()
    }

    @Test("two workers start an every-hour schedule's runs over a simulated day: each hour once, none missed")
    @WorkerActor func workersFireEverySchedule() async throws {
        // Time jumps to each fire time as the idle workers sleep until it, but no further than the
        // simulated day: however fast the workers go, they start exactly its 24 runs.
        let start = 1_767_225_600.0
        let clock = DayClock(start: start, end: start + 24 * 3600 + 1800)
        let fixture = Fixture(store: MemoryStore(clock: clock), clock: clock)
        let workflow = try await fixture.add(try Self.program("hourly", "do:\n  - tick: {set: {ticked: true}}\n"))
        let schedule = try await fixture.store.saveSchedule(
            NewSchedule(definitionHash: workflow.definition.hash, trigger: .every(seconds: 3600)))
        #expect(schedule.nextFireAt == start + 3600)
        let started = CompletionLog()
        for owner in ["worker-a", "worker-b"] {
            let (worker, _) = fixture.startWorker(owner: owner, concurrency: 4, maxTakeovers: 1000)
            worker.onScheduledRun = { started.record($0.runID, by: owner) }
        }
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("a day of runs completed") {
            try await fixture.store.runs(RunQuery(status: .completed, limit: 1000)).count >= 24
        }
        await fixture.stopAll()
        let runs = try await fixture.store.runs(RunQuery(workflow: "hourly", limit: 1000))
        let times = Self.fireTimes(runs)
        #expect(runs.count == 24)
        #expect(times.count == runs.count)
        #expect(times.first == start + 3600)
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 == 3600 }, "fire times \(times)")
        #expect(Set(started.all.map(\.runID)) == Set(runs.map(\.id)))
        #expect(started.all.count == runs.count)
    }

    @Test("two workers start an event schedule's runs: one per matching event, each exactly once, with the event as input")
    @WorkerActor func workersFireEventSchedule() async throws {
        let fixture = Fixture()
        let workflow = try await fixture.add(
            try Self.program("pinged", "do:\n  - echo: {set: {n: '${ $workflow.input[0].data.n }'}}\n"))
        let trigger = ScheduleTrigger.on(try ScheduleEvents(["one": ["with": ["type": "com.example.ping"]]]))
        _ = try await fixture.store.saveSchedule(NewSchedule(definitionHash: workflow.definition.hash, trigger: trigger))
        let started = CompletionLog()
        for owner in ["worker-a", "worker-b"] {
            let (worker, _) = fixture.startWorker(owner: owner, concurrency: 4, maxTakeovers: 1000)
            worker.onScheduledRun = { started.record($0.runID, by: owner) }
        }
        defer { Task { await fixture.stopAll() } }
        for n in 0..<30 {
            let type = n % 3 == 2 ? "com.example.other" : "com.example.ping"
            _ = try await fixture.store.deliver(
                event: ["specversion": "1.0", "id": .string("e\(n)"), "source": "https://example.com", "type": .string(type), "data": ["n": .number(Double(n))]])
        }
        try await fixture.eventually("a run for each ping completed") {
            try await fixture.store.runs(RunQuery(status: .completed, workflow: "pinged", limit: 100)).count >= 20
        }
        await fixture.stopAll()
        let runs = try await fixture.store.runs(RunQuery(workflow: "pinged", limit: 100))
        #expect(runs.count == 20)
        let outputs = runs.compactMap { $0.output?["n"]?.numberValue.map(Int.init) }.sorted()
        #expect(outputs == (0..<30).filter { $0 % 3 != 2 })
        #expect(started.all.count == 20)
        #expect(try await fixture.store.schedules().first?.fires == 20)
    }

    @Test("a worker starts an after schedule's next run only once the previous one has ended, plus the interval")
    @WorkerActor func workerFiresAfterSchedule() async throws {
        let fixture = Fixture()
        let workflow = try await fixture.add(
            try Self.program("cooldown", "do:\n  - work: {call: effect, with: {n: 1}}\n  - nap: {wait: PT10M}\n"))
        _ = try await fixture.store.saveSchedule(
            NewSchedule(definitionHash: workflow.definition.hash, trigger: .after(seconds: 3600)))
        fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("three runs completed") {
            try await fixture.store.runs(RunQuery(status: .completed, workflow: "cooldown", limit: 100)).count >= 3
        }
        await fixture.stopAll()
        let runs = try await fixture.store.runs(RunQuery(workflow: "cooldown", limit: 100)).sorted { $0.createdAt < $1.createdAt }
        for (previous, next) in zip(runs, runs.dropFirst()) {
            let ended = try #require(previous.endedAt)
            #expect(next.createdAt >= ended + 3600, "run \(next.id) started \(next.createdAt - ended) s after the previous ended")
        }
        // Never two at once.
        #expect(runs.filter { $0.endedAt == nil }.count <= 1)
    }

    @Test("an idle worker waits for work instead of asking the store again and again")
    @WorkerActor func idleWorkerDoesNotSpin() async throws {
        let clock = ManualClock()
        let store = CountingStore(MemoryStore(clock: clock))
        let fixture = Fixture(store: store, clock: clock)
        let workflow = try await fixture.add(try Self.program("idle", "do:\n  - a: {call: effect}\n"))
        fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        // A first run shows the loop is up; after it, the worker has nothing to do.
        try await fixture.create(workflow, id: "idle-1")
        try await fixture.eventually("the run completed") { try await fixture.status("idle-1") == .completed }
        let before = await store.claimCalls
        // A measuring window, not a synchronisation: with a poll of 0.2 s, a worker that sleeps
        // looks at the store a handful of times in half a second; one that spins, thousands.
        try await Task.sleep(for: .milliseconds(500))
        let claims = await store.claimCalls - before
        #expect(claims <= 10, "the idle worker claimed \(claims) times in 0.5 s")
        // And it still wakes for new work.
        try await fixture.create(workflow, id: "idle-2")
        try await fixture.eventually("the second run completed") { try await fixture.status("idle-2") == .completed }
        await fixture.stopAll()
    }

    // MARK: leases

    @Test("a checkpoint under a lease taken over since writes nothing and says so")
    func fencedCheckpointWritesNothing() async throws {
        let clock = ManualClock()
        let store = MemoryStore(clock: clock, recordingCheckpoints: true)
        let program = try Self.program("fenced", Self.threeEffects)
        let definition = DefinitionRecord(program: program)
        try await store.saveDefinition(definition)
        let child = try Self.program("fenced-child", "do:\n  - x: {set: {}}\n")
        try await store.saveDefinition(DefinitionRecord(program: child))
        _ = try await store.createRun(NewRun(id: "fenced", definitionHash: definition.hash, input: [:]))

        let first = try #require(try await store.claim(owner: "a", limit: 1, leaseSeconds: 5, runID: nil).first)
        #expect(try await store.claim(owner: "b", limit: 1, leaseSeconds: 30, runID: nil).isEmpty, "the lease still holds")
        clock.advance(by: 6)
        let second = try #require(try await store.claim(owner: "b", limit: 1, leaseSeconds: 30, runID: nil).first)
        #expect(second.lease.epoch == first.lease.epoch + 1)
        #expect(second.takeovers == 1)

        var state = RunState(runID: "fenced", input: [:], startedAt: clock.now(), seed: 1)
        state.status = .completed
        state.output = StoredJSON(["by": "a"])
        let stale = Checkpoint(
            lease: first.lease, state: try RunStateCoding.encode(state, skipping: []), status: .completed, release: true,
            output: ["by": "a"], history: [HistoryEntry(time: clock.now(), kind: "run.completed")],
            events: [Self.event(id: "from-a", data: 1)],
            children: [NewRun(id: "fenced/child", definitionHash: DefinitionRecord(program: child).hash, input: [:], parentID: "fenced")])
        #expect(try await store.checkpoint(stale) == .leaseLost)

        let record = try #require(await store.run(id: "fenced"))
        #expect(record.status == .running)
        #expect(record.output == nil)
        #expect(record.leaseOwner == "b")
        #expect(await store.history(runID: "fenced").isEmpty)
        #expect(await store.events(after: 0, limit: 10).isEmpty)
        #expect(await store.run(id: "fenced/child") == nil)
        #expect(await store.checkpoints.isEmpty)
        // The old holder can neither renew nor give up what it lost.
        #expect(await store.heartbeat(owner: "a", leases: [first.lease], leaseSeconds: 30).isEmpty)
        await store.release(first.lease, wakeAt: nil)
        #expect(await store.run(id: "fenced")?.leaseOwner == "b")
        // The new holder's write lands.
        var current = stale
        current.lease = second.lease
        #expect(try await store.checkpoint(current) == .saved(control: nil))
        #expect(await store.run(id: "fenced")?.status == .completed)
        #expect(await store.events(after: 0, limit: 10).count == 1)
    }

    @Test("a worker whose lease was taken over stops at its next checkpoint without writing")
    @WorkerActor func workerFencedOut() async throws {
        let clock = SteppedClock()
        let store = MemoryStore(clock: clock, recordingCheckpoints: true)
        let fixture = Fixture(store: store, clock: clock)
        let workflow = try await fixture.add(
            try Self.program("fenced-worker", "do:\n  - hold: {call: block}\n  - after: {call: effect}\n"))
        try await fixture.create(workflow, id: "stolen")
        let (worker, _) = fixture.startWorker(owner: "slow")
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("the activity is in flight and checkpointed") {
            let arrived = await fixture.gate.arrivals
            let saved = await store.checkpoints.count
            return arrived == 1 && saved > 0
        }
        // The worker's lease runs out on the store's clock (its heartbeat is far off), and
        // another owner takes the run.
        clock.advance(by: 31)
        let thief = try #require(try await store.claim(owner: "thief", limit: 1, leaseSeconds: 600, runID: "stolen").first)
        let historyBefore = try await fixture.history("stolen")
        let checkpointsBefore = await store.checkpoints.count

        await fixture.gate.open()
        try await fixture.eventually("the fenced worker let go of the run") { worker.activeRuns == 0 }
        #expect(try await fixture.history("stolen") == historyBefore)
        #expect(await store.checkpoints.count == checkpointsBefore)
        let record = try await fixture.record("stolen")
        #expect(record.leaseOwner == "thief")
        #expect(record.status == .running)
        #expect(await store.heartbeat(owner: "thief", leases: [thief.lease], leaseSeconds: 600).count == 1)
        await fixture.stopAll()
    }

    @Test("a worker whose own lease ran out takes the run over cleanly: the old drive stops, the new one goes on")
    @WorkerActor func workerTakesOverItsOwnRun() async throws {
        let clock = SteppedClock()
        let store = MemoryStore(clock: clock)
        let fixture = Fixture(store: store, clock: clock)
        let workflow = try await fixture.add(
            try Self.program("own", "do:\n  - hold: {call: block}\n  - after: {call: effect}\n"))
        try await fixture.create(workflow, id: "own")
        let (worker, _) = fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("the activity is in flight") { await fixture.gate.arrivals == 1 }
        // The heartbeat is late (its interval is on the wall clock): the lease runs out, and the
        // worker's next look at the store finds its own run due.
        clock.advance(by: 31)
        try await fixture.eventually("the worker claimed its run again and the old attempt stopped") {
            let record = try await fixture.record("own")
            let arrivals = await fixture.gate.arrivals
            let waiting = await fixture.gate.waiting
            return record.claims == 2 && arrivals == 2 && waiting == 1
        }
        #expect(worker.activeRuns == 1, "the worker lost track of the run it drives")
        #expect(try await fixture.record("own").leaseOwner == "worker-1")
        await fixture.gate.open()
        try await fixture.eventually("the run completed") { try await fixture.status("own") == .completed }
        #expect(try await fixture.history("own").filter { $0.kind == "task.completed" && $0.task == "/do/0/hold" }.count == 1)
        #expect(await fixture.log.keys.filter { $0.hasPrefix("/do/1/after#") }.count == 1)
        try await fixture.eventually("the worker holds no run") { worker.activeRuns == 0 }
        await fixture.stopAll()
    }

    @Test("a run taken over more often than the limit is faulted, with the reason in its history")
    @WorkerActor func tooManyTakeovers() async throws {
        let clock = ManualClock()
        let store = MemoryStore(clock: clock)
        let fixture = Fixture(store: store, clock: clock)
        let workflow = try await fixture.add(try Self.program("abandoned", Self.threeEffects))
        try await fixture.create(workflow, id: "abandoned")
        // Four workers claim it and die, one after the other: three takeovers.
        for dead in 0..<4 {
            #expect(try await store.claim(owner: "dead-\(dead)", limit: 1, leaseSeconds: 1, runID: nil).count == 1)
            clock.advance(by: 2)
        }
        #expect(await store.run(id: "abandoned")?.takeovers == 3)
        fixture.startWorker(maxTakeovers: 3)
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("the run faulted") { try await fixture.status("abandoned") == .faulted }
        let record = try await fixture.record("abandoned")
        #expect(record.takeovers == 4)
        #expect(record.error?.title == "Run abandoned")
        let faulted = try #require(try await fixture.history("abandoned").first { $0.kind == "run.faulted" })
        #expect(faulted.data?.value["detail"]?.stringValue?.contains("taken over 4 times") == true)
        #expect(await fixture.log.keys.isEmpty, "the abandoned run ran an activity")
        await fixture.stopAll()
    }

    @Test("a stopped worker gives its run back; another finishes it without repeating what was saved")
    @WorkerActor func stoppedWorkerReleasesItsRun() async throws {
        let fixture = Fixture()
        let workflow = try await fixture.add(
            try Self.program(
                "handover",
                """
                do:
                  - a: {call: effect, with: {n: 1}}
                  - b: {call: block}
                  - c: {call: effect, with: {n: 3}}
                """))
        try await fixture.create(workflow, id: "handover")
        let (first, serving) = fixture.startWorker(owner: "first")
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("a's result is saved and b is in flight") {
            let saved = try await fixture.history("handover").contains { $0.kind == "task.completed" && $0.task == "/do/0/a" }
            let arrived = await fixture.gate.arrivals
            return saved && arrived == 1
        }
        serving.cancel()
        try await serving.value
        #expect(first.activeRuns == 0)
        let released = try await fixture.record("handover")
        #expect(released.leaseOwner == nil)
        #expect(released.status == .waiting)
        #expect(try #require(released.wakeAt) <= fixture.clock.now())

        await fixture.gate.open()
        fixture.startWorker(owner: "second")
        try await fixture.eventually("the run completed") { try await fixture.status("handover") == .completed }
        let keys = await fixture.log.keys
        #expect(keys.filter { $0.hasPrefix("/do/0/a#") }.count == 1, "a ran again: \(keys)")
        // b was in flight at the stop: it runs again, with the same step key.
        #expect(keys.filter { $0.hasPrefix("/do/1/b#") } == ["/do/1/b#1", "/do/1/b#1"])
        #expect(keys.filter { $0.hasPrefix("/do/2/c#") }.count == 1)
        let completedA = try await fixture.history("handover").filter { $0.kind == "task.completed" && $0.task == "/do/0/a" }
        #expect(completedA.count == 1)
        await fixture.stopAll()
    }

    // MARK: parking and control

    @Test("a run parked on a long wait is released until its timer, then picked up when due")
    @WorkerActor func parkedWaitIsPickedUpWhenDue() async throws {
        let clock = SteppedClock()
        let store = MemoryStore(clock: clock)
        let fixture = Fixture(store: store, clock: clock)
        let workflow = try await fixture.add(
            try Self.program("sleeper", "do:\n  - a: {call: effect}\n  - nap: {wait: PT1H}\n  - c: {call: effect}\n"))
        let start = clock.now()
        try await fixture.create(workflow, id: "sleeper")
        let (worker, _) = fixture.startWorker()
        defer { Task { await fixture.stopAll() } }

        try await fixture.eventually("the run is parked") { try await fixture.isParked("sleeper") }
        let parked = try await fixture.record("sleeper")
        #expect(parked.wakeAt == start + 3600)
        #expect(parked.leaseExpiresAt == nil)
        // The driver ends on its own thread just after its last write: the worker hears of it soon after.
        try await fixture.eventually("the worker holds no run") { worker.activeRuns == 0 }
        #expect(await fixture.log.keys.count == 1)
        #expect(try await store.claim(owner: "early", limit: 1, leaseSeconds: 30, runID: nil).isEmpty, "claimed before its time")

        clock.advance(by: 3599)
        #expect(try await store.claim(owner: "early", limit: 1, leaseSeconds: 30, runID: nil).isEmpty, "claimed a second early")
        clock.advance(by: 1)
        try await fixture.eventually("the run completed") { try await fixture.status("sleeper") == .completed }
        #expect(await fixture.log.keys.count == 2)
        await fixture.stopAll()
    }

    @Test("a parked run that is suspended is not claimed; resumed, it goes on and completes")
    @WorkerActor func suspendAndResumeParkedRun() async throws {
        let fixture = Fixture()
        let workflow = try await fixture.add(try Self.program("pausable", Self.approval))
        try await fixture.create(workflow, id: "pausable")
        fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("the run is parked in its listen") { try await fixture.isParked("pausable") }

        #expect(try await fixture.store.request(.suspend, runID: "pausable") == .accepted)
        #expect(try await fixture.status("pausable") == .suspended)
        // An event for it, while it is suspended, does not wake it.
        _ = try await fixture.store.deliver(event: Self.event(id: "approval-1", data: ["approved": true]))
        #expect(try await fixture.store.claim(owner: "other", limit: 1, leaseSeconds: 30, runID: nil).isEmpty)
        #expect(try await fixture.record("pausable").wakeAt == nil)
        #expect(try await fixture.status("pausable") == .suspended)

        #expect(try await fixture.store.request(.resume, runID: "pausable") == .accepted)
        try await fixture.eventually("the resumed run completed") { try await fixture.status("pausable") == .completed }
        #expect(try await fixture.record("pausable").output == [["approved": true]])
        await fixture.stopAll()
    }

    @Test("a suspend asked for while a worker holds the run takes effect when the run parks")
    @WorkerActor func suspendWhileHeld() async throws {
        let fixture = Fixture()
        let workflow = try await fixture.add(
            try Self.program("held", "do:\n  - hold: {call: block}\n" + String(Self.approval.dropFirst(4))))
        try await fixture.create(workflow, id: "held")
        fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("the activity is in flight") { await fixture.gate.arrivals == 1 }
        #expect(try await fixture.store.request(.suspend, runID: "held") == .accepted)
        // The run goes on to its listen and parks: the suspension must not be lost on the way.
        await fixture.gate.open()
        try await fixture.eventually("the run is suspended") { try await fixture.status("held") == .suspended }
        let record = try await fixture.record("held")
        #expect(record.leaseOwner == nil)
        #expect(record.control == nil)
        #expect(try await fixture.store.request(.resume, runID: "held") == .accepted)
        _ = try await fixture.store.deliver(event: Self.event(id: "approval-held", data: "ok"))
        try await fixture.eventually("the run completed") { try await fixture.status("held") == .completed }
        await fixture.stopAll()
    }

    @Test("cancelling a held run stops its activity and ends it cancelled")
    @WorkerActor func cancelHeldRun() async throws {
        let fixture = Fixture()
        let workflow = try await fixture.add(
            try Self.program("busy", "do:\n  - hold: {call: block}\n  - after: {call: effect}\n"))
        try await fixture.create(workflow, id: "busy")
        let (worker, _) = fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("the activity is in flight") { await fixture.gate.waiting == 1 }
        try await worker.cancel(runID: "busy")
        try await fixture.eventually("the run is cancelled") { try await fixture.status("busy") == .cancelled }
        try await fixture.eventually("the activity was stopped") { await fixture.gate.waiting == 0 }
        #expect(await fixture.log.keys == ["/do/0/hold#0"])
        #expect(try await fixture.history("busy").last?.kind == "run.cancelled")
        await fixture.stopAll()
    }

    @Test("a cancel asked of the store reaches the worker that holds the run through its heartbeat")
    @WorkerActor func cancelThroughHeartbeat() async throws {
        let fixture = Fixture()
        let workflow = try await fixture.add(
            try Self.program("beating", "do:\n  - hold: {call: block}\n  - after: {call: effect}\n"))
        try await fixture.create(workflow, id: "beating")
        // A short lease: heartbeats every 0.1 s of wall time.
        fixture.startWorker(leaseSeconds: 0.3)
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("the activity is in flight") { await fixture.gate.waiting == 1 }
        #expect(try await fixture.store.request(.cancel, runID: "beating") == .accepted)
        try await fixture.eventually("the run is cancelled") { try await fixture.status("beating") == .cancelled }
        #expect(await fixture.gate.arrivals == 1)
        #expect(try await fixture.record("beating").takeovers == 0)
        await fixture.stopAll()
    }

    @Test("cancelling a parked run: a worker ends it cancelled")
    @WorkerActor func cancelParkedRun() async throws {
        let fixture = Fixture()
        let workflow = try await fixture.add(try Self.program("cancellable", Self.approval))
        try await fixture.create(workflow, id: "cancellable")
        fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("the run is parked") { try await fixture.isParked("cancellable") }
        #expect(try await fixture.store.request(.cancel, runID: "cancellable") == .accepted)
        try await fixture.eventually("the run is cancelled") { try await fixture.status("cancellable") == .cancelled }
        let record = try await fixture.record("cancellable")
        #expect(record.leaseOwner == nil)
        #expect(record.control == nil)
        #expect(record.endedAt != nil)
        #expect(try await fixture.history("cancellable").last?.kind == "run.cancelled")
        #expect(try await fixture.store.request(.cancel, runID: "cancellable") == .notApplicable(.cancelled))
        await fixture.stopAll()
    }

    // MARK: child runs

    /// The child: it waits for an approval event.
    static func child() throws -> Program { try program("child", approval) }

    static func parent(awaiting: Bool) -> String {
        """
        do:
          - delegate:
              run:
                workflow: {namespace: t, name: child, version: '1.0.0', input: {order: 7}}
                await: \(awaiting)
          - after: {call: effect, with: {parent: true}}
        """
    }

    @Test("cancelling a parent cancels the child run it waits for")
    @WorkerActor func cancelCascadesToChild() async throws {
        let fixture = Fixture(catalog: DefinitionCatalog([try Self.child()]))
        let parent = try await fixture.add(try Self.program("parent", Self.parent(awaiting: true)))
        try await fixture.create(parent, id: "parent")
        fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        var childID = ""
        try await fixture.eventually("parent and child are parked") {
            guard let child = try await fixture.store.runs(RunQuery(parentID: "parent")).first else { return false }
            childID = child.id
            let parentParked = try await fixture.isParked("parent")
            let childParked = try await fixture.isParked(child.id)
            return parentParked && childParked
        }
        #expect(try await fixture.record(childID).input == ["order": 7])

        #expect(try await fixture.store.request(.cancel, runID: "parent") == .accepted)
        try await fixture.eventually("both are cancelled") {
            let parent = try await fixture.status("parent")
            let child = try await fixture.status(childID)
            return parent == .cancelled && child == .cancelled
        }
        #expect(try await fixture.history(childID).last?.kind == "run.cancelled")
        #expect(await fixture.log.keys.isEmpty, "the parent went on past its child")
        await fixture.stopAll()
    }

    @Test("a parent waiting for its child is parked, and woken with the child's output when the child ends")
    @WorkerActor func childEndWakesParent() async throws {
        let fixture = Fixture(catalog: DefinitionCatalog([try Self.child()]))
        let parent = try await fixture.add(try Self.program("parent", Self.parent(awaiting: true)))
        try await fixture.create(parent, id: "parent")
        let (worker, _) = fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("parent and child are parked") {
            guard let child = try await fixture.store.runs(RunQuery(parentID: "parent")).first else { return false }
            let parentParked = try await fixture.isParked("parent")
            let childParked = try await fixture.isParked(child.id)
            return parentParked && childParked
        }
        try await fixture.eventually("the worker holds no run") { worker.activeRuns == 0 }
        _ = try await fixture.store.deliver(event: Self.event(id: "approval-for-child", data: "approved"))
        try await fixture.eventually("the parent completed") { try await fixture.status("parent") == .completed }
        // The parent's next task received the child's output as its input.
        #expect(try await fixture.record("parent").output?["input"] == ["approved"])
        await fixture.stopAll()
    }

    @Test("a child started with await: false runs on its own while the parent goes on")
    @WorkerActor func childWithoutAwait() async throws {
        let fixture = Fixture(catalog: DefinitionCatalog([try Self.child()]))
        let parent = try await fixture.add(try Self.program("parent", Self.parent(awaiting: false)))
        try await fixture.create(parent, id: "parent", input: ["order": 7])
        fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("the parent completed") { try await fixture.status("parent") == .completed }
        let children = try await fixture.store.runs(RunQuery(parentID: "parent"))
        let child = try #require(children.first)
        #expect(children.count == 1)
        #expect(child.status != .completed, "the child could not have completed: no event was sent")
        #expect(await fixture.log.keys.count == 1)

        _ = try await fixture.store.deliver(event: Self.event(id: "approval-child", data: "approved"))
        try await fixture.eventually("the child completed") { try await fixture.status(child.id) == .completed }
        #expect(try await fixture.record(child.id).output == ["approved"])
        await fixture.stopAll()
    }

    // MARK: events

    @Test("a listen in a parked run receives an event delivered later, with no process holding the run")
    @WorkerActor func parkedListenReceivesLaterEvent() async throws {
        let fixture = Fixture()
        let workflow = try await fixture.add(try Self.program("listener", Self.approval))
        try await fixture.create(workflow, id: "listener")
        let (first, serving) = fixture.startWorker(owner: "first")
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("the run is parked") { try await fixture.isParked("listener") }
        #expect(try await fixture.record("listener").wakeAt == nil)
        // No worker at all when the event comes.
        serving.cancel()
        try await serving.value
        #expect(first.activeRuns == 0)
        #expect(
            try await fixture.store.deliver(event: Self.event(id: "late", data: ["ok": 1]))
                == .stored(sequence: 1, listeners: ListenerCount(matched: 1)))
        #expect(try await fixture.record("listener").wakeAt != nil, "the delivery did not make the run due")

        fixture.startWorker(owner: "second")
        try await fixture.eventually("the run completed") { try await fixture.status("listener") == .completed }
        #expect(try await fixture.record("listener").output == [["ok": 1]])
        await fixture.stopAll()
    }

    @Test("a listen beside a running activity receives an event delivered while the run is held")
    @WorkerActor func listenWhileHeld() async throws {
        let fixture = Fixture()
        let workflow = try await fixture.add(
            try Self.program(
                "beside",
                """
                do:
                  - both:
                      fork:
                        branches:
                          - hear: {listen: {to: {one: {with: {type: com.example.approval}}}}}
                          - work: {call: block}
                """))
        try await fixture.create(workflow, id: "beside")
        fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("the activity is in flight") { await fixture.gate.waiting == 1 }
        _ = try await fixture.store.deliver(event: Self.event(id: "while-held", data: "heard"))
        try await fixture.eventually("the listen took the event") {
            try await fixture.history("beside").contains { $0.kind == "task.completed" && $0.task?.hasSuffix("/hear") == true }
        }
        #expect(try await fixture.status("beside") == .running)
        await fixture.gate.open()
        try await fixture.eventually("the run completed") { try await fixture.status("beside") == .completed }
        #expect(try await fixture.record("beside").output?[0] == ["heard"])
        await fixture.stopAll()
    }

    @Test("an event delivered after the run was created but before its listen began is still consumed")
    @WorkerActor func eventBeforeListen() async throws {
        let clock = SteppedClock()
        let store = MemoryStore(clock: clock)
        let fixture = Fixture(store: store, clock: clock)
        let workflow = try await fixture.add(
            try Self.program("late-listener", "do:\n  - nap: {wait: PT1H}\n" + String(Self.approval.dropFirst(4))))
        // Stored before the run existed: not for it.
        _ = try await store.deliver(event: Self.event(id: "before-run", data: "old"))
        try await fixture.create(workflow, id: "late-listener")
        fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("the run is parked on its wait") { try await fixture.isParked("late-listener") }
        _ = try await store.deliver(event: Self.event(id: "while-waiting", data: "new"))
        #expect(try await fixture.record("late-listener").wakeAt == clock.now() + 3600, "the event woke a run that is not listening")

        clock.advance(by: 3600)
        try await fixture.eventually("the run completed") { try await fixture.status("late-listener") == .completed }
        #expect(try await fixture.record("late-listener").output == ["new"])
        await fixture.stopAll()
    }

    @Test("one event is consumed by every run that listens for it, but only once by each")
    @WorkerActor func broadcastOncePerRun() async throws {
        let fixture = Fixture()
        let workflow = try await fixture.add(
            try Self.program(
                "twice",
                """
                do:
                  - first:
                      listen: {to: {one: {with: {type: com.example.approval}}}}
                      export: {as: '${ {first: .} }'}
                  - second: {listen: {to: {one: {with: {type: com.example.approval}}}}}
                  - result: {set: {first: '${ $context.first }', second: '${ . }'}}
                """))
        let ids = ["listener-1", "listener-2"]
        for id in ids { try await fixture.create(workflow, id: id) }
        fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("both runs are parked") {
            let first = try await fixture.isParked(ids[0])
            let second = try await fixture.isParked(ids[1])
            return first && second
        }
        _ = try await fixture.store.deliver(event: Self.event(id: "one", data: 1))
        // Each run's first listen takes the event; its second listen must not take it again.
        try await fixture.eventually("both runs wait in their second listen") {
            for id in ids {
                let inSecond = try await fixture.history(id).contains { $0.kind == "task.started" && $0.task == "/do/1/second" }
                let parked = try await fixture.isParked(id)
                guard inSecond, parked else { return false }
            }
            return true
        }
        _ = try await fixture.store.deliver(event: Self.event(id: "two", data: 2))
        try await fixture.eventually("both runs completed") {
            let first = try await fixture.status(ids[0])
            let second = try await fixture.status(ids[1])
            return first == .completed && second == .completed
        }
        for id in ids {
            #expect(try await fixture.record(id).output == ["first": [1], "second": [2]])
        }
        await fixture.stopAll()
    }

    @Test("an emitted event's id comes from the run and the step: emitted again, it is stored once")
    @WorkerActor func emitIsIdempotent() async throws {
        let body = """
            do:
              - before: {call: effect}
              - announce: {emit: {event: {with: {source: 'https://example.com/tests', type: com.example.announced, data: {n: 1}}}}}
              - after: {call: effect}
            """
        let program = try Self.program("announcer", body)
        let clock = ManualClock()
        let store = MemoryStore(clock: clock, recordingCheckpoints: true)
        let fixture = Fixture(store: store, clock: clock)
        let workflow = try await fixture.add(program)
        try await fixture.create(workflow, id: "announcer")
        fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("the run completed") { try await fixture.status("announcer") == .completed }
        let stored = await store.events(after: 0, limit: 10)
        #expect(stored.count == 1)
        let id = try #require(stored.first?.event["id"]?.stringValue)

        // As after a crash: the run goes back to its first checkpoint (before the emit) and runs on.
        let first = try #require(await store.checkpoints.first { $0.runID == "announcer" })
        let state = try RunStateCoding.decode(first.state)
        #expect(state.activitiesInFlight.map(\.key) == ["/do/0/before#0"])
        try await store.restore(state, definition: workflow.definition)
        try await fixture.eventually("the run completed again") {
            try await fixture.history("announcer").filter { $0.kind == "run.completed" }.count == 2
        }
        #expect(await store.events(after: 0, limit: 10).map { $0.event["id"] } == [.string(id)])

        // Another store, the same run id: the same event id; another run: another id.
        let elsewhere = Fixture()
        let copy = try await elsewhere.add(program)
        try await elsewhere.create(copy, id: "announcer")
        try await elsewhere.create(copy, id: "other-announcer")
        elsewhere.startWorker()
        defer { Task { await elsewhere.stopAll() } }
        try await elsewhere.eventually("both runs completed") {
            let first = try await elsewhere.status("announcer")
            let second = try await elsewhere.status("other-announcer")
            return first == .completed && second == .completed
        }
        let ids = try await elsewhere.store.events(after: 0, limit: 10).compactMap { $0.event["id"]?.stringValue }
        #expect(ids.count == 2)
        #expect(ids.contains(id))
        #expect(Set(ids).count == 2)
        await fixture.stopAll()
        await elsewhere.stopAll()
    }

    // MARK: what is written

    @Test("ten calls in a row write about ten checkpoints; a workflow of set tasks writes one")
    @WorkerActor func checkpointCount() async throws {
        let fixture = Fixture(recording: true)
        let calls = "do:\n" + (1...10).map { "  - c\($0): {call: effect, with: {n: \($0)}}\n" }.joined()
        let sets = "do:\n" + (1...10).map { "  - s\($0): {set: {n: \($0)}}\n" }.joined()
        try await fixture.create(try await fixture.add(try Self.program("calls", calls)), id: "calls")
        try await fixture.create(try await fixture.add(try Self.program("sets", sets)), id: "sets")
        fixture.startWorker()
        defer { Task { await fixture.stopAll() } }
        try await fixture.eventually("both runs completed") {
            let calls = try await fixture.status("calls")
            let sets = try await fixture.status("sets")
            return calls == .completed && sets == .completed
        }
        let store = try #require(fixture.store as? MemoryStore)
        let written = await store.checkpoints.map(\.runID)
        let forCalls = written.filter { $0 == "calls" }.count
        // One as each call starts (with the previous result), and the end.
        // One when the run starts, then one per call (the last one also ends the run).
        #expect(forCalls == 11, "10 calls wrote \(forCalls) checkpoints")
        #expect(written.filter { $0 == "sets" }.count == 1)
        await fixture.stopAll()
    }

    @Test("a loop over N items writes bytes in proportion to N, though its state holds all N")
    @WorkerActor func loopBytesGrowLinearly() async throws {
        let body = """
            do:
              - each:
                  for: {each: item, in: '${ .items }'}
                  do:
                    - work: {call: item, with: {n: '${ $item.n }'}}
            """
        var written: [Int: Int] = [:]
        for count in [200, 400] {
            let clock = ManualClock()
            let store = CountingStore(MemoryStore(clock: clock))
            let fixture = Fixture(store: store, clock: clock)
            let workflow = try await fixture.add(try Self.program("loop", body))
            let items = JSON.array((0..<count).map { index -> JSON in ["n": .number(Double(index)), "label": .string("item \(index) of the list, padded to make it weigh")] })
            try await fixture.create(workflow, id: "loop", input: ["items": items])
            fixture.startWorker()
            try await fixture.eventually("the loop completed") { try await fixture.status("loop") == .completed }
            await fixture.stopAll()
            #expect(try await fixture.record("loop").output == ["n": .number(Double(count - 1))])
            #expect(await store.checkpointCount >= count)
            written[count] = await store.checkpointBytes

            // The state in memory holds the whole collection, in every checkpoint of the loop.
            let middle = try #require(await store.savedStates.dropFirst(count / 2).first)
            #expect(middle.count < 4096, "a checkpoint in the middle of the loop wrote \(middle.count) bytes of state")
            let state = try RunStateCoding.decode(middle, values: await store.savedValues)
            let loops = state.fibers.flatMap(\.frames).compactMap { frame -> Int? in
                if case .task(let task) = frame, case .loop(let held, _, _) = task.progress { held.value.arrayValue?.count } else { nil }
            }
            #expect(loops == [count])
        }
        let small = try #require(written[200])
        let large = try #require(written[400])
        let ratio = Double(large) / Double(small)
        #expect(ratio < 2.3, "200 items wrote \(small) bytes, 400 wrote \(large): ratio \(ratio)")
        #expect(ratio > 1.7, "the bytes written should still grow with the work done: ratio \(ratio)")
    }
}
