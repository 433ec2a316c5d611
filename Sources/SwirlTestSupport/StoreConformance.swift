import SwirlCore
public import SwirlRuntime
public import Testing

/// The contract every ``Store`` keeps, as checks that run against any implementation: the memory store, the
/// PostgreSQL store, and the stores to come.
///
/// Each check gets a fresh, empty store (a ``Subject``) and a way to let time pass on the store's clock: a
/// manual clock jumps, a database's clock is waited for. Run every check as its own parameterised test:
///
/// ```swift
/// @Test(arguments: StoreConformance.checks)
/// func conforms(to check: StoreConformance.Check) async throws {
///     let clock = ManualClock()
///     let store = MemoryStore(clock: clock, limits: StoreConformance.limits)
///     try await check.run(StoreConformance.Subject(store: store, advance: { clock.advance(by: $0) }))
/// }
/// ```
public enum StoreConformance {
    /// A fresh store for one check, and how its time passes.
    public struct Subject: Sendable {
        /// An empty store, created with ``StoreConformance/limits``.
        public var store: any Store
        /// Lets at least `seconds` pass on the store's clock.
        public var advance: @Sendable (Double) async throws -> Void
        /// A lease that outlasts any check.
        public var lease: Double
        /// A lease (and a timer) short enough to let it expire within a check by advancing a little past it.
        public var shortLease: Double
        /// How far apart two times the store reports for the same moment may be (a database's clock moves
        /// while a statement runs; a manual clock does not).
        public var tolerance: Double

        /// - Parameters:
        ///   - store: An empty store with ``StoreConformance/limits``.
        ///   - advance: Lets time pass on the store's clock.
        ///   - lease: A lease that outlasts any check.
        ///   - shortLease: A lease that expires when the check advances a little past it.
        ///   - tolerance: How far apart the store's times for one moment may be.
        public init(
            store: any Store, advance: @escaping @Sendable (Double) async throws -> Void, lease: Double = 600,
            shortLease: Double = 10, tolerance: Double = 0.001
        ) {
            self.store = store
            self.advance = advance
            self.lease = lease
            self.shortLease = shortLease
            self.tolerance = tolerance
        }
    }

    /// One rule of the contract.
    public struct Check: Sendable, CustomTestStringConvertible {
        /// What the check shows, as a test name.
        public let name: String
        let body: @Sendable (Subject) async throws -> Void

        init(_ name: String, _ body: @escaping @Sendable (Subject) async throws -> Void) {
            self.name = name
            self.body = body
        }

        public var testDescription: String { self.name }

        /// Runs the check on a fresh store; failures are recorded with `#expect` and `#require`.
        public func run(_ subject: Subject) async throws {
            try await self.body(subject)
        }
    }

    /// The limits every store under test must be created with: small, so that the limit checks stay cheap.
    public static var limits: StoreLimits {
        var limits = StoreLimits()
        limits.value = 8 << 10
        limits.state = 64 << 10
        limits.event = 4 << 10
        limits.definition = 16 << 10
        return limits
    }

    /// Every check.
    public static let checks: [Check] = [
        Check("definitions: saved once, same document again is fine, another one under the name conflicts", definitions),
        Check("creating a run with an idempotency key twice returns the first run", idempotentCreate),
        Check("a claim sets a lease and bumps the epoch; a leased run cannot be claimed again", claimLeases),
        Check("claims take the oldest due runs first, up to the limit, or just the run asked for", claimOrder),
        Check("an expired lease is taken over and fences the old holder out", takeover),
        Check("a lease whose holder is gone ends at once: the run is taken over without waiting for its expiry", expiredByHand),
        Check("a heartbeat renews leases, drops lost ones and brings back requests", heartbeat),
        Check("a released run parks until its wake-up time", parksUntilWakeAt),
        Check("a run parked without a time waits for something to wake it", parksWithoutTime),
        Check("a checkpoint without release keeps the lease", keepsLease),
        Check("large values are stored once and states round-trip through references", valuesRoundTrip),
        Check("history comes back in order, exactly", historyOrder),
        Check("suspend and resume a run nobody holds", suspendUnleased),
        Check("suspend and resume a run a worker holds", suspendLeased),
        Check("cancel a run nobody holds, and a suspended one", cancelUnleased),
        Check("cancel a run a worker holds", cancelLeased),
        Check("requests for ended and unknown runs", requestsOnEnded),
        Check("an ended run keeps its output or error and wakes no more", endedRuns),
        Check("events are deduplicated by source and id and read back in order", eventDedupe),
        Check("an event wakes a run parked in a listen", eventWakesListener),
        Check("an event nudges a leased listener, which is due as soon as it parks", eventNudgesLeasedListener),
        Check("a listener parking behind an event it has not seen is due at once", listenerRace),
        Check("a delivery counts the listening runs whose subscriptions match the event", listenerCount),
        Check("events emitted by a checkpoint are stored once and wake listeners", emittedEvents),
        Check("child runs are created once by a checkpoint, and wake their parent when they end", children),
        Check("a cancelled run asks its unfinished children to cancel", cancelCascades),
        Check("values over the limits are refused and nothing is written", sizeLimits),
        Check("runs are listed newest first, filtered by status, workflow and parent", runQueries),
        Check("releasing a lease without saving", release),
        Check("the clock and the next wake-up", clockAndNextWake),
        Check("work made while nobody waits is not missed: the next wait returns at once", missedWork),
    ] + scheduleChecks

    // MARK: helpers

    static func definition(_ name: String, namespace: String = "tests", version: String = "1.0.0", body: String = "")
        -> DefinitionRecord
    {
        let document = #"{"document":{"dsl":"1.0.0","namespace":"\#(namespace)","name":"\#(name)","version":"\#(version)"},"do":[]\#(body)}"#
        return DefinitionRecord(
            namespace: namespace, name: name, version: version, hash: "hash-\(namespace)-\(name)-\(version)\(body.count)",
            document: document)
    }

    /// Saves a definition and creates runs of it, in order, a little time apart.
    @discardableResult
    static func create(_ subject: Subject, _ ids: [String], workflow: String = "flow", input: JSON = ["n": 1])
        async throws -> DefinitionRecord
    {
        let definition = try await subject.store.saveDefinition(Self.definition(workflow))
        for id in ids {
            let created = try await subject.store.createRun(NewRun(id: id, definitionHash: definition.hash, input: input))
            #expect(created == CreatedRun(id: id, created: true))
            try await subject.advance(0.01)
        }
        return definition
    }

    static func claimOne(_ subject: Subject, _ id: String, owner: String = "w1", lease: Double? = nil) async throws
        -> ClaimedRun
    {
        let claimed = try await subject.store.claim(owner: owner, limit: 1, leaseSeconds: lease ?? subject.lease, runID: id)
        return try #require(claimed.first, "run \(id) should be claimable")
    }

    static func state(_ runID: String, input: JSON = ["n": 1], step: Int = 0, skipping: Set<String> = []) throws
        -> (RunState, EncodedRunState)
    {
        var state = RunState(runID: runID, input: input, startedAt: 1_767_225_600, seed: 42)
        state.nextStep = step
        return (state, try RunStateCoding.encode(state, skipping: skipping))
    }

