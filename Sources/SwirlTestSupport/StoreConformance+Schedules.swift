import SwirlCore
public import SwirlRuntime
import Testing

/// The schedule checks of the contract. Firings name the time they happen at (`asOf`), so a simulated day takes
/// a few hundred calls on any store, whatever its clock; the times come from what the store reports.
extension StoreConformance {
    static let scheduleChecks: [Check] = [
        Check("schedules: registered once, replaced when changed, listed, paused, resumed and deleted", scheduleLifecycle),
        Check("an every-hour schedule starts 24 runs in a simulated day, while the earlier ones still run", everyOverADay),
        Check("a cron schedule starts a run at each time it matches, in UTC", cronOverADay),
        Check("after downtime a schedule starts one catch-up run for the latest missed time, then goes on", catchUp),
        Check("an after schedule starts again only once its previous run has ended, plus the interval", afterWaitsForTheEnd),
        Check("schedules fired by many callers at once start each fire time's run exactly once", concurrentFiring),
        Check("a paused schedule starts nothing; resumed, it skips the times it missed", pausedSchedules),
        Check("an event schedule looks at events from its registration on and starts its runs with each advance", eventSchedules),
    ]

    static func scheduledRuns(_ subject: Subject, _ workflow: String) async throws -> [RunRecord] {
        try await subject.store.runs(RunQuery(workflow: workflow, limit: 10_000))
    }

    static func scheduleLifecycle(_ subject: Subject) async throws {
        let store = subject.store
        #expect(try await store.schedules().isEmpty)
        #expect(try await store.nextScheduleFire() == nil)
        await #expect(throws: StoreError.definitionNotFound("no-such-hash")) {
            try await store.saveSchedule(NewSchedule(definitionHash: "no-such-hash", trigger: .every(seconds: 60)))
        }
        let before = try await store.now()
        let definition = try await store.saveDefinition(Self.definition("ticker"))
        let first = try await store.saveSchedule(
            NewSchedule(definitionHash: definition.hash, trigger: .every(seconds: 3600), input: ["b": 1, "a": 2]))
        #expect(first.definition == definition.reference)
        #expect(first.trigger == .every(seconds: 3600))
        #expect(first.input.serialized() == #"{"b":1,"a":2}"#)
        #expect(!first.paused)
        #expect(first.fires == 0 && first.lastRunID == nil)
        let next = try #require(first.nextFireAt)
        #expect(next >= before + 3600 - 0.001 && next <= before + 3600 + 5)
        #expect(first.dueAt == first.nextFireAt)
        #expect(Self.near(try await store.nextScheduleFire(), next, subject))

        // The same registration again changes nothing.
        let again = try await store.saveSchedule(
            NewSchedule(definitionHash: definition.hash, trigger: .every(seconds: 3600), input: ["b": 1, "a": 2]))
        #expect(again == first)

        // Another trigger replaces the workflow's schedule.
        let cron = try await store.saveSchedule(NewSchedule(definitionHash: definition.hash, trigger: .cron("0 0 * * *")))
        #expect(cron.id != first.id)
        #expect(cron.trigger == .cron("0 0 * * *"))
        #expect(cron.nextFireAt.map { $0.truncatingRemainder(dividingBy: 86_400) } == 0)
        let other = try await store.saveDefinition(Self.definition("other"))
        let after = try await store.saveSchedule(NewSchedule(definitionHash: other.hash, trigger: .after(seconds: 60)))
        #expect(after.trigger == .after(seconds: 60))
        let listed = try await store.schedules()
        #expect(listed.map(\.id) == [after.id, cron.id])
        #expect(listed.map(\.definition.name) == ["other", "ticker"])

        let paused = try #require(try await store.pauseSchedule(id: cron.id, paused: true))
        #expect(paused.paused)
        #expect(try await store.schedules().first { $0.id == cron.id }?.paused == true)
        let resumed = try #require(try await store.pauseSchedule(id: cron.id, paused: false))
        #expect(!resumed.paused)
        #expect(try await store.pauseSchedule(id: "no-such-schedule", paused: true) == nil)

