import SwirlRuntime
import Synchronization

/// One checkpoint, ready to be sent alone or in a group: its part of the fenced write (one element of each array
/// of ``PostgresStatements/checkpointRuns``), and the statements that follow it in the same transaction.
struct CheckpointWrite: Sendable {
    /// The event lock a checkpoint takes before its fenced write.
    enum EventLock: Int, Comparable, Sendable {
        /// The run stays listening: no event may be stored between its check for new events and its parking.
        case shared
        /// The run emitted events: listeners must not park between their check and the insert.
        case exclusive

        static func < (left: Self, right: Self) -> Bool { left.rawValue < right.rawValue }
    }

    /// A history entry in the text of its columns.
    struct History: Sendable {
        var time: String
        var kind: String
        var task: String?
        var stepKey: String?
        var attempt: String?
        var data: String?
    }

    let runID: String
    /// Written into the row by the fenced write: the later statements of the checkpoint, and a retry after a
    /// lost reply, find out from it whether the write matched.
    let token: String
    let lock: EventLock?
    /// Whether saving it makes work due for other runs (events, children), whatever the row says. An end does
    /// when its statement nudged a parent or cancelled children.
    let announces: Bool
    /// The run's row for the fenced write: the elements of $1 to $15 of ``PostgresStatements/checkpointRuns``.
    var row: [String?] = []
    /// New stored values, by hash.
    var values: [(hash: String, value: String)] = []
    var history: [History] = []
    /// The statements after the fenced write (events, children, an end), each fenced by the token.
    var after: [(statement: PGStatement, parameters: [String?])] = []

    /// The bytes it sends, to bound a group's size.
    var size: Int {
        var total = self.row.reduce(0) { $0 + ($1?.utf8.count ?? 0) }
        for value in self.values { total += value.hash.utf8.count + value.value.utf8.count }
        for entry in self.history {
            for text in [entry.time, entry.kind, entry.task, entry.stepKey, entry.attempt, entry.data] {
                total += text?.utf8.count ?? 0
            }
        }
        for item in self.after { total += item.parameters.reduce(0) { $0 + ($1?.utf8.count ?? 0) } }
        return total
    }
}

/// What became of one checkpoint.
struct CheckpointOutcome: Sendable {
    /// `false`: the lease was lost and nothing was written.
    let saved: Bool
    let control: ControlRequest?
    /// Whether workers should be told that work is due.
    let announces: Bool
}

/// Group commit for checkpoints.
///
/// A checkpoint that finds no group on its way is sent at once; one that finds a group on its way waits, and
/// the sender takes every waiting checkpoint (up to a count and a size) in one transaction when it is back.
/// Another sender starts only when a full group waits (the database answers more slowly than checkpoints
/// arrive), up to `senders` at once: a second group in flight beside the first costs the server a transaction
/// and a commit more for fewer checkpoints each, which on a busy server is what limits throughput. Under load,
/// many runs share each round trip and each commit; alone, a checkpoint waits for nobody. The runs of one
/// worker are driven one step at a time on one actor, so without this their checkpoints would queue for
/// connections anyway, each paying a transaction, a round trip and two thread hand-offs of its own.
final class PostgresCheckpointGroup: Sendable {
    private struct Waiting {
        let write: CheckpointWrite
        /// ``CheckpointWrite/size``, computed once outside the lock.
        let size: Int
        let continuation: CheckedContinuation<CheckpointOutcome, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var sending = 0
    }

    /// How many groups may be on their way at once.
    let senders: Int
    /// The most checkpoints one group holds, and the parameter bytes after which it takes no more.
    let maxCount: Int
    let maxBytes: Int
    private let state = Mutex(State())

    init(senders: Int, maxCount: Int = 64, maxBytes: Int = 4 << 20) {
        self.senders = max(1, senders)
        self.maxCount = max(1, maxCount)
        self.maxBytes = maxBytes
    }

    /// Saves `write` in the next group `store` sends.
    nonisolated(nonsending) func save(_ write: CheckpointWrite, in store: PostgresStore) async throws -> CheckpointOutcome {
        let size = write.size
        return try await withCheckedThrowingContinuation { continuation in
            let starts = self.state.withLock { state -> Bool in
                state.waiting.append(Waiting(write: write, size: size, continuation: continuation))
                guard state.sending == 0 || (state.sending < self.senders && state.waiting.count >= self.maxCount) else {
                    return false
                }
                state.sending += 1
                return true
            }
            if starts {
                self.startSending(in: store)
            }
        }
    }

