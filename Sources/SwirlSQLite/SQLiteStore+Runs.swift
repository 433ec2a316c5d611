import SwirlCore
public import SwirlRuntime

/// Creating, claiming, renewing, releasing and steering runs.
extension SQLiteStore {
    public func createRun(_ run: NewRun) async throws -> CreatedRun {
        let input = run.input.serialized()
        if input.utf8.count > self.limits.value {
            throw StoreError.tooLarge("the run's input", size: input.utf8.count, limit: self.limits.value)
        }
        let clock = self.clock
        let created = try await self.write("creating a run") { connection in
            try Self.insert(run, input: input, now: clock.now(), on: connection)
        }
        if created.created {
            self.wakeups.notify()
        }
        return created
    }

    /// Creates `run` inside the caller's write transaction, unless a run with its idempotency key or id exists.
    static func insert(_ run: NewRun, input: String, now: Double, on connection: SQLiteConnection) throws -> CreatedRun {
        if let key = run.idempotencyKey,
            let existing = try connection.query(SQLiteStatements.runByIdempotencyKey, [.text(key)]).first?[0].text
        {
            return CreatedRun(id: existing, created: false)
        }
        if !(try connection.query(SQLiteStatements.runExists, [.text(run.id)]).isEmpty) {
            return CreatedRun(id: run.id, created: false)
        }
        if try connection.query(SQLiteStatements.definitionExists, [.text(run.definitionHash)]).isEmpty {
            throw StoreError.definitionNotFound(run.definitionHash)
        }
        try connection.execute(
            SQLiteStatements.insertRun,
            [
                .text(run.id), .text(run.definitionHash), .text(input), .optional(run.idempotencyKey),
                .optional(run.parentID), .real(now),
            ])
        return CreatedRun(id: run.id, created: true)
    }

    /// Claims due runs in one write transaction, then decodes their states off the store's thread.
    public func claim(owner: String, limit: Int, leaseSeconds: Double, runID: String?) async throws -> [ClaimedRun] {
        guard limit > 0 else {
            return []
        }
        struct Claimed: Sendable {
            var record: RunRecord
            var epoch: Int64
            var state: [UInt8]?
            var eventBase: Int64
            var stored: Set<String>
            var values: [String: [UInt8]]
        }
        let clock = self.clock
        let claimed = try await self.write("claiming runs") { connection -> [Claimed] in
            let now = clock.now()
            let expiry = now + leaseSeconds
            let due: [SQLiteRow]
            if let runID {
                due = try connection.query(SQLiteStatements.dueRun, [.real(now), .text(runID)])
            } else {
                due = try connection.query(SQLiteStatements.dueRuns, [.real(now), .integer(Int64(limit))])
            }
            return try due.compactMap { row -> Claimed? in
                guard let id = row[0].text,
                    let updated = try connection.query(
                        SQLiteStatements.claimRun, [.text(owner), .real(expiry), .real(now), .text(id)]
                    ).first,
                    let recordRow = try connection.query(SQLiteStatements.run, [.text(id)]).first
                else {
                    return nil
                }
                let state = updated[1].bytes
                let stored = Set(try connection.query(SQLiteStatements.storedValueHashes, [.text(id)]).compactMap { $0[0].text })
                var values: [String: [UInt8]] = [:]
                for reference in state.map(RunStateCoding.references(in:)) ?? [] where stored.contains(reference) {
                    values[reference] = try connection.query(SQLiteStatements.value, [.text(id), .text(reference)])
                        .first?[0].bytes
                }
                return Claimed(
                    record: try Self.record(from: recordRow), epoch: updated[0].integer ?? 0, state: state,
                    eventBase: updated[2].integer ?? 0, stored: stored, values: values)
            }
        }
        return try claimed.map { claim in
            let state = try claim.state.map { bytes in
                do {
                    return try RunStateCoding.decode(bytes, values: claim.values)
                } catch {
                    throw StoreError.unavailable(
                        "SQLite store: claiming runs failed: \(SQLiteStoreDataError(what: "a saved run state"))")
                }
            }
            return ClaimedRun(
                lease: Lease(
                    runID: claim.record.id, owner: owner, epoch: claim.epoch, expiresAt: claim.record.leaseExpiresAt ?? 0),
                record: claim.record, state: state, storedValues: claim.stored, eventBase: claim.eventBase,
                takeovers: claim.record.takeovers, control: claim.record.control)
        }
    }

