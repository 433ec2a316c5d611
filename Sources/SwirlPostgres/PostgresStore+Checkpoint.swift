import SwirlCore
public import SwirlRuntime
import Synchronization

/// The statements of one checkpoint transaction: the position of the fenced write, and of each run's end
/// statement (whose reply says whether the end concerned other runs).
struct Transaction {
    var statements: [(statement: PGStatement, parameters: [String?])]
    var main: Int
    var ends: [String: Int]
}

/// The fenced write of a run.
extension PostgresStore {
    /// Saves a checkpoint in one pipelined transaction (one round trip; one more first when it starts child
    /// runs, to check their definitions).
    ///
    /// The pipeline: the event lock (shared when the run stays listening, exclusive when it emitted events),
    /// then one statement that updates the run only where the epoch and owner match and, only then, stores the
    /// new values and history; then, when there are any, the emitted events (nudging listeners), the child runs,
    /// and what an end does to the parent and children. The statements after the first learn whether it matched
    /// from a token it wrote into the row; when it did not, nothing is written and the answer is `leaseLost`.
    ///
    /// If the connection breaks after the pipeline was sent, nobody knows whether it committed. The retry first
    /// looks for the token: found, the first attempt was saved and is not written twice (no history twice);
    /// not found, it was not, and the checkpoint is sent again (an epoch that moved on since then answers
    /// `leaseLost`, truthfully).
    ///
    /// Group commit: checkpoints that arrive while others are being sent wait and go together, in one
    /// transaction (see ``PostgresCheckpointGroup``). Each keeps its own fence and token, so each is saved or
    /// lease-lost on its own.
    public nonisolated(nonsending) func checkpoint(_ checkpoint: Checkpoint) async throws -> CheckpointResult {
        let write = try await self.checkedWrite(for: checkpoint, token: Self.makeToken())
        let outcome = try await self.checkpoints.save(write, in: self)
        return outcome.saved ? .saved(control: outcome.control) : .leaseLost
    }

    /// Saves `checkpoint` under `token` alone, without waiting for other checkpoints; `retrying` makes even the
    /// first attempt look for the token first, as a retry after a lost reply does (for tests of that path).
    func checkpoint(_ checkpoint: Checkpoint, token: String, retrying: Bool) async throws -> CheckpointResult {
        let outcome = try await self.saveAlone(self.checkedWrite(for: checkpoint, token: token), retrying: retrying)
        self.announce([outcome])
        return outcome.saved ? .saved(control: outcome.control) : .leaseLost
    }

    /// The statements of `checkpoint` once its sizes and its children's definitions were checked.
    private nonisolated(nonsending) func checkedWrite(for checkpoint: Checkpoint, token: String) async throws -> CheckpointWrite {
        try self.limits.check(checkpoint)
        if !checkpoint.children.isEmpty {
            try await self.checkDefinitions(of: checkpoint.children)
        }
        return self.write(for: checkpoint, token: token)
    }

    /// Sends one checkpoint in a transaction of its own. After a lost reply (or when `retrying`), it first looks
    /// for the token: found, the checkpoint was saved and is not written twice.
    nonisolated(nonsending) func saveAlone(_ write: CheckpointWrite, retrying: Bool) async throws -> CheckpointOutcome {
        let transaction = self.transaction(of: [write])
        return try await self.perform("saving a checkpoint") { connection, attempt -> CheckpointOutcome in
            if attempt > 1 || retrying, let found = try Self.lookUp(write, on: connection) {
                return found
            }
            return Self.outcomes(of: [write], in: transaction, replies: try connection.pipeline(transaction.statements))[0]
        }
    }

    /// Sends several checkpoints in one transaction: one round trip and one commit for all. The event lock is
    /// taken once, in the strongest mode any of them needs, and the runs are written in the order of their
    /// ids, so that two groups never wait on each other's rows in opposite orders.
    ///
    /// - Throws: When the group failed as a whole (a statement refused, or the reply lost): nothing of it may
    ///   be assumed saved, and each checkpoint is then sent alone, looking for its token first.
    nonisolated(nonsending) func saveGroup(_ writes: [CheckpointWrite]) async throws -> [CheckpointOutcome] {
        try await self.perform("saving checkpoints", retry: .never) { connection, _ -> [CheckpointOutcome] in
            try self.saveGroup(writes, on: connection)
        }
    }

    /// ``saveGroup(_:)`` on `connection`, from the connection's own thread.
    func saveGroup(_ writes: [CheckpointWrite], on connection: PGConnection) throws -> [CheckpointOutcome] {
        let transaction = self.transaction(of: writes)
        return Self.outcomes(of: writes, in: transaction, replies: try connection.pipeline(transaction.statements))
    }

