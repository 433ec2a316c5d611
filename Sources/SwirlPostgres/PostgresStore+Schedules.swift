import Foundation
import SwirlCore
public import SwirlRuntime

/// Schedules. A firing reads the due schedules, works out each one's fire time in Swift (cron needs it), and
/// advances each with one statement that also creates its run, conditional on the revision it read: of any
/// number of workers that fire the same schedule at once, one advances it and the others change nothing. The
/// run's idempotency key (schedule and fire time) covers a statement sent again after a lost reply.
extension PostgresStore {
    public func saveSchedule(_ schedule: NewSchedule) async throws -> ScheduleRecord {
        let input = try self.limits.check(schedule)
        let existing = try await self.perform("reading a schedule") { connection, _ in
            try connection.query(PostgresStatements.scheduleOfWorkflow, [schedule.definitionHash]).first
        }
        if let existing = try existing.map(Self.schedule(from:))?.record, existing.definition.hash == schedule.definitionHash,
            existing.trigger == schedule.trigger, existing.input == schedule.input
        {
            return existing
        }
        let now = try await self.now()
        let id = ScheduleTiming.newID()
        let parameters: [String?] = [
            id, schedule.definitionHash, schedule.trigger.kind, schedule.trigger.seconds.map { String($0) },
            schedule.trigger.cron, input, ScheduleTiming.firstFire(schedule.trigger, now: now).map { String($0) },
            schedule.trigger.events?.strategy.serialized(),
        ]
        let row = try await self.perform("registering a schedule") { connection, _ -> PGRows.Row? in
            guard try connection.query(PostgresStatements.saveSchedule, parameters).first != nil else { return nil }
            return try connection.query(PostgresStatements.scheduleOfWorkflow, [schedule.definitionHash]).first
        }
        guard let row else {
            throw StoreError.definitionNotFound(schedule.definitionHash)
        }
        self.notifications.workIsDue()
        return try Self.schedule(from: row).record
    }

    public func schedules() async throws -> [ScheduleRecord] {
        let rows = try await self.perform("listing schedules") { connection, _ in
            try connection.query(PostgresStatements.schedules, [])
        }
        return try rows.map { try Self.schedule(from: $0).record }
    }

    public func pauseSchedule(id: String, paused: Bool) async throws -> ScheduleRecord? {
        // Read, decide, write where the revision still holds; again when a firing changed it meanwhile.
        for _ in 0..<10 {
            let row = try await self.perform("reading a schedule") { connection, _ in
                try connection.query(PostgresStatements.schedule, [id]).first
            }
            guard let row else {
                return nil
            }
            let existing = try Self.schedule(from: row)
            let next =
                existing.record.paused && !paused
                ? ScheduleTiming.resumed(existing.record.trigger, nextFireAt: existing.record.nextFireAt, now: try await self.now())
                : existing.record.nextFireAt
            let parameters: [String?] = [id, PGText.bool(paused), next.map { String($0) }, String(existing.revision)]
            let updated = try await self.perform("pausing a schedule") { connection, _ -> PGRows.Row? in
                guard try connection.query(PostgresStatements.pauseSchedule, parameters).first != nil else { return nil }
                return try connection.query(PostgresStatements.schedule, [id]).first
            }
            if let updated {
                self.notifications.workIsDue()
                return try Self.schedule(from: updated).record
            }
        }
        throw StoreError.unavailable("PostgreSQL store: pausing a schedule failed: it kept changing under the request")
    }

    @discardableResult
    public func deleteSchedule(id: String) async throws -> Bool {
        try await self.perform("deleting a schedule") { connection, _ in
            !(try connection.query(PostgresStatements.deleteSchedule, [id]).isEmpty)
        }
    }

