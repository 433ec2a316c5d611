import SwirlCore
import SwirlPostgres
import SwirlRuntime
import SwirlTestSupport
import Testing

/// The rules that only concurrency can break: a listener parking while an event arrives, two workers racing
/// for a run, many claimers sharing the due runs, creators sharing an idempotency key.
@Suite(.enabled(if: TestDatabase.isAvailableOrRequired, "SWIRL_TEST_DATABASE_URL is not set; run scripts/test"))
struct PostgresConcurrencyTests {
    private static let definition = DefinitionRecord(
        namespace: "tests", name: "race", version: "1.0.0", hash: "hash-race", document: #"{"do":[]}"#)

    private static func checkpoint(_ lease: Lease, status: RunStatus = .running, release: Bool = false,
        subscription: EventSubscription? = nil, eventCursor: Int64 = 0, history: [HistoryEntry] = []) throws -> Checkpoint
    {
        let state = RunState(runID: lease.runID, input: [:], startedAt: 1_767_225_600, seed: 1)
        return Checkpoint(
            lease: lease, state: try RunStateCoding.encode(state, skipping: []), status: status, release: release,
            subscription: subscription, eventCursor: eventCursor, history: history)
    }

    @Test("a listener that parks while an event is delivered is always due afterwards")
    func listenerRace() async throws {
        try await withTemporaryStore(poolSize: 2) { store, schema in
            let deliverer = try await openStore(schema: schema)
            defer { Task { await deliverer.close() } }
            try await store.saveDefinition(Self.definition)
            var cursor: Int64 = 0
            for iteration in 0..<60 {
                let id = "run-\(iteration)"
                _ = try await store.createRun(NewRun(id: id, definitionHash: Self.definition.hash, input: [:]))
                let claimed = try #require(
                    try await store.claim(owner: "w", limit: 1, leaseSeconds: 600, runID: id).first)
                let seen = cursor
                let parking = try Self.checkpoint(
                    claimed.lease, status: .waiting, release: true, subscription: .unknown, eventCursor: seen)
                let event: JSON = ["specversion": "1.0", "id": .string("e\(iteration)"), "source": "race", "type": "t"]
                async let parked = store.checkpoint(parking)
                async let delivered = deliverer.deliver(event: event)
                #expect(try await parked == .saved(control: nil))
                guard case .stored(let sequence, _) = try await delivered else {
                    Issue.record("the event was not stored")
                    return
                }
                cursor = sequence
                let record = try #require(try await store.run(id: id))
                let now = try await store.now()
                #expect(record.leaseOwner == nil)
                #expect(record.wakeAt.map { $0 <= now } == true, "iteration \(iteration): the listener missed the event")
            }
        }
    }

    @Test("after a takeover only the new holder's checkpoints are written, however they interleave")
    func fencing() async throws {
        try await withTemporaryStore(poolSize: 4) { store, schema in
            let other = try await openStore(schema: schema)
            defer { Task { await other.close() } }
            try await store.saveDefinition(Self.definition)
            _ = try await store.createRun(NewRun(id: "r1", definitionHash: Self.definition.hash, input: [:]))
            let old = try #require(try await store.claim(owner: "old", limit: 1, leaseSeconds: 0.3, runID: nil).first)
            try await Task.sleep(for: .seconds(0.5))
            let new = try #require(try await other.claim(owner: "new", limit: 1, leaseSeconds: 600, runID: nil).first)
            #expect(new.lease.epoch == old.lease.epoch + 1)

            let results = try await withThrowingTaskGroup(of: (String, CheckpointResult).self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let entry = HistoryEntry(time: 1_767_225_600, kind: "old-\(index)")
                        return ("old", try await store.checkpoint(Self.checkpoint(old.lease, history: [entry])))
                    }
                    group.addTask {
                        let entry = HistoryEntry(time: 1_767_225_600, kind: "new-\(index)")
                        return ("new", try await other.checkpoint(Self.checkpoint(new.lease, history: [entry])))
                    }
                }
                return try await group.reduce(into: [(String, CheckpointResult)]()) { $0.append($1) }
            }
            #expect(results.filter { $0.0 == "old" }.allSatisfy { $0.1 == .leaseLost })
            #expect(results.filter { $0.0 == "new" }.allSatisfy { $0.1 == .saved(control: nil) })
            let history = try await store.history(runID: "r1")
            #expect(history.count == 20)
            #expect(history.allSatisfy { $0.kind.hasPrefix("new-") })
            #expect(try await store.run(id: "r1")?.leaseOwner == "new")
        }
    }

    @Test("two workers claiming an expired lease at once: exactly one gets it")
    func takeoverRace() async throws {
        try await withTemporaryStore(poolSize: 2) { store, schema in
            let other = try await openStore(schema: schema)
            defer { Task { await other.close() } }
            try await store.saveDefinition(Self.definition)
            for round in 0..<10 {
                let id = "r\(round)"
                _ = try await store.createRun(NewRun(id: id, definitionHash: Self.definition.hash, input: [:]))
                _ = try #require(try await store.claim(owner: "dead", limit: 1, leaseSeconds: 0.05, runID: id).first)
                try await Task.sleep(for: .seconds(0.1))
                async let first = store.claim(owner: "a", limit: 1, leaseSeconds: 600, runID: id)
                async let second = other.claim(owner: "b", limit: 1, leaseSeconds: 600, runID: id)
                let claims = try await first + second
                #expect(claims.count == 1)
                #expect(claims.first?.lease.epoch == 2)
                #expect(claims.first?.takeovers == 1)
            }
        }
    }

    @Test("concurrent claimers share the due runs: each run is claimed exactly once")
    func sharedClaims() async throws {
        try await withTemporaryStore(poolSize: 4) { store, _ in
            try await store.saveDefinition(Self.definition)
            for index in 0..<60 {
                _ = try await store.createRun(NewRun(id: "r\(index)", definitionHash: Self.definition.hash, input: [:]))
            }
            let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await store.claim(owner: "w\(worker)", limit: 4, leaseSeconds: 600, runID: nil)
                            if batch.isEmpty {
                                return mine
                            }
                            mine += batch.map(\.lease.runID)
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(claimed.count == 60)
            #expect(Set(claimed).count == 60)
        }
    }

    @Test("concurrent creators with one idempotency key create one run")
    func idempotentCreates() async throws {
        try await withTemporaryStore(poolSize: 4) { store, schema in
            let other = try await openStore(schema: schema)
            defer { Task { await other.close() } }
            try await store.saveDefinition(Self.definition)
            let results = try await withThrowingTaskGroup(of: CreatedRun.self) { group in
                for index in 0..<16 {
                    let target = index % 2 == 0 ? store : other
                    group.addTask {
                        try await target.createRun(
                            NewRun(id: "r\(index)", definitionHash: Self.definition.hash, input: [:], idempotencyKey: "once"))
                    }
                }
                return try await group.reduce(into: [CreatedRun]()) { $0.append($1) }
            }
            #expect(results.filter(\.created).count == 1)
            #expect(Set(results.map(\.id)).count == 1)
            #expect(try await store.runs(RunQuery()).count == 1)
        }
    }
}
