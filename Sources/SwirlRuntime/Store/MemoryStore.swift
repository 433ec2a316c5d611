public import SwirlCore

/// A store in memory: for tests and `--ephemeral` runs. It keeps the same contract as the
/// database stores (leases, epochs, nudges, idempotency), and states are kept encoded, as a
/// database would keep them, so a test that resumes from it proves the encoding round-trips.
public actor MemoryStore: Store {
    private struct Row {
        var record: RunRecord
        var state: [UInt8]?
        var epoch: Int64 = 0
        var nudged = false
        /// What the run's listens wait for; `nil` when it listens for nothing.
        var subscription: EventSubscription?
        var eventBase: Int64
    }

    /// The runs by id, with the ids of those not ended (pending, running or waiting) beside them, so that claims
    /// and wake-up times look at live runs only, however many ended runs the store keeps.
    private struct Table {
        private(set) var all: [String: Row] = [:]
        private(set) var live: Set<String> = []

        subscript(id: String) -> Row? {
            get { all[id] }
            set {
                all[id] = newValue
                switch newValue?.record.status {
                case .pending?, .running?, .waiting?: live.insert(id)
                default: live.remove(id)
                }
            }
        }
    }

    /// The store's clock, for leases and timestamps.
    public nonisolated let clock: any RuntimeClock
    let limits: StoreLimits
    /// Registered schedules by id (``ScheduleRecord/dueAt`` is filled in when read).
    var scheduleRows: [String: ScheduleRecord] = [:]
    private var definitions: [String: DefinitionRecord] = [:]
    private var rows = Table()
    private var idempotencyKeys: [String: String] = [:]
    private var values: [String: [String: [UInt8]]] = [:]
    private var histories: [String: [HistoryEntry]] = [:]
    private var events: [StoredEvent] = []
    private var eventKeys: Set<String> = []
    private var nextSequence: Int64 = 1
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0
    /// Work was made while nobody waited: the next wait returns at once. Without it, a run created between a
    /// worker's claim (which found nothing) and its wait was left until the worker's next poll.
    private var missedWork = false
    private let recordsCheckpoints: Bool
    /// How many history entries a run keeps (see ``init(clock:limits:recordingCheckpoints:historyLimit:)``).
    public nonisolated let historyLimit: Int
    /// Every checkpoint saved, in order, each encoded whole; kept only when asked for (tests
    /// that resume from each one), since it grows with the run.
    public private(set) var checkpoints: [(runID: String, state: [UInt8])] = []

    /// - Parameters:
    ///   - clock: the store's clock, for leases and timestamps.
    ///   - recordingCheckpoints: keep every checkpoint in ``checkpoints``.
    ///   - historyLimit: the history entries kept per run. A run that writes more keeps its
    ///     first entry and its latest ones, with one `history.truncated` entry between them
    ///     counting those dropped: memory stays flat however many steps a run takes.
    public init(
        clock: any RuntimeClock = SystemClock(), limits: StoreLimits = StoreLimits(), recordingCheckpoints: Bool = false,
        historyLimit: Int = 10_000
    ) {
        self.clock = clock
        self.limits = limits
        self.recordsCheckpoints = recordingCheckpoints
        self.historyLimit = max(historyLimit, 3)
    }

    // MARK: definitions

    public func saveDefinition(_ definition: DefinitionRecord) throws -> DefinitionRecord {
        if definition.document.utf8.count > limits.definition {
            throw StoreError.tooLarge("the definition", size: definition.document.utf8.count, limit: limits.definition)
        }
        if let existing = definitions.values.first(where: {
            $0.namespace == definition.namespace && $0.name == definition.name && $0.version == definition.version
        }) {
            guard existing.hash == definition.hash else {
                throw StoreError.definitionConflict(definition.namespace, definition.name, definition.version)
            }
            return existing
        }
        definitions[definition.hash] = definition
        return definition
    }

    public func definition(hash: String) -> DefinitionRecord? {
        definitions[hash]
    }

    // MARK: runs

    public func createRun(_ run: NewRun) throws -> CreatedRun {
        if let key = run.idempotencyKey, let existing = idempotencyKeys[key] { return CreatedRun(id: existing, created: false) }
        if rows[run.id] != nil { return CreatedRun(id: run.id, created: false) }
        let size = run.input.serialized().utf8.count
        if size > limits.value { throw StoreError.tooLarge("the run's input", size: size, limit: limits.value) }
        guard let definition = definitions[run.definitionHash] else { throw StoreError.definitionNotFound(run.definitionHash) }
        let now = clock.now()
        rows[run.id] = Row(
            record: RunRecord(
                id: run.id, definition: definition.reference, status: .pending, input: run.input, parentID: run.parentID,
                idempotencyKey: run.idempotencyKey, createdAt: now, updatedAt: now, wakeAt: now),
            eventBase: nextSequence - 1)
        if let key = run.idempotencyKey { idempotencyKeys[key] = run.id }
        notify()
        return CreatedRun(id: run.id, created: true)
    }

    public func claim(owner: String, limit: Int, leaseSeconds: Double, runID: String?) throws -> [ClaimedRun] {
        let now = clock.now()
        let candidates = (runID.map { [$0] } ?? Array(rows.live)).compactMap { id -> (String, Double)? in
            guard let row = rows[id], Self.isClaimable(row, now: now) else { return nil }
            return (id, row.record.wakeAt ?? now)
        }
        var claimed: [ClaimedRun] = []
        for (id, _) in candidates.sorted(by: { ($0.1, $0.0) < ($1.1, $1.0) }).prefix(limit) {
            guard var row = rows[id] else { continue }
            let takeover = row.record.leaseOwner != nil
            row.epoch += 1
            row.nudged = false
            row.record.leaseOwner = owner
            row.record.leaseExpiresAt = now + leaseSeconds
            row.record.wakeAt = now + leaseSeconds
            row.record.claims += 1
            if takeover { row.record.takeovers += 1 }
            if row.record.status == .pending || row.record.status == .waiting { row.record.status = .running }
            row.record.updatedAt = now
            rows[id] = row
            let state = try row.state.map { try RunStateCoding.decode($0, values: values[id] ?? [:]) }
            claimed.append(
                ClaimedRun(
                    lease: Lease(runID: id, owner: owner, epoch: row.epoch, expiresAt: now + leaseSeconds), record: row.record,
                    state: state, storedValues: Set((values[id] ?? [:]).keys), eventBase: row.eventBase,
                    takeovers: row.record.takeovers, control: row.record.control))
        }
        return claimed
    }

    private static func isClaimable(_ row: Row, now: Double) -> Bool {
        switch row.record.status {
        case .pending, .running, .waiting: break
        default: return false
        }
        guard let wakeAt = row.record.wakeAt, wakeAt <= now else { return false }
        if let expiry = row.record.leaseExpiresAt, expiry > now { return false }
        return true
    }

    public func checkpoint(_ checkpoint: Checkpoint) throws -> CheckpointResult {
        let id = checkpoint.lease.runID
        guard var row = rows[id], row.epoch == checkpoint.lease.epoch, row.record.leaseOwner == checkpoint.lease.owner else {
            return .leaseLost
        }
        try limits.check(checkpoint)
        for child in checkpoint.children where definitions[child.definitionHash] == nil {
            throw StoreError.definitionNotFound(child.definitionHash)
        }
        let now = clock.now()
        values[id, default: [:]].merge(checkpoint.state.newValues) { old, _ in old }
        row.state = checkpoint.state.bytes
        row.record.status = checkpoint.status
        row.record.updatedAt = now
        row.subscription = checkpoint.subscription
        if checkpoint.clearsControl { row.record.control = nil }
        let ended = [.completed, .faulted, .cancelled].contains(checkpoint.status)
        if ended {
            row.record.output = checkpoint.output
            row.record.error = checkpoint.error
            row.record.endedAt = now
            row.record.control = nil
            row.subscription = nil
        }
        if checkpoint.release || ended || checkpoint.status == .suspended {
            row.record.leaseOwner = nil
            row.record.leaseExpiresAt = nil
            // A cancel or suspend asked for while the run was held is carried out by its next claim.
            if ended || checkpoint.status == .suspended {
                row.record.wakeAt = nil
            } else if row.nudged || row.record.control == .cancel || row.record.control == .suspend
                || (checkpoint.listening && events.last.map { $0.sequence > checkpoint.eventCursor } == true)
            {
                row.record.wakeAt = now
            } else {
                row.record.wakeAt = checkpoint.wakeAt
            }
            row.nudged = false
        }
        let control = row.record.control
        rows[id] = row
        appendHistory(checkpoint.history, runID: id, now: now)
        for event in checkpoint.events { _ = store(event, now: now) }
        for child in checkpoint.children { _ = try createRun(child) }
        // An end concerns others when it nudges a parent or asks children to cancel.
        var endMoved = false
        if ended, let parent = row.record.parentID {
            nudge(parent, now: now)
            endMoved = true
        }
        if checkpoint.status == .cancelled {
            for (childID, child) in rows.all where child.record.parentID == id {
                _ = try? request(.cancel, runID: childID)
                endMoved = true
            }
        }
        if recordsCheckpoints {
            let whole = try RunStateCoding.encode(RunStateCoding.decode(checkpoint.state.bytes, values: values[id] ?? [:]))
            checkpoints.append((id, whole))
        }
        if (checkpoint.release && !ended) || !checkpoint.events.isEmpty || !checkpoint.children.isEmpty || endMoved { notify() }
        return .saved(control: control)
    }

    public func heartbeat(owner: String, leases: [Lease], leaseSeconds: Double) -> [String: HeartbeatStatus] {
        let now = clock.now()
        var reply: [String: HeartbeatStatus] = [:]
        for lease in leases {
            guard var row = rows[lease.runID], row.epoch == lease.epoch, row.record.leaseOwner == owner else { continue }
            row.record.leaseExpiresAt = now + leaseSeconds
            row.record.wakeAt = now + leaseSeconds
            rows[lease.runID] = row
            reply[lease.runID] = HeartbeatStatus(expiresAt: now + leaseSeconds, control: row.record.control)
        }
        return reply
    }

    public func release(_ lease: Lease, wakeAt: Double?) {
        guard var row = rows[lease.runID], row.epoch == lease.epoch, row.record.leaseOwner == lease.owner else { return }
        row.record.leaseOwner = nil
        row.record.leaseExpiresAt = nil
        row.record.wakeAt = row.nudged ? clock.now() : (wakeAt ?? clock.now())
        if row.record.status == .running { row.record.status = .waiting }
        row.nudged = false
        rows[lease.runID] = row
        notify()
    }

    public func expireLease(runID: String, owner: String) -> Bool {
        guard var row = rows[runID], row.record.leaseOwner == owner else { return false }
        let now = clock.now()
        row.record.leaseExpiresAt = now
        row.record.wakeAt = now
        rows[runID] = row
        notify()
        return true
    }

    public func request(_ control: ControlRequest, runID: String) throws -> ControlReply {
        guard var row = rows[runID] else { return .notFound }
        let now = clock.now()
        switch (control, row.record.status) {
        case (_, .completed), (_, .faulted), (_, .cancelled):
            return .notApplicable(row.record.status)
        case (.resume, .suspended):
            row.record.status = row.state == nil ? .pending : .waiting
            row.record.wakeAt = now
            row.record.control = nil
        case (.resume, _):
            guard row.record.control == .suspend else { return .notApplicable(row.record.status) }
            row.record.control = nil
        case (.suspend, .suspended):
            return .notApplicable(.suspended)
        case (.suspend, _) where row.record.leaseOwner == nil:
            row.record.status = .suspended
            row.record.wakeAt = nil
        case (.cancel, .suspended):
            row.record.control = .cancel
            row.record.status = row.state == nil ? .pending : .waiting
            row.record.wakeAt = now
        case (.cancel, _) where row.record.leaseOwner == nil:
            row.record.control = .cancel
            row.record.wakeAt = now
        default:
            row.record.control = control
        }
        row.record.updatedAt = now
        rows[runID] = row
        notify()
        return .accepted
    }

    /// Places `state` in the store as the last checkpoint of its run, due at once, creating the
    /// run (of `definition`) when it is new: for tests that resume from a chosen checkpoint.
    public func restore(_ state: RunState, definition: DefinitionRecord) throws {
        _ = try saveDefinition(definition)
        if rows[state.runID] == nil {
            _ = try createRun(NewRun(id: state.runID, definitionHash: definition.hash, input: state.input.value))
        }
        let encoded = try RunStateCoding.encode(state, skipping: [])
        values[state.runID] = encoded.newValues
        rows[state.runID]?.state = encoded.bytes
        switch state.status {
        case .completed, .faulted, .cancelled:
            rows[state.runID]?.record.status = state.status
            rows[state.runID]?.record.output = state.output?.value
            rows[state.runID]?.record.error = state.error
            rows[state.runID]?.record.wakeAt = nil
        default:
            rows[state.runID]?.record.status = state.status == .pending ? .pending : .waiting
            rows[state.runID]?.record.wakeAt = clock.now()
        }
        rows[state.runID]?.record.leaseOwner = nil
        rows[state.runID]?.record.leaseExpiresAt = nil
        notify()
    }

    // MARK: events

    public func deliver(event: JSON) throws -> EventDelivery {
        let size = event.serialized().utf8.count
        if size > limits.event { throw StoreError.tooLarge("the event", size: size, limit: limits.event) }
        return store(event, now: clock.now())
    }

    private func store(_ event: JSON, now: Double) -> EventDelivery {
        let key = "\(event["source"]?.stringValue ?? "")\u{0}\(event["id"]?.stringValue ?? "")"
        guard !eventKeys.contains(key) else { return .duplicate }
        eventKeys.insert(key)
        let sequence = nextSequence
        nextSequence += 1
        events.append(StoredEvent(sequence: sequence, event: event, storedAt: now))
        var subscriptions: [EventSubscription] = []
        for id in rows.live {
            guard let subscription = rows[id]?.subscription else { continue }
            subscriptions.append(subscription)
            nudge(id, now: now)
        }
        notify()
        return .stored(sequence: sequence, listeners: ListenerCount(event: event, subscriptions: subscriptions))
    }

    public func events(after sequence: Int64, limit: Int) -> [StoredEvent] {
        Array(events.drop { $0.sequence <= sequence }.prefix(limit))
    }

    public func purgeEvents(storedBefore time: Double) -> Int {
        let before = events.count
        events.removeAll { $0.storedAt < time }
        return before - events.count
    }

    private func nudge(_ id: String, now: Double) {
        guard var row = rows[id], [.pending, .running, .waiting].contains(row.record.status) else { return }
        row.nudged = true
        if row.record.leaseOwner == nil { row.record.wakeAt = now }
        rows[id] = row
        notify()
    }

    // MARK: reading

    public func run(id: String) -> RunRecord? {
        rows[id]?.record
    }

    public func runs(_ query: RunQuery) -> [RunRecord] {
        rows.all.values.map(\.record)
            .filter { record in
                (query.status == nil || record.status == query.status)
                    && (query.parentID == nil || record.parentID == query.parentID)
                    && (query.workflow == nil || record.definition.name == query.workflow
                        || "\(record.definition.namespace)/\(record.definition.name)" == query.workflow)
            }
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
            .prefix(query.limit).map { $0 }
    }

    public func history(runID: String) -> [HistoryEntry] {
        histories[runID] ?? []
    }

    /// Appends to a run's history, dropping its oldest entries (but the first) beyond ``historyLimit``.
    private func appendHistory(_ entries: [HistoryEntry], runID: String, now: Double) {
        guard !entries.isEmpty else { return }
        histories[runID, default: []] += entries
        let count = histories[runID]?.count ?? 0
        // Trimmed in batches (at half the limit over it), so each entry is moved O(1) times.
        guard count > historyLimit + historyLimit / 2 else { return }
        let history = histories.removeValue(forKey: runID) ?? []
        let marker = "history.truncated"
        let hasMarker = history.count > 1 && history[1].kind == marker
        let alreadyDropped = hasMarker ? Int(history[1].data?.value["dropped"]?.numberValue ?? 0) : 0
        let keptTail = historyLimit - 2
        let firstKept = history.count - keptTail
        let dropped = alreadyDropped + (firstKept - (hasMarker ? 2 : 1))
        var trimmed: [HistoryEntry] = [history[0]]
        trimmed.reserveCapacity(historyLimit + historyLimit / 2 + 1)
        trimmed.append(HistoryEntry(time: now, kind: marker, data: ["dropped": .number(Double(dropped))]))
        trimmed.append(contentsOf: history[firstKept...])
        histories[runID] = trimmed
    }

    /// The sequence number of the newest stored event (0 when none was ever stored).
    var lastEventSequence: Int64 { nextSequence - 1 }

    public func nextWake(excludingOwner owner: String?) -> Double? {
        rows.live.compactMap { id in rows[id].flatMap { owner == nil || $0.record.leaseOwner != owner ? $0.record.wakeAt : nil } }.min()
    }

    public func now() -> Double {
        clock.now()
    }

    public func waitForWork(until deadline: Double) async {
        if missedWork {
            missedWork = false
            return
        }
        let id = nextWaiter
        nextWaiter += 1
        // The deadline is a poll interval: wait it out on the wall clock, so that a manual clock
        // in tests moves only when a run sleeps.
        let seconds = max(0, deadline - clock.now())
        let timer = Task { [weak self] in
            try? await Task.sleep(for: .seconds(min(seconds, 3600)))
            await self?.wake(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled { continuation.resume() } else { waiters[id] = continuation }
            }
        } onCancel: {
            Task { await self.wake(id) }
        }
        timer.cancel()
    }

    private func wake(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume()
    }

    /// Wakes every caller of ``waitForWork(until:)``.
    func notifyWork() {
        notify()
    }

    private func notify() {
        let ready = waiters
        if ready.isEmpty { missedWork = true }
        waiters.removeAll()
        for continuation in ready.values { continuation.resume() }
    }
}