    public func fireSchedules(asOf: Double, limit: Int) async throws -> [ScheduledRun] {
        guard limit > 0 else {
            return []
        }
        let rows = try await self.perform("reading due schedules") { connection, _ in
            try connection.query(PostgresStatements.dueSchedules, [String(asOf), String(limit)])
        }
        var started: [ScheduledRun] = []
        for row in rows {
            let schedule = try Self.schedule(from: row)
            let record = schedule.record
            guard
                let (fireAt, next) = ScheduleTiming.fire(
                    record.trigger, nextFireAt: record.nextFireAt, lastFireAt: record.lastFireAt,
                    lastRun: schedule.lastRun, asOf: asOf)
            else {
                continue
            }
            let runID = UUID().uuidString.lowercased()
            let parameters: [String?] = [
                record.id, String(schedule.revision), next.map { String($0) }, runID, String(fireAt),
                ScheduleTiming.idempotencyKey(scheduleID: record.id, fireAt: fireAt),
            ]
            let reply = try await self.perform("firing a schedule") { connection, _ in
                try connection.query(PostgresStatements.fireSchedule, parameters).first
            }
            if reply?["inserted"] == "1" {
                started.append(ScheduledRun(scheduleID: record.id, runID: runID, fireAt: fireAt))
            }
        }
        if !started.isEmpty {
            self.notifications.workIsDue()
        }
        return started
    }

    public func advanceEventSchedule(id: String, revision: Int64, cursor: Int64, progress: String?, runs: [NewRun])
        async throws -> [String]?
    {
        let inputs = try self.limits.checkInputs(of: runs)
        let parameters: [String?] = [
            id, String(revision), String(cursor), progress, PGText.array(runs.map { $0.id as String? }), PGText.array(inputs.map { $0 as String? }),
            PGText.array(runs.map(\.idempotencyKey)),
        ]
        let reply = try await self.perform("advancing a schedule") { connection, _ in
            try connection.query(PostgresStatements.advanceEventSchedule, parameters).first
        }
        guard reply?["advanced"] == "1" else {
            return nil
        }
        let created = (try? JSON(parsing: reply?["inserted"] ?? "[]"))?.arrayValue?.compactMap(\.stringValue) ?? []
        if !created.isEmpty {
            self.notifications.workIsDue()
        }
        return created
    }

    public func nextScheduleFire() async throws -> Double? {
        let row = try await self.perform("reading the next schedule fire time") { connection, _ in
            try connection.query(PostgresStatements.nextScheduleFire, []).first
        }
        return PGText.double(row?["next"])
    }

    /// A schedule from the columns of ``PostgresStatements`` `scheduleColumns`, with its revision and what became
    /// of its last run.
    static func schedule(from row: PGRows.Row) throws -> (record: ScheduleRecord, revision: Int64, lastRun: ScheduleTiming.LastRun) {
        guard
            let trigger = ScheduleTrigger(
                kind: row["kind"] ?? "", seconds: PGText.double(row["seconds"]), cron: row["cron"], events: row["events"])
        else {
            throw PostgresStoreDataError(what: "a schedule's trigger")
        }
        let lastRunID = row["last_run_id"]
        let lastRun: ScheduleTiming.LastRun =
            if lastRunID == nil { .none } else if !PGText.bool(row["run_exists"]) { .missing } else {
                PGText.double(row["run_ended_at"]).map { .ended(at: $0) } ?? .going
            }
        let nextFireAt = PGText.double(row["next_fire_at"])
        let lastFireAt = PGText.double(row["last_fire_at"])
        let record = ScheduleRecord(
            id: row["id"] ?? "",
            definition: DefinitionRecord.Reference(
                namespace: row["namespace"] ?? "", name: row["name"] ?? "", version: row["version"] ?? "",
                hash: row["definition_hash"] ?? ""),
            trigger: trigger, input: try Self.json(row["input"], "a schedule's input") ?? [:],
            paused: PGText.bool(row["paused"]), nextFireAt: nextFireAt, lastRunID: lastRunID, lastFireAt: lastFireAt,
            fires: row["fires"].flatMap { Int($0) } ?? 0, createdAt: PGText.double(row["created_at"]) ?? 0,
            dueAt: ScheduleTiming.dueAt(trigger, nextFireAt: nextFireAt, lastFireAt: lastFireAt, lastRun: lastRun),
            revision: row["revision"].flatMap { Int64($0) } ?? 0, eventCursor: row["event_cursor"].flatMap { Int64($0) } ?? 0,
            eventProgress: row["event_progress"])
        return (record, record.revision, lastRun)
    }
}