    /// What became of each of `writes`, from the replies to the statements of `transaction`.
    private static func outcomes(of writes: [CheckpointWrite], in transaction: Transaction, replies: [PGRows])
        -> [CheckpointOutcome]
    {
        let saved = Self.savedRows(replies[transaction.main])
        return writes.map { write in
            guard let row = saved[write.runID] else {
                return CheckpointOutcome(saved: false, control: nil, announces: false)
            }
            // An end concerns others only when it nudged a parent or asked children to cancel.
            let endMoved = transaction.ends[write.runID].map { index in
                replies[index].first.map { (Int($0["parents"] ?? "0") ?? 0) + (Int($0["children"] ?? "0") ?? 0) > 0 } ?? false
            } ?? false
            return CheckpointOutcome(
                saved: true, control: row["control"].flatMap(ControlRequest.init(rawValue:)),
                announces: write.announces || endMoved || PGText.bool(row["due"]))
        }
    }

    /// The statements of one transaction holding `writes` (one per run): the event lock once, in the strongest
    /// mode any of them needs, then one fenced write for all, then what follows each write; with the position of
    /// the fenced write. The runs go in the order of their ids, so that two groups never wait on each other's
    /// rows in opposite orders.
    private func transaction(of writes: [CheckpointWrite]) -> Transaction {
        var statements: [(statement: PGStatement, parameters: [String?])] = []
        var ends: [String: Int] = [:]
        if let lock = writes.compactMap(\.lock).max() {
            statements.append(self.lockItem(lock))
        }
        let ordered = writes.sorted { $0.runID < $1.runID }
        var main = statements.count
        if ordered.count == 1 {
            statements.append((PostgresStatements.checkpointRun, Self.parameters(of: ordered, rowAsScalars: true)))
        } else {
            // One run alone is found by its key whatever the statistics say; a group's join is planned.
            statements.append((PostgresStatements.planKeyLookups, []))
            main = statements.count
            statements.append((PostgresStatements.checkpointRuns, Self.parameters(of: ordered, rowAsScalars: false)))
        }
        for write in ordered {
            for item in write.after {
                if item.statement == PostgresStatements.checkpointEnd {
                    ends[write.runID] = statements.count
                }
                statements.append(item)
            }
        }
        return Transaction(statements: statements, main: main, ends: ends)
    }

    /// The parameters of ``PostgresStatements/checkpointRuns`` for `writes`, or of
    /// ``PostgresStatements/checkpointRun`` for one write with `rowAsScalars`.
    private static func parameters(of writes: [CheckpointWrite], rowAsScalars: Bool) -> [String?] {
        var runs = [PGText.ArrayLiteral](repeating: PGText.ArrayLiteral(), count: writes.first?.row.count ?? 0)
        var values = [PGText.ArrayLiteral](repeating: PGText.ArrayLiteral(), count: 3)
        for write in writes {
            for (column, value) in write.row.enumerated() where !rowAsScalars {
                runs[column].append(value)
            }
            for value in write.values {
                values[0].append(write.runID)
                values[1].append(value.hash)
                values[2].append(value.value)
            }
        }
        let row: [String?] = rowAsScalars ? writes[0].row : runs.map(\.text)
        return row + values.map(\.text)
    }

    /// The rows of the fenced write, by run id.
    private static func savedRows(_ rows: PGRows) -> [String: PGRows.Row] {
        var saved: [String: PGRows.Row] = [:]
        for row in rows {
            if let id = row["id"] { saved[id] = row }
        }
        return saved
    }

    /// Tells the workers when saved checkpoints made work due: a run nudged or due now, events emitted,
    /// children started, or an end that nudged a parent or asked children to cancel.
    func announce(_ outcomes: [CheckpointOutcome]) {
        if outcomes.contains(where: \.announces) {
            self.notifications.workIsDue()
        }
    }

    private func lockItem(_ lock: CheckpointWrite.EventLock) -> (statement: PGStatement, parameters: [String?]) {
        let keys = [String(PostgresLocks.namespace), String(self.eventLockKey)]
        switch lock {
        case .shared: return (PostgresStatements.lockEventsShared, keys)
        case .exclusive: return (PostgresStatements.lockEvents, keys)
        }
    }

