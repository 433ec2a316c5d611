import Foundation
import SwirlCore
import SwirlRuntime
@testable import SwirlSQLite
import SwirlTestSupport
import Testing

/// The store contract (``StoreConformance``) on SQLite, each check on a fresh file, and what only a file shared
/// by several stores (as by several processes) shows: fencing, claims that never overlap, wake-ups.
@Suite struct SQLiteStoreTests {
    /// With a manual clock: time passes only when a check lets it.
    @Test(arguments: StoreConformance.checks)
    func conforms(to check: StoreConformance.Check) async throws {
        try await withTemporaryDatabase { path in
            let clock = ManualClock()
            let store = try await SQLiteStore.open(path: path, clock: clock, limits: StoreConformance.limits)
            try await check.run(StoreConformance.Subject(store: store, advance: { clock.advance(by: $0) }))
            await store.close()
        }
    }

    /// With the system clock, as `swirl` uses it: short leases and timers of two seconds, waited for.
    @Test(arguments: StoreConformance.checks)
    func conformsOnTheSystemClock(to check: StoreConformance.Check) async throws {
        try await withTemporaryDatabase { path in
            let store = try await SQLiteStore.open(path: path, limits: StoreConformance.limits)
            try await check.run(
                StoreConformance.Subject(
                    store: store, advance: { try await Task.sleep(for: .seconds($0)) }, lease: 600, shortLease: 2,
                    tolerance: 0.001))
            await store.close()
        }
    }

