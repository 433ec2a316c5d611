public import SwirlCore
public import SwirlExpressions
import Foundation
import Synchronization

/// What every run a worker drives shares: the store, the clock, activities, definitions,
/// secrets, and where progress and lifecycle events go. Drivers on their own actors read it at
/// once: what can change (the listeners, the children found) is behind a lock.
final class WorkerContext: Sendable {
    struct Listeners {
        var onProgress: (@Sendable (RunProgress) -> Void)?
        var onLifecycleEvent: (@Sendable (JSON) -> Void)?
        var onLog: (@Sendable (String) -> Void)?
    }

    let store: any Store
    let clock: any RuntimeClock
    let activities: ActivityRegistry
    let library: WorkflowLibrary
    let secretValues: OrderedDictionary<String, JSON>
    let environment: [String: String]
    let maxTakeovers: Int
    let listeners = Mutex(Listeners())
    /// Child runs started by runs of this worker, for a worker that serves one run and its children.
    private let discoveredRuns = Mutex<[String]>([])

    init(
        store: any Store, clock: any RuntimeClock, activities: ActivityRegistry, library: WorkflowLibrary,
        secretValues: OrderedDictionary<String, JSON>, environment: [String: String], maxTakeovers: Int
    ) {
        self.store = store
        self.clock = clock
        self.activities = activities
        self.library = library
        self.secretValues = secretValues
        self.environment = environment
        self.maxTakeovers = maxTakeovers
    }

    var wantsLifecycleEvents: Bool { listeners.withLock { $0.onLifecycleEvent != nil } }

    func report(_ progress: RunProgress) { listeners.withLock { $0.onProgress }?(progress) }
    func publishLifecycle(_ event: JSON) { listeners.withLock { $0.onLifecycleEvent }?(event) }
    func log(_ message: String) { listeners.withLock { $0.onLog }?(message) }
    func discovered(_ runID: String) { discoveredRuns.withLock { $0.append(runID) } }

    /// The children found since the last call.
    func takeDiscoveredRuns() -> [String] {
        discoveredRuns.withLock { runs in
            defer { runs.removeAll() }
            return runs
        }
    }
}

/// Something worth telling a person watching a run (`swirl run` prints these on stderr).
public struct RunProgress: Sendable {
    public enum Kind: Sendable {
        case waiting(until: Double)
        case completed
        case faulted(WorkflowError)
        case task(TaskEvent)
    }

    public var runID: String
    public var kind: Kind
    public var time: Double
}

/// How a run ended.
public enum RunOutcome: Hashable, Sendable {
    case completed(JSON)
    case faulted(WorkflowError)
    case cancelled
}

/// Claims due runs from a store and drives them, many at once: the loop of `swirl worker`, and
/// of `swirl run`, which serves one run (and the child runs it starts) in the foreground.
///
/// It claims up to `concurrency` runs, drives each until it parks, ends or is lost, renews all
/// its leases with one heartbeat (which also brings cancel and suspend requests), and when it has
/// nothing to do sleeps until the earliest wake-up it knows of or a notification from the store,
/// with a short jittered poll as the safety net.
@WorkerActor
public final class Worker {
    public struct Configuration: Sendable {
        /// Names this worker in leases: unique per process.
        public var owner: String
        /// Runs driven at once.
        public var concurrency: Int
        /// How long a lease lasts without a heartbeat; heartbeats come every third of it.
        public var leaseSeconds: Double
        /// The longest sleep without looking at the store (jittered by ±25%).
        public var pollSeconds: Double
        /// How long a stopping worker lets its runs reach a checkpoint before it releases them.
        public var graceSeconds: Double
        /// Takeovers after which a run whose workers keep dying is faulted.
        public var maxTakeovers: Int
        /// How long delivered events are kept for `listen`s that start later.
        public var eventRetentionSeconds: Double
        /// Whether ``Worker/run()`` starts the runs of due schedules (`swirl worker` does).
        public var firesSchedules: Bool
        /// How many threads the runs advance on, at most one per core; 0 (the default): one per core.
        public var threads: Int