    private static func lookUp(_ write: CheckpointWrite, on connection: PGConnection) throws -> CheckpointOutcome? {
        guard let row = try connection.query(PostgresStatements.savedCheckpoint, [write.runID, write.token]).first
        else {
            return nil
        }
        return CheckpointOutcome(
            saved: true, control: row["control"].flatMap(ControlRequest.init(rawValue:)),
            announces: true)
    }

    private static func ends(_ status: RunStatus) -> Bool {
        status == .completed || status == .faulted || status == .cancelled
    }

    /// Throws ``StoreError/definitionNotFound(_:)`` for the first child whose definition is not stored.
    /// Definitions are never removed, so the answer still holds when the checkpoint is written.
    private nonisolated(nonsending) func checkDefinitions(of children: [NewRun]) async throws {
        let hashes = Array(Set(children.map(\.definitionHash)))
        let stored = try await self.perform("checking definitions") { connection, _ in
            Set(try connection.query(PostgresStatements.storedDefinitions, [PGText.array(hashes)]).compactMap { $0["hash"] })
        }
        if let missing = children.first(where: { !stored.contains($0.definitionHash) }) {
            throw StoreError.definitionNotFound(missing.definitionHash)
        }
    }

    /// The statements of one checkpoint, ready to send alone or with others.
    func write(for checkpoint: Checkpoint, token: String) -> CheckpointWrite {
        let lease = checkpoint.lease
        let ended = Self.ends(checkpoint.status)
        let stops = ended || checkpoint.status == .suspended
        let releases = checkpoint.release || stops
        let listening = checkpoint.listening && !ended
        var write = CheckpointWrite(
            runID: lease.runID, token: token,
            lock: !checkpoint.events.isEmpty ? .exclusive : listening ? .shared : nil,
            announces: !checkpoint.events.isEmpty || !checkpoint.children.isEmpty)
        write.row = [
            lease.runID, String(lease.epoch), lease.owner, token,
            String(decoding: checkpoint.state.bytes, as: UTF8.self),
            checkpoint.status.rawValue, listening ? (checkpoint.subscription ?? .unknown).text : nil, PGText.bool(checkpoint.clearsControl),
            PGText.bool(ended), PGText.bool(releases),
            ended ? checkpoint.output?.serialized() : nil,
            ended ? checkpoint.error.map { $0.json.serialized() } : nil,
            PGText.bool(stops), String(checkpoint.eventCursor), checkpoint.wakeAt.map { String($0) },
            checkpoint.history.isEmpty ? nil : HistoryBatch.text(of: checkpoint.history),
        ]
        write.values = checkpoint.state.newValues.sorted { $0.key < $1.key }.map {
            (hash: $0.key, value: String(decoding: $0.value, as: UTF8.self))
        }

        if !checkpoint.events.isEmpty {
            var seen: Set<[String]> = []
            var events: [(key: (source: String, id: String, type: String?), text: String)] = []
            for event in checkpoint.events {
                let key = Self.eventKey(event)
                if seen.insert([key.source, key.id]).inserted {
                    events.append((key, event.serialized()))
                }
            }
            write.after.append(
                (
                    PostgresStatements.checkpointEvents,
                    [
                        lease.runID, token, PGText.array(events.map(\.key.source)), PGText.array(events.map(\.key.id)),
                        PGText.array(events.map(\.key.type)), PGText.array(events.map(\.text)),
                    ]
                ))
        }

        if !checkpoint.children.isEmpty {
            let children = checkpoint.children
            write.after.append(
                (
                    PostgresStatements.checkpointChildren,
                    [
                        lease.runID, token, PGText.array(children.map(\.id)),
                        PGText.array(children.map(\.definitionHash)),
                        PGText.array(children.map { $0.input.serialized() }),
                        PGText.array(children.map(\.idempotencyKey)), PGText.array(children.map(\.parentID)),
                    ]
                ))
        }

        if ended {
            write.after.append(
                (
                    PostgresStatements.checkpointEnd,
                    [lease.runID, token, PGText.bool(true), PGText.bool(checkpoint.status == .cancelled)]
                ))
        }
        return write
    }

    /// A token no other checkpoint uses: 128 random bits drawn once per process, then the number of tokens made
    /// before it in this process, in hex. (Drawing random bits for each one cost two system calls per checkpoint.)
    static func makeToken() -> String {
        let number = tokenCounter.add(1, ordering: .relaxed).oldValue
        return tokenPrefix + String(number, radix: 16)
    }

    private static let tokenPrefix =
        String(UInt64.random(in: .min ... .max), radix: 16) + "-" + String(UInt64.random(in: .min ... .max), radix: 16) + "-"
    private static let tokenCounter = Atomic<UInt64>(0)
}