    static func checkpoint(
        _ lease: Lease, status: RunStatus = .running, step: Int = 0, wakeAt: Double? = nil, release: Bool = false,
        subscription: EventSubscription? = nil, eventCursor: Int64 = 0, output: JSON? = nil, error: WorkflowError? = nil,
        history: [HistoryEntry] = [], events: [JSON] = [], children: [NewRun] = [], clearsControl: Bool = false
    ) throws -> Checkpoint {
        Checkpoint(
            lease: lease, state: try Self.state(lease.runID, step: step).1, status: status, wakeAt: wakeAt,
            release: release, subscription: subscription, eventCursor: eventCursor, output: output, error: error,
            history: history, events: events, children: children, clearsControl: clearsControl)
    }

    static func event(
        _ id: String, source: String = "https://example.com/tests", type: String = "com.example.test", data: JSON = ["z": 1, "a": 2]
    ) -> JSON {
        ["specversion": "1.0", "id": .string(id), "source": .string(source), "type": .string(type), "data": data]
    }

    /// A listen for the events of ``event(_:source:type:data:)``.
    static let listens = EventSubscription(filters: [.init(attributes: ["type": "com.example.test"], decisive: true)])

    static func near(_ value: Double?, _ expected: Double, _ subject: Subject, within: Double? = nil) -> Bool {
        guard let value else {
            return false
        }
        return abs(value - expected) <= (within ?? subject.tolerance)
    }

    static func isDue(_ subject: Subject, _ id: String) async throws -> Bool {
        let record = try await subject.store.run(id: id)
        let now = try await subject.store.now()
        guard let wakeAt = record?.wakeAt else {
            return false
        }
        return wakeAt <= now && record?.leaseOwner == nil
    }

    // MARK: checks

    static func definitions(_ subject: Subject) async throws {
        let store = subject.store
        let first = Self.definition("orders")
        #expect(try await store.saveDefinition(first) == first)
        #expect(try await store.saveDefinition(first) == first)
        #expect(try await store.definition(hash: first.hash) == first)
        #expect(try await store.definition(hash: "no-such-hash") == nil)

        let changed = Self.definition("orders", body: #","x":1"#)
        #expect(changed.hash != first.hash)
        await #expect(throws: StoreError.definitionConflict("tests", "orders", "1.0.0")) {
            try await store.saveDefinition(changed)
        }
        #expect(try await store.definition(hash: changed.hash) == nil)

        let next = Self.definition("orders", version: "1.1.0", body: #","x":1"#)
        #expect(try await store.saveDefinition(next) == next)
        #expect(try await store.definition(hash: first.hash) == first)
    }

    static func idempotentCreate(_ subject: Subject) async throws {
        let store = subject.store
        let definition = try await store.saveDefinition(Self.definition("flow"))
        let before = try await store.now()
        let input: JSON = ["zeta": 1, "alpha": [true, nil, "x"], "mid": ["b": 2, "a": 1]]
        let first = try await store.createRun(
            NewRun(id: "r1", definitionHash: definition.hash, input: input, idempotencyKey: "order-42"))
        #expect(first == CreatedRun(id: "r1", created: true))
        let again = try await store.createRun(
            NewRun(id: "r2", definitionHash: definition.hash, input: ["other": true], idempotencyKey: "order-42"))
        #expect(again == CreatedRun(id: "r1", created: false))
        let sameID = try await store.createRun(NewRun(id: "r1", definitionHash: definition.hash, input: ["x": 1]))
        #expect(sameID == CreatedRun(id: "r1", created: false))
        #expect(try await store.run(id: "r2") == nil)

        let record = try #require(try await store.run(id: "r1"))
        #expect(record.status == .pending)
        #expect(record.input == input)
        #expect(record.input.serialized() == input.serialized())
        #expect(record.definition == definition.reference)
        #expect(record.idempotencyKey == "order-42")
        #expect(record.parentID == nil)
        #expect(record.leaseOwner == nil)
        #expect(record.claims == 0)
        #expect(Self.near(record.createdAt, before, subject, within: subject.tolerance + 1))
        #expect(Self.near(record.wakeAt, record.createdAt, subject))
        #expect(try await store.runs(RunQuery()).map(\.id) == ["r1"])

        await #expect(throws: StoreError.definitionNotFound("missing")) {
            try await store.createRun(NewRun(id: "r3", definitionHash: "missing", input: [:]))
        }
        #expect(try await store.run(id: "r3") == nil)
    }

    static func claimLeases(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["r1"])
        let now = try await store.now()
        let claimed = try await store.claim(owner: "w1", limit: 10, leaseSeconds: subject.lease, runID: nil)
        #expect(claimed.count == 1)
        let run = try #require(claimed.first)
        #expect(run.lease.runID == "r1")
        #expect(run.lease.owner == "w1")
        #expect(run.lease.epoch == 1)
        #expect(Self.near(run.lease.expiresAt, now + subject.lease, subject, within: subject.tolerance + 1))
        #expect(run.record.status == .running)
        #expect(run.record.leaseOwner == "w1")
        #expect(run.record.claims == 1)
        #expect(run.takeovers == 0)
        #expect(run.state == nil)
        #expect(run.storedValues.isEmpty)
        #expect(run.eventBase == 0)
        #expect(run.control == nil)

