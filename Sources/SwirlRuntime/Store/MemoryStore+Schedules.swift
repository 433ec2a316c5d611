import SwirlCore
import Foundation

/// Schedules in memory: the actor's isolation makes each firing atomic.
extension MemoryStore {
    public func saveSchedule(_ schedule: NewSchedule) throws -> ScheduleRecord {
        guard let definition = definition(hash: schedule.definitionHash) else {
            throw StoreError.definitionNotFound(schedule.definitionHash)
        }
        try limits.check(schedule)
        let workflow = "\(definition.namespace)/\(definition.name)"
        if let existing = scheduleRows.values.first(where: { "\($0.definition.namespace)/\($0.definition.name)" == workflow }) {
            if existing.definition.hash == schedule.definitionHash && existing.trigger == schedule.trigger
                && existing.input == schedule.input
            {
                return scheduleRecord(existing)
            }
            scheduleRows[existing.id] = nil
        }
        let now = clock.now()
        let record = ScheduleRecord(
            id: ScheduleTiming.newID(), definition: definition.reference, trigger: schedule.trigger, input: schedule.input,
            paused: false, nextFireAt: ScheduleTiming.firstFire(schedule.trigger, now: now), lastRunID: nil,
            lastFireAt: nil, fires: 0, createdAt: now, dueAt: nil, eventCursor: lastEventSequence)
        scheduleRows[record.id] = record
        notifyWork()
        return scheduleRecord(record)
    }

    public func schedules() -> [ScheduleRecord] {
        scheduleRows.values.sorted { ($0.definition.namespace, $0.definition.name) < ($1.definition.namespace, $1.definition.name) }
            .map(scheduleRecord)
    }

    public func pauseSchedule(id: String, paused: Bool) -> ScheduleRecord? {
        guard var row = scheduleRows[id] else { return nil }
        if row.paused && !paused {
            row.nextFireAt = ScheduleTiming.resumed(row.trigger, nextFireAt: row.nextFireAt, now: clock.now())
            // Events stored while it was paused are skipped, as missed fire times are.
            row.eventCursor = lastEventSequence
            row.eventProgress = nil
        }
        row.paused = paused
        row.revision += 1
        scheduleRows[id] = row
        notifyWork()
        return scheduleRecord(row)
    }

    public func deleteSchedule(id: String) -> Bool {
        scheduleRows.removeValue(forKey: id) != nil
    }

    public func fireSchedules(asOf: Double, limit: Int) throws -> [ScheduledRun] {
        var started: [ScheduledRun] = []
        for id in scheduleRows.keys.sorted() where started.count < limit {
            guard var row = scheduleRows[id], !row.paused,
                let (fireAt, next) = ScheduleTiming.fire(
                    row.trigger, nextFireAt: row.nextFireAt, lastFireAt: row.lastFireAt, lastRun: lastRun(of: row),
                    asOf: asOf)
            else { continue }
            let created = try createRun(
                NewRun(
                    id: UUID().uuidString.lowercased(), definitionHash: row.definition.hash, input: row.input,
                    idempotencyKey: ScheduleTiming.idempotencyKey(scheduleID: id, fireAt: fireAt)))
            row.nextFireAt = next
            row.lastRunID = created.id
            row.lastFireAt = fireAt
            row.fires += 1
            row.revision += 1
            scheduleRows[id] = row
            if created.created { started.append(ScheduledRun(scheduleID: id, runID: created.id, fireAt: fireAt)) }
        }
        return started
    }

    public func advanceEventSchedule(id: String, revision: Int64, cursor: Int64, progress: String?, runs: [NewRun]) throws
        -> [String]?
    {
        guard var row = scheduleRows[id], !row.paused, row.revision == revision else { return nil }
        // Checked before anything is written: all or nothing.
        try limits.checkInputs(of: runs)
        for run in runs where definition(hash: run.definitionHash) == nil {
            throw StoreError.definitionNotFound(run.definitionHash)
        }
        var created: [String] = []
        for run in runs {
            let result = try createRun(run)
            if result.created { created.append(result.id) }
            row.lastRunID = result.id
        }
        if !runs.isEmpty { row.lastFireAt = clock.now() }
        row.fires += runs.count
        row.eventCursor = max(row.eventCursor, cursor)
        row.eventProgress = progress
        row.revision += 1
        scheduleRows[id] = row
        return created
    }

    public func nextScheduleFire() -> Double? {
        scheduleRows.values.filter { !$0.paused }.compactMap { scheduleRecord($0).dueAt }.min()
    }

    private func lastRun(of schedule: ScheduleRecord) -> ScheduleTiming.LastRun {
        guard let id = schedule.lastRunID else { return .none }
        guard let record = run(id: id) else { return .missing }
        return record.endedAt.map { .ended(at: $0) } ?? .going
    }

    private func scheduleRecord(_ row: ScheduleRecord) -> ScheduleRecord {
        var record = row
        record.dueAt = ScheduleTiming.dueAt(
            row.trigger, nextFireAt: row.nextFireAt, lastFireAt: row.lastFireAt, lastRun: lastRun(of: row))
        return record
    }
}