    /// Entries written one per row (before s0005_history_batches.sql) come first, then the batches.
    @Test func historyWrittenBeforeBatches() async throws {
        try await withTemporaryDatabase { path in
            let clock = ManualClock()
            let store = try await SQLiteStore.open(path: path, clock: clock, limits: StoreConformance.limits)
            try await StoreConformance.historyAcrossVersions(
                StoreConformance.Subject(store: store, advance: { clock.advance(by: $0) })
            ) { runID, entries in
                let connection = try SQLiteConnection(path: path, busyTimeout: 5)
                for entry in entries {
                    _ = try connection.execute(
                        "INSERT INTO history (run_id, time, kind, task, step_key, attempt, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        [
                            .text(runID), .real(entry.time), .text(entry.kind), .optional(entry.task), .optional(entry.stepKey),
                            .optional(entry.attempt), .optional(entry.data?.value.serialized()),
                        ])
                }
            }
            await store.close()
        }
    }

    @Test("a run stays in the file: a store opened later finds it, its state and its history")
    func survivesReopening() async throws {
        try await withTemporaryDatabase { path in
            let clock = ManualClock()
            let first = try await SQLiteStore.open(path: path, clock: clock)
            let definition = try await first.saveDefinition(Self.definition)
            _ = try await first.createRun(NewRun(id: "r1", definitionHash: definition.hash, input: ["b": 1, "a": 2]))
            let claimed = try #require(try await first.claim(owner: "w1", limit: 1, leaseSeconds: 60, runID: nil).first)
            var state = RunState(runID: "r1", input: ["b": 1, "a": 2], startedAt: clock.now(), seed: 7)
            state.nextStep = 3
            let entry = HistoryEntry(time: clock.now(), kind: "task.completed", task: "/do/0/a")
            let saved = try await first.checkpoint(
                Checkpoint(
                    lease: claimed.lease, state: try RunStateCoding.encode(state, skipping: []), status: .waiting,
                    wakeAt: clock.now(), release: true, history: [entry]))
            #expect(saved == .saved(control: nil))
            await first.close()

            let second = try await SQLiteStore.open(path: path, clock: clock)
            #expect(try await second.history(runID: "r1") == [entry])
            let again = try #require(try await second.claim(owner: "w2", limit: 1, leaseSeconds: 60, runID: "r1").first)
            #expect(again.state == state)
            #expect(again.lease.epoch == 2)
            #expect(again.record.input.serialized() == #"{"b":1,"a":2}"#)
            await second.close()
        }
    }

    @Test("two stores on one file fence each other: a claim holds until its lease lapses; a fenced checkpoint writes nothing")
    func fencingAcrossStores() async throws {
        try await withTemporaryDatabase { path in
            let clock = ManualClock()
            let a = try await SQLiteStore.open(path: path, clock: clock)
            let b = try await SQLiteStore.open(path: path, clock: clock)
            let definition = try await a.saveDefinition(Self.definition)
            let child = try await a.saveDefinition(Self.childDefinition)
            _ = try await a.createRun(NewRun(id: "r1", definitionHash: definition.hash, input: [:]))

            let first = try #require(try await a.claim(owner: "a", limit: 1, leaseSeconds: 10, runID: nil).first)
            #expect(try await b.claim(owner: "b", limit: 5, leaseSeconds: 10, runID: nil).isEmpty)
            #expect(try await b.claim(owner: "b", limit: 5, leaseSeconds: 10, runID: "r1").isEmpty)
            let kept = HistoryEntry(time: clock.now(), kind: "task.completed", task: "/do/0/a")
            #expect(try await a.checkpoint(Self.checkpoint(first.lease, step: 1, history: [kept])) == .saved(control: nil))

            // Still held a moment before expiry, taken over after it.
            clock.advance(by: 9.9)
            #expect(try await b.claim(owner: "b", limit: 5, leaseSeconds: 10, runID: nil).isEmpty)
            clock.advance(by: 0.2)
            let second = try #require(try await b.claim(owner: "b", limit: 5, leaseSeconds: 60, runID: nil).first)
            #expect(second.lease.epoch == first.lease.epoch + 1)
            #expect(second.takeovers == 1)
            #expect(second.state == (try Self.state("r1", step: 1)))

            // The old holder's writes, of every kind, are refused and leave no trace.
            let lost = try Self.checkpoint(
                first.lease, status: .completed, step: 2,
                history: [HistoryEntry(time: clock.now(), kind: "run.completed")],
                events: [["specversion": "1.0", "id": "e1", "source": "https://example.com/tests", "type": "t"]],
                children: [NewRun(id: "child", definitionHash: child.hash, input: [:], parentID: "r1")],
                output: ["lost": true])
            #expect(try await a.checkpoint(lost) == .leaseLost)
            #expect(try await a.heartbeat(owner: "a", leases: [first.lease], leaseSeconds: 60).isEmpty)
            try await a.release(first.lease, wakeAt: nil)
            for store in [a, b] {
                #expect(try await store.history(runID: "r1") == [kept])
                #expect(try await store.events(after: 0, limit: 10).isEmpty)
                #expect(try await store.run(id: "child") == nil)
                let record = try #require(try await store.run(id: "r1"))
                #expect(record.status == .running)
                #expect(record.leaseOwner == "b")
                #expect(record.output == nil)
            }
            // The new holder's state is the one that counts.
            #expect(try await b.checkpoint(Self.checkpoint(second.lease, step: 2)) == .saved(control: nil))
            await a.close()
            await b.close()
        }
    }

    @Test("two stores claiming from one file at once never hand out the same run twice")
    func concurrentClaimsAcrossStores() async throws {
        try await withTemporaryDatabase { path in
            let stores = [
                try await SQLiteStore.open(path: path), try await SQLiteStore.open(path: path),
                try await SQLiteStore.open(path: path),
            ]
            let definition = try await stores[0].saveDefinition(Self.definition)
            let ids = (0..<60).map { "run-\($0)" }
            for id in ids {
                _ = try await stores[0].createRun(NewRun(id: id, definitionHash: definition.hash, input: [:]))
            }
            let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
                for (index, store) in stores.enumerated() {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await store.claim(owner: "w\(index)", limit: 2, leaseSeconds: 600, runID: nil)
                            if batch.isEmpty {
                                return mine
                            }
                            mine += batch.map(\.lease.runID)
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(claimed.count == ids.count)
            #expect(Set(claimed) == Set(ids))
            for record in try await stores[1].runs(RunQuery(limit: 100)) {
                #expect(record.claims == 1, "\(record.id) was claimed \(record.claims) times")
            }
            for store in stores {
                await store.close()
            }
        }
    }

    @Test("a wait returns when the same store makes work due")
    func wakesWithinTheStore() async throws {
        try await withTemporaryDatabase { path in
            let store = try await SQLiteStore.open(path: path)
            let elapsed = try await Self.timeToWake(waiter: store, writer: store)
            #expect(elapsed < .seconds(5))
            await store.close()
        }
    }

    @Test("a wait returns when another store commits to the file, within a few poll intervals")
    func wakesAcrossStores() async throws {
        try await withTemporaryDatabase { path in
            let waiter = try await SQLiteStore.open(path: path)
            let writer = try await SQLiteStore.open(path: path)
            let elapsed = try await Self.timeToWake(waiter: waiter, writer: writer)
            #expect(elapsed < .seconds(5))
            await waiter.close()
            await writer.close()
        }
    }

    @Test("two stores on one file, as two worker processes, fire a schedule concurrently: each fire time once")
    func schedulesFireOnceAcrossStores() async throws {
        try await withTemporaryDatabase { path in
            let clock = ManualClock()
            let first = try await SQLiteStore.open(path: path, clock: clock)
            let second = try await SQLiteStore.open(path: path, clock: clock)
            let definition = try await first.saveDefinition(Self.definition)
            let schedule = try await first.saveSchedule(NewSchedule(definitionHash: definition.hash, trigger: .every(seconds: 60)))
            let start = try #require(schedule.nextFireAt)
            var started = 0
            for minute in 0..<20 {
                let asOf = start + Double(minute) * 60
                started += try await withThrowingTaskGroup(of: Int.self) { group in
                    for store in [first, second, first, second] {
                        group.addTask { try await store.fireSchedules(asOf: asOf, limit: 10).count }
                    }
                    return try await group.reduce(0, +)
                }
            }
            #expect(started == 20)
            let runs = try await second.runs(RunQuery(limit: 100))
            #expect(runs.count == 20)
            #expect(Set(runs.compactMap(\.idempotencyKey)).count == 20)
            #expect(try await second.schedules().first?.fires == 20)
            await first.close()
            await second.close()
        }
    }

    @Test("a wait with a deadline that has passed returns at once, and a closed store refuses calls")
    func pastDeadlineAndClosedStore() async throws {
        try await withTemporaryDatabase { path in
            let store = try await SQLiteStore.open(path: path)
            let start = ContinuousClock.now
            await store.waitForWork(until: try await store.now() - 10)
            #expect(ContinuousClock.now - start < .seconds(1))
            await store.close()
            let error = await #expect(throws: StoreError.self) { try await store.run(id: "r1") }
            #expect(error?.description.contains("the store is closed") == true)
        }
    }

    @Test("a file that is not a database is refused with a message naming the file, not SQL")
    func notADatabase() async throws {
        try await withTemporaryDatabase { path in
            try Data(String(repeating: "not a database\n", count: 400).utf8).write(to: URL(fileURLWithPath: path))
            let error = await #expect(throws: StoreError.self) { try await SQLiteStore.open(path: path) }
            guard case .unavailable(let message) = error else {
                Issue.record("expected unavailable, got \(String(describing: error))")
                return
            }
            #expect(message.contains(path))
            #expect(message.contains("not a database"))
            #expect(!message.contains("PRAGMA"))
            #expect(!message.contains("SELECT"))
        }
    }

    @Test("values at a limit are stored; one byte over is refused, and nothing of that write is kept")
    func sizeLimits() async throws {
        var limits = StoreLimits()
        limits.value = 300
        limits.state = 2_000
        limits.event = 400
        limits.definition = 500
        try await withTemporaryDatabase { path in
            let clock = ManualClock()
            let store = try await SQLiteStore.open(path: path, clock: clock, limits: limits)

            // Definitions.
            var definition = Self.definition
            definition.document += String(repeating: " ", count: limits.definition - definition.document.utf8.count)
            #expect(try await store.saveDefinition(definition) == definition)
            var bigDefinition = Self.childDefinition
            bigDefinition.document += String(repeating: " ", count: limits.definition + 1 - bigDefinition.document.utf8.count)
            await #expect(throws: StoreError.tooLarge("the definition", size: limits.definition + 1, limit: limits.definition)) {
                try await store.saveDefinition(bigDefinition)
            }
            #expect(try await store.definition(hash: bigDefinition.hash) == nil)

            // Inputs.
            let input = Self.padded(["x": ""], to: limits.value)
            #expect(try await store.createRun(NewRun(id: "r1", definitionHash: definition.hash, input: input)).created)
            await #expect(throws: StoreError.tooLarge("the run's input", size: limits.value + 1, limit: limits.value)) {
                try await store.createRun(
                    NewRun(id: "r2", definitionHash: definition.hash, input: Self.padded(["x": ""], to: limits.value + 1)))
            }
            #expect(try await store.run(id: "r2") == nil)

            // Events.
            let event = Self.padded(["id": "e1", "source": "s", "data": ""], to: limits.event)
            #expect(try await store.deliver(event: event) == .stored(sequence: 1))
            let tooBig = Self.padded(["id": "e2", "source": "s", "data": ""], to: limits.event + 1)
            await #expect(throws: StoreError.tooLarge("the event", size: limits.event + 1, limit: limits.event)) {
                try await store.deliver(event: tooBig)
            }
            #expect(try await store.events(after: 0, limit: 10).count == 1)

            // States: the encoded state and its new values together.
            let claimed = try #require(try await store.claim(owner: "w", limit: 1, leaseSeconds: 60, runID: "r1").first)
            let kept = HistoryEntry(time: clock.now(), kind: "kept")
            #expect(try await store.checkpoint(Self.checkpoint(claimed.lease, step: 1, history: [kept])) == .saved(control: nil))
            let bytes = Array(String(repeating: "s", count: limits.state - 100).utf8)
            let atLimit = EncodedRunState(bytes: bytes, newValues: ["h": Array(repeating: UInt8(ascii: "v"), count: 100)])
            let overLimit = EncodedRunState(bytes: bytes, newValues: ["h": Array(repeating: UInt8(ascii: "v"), count: 101)])
            await #expect(throws: StoreError.tooLarge("the run's saved state", size: limits.state + 1, limit: limits.state)) {
                try await store.checkpoint(
                    Checkpoint(lease: claimed.lease, state: overLimit, status: .running, history: [HistoryEntry(time: 1, kind: "lost")]))
            }
            #expect(try await store.history(runID: "r1") == [kept])
            // At the limit it is written (the state is not a real one, so it is not claimed back).
            #expect(
                try await store.checkpoint(Checkpoint(lease: claimed.lease, state: atLimit, status: .running))
                    == .saved(control: nil))
            await store.close()
        }
    }

    // MARK: helpers

    static let definition = DefinitionRecord(
        namespace: "tests", name: "flow", version: "1.0.0", hash: "hash-flow",
        document: #"{"document":{"dsl":"1.0.0","namespace":"tests","name":"flow","version":"1.0.0"},"do":[]}"#)

    static let childDefinition = DefinitionRecord(
        namespace: "tests", name: "child", version: "1.0.0", hash: "hash-child",
        document: #"{"document":{"dsl":"1.0.0","namespace":"tests","name":"child","version":"1.0.0"},"do":[]}"#)

    static func state(_ runID: String, step: Int) throws -> RunState {
        var state = RunState(runID: runID, input: [:], startedAt: 1_767_225_600, seed: 1)
        state.nextStep = step
        return state
    }

    static func checkpoint(
        _ lease: Lease, status: RunStatus = .running, step: Int, history: [HistoryEntry] = [], events: [JSON] = [],
        children: [NewRun] = [], output: JSON? = nil
    ) throws -> Checkpoint {
        Checkpoint(
            lease: lease, state: try RunStateCoding.encode(Self.state(lease.runID, step: step), skipping: []),
            status: status, output: output, history: history, events: events, children: children)
    }

    /// `object` with its last member's string grown until the object's JSON text is `size` bytes long.
    static func padded(_ object: JSON, to size: Int) -> JSON {
        guard case .object(var members) = object, let last = members.keys.last else {
            return object
        }
        let missing = size - object.serialized().utf8.count
        members[last] = .string(String(repeating: "p", count: max(0, missing)))
        let padded = JSON.object(members)
        precondition(padded.serialized().utf8.count == size, "padding did not reach \(size) bytes")
        return padded
    }

    /// How long `waiter` waits for work while `writer` keeps storing events (every 50 ms, until the wait
    /// returns): the writes start after the wait began, whatever the scheduling, and the wait's own deadline is
    /// far away, so a wait that does not notice them takes a minute.
    static func timeToWake(waiter: SQLiteStore, writer: SQLiteStore) async throws -> Duration {
        let deadline = try await waiter.now() + 60
        let start = ContinuousClock.now
        return try await withThrowingTaskGroup(of: Duration?.self) { group in
            group.addTask {
                await waiter.waitForWork(until: deadline)
                return ContinuousClock.now - start
            }
            group.addTask {
                var count = 0
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(50))
                    count += 1
                    _ = try await writer.deliver(
                        event: ["specversion": "1.0", "id": .string("e\(count)"), "source": "https://example.com/tests", "type": "t"])
                }
                return nil
            }
            var elapsed: Duration?
            for try await result in group {
                if let result {
                    elapsed = result
                    group.cancelAll()
                }
            }
            return try #require(elapsed)
        }
    }
}