        #expect(try await store.deleteSchedule(id: cron.id))
        #expect(try await !store.deleteSchedule(id: cron.id))
        #expect(try await store.schedules().map(\.id) == [after.id])
    }

    static func everyOverADay(_ subject: Subject) async throws {
        let store = subject.store
        let definition = try await store.saveDefinition(Self.definition("hourly"))
        let schedule = try await store.saveSchedule(NewSchedule(definitionHash: definition.hash, trigger: .every(seconds: 3600)))
        let first = try #require(schedule.nextFireAt)
        let start = first - 3600
        #expect(try await store.fireSchedules(asOf: first - 1, limit: 10).isEmpty)
        var fired: [ScheduledRun] = []
        // Every ten minutes of the day, none of the runs ever ending.
        for step in 1...144 {
            let batch = try await store.fireSchedules(asOf: start + Double(step) * 600 + 1, limit: 10)
            #expect(batch.count <= 1)
            fired += batch
        }
        #expect(fired.count == 24)
        for (index, run) in fired.enumerated() {
            #expect(Self.near(run.fireAt, first + Double(index) * 3600, subject), "fire \(index) at \(run.fireAt)")
            #expect(run.scheduleID == schedule.id)
        }
        let runs = try await Self.scheduledRuns(subject, "hourly")
        #expect(runs.count == 24)
        #expect(Set(runs.map(\.id)) == Set(fired.map(\.runID)))
        #expect(runs.allSatisfy { $0.status == .pending && $0.idempotencyKey?.hasPrefix("schedule:") == true })
        let after = try #require(try await store.schedules().first)
        #expect(after.fires == 24)
        #expect(Self.near(after.nextFireAt, first + 24 * 3600, subject))
        #expect(after.lastRunID == fired.last?.runID)
    }

    static func cronOverADay(_ subject: Subject) async throws {
        let store = subject.store
        let definition = try await store.saveDefinition(Self.definition("two-hourly"))
        let schedule = try await store.saveSchedule(
            NewSchedule(definitionHash: definition.hash, trigger: .cron("30 */2 * * *"), input: ["from": "cron"]))
        let first = try #require(schedule.nextFireAt)
        #expect(first.truncatingRemainder(dividingBy: 7200) == 1800)
        let start = try await store.now()
        var fired: [ScheduledRun] = []
        for step in 1...144 {
            fired += try await store.fireSchedules(asOf: start + Double(step) * 600, limit: 10)
        }
        #expect(fired.count == 12)
        #expect(fired.allSatisfy { $0.fireAt.truncatingRemainder(dividingBy: 7200) == 1800 })
        #expect(fired.first?.fireAt == first)
        #expect(zip(fired, fired.dropFirst()).allSatisfy { $1.fireAt - $0.fireAt == 7200 })
        let runs = try await Self.scheduledRuns(subject, "two-hourly")
        #expect(runs.count == 12)
        #expect(runs.allSatisfy { $0.input == ["from": "cron"] })
    }

    static func catchUp(_ subject: Subject) async throws {
        let store = subject.store
        let hourly = try await store.saveDefinition(Self.definition("hourly"))
        let daily = try await store.saveDefinition(Self.definition("daily"))
        let every = try await store.saveSchedule(NewSchedule(definitionHash: hourly.hash, trigger: .every(seconds: 3600)))
        let first = try #require(every.nextFireAt)
        // The daily time is half a day from the hourly schedule's times, whatever time it is now: neither
        // schedule's fire times may fall in the other's windows below.
        let hour = (Int(first.truncatingRemainder(dividingBy: 86_400) / 3600) + 12) % 24
        let cron = try await store.saveSchedule(NewSchedule(definitionHash: daily.hash, trigger: .cron("0 \(hour) * * *")))
        let cronFirst = try #require(cron.nextFireAt)
        #expect(try await store.fireSchedules(asOf: first, limit: 10).count == 1)

        // Ten days down: one run for each schedule, for its latest missed time.
        let back = first + 10 * 86_400 + 1800
        let caughtUp = try await store.fireSchedules(asOf: back, limit: 10)
        #expect(caughtUp.count == 2)
        let hourlyRun = try #require(caughtUp.first { $0.scheduleID == every.id })
        #expect(Self.near(hourlyRun.fireAt, first + 10 * 86_400, subject))
        let dailyRun = try #require(caughtUp.first { $0.scheduleID == cron.id })
        #expect(dailyRun.fireAt <= back && dailyRun.fireAt > back - 86_400)
        #expect(dailyRun.fireAt.truncatingRemainder(dividingBy: 86_400) == Double(hour * 3600))
        #expect(dailyRun.fireAt >= cronFirst)
        #expect(try await store.fireSchedules(asOf: back, limit: 10).isEmpty)
        let schedules = try await store.schedules()
        #expect(Self.near(schedules.first { $0.id == every.id }?.nextFireAt, first + 10 * 86_400 + 3600, subject))
        #expect(schedules.first { $0.id == cron.id }?.nextFireAt == dailyRun.fireAt + 86_400)
        #expect(try await Self.scheduledRuns(subject, "hourly").count == 2)
        #expect(try await Self.scheduledRuns(subject, "daily").count == 1)

        // And on from there at the usual times.
        let next = try await store.fireSchedules(asOf: first + 10 * 86_400 + 3600, limit: 10)
        #expect(next.count == 1 && next.first?.scheduleID == every.id)
    }

    static func afterWaitsForTheEnd(_ subject: Subject) async throws {
        let store = subject.store
        let definition = try await store.saveDefinition(Self.definition("cooldown"))
        let schedule = try await store.saveSchedule(NewSchedule(definitionHash: definition.hash, trigger: .after(seconds: 3600)))
        let registered = try #require(schedule.nextFireAt)
        #expect(Self.near(try await store.nextScheduleFire(), registered, subject))
        // The first run starts at once.
        let first = try await store.fireSchedules(asOf: registered, limit: 10)
        #expect(first.count == 1)
        let firstRun = try #require(first.first?.runID)
        #expect(try await store.nextScheduleFire() == nil)
        // However long it goes on, nothing else starts.
        for hours in [1.0, 2, 5, 48] {
            #expect(try await store.fireSchedules(asOf: registered + hours * 3600, limit: 10).isEmpty)
        }
        #expect(try await store.schedules().first?.dueAt == nil)

        let claimed = try await Self.claimOne(subject, firstRun)
        #expect(
            try await store.checkpoint(Self.checkpoint(claimed.lease, status: .completed, release: true, output: [:]))
                == .saved(control: nil))
        let ended = try #require(try await store.run(id: firstRun)?.endedAt)
        #expect(Self.near(try await store.nextScheduleFire(), ended + 3600, subject))
        #expect(try await store.fireSchedules(asOf: ended + 3599, limit: 10).isEmpty)
        let second = try await store.fireSchedules(asOf: ended + 3600, limit: 10)
        #expect(second.count == 1)
        #expect(Self.near(second.first?.fireAt, ended + 3600, subject))
        #expect(try await store.fireSchedules(asOf: ended + 100 * 3600, limit: 10).isEmpty)
        #expect(try await Self.scheduledRuns(subject, "cooldown").count == 2)
    }

    static func concurrentFiring(_ subject: Subject) async throws {
        let store = subject.store
        var schedules: [ScheduleRecord] = []
        for name in ["a", "b", "c"] {
            let definition = try await store.saveDefinition(Self.definition("minutely-\(name)"))
            schedules.append(try await store.saveSchedule(NewSchedule(definitionHash: definition.hash, trigger: .every(seconds: 60))))
        }
        let first = try #require(schedules.compactMap(\.nextFireAt).max())
        var started = 0
        for round in 0..<10 {
            let asOf = first + Double(round) * 60
            started += try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await store.fireSchedules(asOf: asOf, limit: 10).count }
                }
                return try await group.reduce(0, +)
            }
        }
        #expect(started == 30)
        for name in ["a", "b", "c"] {
            let runs = try await Self.scheduledRuns(subject, "minutely-\(name)")
            #expect(runs.count == 10)
            #expect(Set(runs.compactMap(\.idempotencyKey)).count == 10)
        }
        #expect(try await store.schedules().allSatisfy { $0.fires == 10 })
    }

    static func pausedSchedules(_ subject: Subject) async throws {
        let store = subject.store
        let definition = try await store.saveDefinition(Self.definition("hourly"))
        let schedule = try await store.saveSchedule(NewSchedule(definitionHash: definition.hash, trigger: .every(seconds: 3600)))
        let first = try #require(schedule.nextFireAt)
        _ = try await store.pauseSchedule(id: schedule.id, paused: true)
        #expect(try await store.nextScheduleFire() == nil)
        #expect(try await store.fireSchedules(asOf: first + 5 * 3600, limit: 10).isEmpty)
        let resumed = try #require(try await store.pauseSchedule(id: schedule.id, paused: false))
        // Resumed before its first time came (the store's clock has not moved): nothing was missed.
        #expect(Self.near(resumed.nextFireAt, first, subject))
        #expect(try await store.fireSchedules(asOf: first, limit: 10).count == 1)
        #expect(try await Self.scheduledRuns(subject, "hourly").count == 1)
    }

    static func eventSchedules(_ subject: Subject) async throws {
        let store = subject.store
        // An event stored before the schedule exists is behind its cursor.
        guard case .stored(let early, _) = try await store.deliver(event: Self.event("early")) else {
            Issue.record("the first event was not stored")
            return
        }
        let definition = try await store.saveDefinition(Self.definition("on-events"))
        let trigger = ScheduleTrigger.on(try ScheduleEvents(["one": ["with": ["type": "com.example.test"]]]))
        let schedule = try await store.saveSchedule(NewSchedule(definitionHash: definition.hash, trigger: trigger))
        #expect(schedule.trigger == trigger)
        #expect(schedule.eventCursor == early)
        #expect(schedule.nextFireAt == nil && schedule.dueAt == nil)
        #expect(try await store.nextScheduleFire() == nil)
        #expect(try await store.fireSchedules(asOf: try await store.now() + 86_400, limit: 10).isEmpty)
        // The same registration again keeps the schedule and its cursor.
        #expect(try await store.saveSchedule(NewSchedule(definitionHash: definition.hash, trigger: trigger)) == schedule)
        guard case .stored(let late, _) = try await store.deliver(event: Self.event("late")) else {
            Issue.record("the second event was not stored")
            return
        }
        let run = NewRun(
            id: "from-event", definitionHash: definition.hash, input: [Self.event("late")],
            idempotencyKey: ScheduleTiming.idempotencyKey(scheduleID: schedule.id, eventSequence: late))
        let created = try await store.advanceEventSchedule(
            id: schedule.id, revision: schedule.revision, cursor: late, progress: nil, runs: [run])
        #expect(created == ["from-event"])
        let record = try #require(try await store.run(id: "from-event"))
        #expect(record.input == [Self.event("late")])
        #expect(record.status == .pending)
        let advanced = try #require(try await store.schedules().first)
        #expect(advanced.eventCursor == late)
        #expect(advanced.fires == 1 && advanced.lastRunID == "from-event")
        #expect(advanced.revision != schedule.revision)
        // An advance from a revision read before another one changes nothing.
        #expect(
            try await store.advanceEventSchedule(
                id: schedule.id, revision: schedule.revision, cursor: late + 10, progress: nil,
                runs: [NewRun(id: "stale", definitionHash: definition.hash, input: [])]) == nil)
        #expect(try await store.run(id: "stale") == nil)
        // The same run again (another worker's retry): its idempotency key keeps it one; the progress is kept.
        let again = try await store.advanceEventSchedule(
            id: schedule.id, revision: advanced.revision, cursor: late, progress: "[null]",
            runs: [NewRun(id: "duplicate", definitionHash: definition.hash, input: [], idempotencyKey: run.idempotencyKey)])
        #expect(again == [])
        #expect(try await store.run(id: "duplicate") == nil)
        #expect(try await store.schedules().first?.eventProgress == "[null]")
        // Too large an input is refused before anything is written.
        let huge = JSON.string(String(repeating: "x", count: Self.limits.value + 1))
        let current = try #require(try await store.schedules().first)
        await #expect(throws: StoreError.self) {
            try await store.advanceEventSchedule(
                id: schedule.id, revision: current.revision, cursor: late + 1, progress: nil,
                runs: [NewRun(id: "huge", definitionHash: definition.hash, input: [huge])])
        }
        #expect(try await store.schedules().first?.revision == current.revision)
        // Paused, it starts nothing; resumed, it skips what was stored meanwhile.
        _ = try await store.pauseSchedule(id: schedule.id, paused: true)
        let paused = try #require(try await store.schedules().first)
        #expect(
            try await store.advanceEventSchedule(
                id: schedule.id, revision: paused.revision, cursor: late, progress: nil, runs: []) == nil)
        guard case .stored(let meanwhile, _) = try await store.deliver(event: Self.event("meanwhile")) else {
            Issue.record("the third event was not stored")
            return
        }
        let resumed = try #require(try await store.pauseSchedule(id: schedule.id, paused: false))
        #expect(resumed.eventCursor == meanwhile)
        #expect(resumed.eventProgress == nil)
    }
}