        #expect(try await store.claim(owner: "w2", limit: 10, leaseSeconds: subject.lease, runID: nil).isEmpty)
        #expect(try await store.claim(owner: "w2", limit: 10, leaseSeconds: subject.lease, runID: "r1").isEmpty)
        #expect(try await store.claim(owner: "w1", limit: 10, leaseSeconds: subject.lease, runID: "r1").isEmpty)
        let record = try #require(try await store.run(id: "r1"))
        #expect(record.leaseOwner == "w1")
        #expect(record.status == .running)
        #expect(Self.near(record.leaseExpiresAt, run.lease.expiresAt, subject))
        #expect(Self.near(record.wakeAt, run.lease.expiresAt, subject))
        #expect(try await store.claim(owner: "w1", limit: 0, leaseSeconds: subject.lease, runID: nil).isEmpty)
    }

    static func claimOrder(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["a", "b", "c"])
        #expect(try await store.claim(owner: "w", limit: 1, leaseSeconds: subject.lease, runID: "nope").isEmpty)
        let two = try await store.claim(owner: "w", limit: 2, leaseSeconds: subject.lease, runID: nil)
        #expect(two.map(\.lease.runID) == ["a", "b"])
        let more = try await store.claim(owner: "w", limit: 5, leaseSeconds: subject.lease, runID: nil)
        #expect(more.map(\.lease.runID) == ["c"])

        try await Self.create(subject, ["d", "e"], workflow: "other")
        let chosen = try await store.claim(owner: "w", limit: 5, leaseSeconds: subject.lease, runID: "e")
        #expect(chosen.map(\.lease.runID) == ["e"])
        #expect(chosen.first?.record.definition.name == "other")
    }

    static func takeover(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["r1"])
        let first = try await Self.claimOne(subject, "r1", owner: "w1", lease: subject.shortLease)
        let entry = HistoryEntry(time: 1_767_225_600.5, kind: "task.completed", task: "/do/0/a")
        #expect(try await store.checkpoint(Self.checkpoint(first.lease, step: 1, history: [entry])) == .saved(control: nil))
        #expect(try await store.claim(owner: "w2", limit: 1, leaseSeconds: subject.lease, runID: nil).isEmpty)

        try await subject.advance(subject.shortLease * 1.2)
        let second = try await Self.claimOne(subject, "r1", owner: "w2")
        #expect(second.lease.epoch == first.lease.epoch + 1)
        #expect(second.lease.owner == "w2")
        #expect(second.takeovers == 1)
        #expect(second.record.takeovers == 1)
        #expect(second.record.claims == 2)
        #expect(second.state == (try Self.state("r1", step: 1).0))

        let stale = HistoryEntry(time: 1_767_225_601, kind: "task.completed", task: "/do/1/b")
        #expect(try await store.checkpoint(Self.checkpoint(first.lease, step: 2, history: [stale])) == .leaseLost)
        #expect(
            try await store.checkpoint(Self.checkpoint(first.lease, status: .completed, output: ["lost": true]))
                == .leaseLost)
        #expect(try await store.history(runID: "r1") == [entry])
        #expect(try await store.heartbeat(owner: "w1", leases: [first.lease], leaseSeconds: subject.lease).isEmpty)
        try await store.release(first.lease, wakeAt: nil)
        let record = try #require(try await store.run(id: "r1"))
        #expect(record.leaseOwner == "w2")
        #expect(record.status == .running)

        #expect(try await store.checkpoint(Self.checkpoint(second.lease, step: 2, history: [stale])) == .saved(control: nil))
        #expect(try await store.history(runID: "r1") == [entry, stale])
        let third = try await Self.claimAfterRelease(subject, second.lease)
        #expect(third.state == (try Self.state("r1", step: 2).0))
        #expect(third.takeovers == 1)
    }

    static func expiredByHand(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["r1"])
        let first = try await Self.claimOne(subject, "r1", owner: "w1")
        // Only the holder's lease is ended.
        #expect(try await store.expireLease(runID: "r1", owner: "w2") == false)
        #expect(try await store.expireLease(runID: "unknown", owner: "w1") == false)
        #expect(try await store.claim(owner: "w2", limit: 1, leaseSeconds: subject.lease, runID: "r1").isEmpty)
        #expect(try await store.expireLease(runID: "r1", owner: "w1"))
        let second = try await Self.claimOne(subject, "r1", owner: "w2")
        #expect(second.lease.epoch == first.lease.epoch + 1)
        #expect(second.takeovers == 1)
        #expect(try await store.checkpoint(Self.checkpoint(first.lease, step: 1)) == .leaseLost)
        // A run nobody holds has no lease to end.
        try await store.release(second.lease, wakeAt: nil)
        #expect(try await store.expireLease(runID: "r1", owner: "w2") == false)
    }

    static func missedWork(_ subject: Subject) async throws {
        let store = subject.store
        // Whatever earlier calls announced is looked at first (each wait returns at once, or after a moment).
        for _ in 0..<2 {
            await store.waitForWork(until: try await store.now() + 0.3)
        }
        try await Self.create(subject, ["r1"])
        // Nobody waited when the run was made: a worker that claimed just before must not sleep through it.
        let start = ContinuousClock.now
        await store.waitForWork(until: try await store.now() + 30)
        #expect(ContinuousClock.now - start < .seconds(5), "a run made before the wait was left for the next poll")
    }

    /// Releases `lease` to run now and claims the run again.
    static func claimAfterRelease(_ subject: Subject, _ lease: Lease) async throws -> ClaimedRun {
        try await subject.store.release(lease, wakeAt: nil)
        return try await Self.claimOne(subject, lease.runID, owner: lease.owner)
    }

    static func heartbeat(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["a", "b", "c"])
        let claimed = try await store.claim(owner: "w1", limit: 3, leaseSeconds: subject.shortLease, runID: nil)
        #expect(claimed.count == 3)
        let leases = claimed.map(\.lease)
        #expect(try await store.request(.cancel, runID: "b") == .accepted)

        try await subject.advance(subject.shortLease * 0.25)
        let now = try await store.now()
        var stale = leases[2]
        stale.epoch += 7
        let reply = try await store.heartbeat(
            owner: "w1", leases: [leases[0], leases[1], stale], leaseSeconds: subject.lease)
        #expect(Set(reply.keys) == ["a", "b"])
        #expect(reply["a"]?.control == nil)
        #expect(reply["b"]?.control == .cancel)
        #expect(Self.near(reply["a"]?.expiresAt, now + subject.lease, subject, within: subject.tolerance + 1))
        let record = try #require(try await store.run(id: "a"))
        #expect(Self.near(record.leaseExpiresAt, reply["a"]?.expiresAt ?? 0, subject))
        #expect(Self.near(record.wakeAt, reply["a"]?.expiresAt ?? 0, subject))
        #expect(try await store.heartbeat(owner: "w2", leases: leases, leaseSeconds: subject.lease).isEmpty)
        #expect(try await store.heartbeat(owner: "w1", leases: [], leaseSeconds: subject.lease).isEmpty)

        // "a" and "b" were renewed past the short lease; "c" was not and is taken over.
        try await subject.advance(subject.shortLease * 1.2)
        let taken = try await store.claim(owner: "w2", limit: 5, leaseSeconds: subject.lease, runID: nil)
        #expect(taken.map(\.lease.runID) == ["c"])
        let after = try await store.heartbeat(owner: "w1", leases: leases, leaseSeconds: subject.lease)
        #expect(Set(after.keys) == ["a", "b"])
    }

    static func parksUntilWakeAt(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["r1"])
        let claimed = try await Self.claimOne(subject, "r1")
        let wakeAt = try await store.now() + subject.shortLease
        let saved = try await store.checkpoint(
            Self.checkpoint(claimed.lease, status: .waiting, step: 1, wakeAt: wakeAt, release: true))
        #expect(saved == .saved(control: nil))
        let record = try #require(try await store.run(id: "r1"))
        #expect(record.status == .waiting)
        #expect(record.leaseOwner == nil)
        #expect(record.leaseExpiresAt == nil)
        #expect(Self.near(record.wakeAt, wakeAt, subject))
        #expect(Self.near(try await store.nextWake(), wakeAt, subject))
        #expect(try await store.claim(owner: "w2", limit: 1, leaseSeconds: subject.lease, runID: nil).isEmpty)
        #expect(try await store.checkpoint(Self.checkpoint(claimed.lease, step: 2)) == .leaseLost)

        try await subject.advance(subject.shortLease * 1.2)
        let woken = try await Self.claimOne(subject, "r1", owner: "w2")
        #expect(woken.record.status == .running)
        #expect(woken.lease.epoch == claimed.lease.epoch + 1)
        #expect(woken.takeovers == 0)
        #expect(woken.state == (try Self.state("r1", step: 1).0))
    }

    static func parksWithoutTime(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["r1"])
        let claimed = try await Self.claimOne(subject, "r1")
        #expect(
            try await store.checkpoint(Self.checkpoint(claimed.lease, status: .waiting, release: true))
                == .saved(control: nil))
        let record = try #require(try await store.run(id: "r1"))
        #expect(record.wakeAt == nil)
        #expect(record.status == .waiting)
        #expect(try await store.nextWake() == nil)
        try await subject.advance(subject.shortLease * 1.2)
        #expect(try await store.claim(owner: "w1", limit: 1, leaseSeconds: subject.lease, runID: nil).isEmpty)
    }

    static func keepsLease(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["r1"])
        let claimed = try await Self.claimOne(subject, "r1")
        for step in 1...3 {
            #expect(try await store.checkpoint(Self.checkpoint(claimed.lease, step: step)) == .saved(control: nil))
        }
        let record = try #require(try await store.run(id: "r1"))
        #expect(record.leaseOwner == "w1")
        #expect(record.status == .running)
        #expect(Self.near(record.wakeAt, claimed.lease.expiresAt, subject))
        #expect(try await store.claim(owner: "w2", limit: 1, leaseSeconds: subject.lease, runID: nil).isEmpty)
        let again = try await Self.claimAfterRelease(subject, claimed.lease)
        #expect(again.state == (try Self.state("r1", step: 3).0))
    }

    static func valuesRoundTrip(_ subject: Subject) async throws {
        let store = subject.store
        let big: JSON = ["items": .array((0..<80).map { .string("item-\($0)-padding-padding") }), "last": "z", "first": "a"]
        #expect(big.serialized().utf8.count >= RunStateCoding.referenceThreshold)
        try await Self.create(subject, ["r1"], input: big)
        let claimed = try await Self.claimOne(subject, "r1")
        #expect(claimed.record.input == big)

        var (state, encoded) = try Self.state("r1", input: big)
        #expect(!encoded.newValues.isEmpty)
        #expect(RunStateCoding.references(in: encoded.bytes) == Set(encoded.newValues.keys))
        let saved = try await store.checkpoint(
            Checkpoint(lease: claimed.lease, state: encoded, status: .waiting, wakeAt: 0, release: true))
        #expect(saved == .saved(control: nil))

        let second = try await Self.claimOne(subject, "r1")
        #expect(second.state == state)
        #expect(second.storedValues == Set(encoded.newValues.keys))

        state.nextStep = 5
        let again = try RunStateCoding.encode(state, skipping: second.storedValues)
        #expect(again.newValues.isEmpty)
        #expect(
            try await store.checkpoint(Checkpoint(lease: second.lease, state: again, status: .waiting, wakeAt: 0, release: true))
                == .saved(control: nil))
        let third = try await Self.claimOne(subject, "r1")
        #expect(third.state == state)
        #expect(third.storedValues == second.storedValues)

        // Sending a value the store has again is harmless.
        let resent: [UInt8] = try RunStateCoding.encode(state)
        #expect(
            try await store.checkpoint(Checkpoint(lease: third.lease, state: EncodedRunState(bytes: resent), status: .running))
                == .saved(control: nil))
        let fourth = try await Self.claimAfterRelease(subject, third.lease)
        #expect(fourth.state == state)
    }

    static func historyOrder(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["r1", "r2"])
        let claimed = try await Self.claimOne(subject, "r1")
        let other = try await Self.claimOne(subject, "r2")
        var expected: [HistoryEntry] = []
        for batch in 0..<3 {
            let entries = (0..<40).map { index in
                HistoryEntry(
                    time: 1_767_225_600 + Double(batch * 40 + index) * 0.25, kind: index % 2 == 0 ? "task.started" : "task.completed",
                    task: index % 3 == 0 ? nil : "/do/\(index)/step", stepKey: index % 5 == 0 ? "/do/\(index)#0.0.\(batch)" : nil,
                    attempt: index % 4 == 0 ? index / 4 : nil,
                    data: index % 2 == 0 ? nil : ["z": .number(Double(index)), "a": "quote \" and \\ backslash, {braces}"])
            }
            expected += entries
            #expect(try await store.checkpoint(Self.checkpoint(claimed.lease, step: batch, history: entries)) == .saved(control: nil))
            #expect(
                try await store.checkpoint(
                    Self.checkpoint(other.lease, history: [HistoryEntry(time: 1_767_225_600, kind: "other")]))
                    == .saved(control: nil))
        }
        let history = try await store.history(runID: "r1")
        #expect(history == expected)
        #expect(history.compactMap { $0.data?.value.serialized() } == expected.compactMap { $0.data?.value.serialized() })
        #expect(try await store.history(runID: "r2").count == 3)
        #expect(try await store.history(runID: "nobody").isEmpty)
    }

    /// A run whose first entries were written by an older Swirl, in another form (`writeOld` puts them there, as
    /// that version did), then checkpointed by this one: its history reads the old entries, then the new, each
    /// exactly.
    public static func historyAcrossVersions(
        _ subject: Subject, writeOld: (_ runID: String, _ entries: [HistoryEntry]) async throws -> Void
    ) async throws {
        try await Self.create(subject, ["upgraded"])
        let claimed = try await Self.claimOne(subject, "upgraded")
        let old = [
            HistoryEntry(time: 1_767_225_600.5, kind: "run.started", data: ["n": 1]),
            HistoryEntry(time: 1_767_225_601, kind: "task.started", task: "/do/0/a", attempt: 2),
        ]
        try await writeOld("upgraded", old)
        let new = [
            HistoryEntry(time: 1_767_225_602.25, kind: "task.completed", task: "/do/0/a", stepKey: "/do/0/a#0", data: ["z": 1, "a": [true]]),
            HistoryEntry(time: 1_767_225_603, kind: "task.started", task: "/do/1/b"),
        ]
        #expect(try await subject.store.checkpoint(Self.checkpoint(claimed.lease, history: new)) == .saved(control: nil))
        let history = try await subject.store.history(runID: "upgraded")
        #expect(history == old + new)
        #expect(history.compactMap { $0.data?.value.serialized() } == ["{\"n\":1}", "{\"z\":1,\"a\":[true]}"])
    }

    static func suspendUnleased(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["fresh", "parked"])
        #expect(try await store.request(.suspend, runID: "fresh") == .accepted)
        var record = try #require(try await store.run(id: "fresh"))
        #expect(record.status == .suspended)
        #expect(record.wakeAt == nil)
        #expect(try await store.claim(owner: "w", limit: 5, leaseSeconds: subject.lease, runID: "fresh").isEmpty)
        #expect(try await store.request(.suspend, runID: "fresh") == .notApplicable(.suspended))
        #expect(try await store.request(.resume, runID: "fresh") == .accepted)
        record = try #require(try await store.run(id: "fresh"))
        #expect(record.status == .pending)
        #expect(record.control == nil)
        #expect(try await Self.isDue(subject, "fresh"))
        #expect(try await store.request(.resume, runID: "fresh") == .notApplicable(.pending))

        let claimed = try await Self.claimOne(subject, "parked")
        #expect(
            try await store.checkpoint(Self.checkpoint(claimed.lease, status: .waiting, step: 1, release: true))
                == .saved(control: nil))
        #expect(try await store.request(.suspend, runID: "parked") == .accepted)
        #expect(try await store.run(id: "parked")?.status == .suspended)
        #expect(try await store.request(.resume, runID: "parked") == .accepted)
        record = try #require(try await store.run(id: "parked"))
        #expect(record.status == .waiting)
        #expect(try await Self.isDue(subject, "parked"))
        let resumed = try await Self.claimOne(subject, "parked")
        #expect(resumed.state == (try Self.state("parked", step: 1).0))
        #expect(resumed.control == nil)
    }

    static func suspendLeased(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["r1"])
        let claimed = try await Self.claimOne(subject, "r1")
        #expect(try await store.request(.suspend, runID: "r1") == .accepted)
        var record = try #require(try await store.run(id: "r1"))
        #expect(record.status == .running)
        #expect(record.control == .suspend)
        #expect(record.leaseOwner == "w1")
        let reply = try await store.heartbeat(owner: "w1", leases: [claimed.lease], leaseSeconds: subject.lease)
        #expect(reply["r1"]?.control == .suspend)
        #expect(try await store.checkpoint(Self.checkpoint(claimed.lease, step: 1)) == .saved(control: .suspend))

        // Resumed before the worker got to it: the request is withdrawn.
        #expect(try await store.request(.resume, runID: "r1") == .accepted)
        #expect(try await store.run(id: "r1")?.control == nil)
        #expect(try await store.checkpoint(Self.checkpoint(claimed.lease, step: 2)) == .saved(control: nil))

        // Parked with the request still open: due at once, so that the next claim carries it out.
        #expect(try await store.request(.suspend, runID: "r1") == .accepted)
        let later = try await store.now() + subject.lease
        #expect(
            try await store.checkpoint(Self.checkpoint(claimed.lease, status: .waiting, step: 3, wakeAt: later, release: true))
                == .saved(control: .suspend))
        #expect(try await Self.isDue(subject, "r1"))
        let holder = try await Self.claimOne(subject, "r1")
        #expect(holder.control == .suspend)
        let suspended = try await store.checkpoint(
            Self.checkpoint(holder.lease, status: .suspended, step: 3, wakeAt: 1, clearsControl: true))
        #expect(suspended == .saved(control: nil))
        record = try #require(try await store.run(id: "r1"))
        #expect(record.status == .suspended)
        #expect(record.leaseOwner == nil)
        #expect(record.wakeAt == nil)
        #expect(record.control == nil)
        #expect(try await store.checkpoint(Self.checkpoint(holder.lease, step: 4)) == .leaseLost)

        #expect(try await store.request(.resume, runID: "r1") == .accepted)
        record = try #require(try await store.run(id: "r1"))
        #expect(record.status == .waiting)
        #expect(try await Self.isDue(subject, "r1"))
        let resumed = try await Self.claimOne(subject, "r1", owner: "w2")
        #expect(resumed.state == (try Self.state("r1", step: 3).0))
        #expect(resumed.takeovers == 0)
    }

    static func cancelUnleased(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["r1", "r2"])
        let claimed = try await Self.claimOne(subject, "r1")
        let wakeAt = try await store.now() + subject.lease
        #expect(
            try await store.checkpoint(Self.checkpoint(claimed.lease, status: .waiting, step: 1, wakeAt: wakeAt, release: true))
                == .saved(control: nil))
        #expect(!(try await Self.isDue(subject, "r1")))
        #expect(try await store.request(.cancel, runID: "r1") == .accepted)
        var record = try #require(try await store.run(id: "r1"))
        #expect(record.control == .cancel)
        #expect(record.status == .waiting)
        #expect(try await Self.isDue(subject, "r1"))
        let cancelling = try await Self.claimOne(subject, "r1")
        #expect(cancelling.control == .cancel)
        #expect(cancelling.record.control == .cancel)

        #expect(try await store.request(.suspend, runID: "r2") == .accepted)
        #expect(try await store.request(.cancel, runID: "r2") == .accepted)
        record = try #require(try await store.run(id: "r2"))
        #expect(record.status == .pending)
        #expect(record.control == .cancel)
        #expect(try await Self.isDue(subject, "r2"))
        #expect(try await Self.claimOne(subject, "r2").control == .cancel)
    }

    static func cancelLeased(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["r1"])
        let claimed = try await Self.claimOne(subject, "r1")
        #expect(try await store.request(.cancel, runID: "r1") == .accepted)
        #expect(try await store.run(id: "r1")?.leaseOwner == "w1")
        #expect(try await store.claim(owner: "w2", limit: 1, leaseSeconds: subject.lease, runID: nil).isEmpty)
        let reply = try await store.heartbeat(owner: "w1", leases: [claimed.lease], leaseSeconds: subject.lease)
        #expect(reply["r1"]?.control == .cancel)
        #expect(try await store.checkpoint(Self.checkpoint(claimed.lease, step: 1)) == .saved(control: .cancel))
        // Parking with the request still open: due at once, whatever time the worker asked for.
        let later = try await store.now() + subject.lease
        #expect(
            try await store.checkpoint(Self.checkpoint(claimed.lease, status: .waiting, step: 2, wakeAt: later, release: true))
                == .saved(control: .cancel))
        #expect(try await Self.isDue(subject, "r1"))
        let next = try await Self.claimOne(subject, "r1")
        #expect(next.control == .cancel)
        let ended = try await store.checkpoint(
            Self.checkpoint(next.lease, status: .cancelled, step: 3, error: WorkflowError(.runtime, title: "cancelled"), clearsControl: true))
        #expect(ended == .saved(control: nil))
        let record = try #require(try await store.run(id: "r1"))
        #expect(record.status == .cancelled)
        #expect(record.control == nil)
        #expect(record.endedAt != nil)
    }

    static func requestsOnEnded(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["r1"])
        #expect(try await store.request(.cancel, runID: "nobody") == .notFound)
        #expect(try await store.request(.resume, runID: "nobody") == .notFound)
        let claimed = try await Self.claimOne(subject, "r1")
        #expect(try await store.request(.resume, runID: "r1") == .notApplicable(.running))
        #expect(
            try await store.checkpoint(Self.checkpoint(claimed.lease, status: .completed, step: 1, output: ["done": true]))
                == .saved(control: nil))
        for request in [ControlRequest.cancel, .suspend, .resume] {
            #expect(try await store.request(request, runID: "r1") == .notApplicable(.completed))
        }
        #expect(try await store.run(id: "r1")?.control == nil)
    }

    static func endedRuns(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["ok", "bad"])
        let output: JSON = ["zeta": 1, "alpha": ["y": [1, 2.5, "three"], "b": nil], "é": "ünïcödé"]
        let ok = try await Self.claimOne(subject, "ok")
        #expect(try await store.request(.suspend, runID: "ok") == .accepted)
        let before = try await store.now()
        #expect(
            try await store.checkpoint(
                Self.checkpoint(ok.lease, status: .completed, step: 1, subscription: Self.listens, output: output,
                    history: [HistoryEntry(time: 1_767_225_600, kind: "run.completed")]))
                == .saved(control: nil))
        var record = try #require(try await store.run(id: "ok"))
        #expect(record.status == .completed)
        #expect(record.output?.serialized() == output.serialized())
        #expect(record.error == nil)
        #expect(record.leaseOwner == nil)
        #expect(record.wakeAt == nil)
        #expect(record.control == nil)
        #expect(Self.near(record.endedAt, before, subject, within: subject.tolerance + 1))
        #expect(try await store.checkpoint(Self.checkpoint(ok.lease, status: .running, step: 2)) == .leaseLost)

        let bad = try await Self.claimOne(subject, "bad")
        let error = WorkflowError(.communication, status: 503, title: "Service unavailable", detail: "HTTP 503", instance: "/do/0/call")
        #expect(
            try await store.checkpoint(Self.checkpoint(bad.lease, status: .faulted, step: 1, error: error))
                == .saved(control: nil))
        record = try #require(try await store.run(id: "bad"))
        #expect(record.status == .faulted)
        #expect(record.error == error)
        #expect(record.output == nil)

        // A delivered event does not wake an ended run.
        _ = try await store.deliver(event: Self.event("e1"))
        #expect(try await store.run(id: "ok")?.wakeAt == nil)
        #expect(try await store.nextWake() == nil)
        try await subject.advance(subject.shortLease)
        #expect(try await store.claim(owner: "w", limit: 5, leaseSeconds: subject.lease, runID: nil).isEmpty)
    }

    static func eventDedupe(_ subject: Subject) async throws {
        let store = subject.store
        let first = Self.event("e1")
        let before = try await store.now()
        #expect(try await store.deliver(event: first) == .stored(sequence: 1))
        #expect(try await store.deliver(event: Self.event("e1", data: ["other": true])) == .duplicate)
        #expect(try await store.deliver(event: Self.event("e1", source: "https://example.com/elsewhere")) == .stored(sequence: 2))
        #expect(try await store.deliver(event: Self.event("e2")) == .stored(sequence: 3))
        let all = try await store.events(after: 0, limit: 10)
        #expect(all.map(\.sequence) == [1, 2, 3])
        #expect(all.first?.event.serialized() == first.serialized())
        #expect(Self.near(all.first?.storedAt, before, subject, within: subject.tolerance + 1))
        #expect(try await store.events(after: 1, limit: 10).map(\.sequence) == [2, 3])
        #expect(try await store.events(after: 0, limit: 2).map(\.sequence) == [1, 2])
        #expect(try await store.events(after: 3, limit: 10).isEmpty)

        #expect(try await store.purgeEvents(storedBefore: before - 60) == 0)
        try await subject.advance(0.05)
        #expect(try await store.purgeEvents(storedBefore: try await store.now()) == 3)
        #expect(try await store.events(after: 0, limit: 10).isEmpty)
        // Still a duplicate of nothing: a purged event may be stored again, with a new number.
        #expect(try await store.deliver(event: Self.event("e3")) == .stored(sequence: 4))

        // A run created now sees only later events.
        try await Self.create(subject, ["r1"])
        #expect(try await Self.claimOne(subject, "r1").eventBase == 4)
    }

    static func eventWakesListener(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["listener", "bystander"])
        let listener = try await Self.claimOne(subject, "listener")
        let bystander = try await Self.claimOne(subject, "bystander")
        #expect(
            try await store.checkpoint(
                Self.checkpoint(listener.lease, status: .waiting, step: 1, release: true, subscription: Self.listens))
                == .saved(control: nil))
        #expect(
            try await store.checkpoint(Self.checkpoint(bystander.lease, status: .waiting, step: 1, release: true))
                == .saved(control: nil))
        #expect(!(try await Self.isDue(subject, "listener")))
        #expect(try await store.deliver(event: Self.event("e1")) == .stored(sequence: 1, listeners: ListenerCount(matched: 1)))
        #expect(try await Self.isDue(subject, "listener"))
        #expect(!(try await Self.isDue(subject, "bystander")))
        let woken = try await store.claim(owner: "w", limit: 5, leaseSeconds: subject.lease, runID: nil)
        #expect(woken.map(\.lease.runID) == ["listener"])

        // A duplicate wakes nobody.
        let again = try #require(woken.first)
        #expect(
            try await store.checkpoint(
                Self.checkpoint(again.lease, status: .waiting, step: 2, release: true, subscription: Self.listens, eventCursor: 1))
                == .saved(control: nil))
        #expect(try await store.deliver(event: Self.event("e1")) == .duplicate)
        #expect(!(try await Self.isDue(subject, "listener")))
    }

    static func eventNudgesLeasedListener(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["r1"])
        let claimed = try await Self.claimOne(subject, "r1")
        #expect(try await store.checkpoint(Self.checkpoint(claimed.lease, step: 1, subscription: Self.listens)) == .saved(control: nil))
        #expect(try await store.deliver(event: Self.event("e1")) == .stored(sequence: 1, listeners: ListenerCount(matched: 1)))
        let record = try #require(try await store.run(id: "r1"))
        #expect(record.leaseOwner == "w1")
        #expect(try await store.claim(owner: "w2", limit: 1, leaseSeconds: subject.lease, runID: nil).isEmpty)
        // The worker looked at the event already (cursor 1), but was nudged while it held the run.
        let later = try await store.now() + subject.lease
        #expect(
            try await store.checkpoint(
                Self.checkpoint(claimed.lease, status: .waiting, step: 2, wakeAt: later, release: true, subscription: Self.listens,
                    eventCursor: 1))
                == .saved(control: nil))
        #expect(try await Self.isDue(subject, "r1"))
        let again = try await Self.claimOne(subject, "r1")
        // The claim cleared the nudge: parking again with everything seen waits.
        #expect(
            try await store.checkpoint(
                Self.checkpoint(again.lease, status: .waiting, step: 3, release: true, subscription: Self.listens, eventCursor: 1))
                == .saved(control: nil))
        #expect(!(try await Self.isDue(subject, "r1")))
    }

    static func listenerRace(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["behind", "caught-up", "not-listening"])
        let runs = try await store.claim(owner: "w", limit: 3, leaseSeconds: subject.lease, runID: nil)
        #expect(runs.count == 3)
        // Delivered while the runs were leased but before they listened: nobody is nudged.
        #expect(try await store.deliver(event: Self.event("e1")) == .stored(sequence: 1))
        for run in runs {
            let cursor: Int64 = run.lease.runID == "caught-up" ? 1 : 0
            let listening = run.lease.runID != "not-listening"
            #expect(
                try await store.checkpoint(
                    Self.checkpoint(run.lease, status: .waiting, step: 1, release: true, subscription: listening ? Self.listens : nil,
                        eventCursor: cursor))
                    == .saved(control: nil))
        }
        #expect(try await Self.isDue(subject, "behind"))
        #expect(!(try await Self.isDue(subject, "caught-up")))
        #expect(!(try await Self.isDue(subject, "not-listening")))
    }

    static func listenerCount(_ subject: Subject) async throws {
        let store = subject.store
        let test = EventSubscription.Filter(attributes: ["type": "com.example.test"], decisive: true)
        let subscriptions: [(String, EventSubscription?)] = [
            ("exact", Self.listens),
            ("other-type", EventSubscription(filters: [.init(attributes: ["type": "com.example.other"], decisive: true)])),
            ("pattern", EventSubscription(filters: [.init(attributes: ["source": "https://example\\.com/t.*"], decisive: true)])),
            ("two-filters", EventSubscription(filters: [.init(attributes: ["type": "com.example.other"], decisive: true), test])),
            ("expression-too", EventSubscription(filters: [.init(attributes: ["type": "com.example.test"], decisive: false)])),
            ("unknown", .unknown),
            ("any-event", EventSubscription(filters: [.init(attributes: [:], decisive: true)])),
            ("not-listening", nil),
        ]
        try await Self.create(subject, subscriptions.map(\.0) + ["held"])
        let runs = try await store.claim(owner: "w", limit: 10, leaseSeconds: subject.lease, runID: nil)
        #expect(runs.count == subscriptions.count + 1)
        for run in runs {
            let id = run.lease.runID
            if id == "held" {
                // Leased and listening beside running activities: it counts too.
                #expect(try await store.checkpoint(Self.checkpoint(run.lease, step: 1, subscription: Self.listens)) == .saved(control: nil))
                continue
            }
            let subscription = subscriptions.first { $0.0 == id }?.1
            #expect(
                try await store.checkpoint(
                    Self.checkpoint(run.lease, status: .waiting, step: 1, release: true, subscription: subscription))
                    == .saved(control: nil))
        }
        #expect(
            try await store.deliver(event: Self.event("e1"))
                == .stored(sequence: 1, listeners: ListenerCount(matched: 5, possible: 2)))
        #expect(
            try await store.deliver(event: Self.event("e2", source: "https://example.org/x", type: "com.example.other"))
                == .stored(sequence: 2, listeners: ListenerCount(matched: 3, possible: 1)))
        #expect(try await store.deliver(event: Self.event("e2", source: "https://example.org/x")) == .duplicate)

        // An ended run, or one that stopped listening, is not counted.
        let woken = try await store.claim(owner: "w", limit: 10, leaseSeconds: subject.lease, runID: nil)
        for run in woken where run.lease.runID == "exact" || run.lease.runID == "unknown" {
            let status: RunStatus = run.lease.runID == "exact" ? .completed : .waiting
            #expect(
                try await store.checkpoint(
                    Self.checkpoint(run.lease, status: status, step: 2, release: true, eventCursor: 2, output: ["done": true]))
                    == .saved(control: nil))
        }
        #expect(
            try await store.deliver(event: Self.event("e3"))
                == .stored(sequence: 3, listeners: ListenerCount(matched: 4, possible: 1)))
    }

    static func emittedEvents(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["listener", "emitter"])
        let listener = try await Self.claimOne(subject, "listener")
        let emitter = try await Self.claimOne(subject, "emitter")
        #expect(
            try await store.checkpoint(
                Self.checkpoint(listener.lease, status: .waiting, step: 1, release: true, subscription: Self.listens))
                == .saved(control: nil))
        let emitted = [Self.event("x1"), Self.event("x2"), Self.event("x1")]
        #expect(try await store.checkpoint(Self.checkpoint(emitter.lease, step: 1, events: emitted)) == .saved(control: nil))
        let stored = try await store.events(after: 0, limit: 10)
        #expect(stored.map { $0.event["id"]?.stringValue } == ["x1", "x2"])
        #expect(stored.first?.event.serialized() == emitted[0].serialized())
        #expect(try await Self.isDue(subject, "listener"))

        // Emitting the same events again (a checkpoint replayed after a takeover) stores nothing new.
        let again = try await Self.claimOne(subject, "listener")
        #expect(
            try await store.checkpoint(
                Self.checkpoint(again.lease, status: .waiting, step: 2, release: true, subscription: Self.listens, eventCursor: 2))
                == .saved(control: nil))
        #expect(try await store.checkpoint(Self.checkpoint(emitter.lease, step: 2, events: emitted)) == .saved(control: nil))
        #expect(try await store.events(after: 0, limit: 10).count == 2)
        #expect(!(try await Self.isDue(subject, "listener")))

        // A fenced-out checkpoint emits nothing.
        try await store.release(emitter.lease, wakeAt: nil)
        #expect(try await store.checkpoint(Self.checkpoint(emitter.lease, events: [Self.event("x3")])) == .leaseLost)
        #expect(try await store.events(after: 0, limit: 10).count == 2)
    }

    static func children(_ subject: Subject) async throws {
        let store = subject.store
        let definition = try await Self.create(subject, ["parent"])
        let child = try await store.saveDefinition(Self.definition("child"))
        let parent = try await Self.claimOne(subject, "parent")
        let newChild = NewRun(id: "child-1", definitionHash: child.hash, input: ["b": 2, "a": 1], idempotencyKey: "parent/do/0", parentID: "parent")
        #expect(try await store.checkpoint(Self.checkpoint(parent.lease, step: 1, children: [newChild])) == .saved(control: nil))
        var record = try #require(try await store.run(id: "child-1"))
        #expect(record.parentID == "parent")
        #expect(record.status == .pending)
        #expect(record.input.serialized() == newChild.input.serialized())
        #expect(record.definition == child.reference)
        #expect(try await Self.isDue(subject, "child-1"))

        // Starting it again (a replay) is harmless.
        var replay = newChild
        replay.id = "child-1-again"
        #expect(try await store.checkpoint(Self.checkpoint(parent.lease, step: 2, children: [replay, newChild])) == .saved(control: nil))
        #expect(try await store.run(id: "child-1-again") == nil)
        #expect(try await store.runs(RunQuery(parentID: "parent")).map(\.id) == ["child-1"])

        // An unknown definition refuses the whole checkpoint.
        let orphan = NewRun(id: "orphan", definitionHash: "missing", input: [:], parentID: "parent")
        await #expect(throws: StoreError.definitionNotFound("missing")) {
            try await store.checkpoint(Self.checkpoint(parent.lease, step: 3, history: [HistoryEntry(time: 1, kind: "lost")], children: [orphan]))
        }
        #expect(try await store.run(id: "orphan") == nil)
        #expect(try await store.history(runID: "parent").isEmpty)

        #expect(
            try await store.checkpoint(Self.checkpoint(parent.lease, status: .waiting, step: 3, release: true))
                == .saved(control: nil))
        #expect(!(try await Self.isDue(subject, "parent")))
        let running = try await Self.claimOne(subject, "child-1")
        #expect(
            try await store.checkpoint(Self.checkpoint(running.lease, status: .completed, step: 1, output: ["ok": true]))
                == .saved(control: nil))
        #expect(try await Self.isDue(subject, "parent"))
        record = try #require(try await store.run(id: "parent"))
        #expect(record.definition == definition.reference)

        // A child that ends while its parent is leased nudges it: due when the parent parks.
        let again = try await Self.claimOne(subject, "parent")
        let second = NewRun(id: "child-2", definitionHash: child.hash, input: [:], parentID: "parent")
        #expect(try await store.checkpoint(Self.checkpoint(again.lease, step: 4, children: [second])) == .saved(control: nil))
        let secondClaim = try await Self.claimOne(subject, "child-2")
        #expect(
            try await store.checkpoint(Self.checkpoint(secondClaim.lease, status: .faulted, error: WorkflowError(.runtime, title: "no")))
                == .saved(control: nil))
        #expect(try await store.run(id: "parent")?.leaseOwner == "w1")
        #expect(
            try await store.checkpoint(Self.checkpoint(again.lease, status: .waiting, step: 5, release: true))
                == .saved(control: nil))
        #expect(try await Self.isDue(subject, "parent"))
    }

    static func cancelCascades(_ subject: Subject) async throws {
        let store = subject.store
        let definition = try await Self.create(subject, ["parent"])
        let parent = try await Self.claimOne(subject, "parent")
        let kids = ["leased", "waiting", "done", "suspended"].map {
            NewRun(id: $0, definitionHash: definition.hash, input: [:], parentID: "parent")
        }
        #expect(try await store.checkpoint(Self.checkpoint(parent.lease, step: 1, children: kids)) == .saved(control: nil))
        let leased = try await Self.claimOne(subject, "leased", owner: "w2")
        let waiting = try await Self.claimOne(subject, "waiting", owner: "w2")
        let later = try await store.now() + subject.lease
        #expect(
            try await store.checkpoint(Self.checkpoint(waiting.lease, status: .waiting, wakeAt: later, release: true))
                == .saved(control: nil))
        let done = try await Self.claimOne(subject, "done", owner: "w2")
        #expect(try await store.checkpoint(Self.checkpoint(done.lease, status: .completed, output: 1)) == .saved(control: nil))
        #expect(try await store.request(.suspend, runID: "suspended") == .accepted)

        #expect(
            try await store.checkpoint(Self.checkpoint(parent.lease, status: .cancelled, step: 2, clearsControl: true))
                == .saved(control: nil))
        var record = try #require(try await store.run(id: "leased"))
        #expect(record.control == .cancel)
        #expect(record.leaseOwner == "w2")
        let reply = try await store.heartbeat(owner: "w2", leases: [leased.lease], leaseSeconds: subject.lease)
        #expect(reply["leased"]?.control == .cancel)
        record = try #require(try await store.run(id: "waiting"))
        #expect(record.control == .cancel)
        #expect(try await Self.isDue(subject, "waiting"))
        record = try #require(try await store.run(id: "done"))
        #expect(record.control == nil)
        #expect(record.status == .completed)
        record = try #require(try await store.run(id: "suspended"))
        #expect(record.control == .cancel)
        #expect(record.status == .pending)
        #expect(try await Self.isDue(subject, "suspended"))
    }

    static func sizeLimits(_ subject: Subject) async throws {
        let store = subject.store
        let limits = Self.limits
        let huge = JSON.string(String(repeating: "x", count: limits.value + 1))
        var big = Self.definition("big")
        big.document = String(repeating: " ", count: limits.definition + 1)
        await #expect(throws: StoreError.self) { try await store.saveDefinition(big) }
        #expect(try await store.definition(hash: big.hash) == nil)

        let definition = try await Self.create(subject, ["r1"])
        await #expect(throws: StoreError.self) {
            try await store.createRun(NewRun(id: "too-big", definitionHash: definition.hash, input: huge))
        }
        #expect(try await store.run(id: "too-big") == nil)
        await #expect(throws: StoreError.self) {
            try await store.deliver(event: Self.event("big", data: .string(String(repeating: "y", count: limits.event))))
        }
        #expect(try await store.events(after: 0, limit: 10).isEmpty)

        let claimed = try await Self.claimOne(subject, "r1")
        let entry = HistoryEntry(time: 1_767_225_600, kind: "kept")
        #expect(try await store.checkpoint(Self.checkpoint(claimed.lease, step: 1, history: [entry])) == .saved(control: nil))
        let hugeState = EncodedRunState(bytes: Array(String(repeating: "s", count: limits.state + 1).utf8))
        let tooLarge: [Checkpoint] = [
            Checkpoint(lease: claimed.lease, state: hugeState, status: .running, history: [entry]),
            try Self.checkpoint(claimed.lease, status: .completed, step: 2, output: huge, history: [entry]),
            try Self.checkpoint(claimed.lease, step: 2, history: [entry], events: [Self.event("big", data: huge)]),
            try Self.checkpoint(
                claimed.lease, step: 2, history: [entry],
                children: [NewRun(id: "big-child", definitionHash: definition.hash, input: huge, parentID: "r1")]),
        ]
        for checkpoint in tooLarge {
            await #expect(throws: StoreError.self) { try await store.checkpoint(checkpoint) }
        }
        #expect(try await store.history(runID: "r1") == [entry])
        #expect(try await store.run(id: "r1")?.status == .running)
        #expect(try await store.run(id: "big-child") == nil)
        #expect(try await store.events(after: 0, limit: 10).isEmpty)
        let resumed = try await Self.claimAfterRelease(subject, claimed.lease)
        #expect(resumed.state == (try Self.state("r1", step: 1).0))
    }

    static func runQueries(_ subject: Subject) async throws {
        let store = subject.store
        let alpha = try await store.saveDefinition(Self.definition("orders", namespace: "alpha"))
        let beta = try await store.saveDefinition(Self.definition("orders", namespace: "beta"))
        let other = try await store.saveDefinition(Self.definition("billing", namespace: "alpha"))
        for (id, hash, parent) in [("r1", alpha.hash, nil), ("r2", beta.hash, nil), ("r3", other.hash, "r1"), ("r4", alpha.hash, "r1")] {
            _ = try await store.createRun(NewRun(id: id, definitionHash: hash, input: [:], parentID: parent))
            try await subject.advance(0.01)
        }
        let r2 = try await Self.claimOne(subject, "r2")
        #expect(try await store.checkpoint(Self.checkpoint(r2.lease, status: .completed, output: 2)) == .saved(control: nil))

        #expect(try await store.runs(RunQuery()).map(\.id) == ["r4", "r3", "r2", "r1"])
        #expect(try await store.runs(RunQuery(limit: 2)).map(\.id) == ["r4", "r3"])
        #expect(try await store.runs(RunQuery(status: .completed)).map(\.id) == ["r2"])
        #expect(try await store.runs(RunQuery(status: .pending)).map(\.id) == ["r4", "r3", "r1"])
        #expect(try await store.runs(RunQuery(workflow: "orders")).map(\.id) == ["r4", "r2", "r1"])
        #expect(try await store.runs(RunQuery(workflow: "alpha/orders")).map(\.id) == ["r4", "r1"])
        #expect(try await store.runs(RunQuery(workflow: "gamma/orders")).isEmpty)
        #expect(try await store.runs(RunQuery(parentID: "r1")).map(\.id) == ["r4", "r3"])
        #expect(try await store.runs(RunQuery(status: .pending, workflow: "billing", parentID: "r1")).map(\.id) == ["r3"])
        let record = try #require(try await store.runs(RunQuery(status: .completed)).first)
        #expect(record.definition == beta.reference)
        #expect(record.output == 2)
    }

    static func release(_ subject: Subject) async throws {
        let store = subject.store
        try await Self.create(subject, ["r1"])
        let claimed = try await Self.claimOne(subject, "r1")
        var stale = claimed.lease
        stale.epoch -= 1
        try await store.release(stale, wakeAt: nil)
        #expect(try await store.run(id: "r1")?.leaseOwner == "w1")

        let later = try await store.now() + subject.shortLease
        try await store.release(claimed.lease, wakeAt: later)
        var record = try #require(try await store.run(id: "r1"))
        #expect(record.leaseOwner == nil)
        #expect(record.status == .waiting)
        #expect(Self.near(record.wakeAt, later, subject))
        #expect(try await store.claim(owner: "w2", limit: 1, leaseSeconds: subject.lease, runID: nil).isEmpty)
        #expect(try await store.checkpoint(Self.checkpoint(claimed.lease, step: 1)) == .leaseLost)
        try await subject.advance(subject.shortLease * 1.2)
        let again = try await Self.claimOne(subject, "r1", owner: "w2")
        #expect(again.takeovers == 0)

        // A nudge while leased makes a release due now, whatever time it asks for.
        #expect(try await store.checkpoint(Self.checkpoint(again.lease, step: 1, subscription: Self.listens)) == .saved(control: nil))
        _ = try await store.deliver(event: Self.event("e1"))
        try await store.release(again.lease, wakeAt: try await store.now() + subject.lease)
        #expect(try await Self.isDue(subject, "r1"))

        let third = try await Self.claimOne(subject, "r1")
        try await store.release(third.lease, wakeAt: nil)
        record = try #require(try await store.run(id: "r1"))
        #expect(try await Self.isDue(subject, "r1"))
        #expect(record.status == .waiting)
    }

    static func clockAndNextWake(_ subject: Subject) async throws {
        let store = subject.store
        #expect(try await store.nextWake() == nil)
        let start = try await store.now()
        try await subject.advance(0.05)
        let later = try await store.now()
        #expect(later >= start + 0.05 - subject.tolerance)
        try await Self.create(subject, ["r1"])
        let record = try #require(try await store.run(id: "r1"))
        #expect(Self.near(try await store.nextWake(), record.wakeAt ?? 0, subject))
        let claimed = try await Self.claimOne(subject, "r1")
        #expect(Self.near(try await store.nextWake(), claimed.lease.expiresAt, subject))
        #expect(Self.near(try await store.nextWake(excludingOwner: "w2"), claimed.lease.expiresAt, subject))
        #expect(try await store.nextWake(excludingOwner: "w1") == nil)
        // The store's deadline passing is enough for a wait to return.
        await store.waitForWork(until: try await store.now() + 0.05)
        await store.waitForWork(until: try await store.now() - 1)
    }
}