        public init(
            owner: String = Worker.defaultOwner(), concurrency: Int = 16, leaseSeconds: Double = 30, pollSeconds: Double = 5,
            graceSeconds: Double = 10, maxTakeovers: Int = 20, eventRetentionSeconds: Double = 7 * 86400,
            firesSchedules: Bool = true, threads: Int = 0
        ) {
            self.threads = max(0, threads)
            self.firesSchedules = firesSchedules
            self.owner = owner
            self.concurrency = max(1, concurrency)
            self.leaseSeconds = leaseSeconds
            self.pollSeconds = pollSeconds
            self.graceSeconds = graceSeconds
            self.maxTakeovers = maxTakeovers
            self.eventRetentionSeconds = eventRetentionSeconds
        }
    }

    /// `host:pid:random`, unique enough for a lease owner.
    public nonisolated static func defaultOwner() -> String {
        "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Whether `owner` names a process of this machine (as ``defaultOwner()`` writes it) that no
    /// longer exists: its lease can be ended at once instead of waited out. Any doubt (another
    /// host, another format, a process that exists or may) answers `false`.
    public nonisolated static func isGone(_ owner: String) -> Bool {
        let parts = owner.split(separator: ":")
        guard parts.count == 3, parts[0] == ProcessInfo.processInfo.hostName, let pid = pid_t(parts[1]), pid > 0,
            pid != getpid()
        else { return false }
        if kill(pid, 0) != 0 { return errno == ESRCH }
        // Killed but not reaped yet (its parent has not waited for it): a zombie holds nothing.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: end)...].split(separator: " ").first == "Z"
    }

    public let configuration: Configuration
    let context: WorkerContext
    private var drivers: [String: RunDriver] = [:] {
        didSet { held.set(drivers) }
    }
    /// ``drivers`` as the heartbeat reads them, from outside the actor.
    private let held = HeldDrivers()
    /// Rings the current idle sleep awake. A stream of its own per sleep: cancelling a task that
    /// iterates an `AsyncStream` finishes the stream, so one shared stream goes dead after the
    /// first sleep that something else ended, and every later sleep returns at once.
    private var doorbell: AsyncStream<Void>.Continuation?
    /// Rung while the worker was not asleep: the next sleep returns at once.
    private var rang = false
    /// Inside ``serve(runID:giveUpWhenIdle:)``: every run that ends matters to the loop.
    private var servesOne = false
    /// The store's clock minus the worker's, and when it was last read: a sleep's deadline is on the store's
    /// clock, and reading it before every sleep would cost a database round trip each time.
    private var storeClock: (offset: Double, readAt: ContinuousClock.Instant, workerTime: Double)?
    /// Outcomes of runs that ended in this worker, for foreground callers.
    private var ended: [String: RunOutcome] = [:]
    private var lastPurge = 0.0
    /// The earliest fire time of the store's schedules as last read, on the worker's clock: the idle sleep ends
    /// then, and the schedules are looked at.
    private var nextScheduleFire: Double?
    /// When the schedules were last looked at (wall time): they are looked at again after a poll interval
    /// anyway, since another process may register or resume one meanwhile.
    private var lastScheduleCheck: ContinuousClock.Instant?
    /// The unpaused `on` schedules as last read, and when (``fireEventSchedules()``).
    private var eventSchedules: [ScheduleRecord] = []
    private var eventSchedulesReadAt: ContinuousClock.Instant?
    /// Told about each run a schedule started in this worker's loop.
    public var onScheduledRun: (@Sendable (ScheduledRun) -> Void)?

    public init(
        store: any Store, library: WorkflowLibrary, activities: ActivityRegistry = ActivityRegistry(),
        clock: any RuntimeClock = SystemClock(), secrets: OrderedDictionary<String, JSON> = [:],
        environment: [String: String] = [:], configuration: Configuration = Configuration()
    ) {
        self.configuration = configuration
        self.context = WorkerContext(
            store: store, clock: clock, activities: activities, library: library, secretValues: secrets,
            environment: environment, maxTakeovers: configuration.maxTakeovers)
    }

    /// Told about every task phase, wait and end of the runs this worker drives.
    public var onProgress: (@Sendable (RunProgress) -> Void)? {
        get { context.listeners.withLock { $0.onProgress } }
        set { context.listeners.withLock { $0.onProgress = newValue } }
    }

    /// Given each lifecycle CloudEvent of the runs, secrets redacted, once its checkpoint is saved.
    public var onLifecycleEvent: (@Sendable (JSON) -> Void)? {
        get { context.listeners.withLock { $0.onLifecycleEvent } }
        set { context.listeners.withLock { $0.onLifecycleEvent = newValue } }
    }

    /// Told about problems the worker recovers from (a store that failed, a run given back).
    public var onLog: (@Sendable (String) -> Void)? {
        get { context.listeners.withLock { $0.onLog } }
        set { context.listeners.withLock { $0.onLog = newValue } }
    }

    /// How many runs this worker drives now.
    public var activeRuns: Int { drivers.count }

    // MARK: serving

    /// Serves every due run of the store until the task is cancelled; then stops claiming,
    /// lets its runs reach their next checkpoint for up to the grace period, and releases the
    /// rest, so nothing is lost and another worker can take them at once.
    public func run() async throws {
        let heartbeat = startHeartbeat()
        defer { heartbeat.cancel() }
        while !Task.isCancelled {
            if configuration.firesSchedules {
                await fireSchedulesIfDue()
                await fireEventSchedules()
            }
            let free = configuration.concurrency - drivers.count
            var claimed = 0
            if free > 0 {
                do {
                    let runs = try await context.store.claim(
                        owner: configuration.owner, limit: free, leaseSeconds: configuration.leaseSeconds, runID: nil)
                    claimed = runs.count
                    for run in runs { await start(run) }
                } catch {
                    context.log("claiming failed: \(error)")
                    try? await Task.sleep(for: .milliseconds(Int.random(in: 200...1000)))
                    continue
                }
                await purgeEventsIfDue()
            }
            if free > 0, claimed == free { continue }
            // The worker's own children and runs it served are nobody's concern in this loop.
            _ = context.takeDiscoveredRuns()
            ended.removeAll()
            // With no room for another run, only a run of its own ending (or the poll) matters.
            let nextRun = free > 0 ? try? await context.store.nextWake(excludingOwner: configuration.owner) : nil
            let nextSchedule = configuration.firesSchedules ? nextScheduleFire : nil
            await idle(until: [nextRun, nextSchedule].compactMap { $0 }.min())
        }
        await stop()
    }

    /// Starts the runs of the schedules due now, once their time has come (or a poll interval has passed), and
    /// notes when to look again. Each fire time starts one run however many workers fire it.
    private func fireSchedulesIfDue() async {
        let now = context.clock.now()
        let polled = lastScheduleCheck.map { ContinuousClock.now - $0 >= .seconds(configuration.pollSeconds) } ?? true
        guard polled || nextScheduleFire.map({ $0 <= now }) == true else { return }
        lastScheduleCheck = ContinuousClock.now
        let store = context.store
        do {
            let storeNow = try await store.now()
            let started = try await store.fireSchedules(asOf: storeNow, limit: 100)
            for run in started { onScheduledRun?(run) }
            if started.count == 100 {
                // A full batch: more are due at once.
                nextScheduleFire = now
            } else if let next = try await store.nextScheduleFire() {
                // At least a millisecond on: a schedule the store still reports due must not spin the loop.
                nextScheduleFire = max(next - storeNow + now, now + 0.001)
            } else {
                nextScheduleFire = nil
            }
        } catch {
            context.log("firing schedules failed: \(error)")
            nextScheduleFire = now + 1
        }
    }

    /// Starts the runs that the events stored since each `on` schedule last looked call for, and moves each
    /// schedule past them (``ScheduleEvents``). The schedules are read again each poll interval and after another
    /// worker moved one; without any, this costs nothing.
    private func fireEventSchedules() async {
        let store = context.store
        let stale = eventSchedulesReadAt.map { ContinuousClock.now - $0 >= .seconds(configuration.pollSeconds) } ?? true
        do {
            if stale {
                eventSchedules = try await store.schedules().filter { $0.trigger.events != nil && !$0.paused }
                eventSchedulesReadAt = .now
            }
            guard let oldest = eventSchedules.map(\.eventCursor).min() else { return }
            let batch = 256
            let events = try await store.events(after: oldest, limit: batch)
            guard !events.isEmpty else { return }
            for index in eventSchedules.indices {
                let schedule = eventSchedules[index]
                guard let strategy = schedule.trigger.events else { continue }
                let unseen = events.filter { $0.sequence > schedule.eventCursor }
                guard let last = unseen.last else { continue }
                let (fires, progress) = strategy.offer(unseen, progress: ScheduleEvents.decode(schedule.eventProgress))
                let runs = fires.map { fire in
                    NewRun(
                        id: UUID().uuidString.lowercased(), definitionHash: schedule.definition.hash, input: fire.input,
                        idempotencyKey: ScheduleTiming.idempotencyKey(scheduleID: schedule.id, eventSequence: fire.sequence))
                }
                let encoded = ScheduleEvents.encode(progress)
                var created: [String]?
                do {
                    created = try await store.advanceEventSchedule(
                        id: schedule.id, revision: schedule.revision, cursor: last.sequence, progress: encoded, runs: runs)
                } catch StoreError.tooLarge(let what, let size, let limit) {
                    // Events too large together for a run's input start nothing rather than stop the schedule.
                    context.log(
                        "schedule \(schedule.id): \(what) would be \(size) bytes (the limit is \(limit)); the events up to "
                            + "\(last.sequence) start no run")
                    created = try await store.advanceEventSchedule(
                        id: schedule.id, revision: schedule.revision, cursor: last.sequence, progress: nil, runs: [])
                }
                guard let created else {
                    // Another worker moved it first (or it was paused): read the schedules again next time.
                    eventSchedulesReadAt = nil
                    continue
                }
                eventSchedules[index].eventCursor = last.sequence
                eventSchedules[index].eventProgress = encoded
                eventSchedules[index].revision += 1
                for id in created {
                    onScheduledRun?(ScheduledRun(scheduleID: schedule.id, runID: id, fireAt: last.storedAt))
                }
            }
            // A full batch: more events wait; the loop comes back at once.
            if events.count == batch { rang = true }
        } catch {
            context.log("firing event schedules failed: \(error)")
            eventSchedulesReadAt = nil
        }
    }

    /// Serves `runID`, and the child runs it starts, until it ends; returns its outcome.
    /// With `giveUpWhenIdle`, returns `nil` instead when nothing in this process can move it
    /// on (it waits for an event or for another worker).
    public func serve(runID: String, giveUpWhenIdle: Bool = false) async throws -> RunOutcome? {
        let heartbeat = startHeartbeat()
        servesOne = true
        defer {
            heartbeat.cancel()
            servesOne = false
        }
        var scope = [runID]
        while !Task.isCancelled {
            if let outcome = ended[runID] { return outcome }
            scope += context.takeDiscoveredRuns()
            var earliest: Double?
            var claimedAny = false
            var open: [String] = []
            // Driven when looked at: looked at again next time, even if its driver ends meanwhile (the
            // store calls below let other work in, a driver's end among it).
            var driven: [String] = []
            for id in scope {
                if drivers[id] != nil {
                    driven.append(id)
                    continue
                }
                guard var record = try await context.store.run(id: id) else { continue }
                switch record.status {
                case .completed, .faulted, .cancelled:
                    if id == runID { return Self.outcome(of: record) }
                    continue
                default: open.append(id)
                }
                if record.status == .suspended { continue }
                // Held by a process of this machine that was killed (a `swirl run` ended with
                // SIGKILL, then resumed): take it over now rather than when the lease runs out.
                if let holder = record.leaseOwner, holder != configuration.owner, Self.isGone(holder),
                    try await context.store.expireLease(runID: id, owner: holder)
                {
                    context.log("run \(id): its holder \(holder) is gone; taking it over")
                    guard let refreshed = try await context.store.run(id: id) else { continue }
                    record = refreshed
                }
                if let wakeAt = record.wakeAt, record.leaseOwner == nil {
                    earliest = min(earliest ?? wakeAt, wakeAt)
                }
                // A run someone holds (another worker, or this one's driver that lost its lease
                // while the process was starved) can be taken over when the lease expires: that is
                // something to wait for, not a run that nothing can move on.
                if record.leaseOwner != nil, let expiry = record.leaseExpiresAt {
                    earliest = min(earliest ?? expiry, expiry)
                }
                // Another process serves it: its end is not announced, so look again each second.
                if let holder = record.leaseOwner, holder != configuration.owner {
                    let soon = context.clock.now() + 1
                    earliest = min(earliest ?? soon, soon)
                }
                // Without a wake-up time nothing can claim it (it waits for an event or a child).
                guard record.wakeAt != nil else { continue }
                let runs = try await context.store.claim(
                    owner: configuration.owner, limit: 1, leaseSeconds: configuration.leaseSeconds, runID: id)
                for run in runs {
                    claimedAny = true
                    await start(run)
                }
            }
            var seen: Set<String> = []
            scope = (open + driven + scope.filter { drivers[$0] != nil }).filter { seen.insert($0).inserted }
            if claimedAny { continue }
            if giveUpWhenIdle, drivers.isEmpty, earliest == nil { return nil }
            await idle(until: earliest)
        }
        await stop()
        throw CancellationError()
    }

    static func outcome(of record: RunRecord) -> RunOutcome {
        switch record.status {
        case .completed: .completed(record.output ?? .null)
        case .cancelled: .cancelled
        default: .faulted(record.error ?? WorkflowError(.runtime, title: "Faulted", instance: "/"))
        }
    }

    private func start(_ claimed: ClaimedRun) async {
        let workflow: CompiledWorkflow
        do {
            workflow = try await context.library.workflow(hash: claimed.record.definition.hash, store: context.store)
        } catch let error as WorkflowError {
            // A definition this worker cannot run: fault the run with the reason, never guess.
            await faultUnrunnable(claimed, error)
            return
        } catch {
            context.log("run \(claimed.lease.runID): cannot read its definition: \(error)")
            try? await context.store.release(claimed.lease, wakeAt: context.clock.now() + 1)
            return
        }
        // The least busy thread of the process: the workers of one process share the threads.
        let threads = DriverThreads.shared
        let thread = threads.acquire(among: configuration.threads)
        let driver = RunDriver(claimed: claimed, workflow: workflow, context: context, thread: threads.threads[thread])
        // This worker held the run before and its lease ran out: that claim is fenced now.
        drivers[claimed.lease.runID]?.signal(.fenced)
        drivers[claimed.lease.runID] = driver
        // The driver advances on its thread, in a task that prefers that thread: what it awaits outside
        // its actor (a store's nonisolated call, an activity) resumes there, and the worker's steps for it
        // (this start, its end) run there too, without waking another thread. (The heartbeat does not
        // depend on them.) The closure is named first: written inline, the isolation checker rejects it.
        let body: @WorkerActor @Sendable () async -> Void = { [weak self] in
            let result = await driver.drive()
            threads.release(thread)
            self?.finished(driver, result)
        }
        Task(executorPreference: driver.thread, operation: body)
    }

    private func finished(_ driver: RunDriver, _ result: RunDriver.Result) {
        let wasFull = drivers.count >= configuration.concurrency
        // A driver fenced out by a newer claim of this worker leaves the newer one in place.
        if drivers[driver.runID] === driver { drivers[driver.runID] = nil }
        if case .ended(let outcome) = result {
            ended[driver.runID] = outcome
            // A run that ended changes nothing the serving loop waits for, unless it made room for a claim
            // or a foreground caller waits for it: the loop goes on sleeping (what the end made due
            // elsewhere, the store announces).
            if !wasFull && !servesOne { return }
        }
        // Otherwise the loop looks again: a run parked with a timer moves the next wake-up.
        ring()
    }

    private func ring() {
        rang = true
        doorbell?.yield()
    }

    /// Faults a claimed run whose definition cannot be compiled here.
    private func faultUnrunnable(_ claimed: ClaimedRun, _ error: WorkflowError) async {
        let now = context.clock.now()
        var state = claimed.state
            ?? RunState(runID: claimed.lease.runID, input: claimed.record.input, startedAt: now, seed: 0)
        state.status = .faulted
        state.error = error
        state.fibers.removeAll()
        guard let encoded = try? RunStateCoding.encode(state, skipping: claimed.storedValues) else { return }
        _ = try? await context.store.checkpoint(
            Checkpoint(
                lease: claimed.lease, state: encoded, status: .faulted, release: true, error: error,
                history: [HistoryEntry(time: now, kind: "run.faulted", data: error.json)]))
        ended[claimed.lease.runID] = .faulted(error)
    }

    /// Sleeps until `wakeAt` (on the run clock), a notification from the store, a run of this
    /// worker finishing, or the jittered poll interval, whichever comes first.
    private func idle(until wakeAt: Double?) async {
        let now = context.clock.now()
        if let wakeAt, wakeAt <= now { return }
        let poll = configuration.pollSeconds * Double.random(in: 0.75...1.25)
        let store = context.store
        let clock = context.clock
        if rang {
            rang = false
            return
        }
        let (bell, ringer) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        doorbell = ringer
        defer {
            doorbell = nil
            rang = false
        }
        let storeNow = await storeTime(now)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await store.waitForWork(until: storeNow + poll) }
            group.addTask {
                for await _ in bell { break }
            }
            if let wakeAt {
                group.addTask { try? await clock.sleep(until: wakeAt) }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// The store's time when the worker's clock reads `now`, from the offset between the clocks, read again
    /// once a minute, when the worker's clock did not move as the wall clock did (a test's manual clock), or
    /// after a failure.
    private func storeTime(_ now: Double) async -> Double {
        if let storeClock {
            let elapsed = ContinuousClock.now - storeClock.readAt
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if seconds < 60, abs(now - storeClock.workerTime - seconds) < 0.05 {
                return now + storeClock.offset
            }
        }
        guard let storeNow = try? await context.store.now() else {
            storeClock = nil
            return now
        }
        storeClock = (storeNow - now, ContinuousClock.now, now)
        return storeNow
    }

    private func purgeEventsIfDue() async {
        let now = context.clock.now()
        guard now - lastPurge > 3600 else { return }
        lastPurge = now
        _ = try? await context.store.purgeEvents(storedBefore: now - configuration.eventRetentionSeconds)
    }

    // MARK: leases

    /// Beats in a task of its own, off the worker's actor: whatever keeps the actor busy (its jobs run
    /// where the driver that scheduled them runs, which an expression may hold for seconds), leases are
    /// renewed on time.
    private func startHeartbeat() -> Task<Void, Never> {
        let interval = configuration.leaseSeconds / 3
        let (held, context, configuration) = (self.held, self.context, self.configuration)
        return Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                guard !Task.isCancelled else { return }
                await Self.beat(held: held, context: context, configuration: configuration)
            }
        }
    }