    public func heartbeat(owner: String, leases: [Lease], leaseSeconds: Double) async throws -> [String: HeartbeatStatus] {
        guard !leases.isEmpty else {
            return [:]
        }
        let clock = self.clock
        return try await self.write("renewing leases") { connection in
            let expiry = clock.now() + leaseSeconds
            var reply: [String: HeartbeatStatus] = [:]
            for lease in leases {
                guard
                    let row = try connection.query(
                        SQLiteStatements.heartbeat, [.real(expiry), .text(lease.runID), .integer(lease.epoch), .text(owner)]
                    ).first
                else {
                    continue
                }
                reply[lease.runID] = HeartbeatStatus(
                    expiresAt: expiry, control: row[0].text.flatMap(ControlRequest.init(rawValue:)))
            }
            return reply
        }
    }

    public func release(_ lease: Lease, wakeAt: Double?) async throws {
        let clock = self.clock
        let due = try await self.write("releasing a lease") { connection in
            try connection.query(
                SQLiteStatements.release,
                [.text(lease.runID), .integer(lease.epoch), .text(lease.owner), .optional(wakeAt), .real(clock.now())]
            ).first?[0].bool ?? false
        }
        if due {
            self.wakeups.notify()
        }
    }

    @discardableResult
    public func expireLease(runID: String, owner: String) async throws -> Bool {
        let clock = self.clock
        let held = try await self.write("ending a lease") { connection in
            try !connection.query(SQLiteStatements.expireLease, [.text(runID), .text(owner), .real(clock.now())]).isEmpty
        }
        if held {
            self.wakeups.notify()
        }
        return held
    }

    public func request(_ control: ControlRequest, runID: String) async throws -> ControlReply {
        let clock = self.clock
        let (reply, wakes) = try await self.write("recording a request") { connection -> (ControlReply, Bool) in
            guard let row = try connection.query(SQLiteStatements.requestTarget, [.text(runID)]).first else {
                return (.notFound, false)
            }
            guard let status = row[0].text.flatMap(RunStatus.init(rawValue:)) else {
                throw SQLiteStoreDataError(what: "a run status")
            }
            let now = clock.now()
            let target = RequestTarget(
                status: status, unleased: row[1].bool, fresh: row[2].bool,
                control: row[3].text.flatMap(ControlRequest.init(rawValue:)), wakeAt: row[4].real)
            guard let change = target.change(for: control, now: now) else {
                return (.notApplicable(status), false)
            }
            try connection.execute(
                SQLiteStatements.applyRequest,
                [
                    .text(runID), .text(change.status.rawValue), .optional(change.wakeAt),
                    .optional(change.control?.rawValue), .real(now),
                ])
            return (.accepted, change.wakeAt.map { $0 <= now } ?? false)
        }
        if wakes {
            self.wakeups.notify()
        }
        return reply
    }
}

/// A run as a control request finds it, and what the request changes: the same rules as every store's.
struct RequestTarget {
    var status: RunStatus
    /// No worker holds it.
    var unleased: Bool
    /// It was never checkpointed.
    var fresh: Bool
    var control: ControlRequest?
    var wakeAt: Double?

    struct Change {
        var status: RunStatus
        var wakeAt: Double?
        var control: ControlRequest?
    }

    /// What `request` does to the run, or `nil` when it does not apply.
    func change(for request: ControlRequest, now: Double) -> Change? {
        let parked: RunStatus = self.fresh ? .pending : .waiting
        switch (request, self.status) {
        case (_, .completed), (_, .faulted), (_, .cancelled):
            return nil
        case (.resume, .suspended):
            return Change(status: parked, wakeAt: now, control: nil)
        case (.resume, _):
            guard self.control == .suspend else {
                return nil
            }
            return Change(status: self.status, wakeAt: self.wakeAt, control: nil)
        case (.suspend, .suspended):
            return nil
        case (.suspend, _) where self.unleased:
            return Change(status: .suspended, wakeAt: nil, control: self.control)
        case (.cancel, .suspended):
            return Change(status: parked, wakeAt: now, control: .cancel)
        case (.cancel, _) where self.unleased:
            return Change(status: self.status, wakeAt: now, control: .cancel)
        default:
            // A worker holds the run: it sees the request through its heartbeat or next checkpoint.
            return Change(status: self.status, wakeAt: self.wakeAt, control: request)
        }
    }
}
