@testable import SwirlPostgres
import SwirlCore
import SwirlRuntime
import SwirlTestSupport
import Testing

/// Checkpoints of several runs saved in one transaction: each keeps its own fence, a group refused as a whole
/// is saved member by member, and nothing is written twice.
@Suite(.enabled(if: TestDatabase.isAvailableOrRequired, "SWIRL_TEST_DATABASE_URL is not set; run scripts/test"))
struct PostgresGroupCommitTests {
    private static let definition = DefinitionRecord(
        namespace: "tests", name: "group", version: "1.0.0", hash: "hash-group", document: #"{"do":[]}"#)

    /// Creates and claims `count` runs `r0`, `r1`, ….
    private static func claimRuns(_ count: Int, in store: PostgresStore) async throws -> [Lease] {
        try await store.saveDefinition(Self.definition)
        for index in 0..<count {
            _ = try await store.createRun(NewRun(id: "r\(index)", definitionHash: Self.definition.hash, input: [:]))
        }
        let claimed = try await store.claim(owner: "w", limit: count, leaseSeconds: 600, runID: nil)
        #expect(claimed.count == count)
        return claimed.map(\.lease).sorted { $0.runID < $1.runID }
    }

    private static func write(
        _ lease: Lease, kind: String, in store: PostgresStore, state: EncodedRunState? = nil
    ) throws -> CheckpointWrite {
        let encoded = try state ?? RunStateCoding.encode(RunState(runID: lease.runID, input: [:], startedAt: 1, seed: 1), skipping: [])
        let checkpoint = Checkpoint(
            lease: lease, state: encoded, status: .running,
            history: [HistoryEntry(time: 1_767_225_600, kind: kind)])
        return store.write(for: checkpoint, token: PostgresStore.makeToken())
    }

    private static func kinds(_ runID: String, in store: PostgresStore) async throws -> [String] {
        try await store.history(runID: runID).map(\.kind)
    }

    @Test("checkpoints saved together are fenced one by one: a lost lease writes nothing, the others are saved")
    func fencedOneByOne() async throws {
        try await withTemporaryStore { store, _ in
            let leases = try await Self.claimRuns(3, in: store)
            var stale = leases[1]
            stale.epoch += 1
            let outcomes = try await store.saveGroup([
                Self.write(leases[2], kind: "third", in: store), Self.write(stale, kind: "stale", in: store),
                Self.write(leases[0], kind: "first", in: store),
            ])
            #expect(outcomes.map(\.saved) == [true, false, true])
            #expect(try await Self.kinds("r0", in: store) == ["first"])
            #expect(try await Self.kinds("r1", in: store) == [])
            #expect(try await Self.kinds("r2", in: store) == ["third"])
        }
    }

    @Test("one fenced write for a whole group stores each run's values and history, in order, with every field")
    func groupStoresEveryRunsRows() async throws {
        try await withTemporaryStore { store, _ in
            let leases = try await Self.claimRuns(2, in: store)
            func write(_ lease: Lease, values: [String: String], history: [HistoryEntry]) throws -> CheckpointWrite {
                var state = try RunStateCoding.encode(RunState(runID: lease.runID, input: [:], startedAt: 1, seed: 1), skipping: [])
                state.newValues = values.mapValues { Array($0.utf8) }
                let checkpoint = Checkpoint(lease: lease, state: state, status: .waiting, wakeAt: 0, release: true, history: history)
                return store.write(for: checkpoint, token: PostgresStore.makeToken())
            }
            let first = [
                HistoryEntry(time: 1_767_225_600.25, kind: "task.started", task: "/do/0/a", stepKey: "0.1", attempt: 0),
                HistoryEntry(time: 1_767_225_601, kind: "task.completed", task: "/do/0/a", stepKey: "0.1", attempt: 0, data: ["quote": "a \"b\" \\ c"]),
                HistoryEntry(time: 1_767_225_602, kind: "run.waiting"),
            ]
            let second = [HistoryEntry(time: 1_767_225_603, kind: "task.started", task: "/do/1/b", data: ["n": 1])]
            let outcomes = try await store.saveGroup([
                write(leases[1], values: ["h2": "[2]"], history: second),
                write(leases[0], values: ["h0": "\"zero\"", "h1": "{\"one\":1}"], history: first),
            ])
            #expect(outcomes.map(\.saved) == [true, true])
            #expect(try await store.history(runID: "r0") == first)
            #expect(try await store.history(runID: "r1") == second)
            let claimed = try await store.claim(owner: "w2", limit: 2, leaseSeconds: 60, runID: nil)
            let values = Dictionary(uniqueKeysWithValues: claimed.map { ($0.lease.runID, $0.storedValues) })
            #expect(values == ["r0": ["h0", "h1"], "r1": ["h2"]])
        }
    }

    @Test("a group refused as a whole is saved member by member, and the refused one alone fails")
    func refusedGroupFallsBack() async throws {
        try await withTemporaryStore { store, _ in
            let leases = try await Self.claimRuns(3, in: store)
            // A NUL byte cannot be sent as text: the whole pipeline is refused before anything is written.
            let refused = try Self.write(leases[1], kind: "refused", in: store, state: EncodedRunState(bytes: [0x7B, 0, 0x7D]))
            let writes = [
                try Self.write(leases[0], kind: "first", in: store), refused, try Self.write(leases[2], kind: "third", in: store),
            ]
            await #expect(throws: (any Error).self) { try await store.saveGroup(writes) }
            let results = await PostgresCheckpointGroup.save(writes, in: store)
            #expect((try? results[0].get())?.saved == true)
            #expect((try? results[1].get()) == nil)
            #expect((try? results[2].get())?.saved == true)
            #expect(try await Self.kinds("r0", in: store) == ["first"])
            #expect(try await Self.kinds("r1", in: store) == [])
            #expect(try await Self.kinds("r2", in: store) == ["third"])
        }
    }

    @Test("a group whose commit went through before its reply was lost is not written again by the fallback")
    func committedGroupIsNotWrittenTwice() async throws {
        try await withTemporaryStore { store, _ in
            let leases = try await Self.claimRuns(2, in: store)
            let writes = [try Self.write(leases[0], kind: "once", in: store), try Self.write(leases[1], kind: "once", in: store)]
            #expect(try await store.saveGroup(writes).map(\.saved) == [true, true])
            // What the fallback does after a failed group: each alone, looking for its token first.
            for write in writes {
                #expect(try await store.saveAlone(write, retrying: true).saved)
            }
            #expect(try await Self.kinds("r0", in: store) == ["once"])
            #expect(try await Self.kinds("r1", in: store) == ["once"])
        }
    }

    @Test("many runs checkpointing at once through one sender all get their own answer")
    func concurrentCheckpoints() async throws {
        // A pool of 4 has one sender: all but the first checkpoint of a burst wait and go in groups.
        try await withTemporaryStore(poolSize: 4) { store, _ in
            let leases = try await Self.claimRuns(24, in: store)
            let stale = Set(leases.indices.filter { $0 % 5 == 0 })
            let answers = try await withThrowingTaskGroup(of: (Int, CheckpointResult).self) { tasks in
                for (index, lease) in leases.enumerated() {
                    tasks.addTask {
                        var used = lease
                        if stale.contains(index) { used.epoch += 1 }
                        let state = try RunStateCoding.encode(RunState(runID: lease.runID, input: [:], startedAt: 1, seed: 1), skipping: [])
                        for step in 0..<5 {
                            let checkpoint = Checkpoint(
                                lease: used, state: state, status: .running,
                                history: [HistoryEntry(time: 1_767_225_600, kind: "step\(step)")])
                            let result = try await store.checkpoint(checkpoint)
                            if result == .leaseLost { return (index, result) }
                        }
                        return (index, .saved(control: nil))
                    }
                }
                var answers: [Int: CheckpointResult] = [:]
                for try await (index, result) in tasks { answers[index] = result }
                return answers
            }
            for (index, lease) in leases.enumerated() {
                let kinds = try await Self.kinds(lease.runID, in: store)
                if stale.contains(index) {
                    #expect(answers[index] == .leaseLost)
                    #expect(kinds == [])
                } else {
                    #expect(answers[index] == .saved(control: nil))
                    #expect(kinds == (0..<5).map { "step\($0)" })
                }
            }
        }
    }
}
