import Foundation
import SwirlCore
public import SwirlRuntime

/// Schedules: each registration, pause and firing is one write transaction, so the schedule a firing decides on
/// cannot change under it, in this process or another.
extension SQLiteStore {
    public func saveSchedule(_ schedule: NewSchedule) async throws -> ScheduleRecord {
        let input = try self.limits.check(schedule)
        let clock = self.clock
        let saved = try await self.write("registering a schedule") { connection -> ScheduleRecord in
            guard let definition = try connection.query(SQLiteStatements.definition, [.text(schedule.definitionHash)]).first
            else {
                throw StoreError.definitionNotFound(schedule.definitionHash)
            }
            let workflow: [SQLiteValue] = [definition[1], definition[2]]
            if let existing = try connection.query(SQLiteStatements.scheduleOfWorkflow, workflow).first.map(Self.schedule(from:)) {
                if existing.record.definition.hash == schedule.definitionHash && existing.record.trigger == schedule.trigger
                    && existing.record.input == schedule.input
                {
                    return existing.record
                }
                _ = try connection.query(SQLiteStatements.deleteSchedule, [.text(existing.record.id)])
            }
            let now = clock.now()
            let id = ScheduleTiming.newID()
            try connection.execute(
                SQLiteStatements.insertSchedule,
                [
                    .text(id), .text(schedule.definitionHash), .text(schedule.trigger.kind),
                    .optional(schedule.trigger.seconds), .optional(schedule.trigger.cron), .text(input),
                    .optional(ScheduleTiming.firstFire(schedule.trigger, now: now)), .real(now),
                    .optional(schedule.trigger.events?.strategy.serialized()),
                ])
            guard let row = try connection.query(SQLiteStatements.schedule, [.text(id)]).first else {
                throw SQLiteStoreDataError(what: "no schedule where one was just registered")
            }
            return try Self.schedule(from: row).record
        }
        self.wakeups.notify()
        return saved
    }

    public func schedules() async throws -> [ScheduleRecord] {
        try await self.read("listing schedules") { connection in
            try connection.query(SQLiteStatements.schedules).map { try Self.schedule(from: $0).record }
        }
    }

    public func pauseSchedule(id: String, paused: Bool) async throws -> ScheduleRecord? {
        let clock = self.clock
        let record = try await self.write("pausing a schedule") { connection -> ScheduleRecord? in
            guard let existing = try connection.query(SQLiteStatements.schedule, [.text(id)]).first.map(Self.schedule(from:))
            else {
                return nil
            }
            let now = clock.now()
            let next =
                existing.record.paused && !paused
                ? ScheduleTiming.resumed(existing.record.trigger, nextFireAt: existing.record.nextFireAt, now: now)
                : existing.record.nextFireAt
            try connection.execute(SQLiteStatements.pauseSchedule, [.text(id), .bool(paused), .optional(next), .real(now)])
            return try connection.query(SQLiteStatements.schedule, [.text(id)]).first.map { try Self.schedule(from: $0).record }
        }
        self.wakeups.notify()
        return record
    }

    @discardableResult
    public func deleteSchedule(id: String) async throws -> Bool {
        try await self.write("deleting a schedule") { connection in
            !(try connection.query(SQLiteStatements.deleteSchedule, [.text(id)]).isEmpty)
        }
    }

