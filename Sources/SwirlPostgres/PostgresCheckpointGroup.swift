import SwirlRuntime
import Synchronization

/// The statements of one checkpoint, built before it is sent, alone or in a group.
struct CheckpointWrite: Sendable {
    /// The event lock a checkpoint takes before its fenced write.
    enum EventLock: Int, Comparable, Sendable {
        /// The run stays listening: no event may be stored between its check for new events and its parking.
        case shared
        /// The run emitted events: listeners must not park between their check and the insert.
        case exclusive

        static func < (left: Self, right: Self) -> Bool { left.rawValue < right.rawValue }
    }

    let runID: String
    /// Written into the row by the fenced write: the later statements of the checkpoint, and a retry after a
    /// lost reply, find out from it whether the write matched.
    let token: String
    let lock: EventLock?
    /// Whether saving it makes work due for other runs (events, children, an end), whatever the row says.
    let announces: Bool
    /// The statements, the fenced write first among them at `mainIndex`; no lock.
    var items: [(statement: PGStatement, parameters: [String?])] = []
    var mainIndex = 0

    /// The bytes of its parameters, to bound a group's size.
    var size: Int {
        self.items.reduce(0) { total, item in total + item.parameters.reduce(0) { $0 + ($1?.utf8.count ?? 0) } }
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
/// A checkpoint that finds fewer than `senders` groups on their way is sent at once; one that finds them all
/// busy waits, and the next sender takes every waiting checkpoint (up to a count and a size) in one
/// transaction. Under load, many runs share each round trip and each commit; alone, a checkpoint waits for
/// nobody. The runs of one worker are driven one step at a time on one actor, so without this their
/// checkpoints would queue for connections anyway, each paying a transaction, a round trip and two thread
/// hand-offs of its own.
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
                guard state.sending < self.senders else {
                    return false
                }
                state.sending += 1
                return true
            }
            if starts {
                Task { await self.send(in: store) }
            }
        }
    }

    /// Sends groups until nothing waits.
    private func send(in store: PostgresStore) async {
        while let group = self.nextGroup() {
            await Self.send(group, in: store)
        }
    }

    private func nextGroup() -> [Waiting]? {
        self.state.withLock { state -> [Waiting]? in
            guard !state.waiting.isEmpty else {
                state.sending -= 1
                return nil
            }
            var count = 0
            var bytes = 0
            for waiting in state.waiting {
                guard count < self.maxCount, count == 0 || bytes < self.maxBytes else { break }
                count += 1
                bytes += waiting.size
            }
            let group = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(count)
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
        return await withTaskGroup(of: (Int, Result<CheckpointOutcome, any Error>).self) { tasks in
            for (index, write) in writes.enumerated() {
                tasks.addTask {
                    do {
                        let outcome = try await store.saveAlone(write, retrying: writes.count > 1)
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