    /// Renews every lease at once; a run whose lease is gone is stopped without a write, and
    /// control requests reach the runs they are for.
    private nonisolated static func beat(held: HeldDrivers, context: WorkerContext, configuration: Configuration) async {
        let drivers = held.get()
        let leases = drivers.values.map(\.lease)
        guard !leases.isEmpty else { return }
        let reply: [String: HeartbeatStatus]
        do {
            reply = try await context.store.heartbeat(
                owner: configuration.owner, leases: leases, leaseSeconds: configuration.leaseSeconds)
        } catch {
            // The store is unreachable: keep working; a lease that runs out is caught by the
            // checkpoint's fencing.
            context.log("heartbeat failed: \(error)")
            return
        }
        for lease in leases {
            guard let driver = drivers[lease.runID] else { continue }
            guard let status = reply[lease.runID] else {
                driver.signal(.fenced)
                continue
            }
            driver.renewed(expiresAt: status.expiresAt)
            if let control = status.control, control != .resume { driver.signal(.control(control)) }
        }
    }

    /// Asks run `runID` to cancel; a run this worker drives hears it at once.
    public func cancel(runID: String) async throws {
        _ = try await context.store.request(.cancel, runID: runID)
        drivers[runID]?.signal(.control(.cancel))
        ring()
    }

    /// Stops driving: waits up to the grace period for runs to park or end on their own, then
    /// stops the rest (in-flight activities cancelled, leases released: another worker resumes
    /// them from their last checkpoint at once).
    private func stop() async {
        let deadline = ContinuousClock.now + .seconds(configuration.graceSeconds)
        // The caller is cancelled, so sleep in a task of its own.
        while !drivers.isEmpty, ContinuousClock.now < deadline {
            await Task { try? await Task.sleep(for: .milliseconds(20)) }.value
        }
        for driver in drivers.values { driver.signal(.stop) }
        while !drivers.isEmpty {
            await Task { try? await Task.sleep(for: .milliseconds(5)) }.value
        }
    }
}

/// A worker's drivers by run, readable from any thread.
final class HeldDrivers: Sendable {
    private let drivers = Mutex<[String: RunDriver]>([:])

    func get() -> [String: RunDriver] { drivers.withLock { $0 } }
    func set(_ value: [String: RunDriver]) { drivers.withLock { $0 = value } }
}
