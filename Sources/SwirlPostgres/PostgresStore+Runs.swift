import SwirlCore
public import SwirlRuntime

/// Creating, claiming, renewing, releasing and steering runs.
extension PostgresStore {
    public func createRun(_ run: NewRun) async throws -> CreatedRun {
        let input = run.input.serialized()
        if input.utf8.count > self.limits.value {
            throw StoreError.tooLarge("the run's input", size: input.utf8.count, limit: self.limits.value)
        }
        let parameters = [run.id, run.definitionHash, input, run.idempotencyKey, run.parentID]
        let created: CreatedRun
        do {
            created = try await self.pool.withConnection { connection, attempt in
                if let row = try connection.query(PostgresStatements.createRun, parameters).first, let id = row["id"] {
                    // A retry after a lost reply finds the run its first attempt created: report it as created.
                    return CreatedRun(id: id, created: PGText.bool(row["created"]) || (attempt > 1 && id == run.id))
                }
                // The run it collided with was created concurrently, after this statement's snapshot.
                let existing = try connection.query(PostgresStatements.existingRun, [run.id, run.idempotencyKey])
                guard let id = existing.first?["id"] else {
                    throw PostgresStoreDataError(what: "no run where one was just created")
                }
                return CreatedRun(id: id, created: attempt > 1 && id == run.id)
            }
        } catch let error as PGError where error.sqlState == "23503" {
            throw StoreError.definitionNotFound(run.definitionHash)
        } catch {
            throw Self.storeError(error, while: "creating a run")
        }
        if created.created {
            self.notifications.workIsDue()
        }
        return created
    }

    /// Claims due runs in one statement (database clock, `FOR UPDATE SKIP LOCKED`), then loads the values their
    /// states refer to.
    ///
    /// A retry after a lost reply may claim other runs than the first attempt did; runs the first attempt
    /// claimed are then held by nobody who knows their epoch, and are taken over when their lease expires.
    public func claim(owner: String, limit: Int, leaseSeconds: Double, runID: String?) async throws -> [ClaimedRun] {
        guard limit > 0 else {
            return []
        }
        let parameters: [String?] = [owner, String(limit), String(leaseSeconds)] + (runID.map { [$0] } ?? [])
        let statement = PostgresStatements.claim(one: runID != nil)
        let rows = try await self.perform("claiming runs") { connection, _ in
            try Self.queryByKeys(statement, parameters, on: connection)
        }
        struct Claimed {
            var row: PGRows.Row
            var state: String?
            var references: Set<String>
            var dueAt: Double
        }
        let claimed = rows.map { row in
            let state = row["state"]
            return Claimed(
                row: row, state: state, references: state.map { RunStateCoding.references(in: Array($0.utf8)) } ?? [],
                dueAt: PGText.double(row["due_at"]) ?? 0)
        }.sorted { ($0.dueAt, $0.row["id"] ?? "") < ($1.dueAt, $1.row["id"] ?? "") }

        var values: [String: [String: [UInt8]]] = [:]
        let wanted = claimed.flatMap { claim in claim.references.map { (claim.row["id"] ?? "", $0) } }
        if !wanted.isEmpty {
            let valueRows = try await self.perform("loading run states") { connection, _ in
                try Self.queryByKeys(
                    PostgresStatements.values,
                    [PGText.array(wanted.map { $0.0 }), PGText.array(wanted.map { $0.1 })], on: connection)
            }
            for row in valueRows {
                if let runID = row["run_id"], let hash = row["hash"], let value = row["value"] {
                    values[runID, default: [:]][hash] = Array(value.utf8)
                }
            }
        }

        return try claimed.map { claim in
            let record = try Self.record(from: claim.row)
            let state = try claim.state.map { text in
                do {
                    return try RunStateCoding.decode(Array(text.utf8), values: values[record.id] ?? [:])
                } catch {
                    throw PostgresStoreDataError(what: "a saved run state")
                }
            }
            return ClaimedRun(
                lease: Lease(
                    runID: record.id, owner: owner, epoch: claim.row["epoch"].flatMap { Int64($0) } ?? 0,
                    expiresAt: record.leaseExpiresAt ?? 0),
                record: record,
                state: state,
                storedValues: Set(PGText.simpleArray(claim.row["stored"])),
                eventBase: claim.row["event_base"].flatMap { Int64($0) } ?? 0,
                takeovers: record.takeovers,
                control: record.control)
        }
    }

    public func heartbeat(owner: String, leases: [Lease], leaseSeconds: Double) async throws -> [String: HeartbeatStatus] {
        guard !leases.isEmpty else {
            return [:]
        }
        let parameters = [
            owner, PGText.array(leases.map(\.runID)), PGText.array(leases.map(\.epoch)), String(leaseSeconds),
        ]
        let rows = try await self.perform("renewing leases") { connection, _ in
            try Self.queryByKeys(PostgresStatements.heartbeat, parameters, on: connection)
        }
        var reply: [String: HeartbeatStatus] = [:]
        for row in rows {
            guard let id = row["id"] else {
                continue
            }
            reply[id] = HeartbeatStatus(
                expiresAt: PGText.double(row["expires_at"]) ?? 0,
                control: row["control"].flatMap(ControlRequest.init(rawValue:)))
        }
        return reply
    }

    public func release(_ lease: Lease, wakeAt: Double?) async throws {
        let parameters = [lease.runID, String(lease.epoch), lease.owner, wakeAt.map { String($0) }]
        let rows = try await self.perform("releasing a lease") { connection, _ in
            try connection.query(PostgresStatements.release, parameters)
        }
        if PGText.bool(rows.first?["due"]) {
            self.notifications.workIsDue()
        }
    }

    @discardableResult
    public func expireLease(runID: String, owner: String) async throws -> Bool {
        let rows = try await self.perform("ending a lease") { connection, _ in
            try connection.query(PostgresStatements.expireLease, [runID, owner])
        }
        guard rows.first != nil else { return false }
        self.notifications.workIsDue()
        return true
    }

    public func request(_ control: ControlRequest, runID: String) async throws -> ControlReply {
        let rows = try await self.perform("recording a request") { connection, _ in
            try connection.query(PostgresStatements.request, [runID, control.rawValue])
        }
        guard let row = rows.first else {
            return .notFound
        }
        guard let status = row["status"].flatMap(RunStatus.init(rawValue:)) else {
            throw StoreError.unavailable("PostgreSQL store: recording a request failed: \(PostgresStoreDataError(what: "a run status"))")
        }
        switch row["action"] {
        case "none":
            return .notApplicable(status)
        case "resume-suspended", "cancel-suspended", "cancel-now":
            self.notifications.workIsDue()
            return .accepted
        default:
            return .accepted
        }
    }
}

extension PostgresStore {
    /// Runs `statement` after ``PostgresStatements/planKeyLookups``, in one round trip: for the statements that
    /// join a table to an array of keys or read the first due runs, whose plans must not depend on how large the
    /// statistics say the table is.
    static func queryByKeys(_ statement: PGStatement, _ parameters: [String?], on connection: PGConnection) throws(PGError) -> PGRows {
        try connection.pipeline([(PostgresStatements.planKeyLookups, []), (statement, parameters)])[1]
    }
}