    /// Starts a sender: on a free open connection's own thread when there is one (no task to schedule, no hop
    /// between threads but the reply's to each waiting run), else as a task that waits for a connection.
    private func startSending(in store: PostgresStore) {
        let started = store.pool.runDetached { connection in
            guard let connection else {
                Task { await self.send(in: store) }
                return
            }
            self.sendGroups(on: connection, in: store)
        }
        if !started {
            Task { await self.send(in: store) }
        }
    }

    /// Sends groups on `connection`, on its thread, until nothing waits. After a group failed as a whole, its
    /// checkpoints are saved each alone and the rest are sent by a task (the connection may have broken).
    private func sendGroups(on connection: PGConnection, in store: PostgresStore) {
        while let group = self.nextGroup() {
            let writes = group.map(\.write)
            do {
                let outcomes = try store.saveGroup(writes, on: connection)
                store.announce(outcomes)
                for (waiting, outcome) in zip(group, outcomes) {
                    waiting.continuation.resume(returning: outcome)
                }
            } catch {
                Task {
                    // Sent once already: each looks for its token first.
                    let outcomes = await Self.saveEachAlone(writes, afterFailure: true, in: store)
                    for (waiting, outcome) in zip(group, outcomes) {
                        waiting.continuation.resume(with: outcome)
                    }
                    await self.send(in: store)
                }
                return
            }
        }
    }

    /// Sends groups until nothing waits.
    private func send(in store: PostgresStore) async {
        while let group = self.nextGroup() {
            await Self.send(group, in: store)
        }
    }

    /// The next group: the oldest waiting checkpoints up to the count and size, one per run (a second checkpoint
    /// of a run, from a driver that was fenced out in this process, waits for the next group).
    private func nextGroup() -> [Waiting]? {
        self.state.withLock { state -> [Waiting]? in
            guard !state.waiting.isEmpty else {
                state.sending -= 1
                return nil
            }
            var group: [Waiting] = []
            var left: [Waiting] = []
            var runs: Set<String> = []
            var bytes = 0
            for waiting in state.waiting {
                guard group.count < self.maxCount, group.isEmpty || bytes < self.maxBytes,
                    runs.insert(waiting.write.runID).inserted
                else {
                    left.append(waiting)
                    continue
                }
                group.append(waiting)
                bytes += waiting.size
            }
            state.waiting = left
            return group
        }
    }

    private static func send(_ group: [Waiting], in store: PostgresStore) async {
        let outcomes = await Self.save(group.map(\.write), in: store)
        for (waiting, outcome) in zip(group, outcomes) {
            waiting.continuation.resume(with: outcome)
        }
    }

    /// Saves `writes` in one transaction, or, alone or after that failed as a whole, each in its own, looking
    /// for its token first after a failed group (whose commit may have happened before its reply was lost).
    static func save(_ writes: [CheckpointWrite], in store: PostgresStore) async -> [Result<CheckpointOutcome, any Error>] {
        if writes.count > 1, let outcomes = try? await store.saveGroup(writes) {
            store.announce(outcomes)
            return outcomes.map { .success($0) }
        }
        return await Self.saveEachAlone(writes, afterFailure: writes.count > 1, in: store)
    }

    /// Saves each of `writes` in a transaction of its own; `afterFailure` (they were sent before, in a group that
    /// failed as a whole), each looks for its token first.
    private static func saveEachAlone(
        _ writes: [CheckpointWrite], afterFailure: Bool, in store: PostgresStore
    ) async -> [Result<CheckpointOutcome, any Error>] {
        await withTaskGroup(of: (Int, Result<CheckpointOutcome, any Error>).self) { tasks in
            for (index, write) in writes.enumerated() {
                tasks.addTask {
                    do {
                        let outcome = try await store.saveAlone(write, retrying: afterFailure)
                        store.announce([outcome])
                        return (index, .success(outcome))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results = [Result<CheckpointOutcome, any Error>?](repeating: nil, count: writes.count)
            for await (index, result) in tasks {
                results[index] = result
            }
            return results.map { $0 ?? .failure(CancellationError()) }
        }
    }
}
