import SwirlCore
public import SwirlRuntime

/// The fenced write of a run.
extension SQLiteStore {
    /// Saves a checkpoint in one write transaction: first the run's row, only where the epoch and owner still
    /// match (otherwise nothing at all is written and the answer is `leaseLost`); then, in the same transaction,
    /// the new values, the history, the emitted events (nudging listeners), the child runs, and what an end does
    /// to the parent and the children. Each is one prepared statement, stepped once per item.
    ///
    /// Sizes are checked before the transaction; a child whose definition is not stored rolls the whole
    /// checkpoint back.
    public nonisolated(nonsending) func checkpoint(_ checkpoint: Checkpoint) async throws -> CheckpointResult {
        try self.limits.check(checkpoint)
        let write = CheckpointWrite(checkpoint)
        let clock = self.clock
        let outcome = try await self.write("saving a checkpoint") { connection -> CheckpointOutcome in
            try write.save(now: clock.now(), on: connection)
        }
        switch outcome {
        case .leaseLost:
            return .leaseLost
        case .saved(let control, let announces):
            if announces {
                self.wakeups.notify()
            }
            return .saved(control: control)
        }
    }

}

/// What a checkpoint's transaction did.
enum CheckpointOutcome: Sendable {
    case leaseLost
    /// Saved; the run's control request, and whether other waiters may have work now (the run is due, it
    /// emitted events, started children or ended).
    case saved(control: ControlRequest?, announces: Bool)
}

/// A checkpoint as the values its statements bind, built before the transaction so that the store's thread
/// only binds and steps.
struct CheckpointWrite: Sendable {
    var runID: String
    var run: [SQLiteValue]
    var values: [(hash: String, value: [UInt8])]
    /// The checkpoint's history entries as one batch, `nil` when it has none.
    var history: String?
    /// Emitted events, each once: source, id, type, text.
    var events: [(source: String, id: String, type: String?, text: String)]
    var children: [(run: NewRun, input: String)]
    var ended: Bool
    var cancelled: Bool

    init(_ checkpoint: Checkpoint) {
        let lease = checkpoint.lease
        let ended = [.completed, .faulted, .cancelled].contains(checkpoint.status)
        let stops = ended || checkpoint.status == .suspended
        let releases = checkpoint.release || stops
        self.runID = lease.runID
        self.ended = ended
        self.cancelled = checkpoint.status == .cancelled
        // ?6 (now) is filled in inside the transaction.
        self.run = [
            .text(lease.runID), .integer(lease.epoch), .text(lease.owner), .utf8(checkpoint.state.bytes),
            .text(checkpoint.status.rawValue), .null, .bool(checkpoint.listening && !ended),
            .bool(checkpoint.clearsControl), .bool(ended),
            .optional(ended ? checkpoint.output?.serialized() : nil),
            .optional(ended ? checkpoint.error.map { $0.json.serialized() } : nil),
            .bool(releases), .bool(stops), .integer(checkpoint.eventCursor), .optional(checkpoint.wakeAt),
            .optional(ended ? nil : checkpoint.subscription?.text),
        ]
        self.values = checkpoint.state.newValues.sorted { $0.key < $1.key }.map { (hash: $0.key, value: $0.value) }
        self.history = checkpoint.history.isEmpty ? nil : HistoryBatch.text(of: checkpoint.history)
        var seen: Set<[String]> = []
        self.events = checkpoint.events.compactMap { event in
            let source = event["source"]?.stringValue ?? ""
            let id = event["id"]?.stringValue ?? ""
            guard seen.insert([source, id]).inserted else {
                return nil
            }
            return (source, id, event["type"]?.stringValue, event.serialized())
        }
        self.children = checkpoint.children.map { ($0, $0.input.serialized()) }
    }

    /// Writes the checkpoint inside the caller's write transaction.
    func save(now: Double, on connection: SQLiteConnection) throws -> CheckpointOutcome {
        var run = self.run
        run[5] = .real(now)
        guard let row = try connection.query(SQLiteStatements.checkpointRun, run).first else {
            return .leaseLost
        }
        for value in self.values {
            try connection.execute(SQLiteStatements.insertValue, [.text(self.runID), .text(value.hash), .utf8(value.value)])
        }
        if let history = self.history {
            try connection.execute(SQLiteStatements.insertHistoryBatch, [.text(self.runID), .text(history)])
        }
        var stored = false
        for event in self.events {
            let inserted = try connection.query(
                SQLiteStatements.insertEvent,
                [.text(event.source), .text(event.id), .optional(event.type), .text(event.text), .real(now)])
            stored = stored || !inserted.isEmpty
        }
        if stored {
            try connection.execute(SQLiteStatements.nudgeListeners, [.real(now)])
        }
        for child in self.children {
            // A child whose definition is not stored throws here, inside the transaction: everything above is
            // rolled back with it.
            _ = try SQLiteStore.insert(child.run, input: child.input, now: now, on: connection)
        }
        // An end concerns others when it nudges a parent or asks children to cancel.
        var endMoved = false
        if self.ended {
            endMoved = try connection.execute(SQLiteStatements.nudgeParent, [.text(self.runID), .real(now)]) > 0
        }
        if self.cancelled {
            endMoved = try connection.execute(SQLiteStatements.cancelChildren, [.text(self.runID), .real(now)]) > 0 || endMoved
        }
        let due = row[1].bool
        return .saved(
            control: row[0].text.flatMap(ControlRequest.init(rawValue:)),
            announces: due || stored || !self.children.isEmpty || endMoved)
    }
}