    public func fireSchedules(asOf: Double, limit: Int) async throws -> [ScheduledRun] {
        guard limit > 0 else {
            return []
        }
        let clock = self.clock
        let started = try await self.write("firing schedules") { connection -> [ScheduledRun] in
            let now = clock.now()
            var started: [ScheduledRun] = []
            let due = try connection.query(SQLiteStatements.dueSchedules, [.real(asOf), .integer(Int64(limit))])
            for row in due {
                let schedule = try Self.schedule(from: row)
                let record = schedule.record
                guard
                    let (fireAt, next) = ScheduleTiming.fire(
                        record.trigger, nextFireAt: record.nextFireAt, lastFireAt: record.lastFireAt,
                        lastRun: schedule.lastRun, asOf: asOf)
                else {
                    continue
                }
                let run = NewRun(
                    id: UUID().uuidString.lowercased(), definitionHash: record.definition.hash, input: record.input,
                    idempotencyKey: ScheduleTiming.idempotencyKey(scheduleID: record.id, fireAt: fireAt))
                let created = try Self.insert(run, input: record.input.serialized(), now: now, on: connection)
                let advanced = try connection.execute(
                    SQLiteStatements.advanceSchedule,
                    [
                        .text(record.id), .integer(schedule.revision), .optional(next), .text(created.id), .real(fireAt),
                        .real(now),
                    ])
                guard advanced == 1 else {
                    throw SQLiteStoreDataError(what: "a schedule that changed inside its write transaction")
                }
                if created.created {
                    started.append(ScheduledRun(scheduleID: record.id, runID: created.id, fireAt: fireAt))
                }
            }
            return started
        }
        if !started.isEmpty {
            self.wakeups.notify()
        }
        return started
    }

    public func advanceEventSchedule(id: String, revision: Int64, cursor: Int64, progress: String?, runs: [NewRun])
        async throws -> [String]?
    {
        let inputs = try self.limits.checkInputs(of: runs)
        let clock = self.clock
        let created = try await self.write("advancing a schedule") { connection -> [String]? in
            let now = clock.now()
            let advanced = try connection.execute(
                SQLiteStatements.advanceEventSchedule,
                [
                    .text(id), .integer(revision), .integer(cursor), .optional(progress), .optional(runs.last?.id),
                    .integer(Int64(runs.count)), .real(now),
                ])
            guard advanced == 1 else {
                return nil
            }
            var created: [String] = []
            for (run, input) in zip(runs, inputs) {
                // A definition that is not stored throws here, inside the transaction: the advance is rolled back.
                let result = try Self.insert(run, input: input, now: now, on: connection)
                if result.created { created.append(result.id) }
            }
            return created
        }
        if created?.isEmpty == false {
            self.wakeups.notify()
        }
        return created
    }

    public func nextScheduleFire() async throws -> Double? {
        try await self.read("reading the next schedule fire time") { connection in
            try connection.query(SQLiteStatements.nextScheduleFire).first?[0].real
        }
    }

    /// A schedule from the columns of ``SQLiteStatements`` `scheduleColumns`, in their order, with its revision
    /// and what became of its last run.
    static func schedule(from row: SQLiteRow) throws -> (record: ScheduleRecord, revision: Int64, lastRun: ScheduleTiming.LastRun) {
        guard let trigger = ScheduleTrigger(kind: row[5].text ?? "", seconds: row[6].real, cron: row[7].text, events: row[18].text)
        else {
            throw SQLiteStoreDataError(what: "a schedule's trigger")
        }
        let lastRunID = row[11].text
        let lastRun: ScheduleTiming.LastRun =
            if lastRunID == nil { .none } else if row[16].integer != 1 { .missing } else { row[17].real.map { .ended(at: $0) } ?? .going }
        let nextFireAt = row[10].real
        let lastFireAt = row[12].real
        let record = ScheduleRecord(
            id: row[0].text ?? "",
            definition: DefinitionRecord.Reference(
                namespace: row[1].text ?? "", name: row[2].text ?? "", version: row[3].text ?? "", hash: row[4].text ?? ""),
            trigger: trigger, input: try Self.json(row[8], "a schedule's input") ?? [:], paused: row[9].integer == 1,
            nextFireAt: nextFireAt, lastRunID: lastRunID, lastFireAt: lastFireAt,
            fires: row[13].integer.map { Int($0) } ?? 0, createdAt: row[14].real ?? 0,
            dueAt: ScheduleTiming.dueAt(trigger, nextFireAt: nextFireAt, lastFireAt: lastFireAt, lastRun: lastRun),
            revision: row[15].integer ?? 0, eventCursor: row[19].integer ?? 0, eventProgress: row[20].text)
        return (record, record.revision, lastRun)
    }
}
