public import SwirlCore
import Foundation

/// Where runs live: their definitions, rows, saved states, history and events, shared by every
/// worker that uses the same store.
///
/// The protocol is shaped for many workers on many machines. A worker *claims* due runs and
/// holds each under a ``Lease`` (owner, expiry, epoch); every write it makes for a run names the
/// lease, and a store answers ``CheckpointResult/leaseLost`` instead of writing when another
/// worker has claimed the run since. One column per run, `wakeAt`, says when a run is due:
/// now (new, or woken by an event, a child or a request), a timer, or the expiry of the lease
/// of the worker that holds it (so a dead worker's runs are taken over).
///
/// Something that happens to a run while a worker holds it (an event delivered to its
/// `listen`, a child run ending) *nudges* it: an unleased run becomes due at once, and a leased
/// one becomes due the moment its worker releases it, whatever `wakeAt` that release asks for.
/// A claim clears the nudge: the new holder looks at events and children afresh. A child run
/// that ends nudges its parent; a run that ends cancelled asks its unfinished children to cancel.
///
/// Memory, SQLite and PostgreSQL implement it and pass the same contract tests
/// (`StoreConformance` in SwirlTestSupport). Times are seconds since 1970 on the store's clock:
/// the database's, for PostgreSQL, so that workers whose clocks disagree still agree on leases;
/// the machine's, for SQLite, whose file is shared only by processes on one machine.
public protocol Store: Sendable {
    // MARK: definitions

    /// Records a workflow definition. Saving the same document again returns the stored record.
    /// - Throws: ``StoreError/definitionConflict(_:_:_:)`` when another document is stored under
    ///   the same namespace, name and version.
    @discardableResult
    func saveDefinition(_ definition: DefinitionRecord) async throws -> DefinitionRecord
    /// The definition with this content hash, or `nil`.
    func definition(hash: String) async throws -> DefinitionRecord?

    // MARK: runs

    /// Creates a run that is due at once (status `pending`), unless a run with the same
    /// idempotency key exists: then that run is returned and nothing is written.
    /// - Throws: ``StoreError/tooLarge(_:size:limit:)`` for an input over the store's limit.
    func createRun(_ run: NewRun) async throws -> CreatedRun

    /// Claims up to `limit` due runs for `owner`, oldest `wakeAt` first: runs that are pending,
    /// waiting with a `wakeAt` that has passed, running under an expired lease (a takeover), or
    /// carrying a cancel request. Suspended and ended runs are never claimed. Each claim bumps the
    /// run's epoch and sets its lease to expire `leaseSeconds` from now, and its `wakeAt` to that
    /// expiry. With `runID`, only that run is considered (a foreground `swirl run`).
    func claim(owner: String, limit: Int, leaseSeconds: Double, runID: String?) async throws -> [ClaimedRun]

    /// Saves a run's state under its lease, with its history, the events it emitted and the
    /// child runs it starts, all or nothing. When the epoch no longer matches, writes nothing.
    nonisolated(nonsending) func checkpoint(_ checkpoint: Checkpoint) async throws -> CheckpointResult

    /// Renews every lease of `owner` among `leases` for `leaseSeconds`, in one round trip, and
    /// brings back each run's pending control request. A lease missing from the reply was lost.
    func heartbeat(owner: String, leases: [Lease], leaseSeconds: Double) async throws -> [String: HeartbeatStatus]

    /// Gives up a lease without saving anything new: the run (`waiting` if it was `running`) is
    /// due again at `wakeAt` (now when `nil`, or when nudged meanwhile), for whoever claims it
    /// next. Used by a worker that stops with runs in hand.
    func release(_ lease: Lease, wakeAt: Double?) async throws

    /// Ends the lease `owner` holds on the run now, as if it had just expired, for a holder known
    /// to be gone (a process of this machine that no longer exists): the run is due at once and
    /// its next claim is a takeover. Nothing happens when someone else holds it, or nobody.
    /// - Returns: whether `owner` held the run.
    @discardableResult
    func expireLease(runID: String, owner: String) async throws -> Bool

    /// Asks a run to stop (`cancel`), pause (`suspend`), or go on after a suspension (`resume`).
    /// A request for a run nobody holds is carried out by the store or by the next worker to
    /// claim it; a worker holding the run sees it through its heartbeat or next checkpoint.
    func request(_ control: ControlRequest, runID: String) async throws -> ControlReply

    // MARK: events

    /// Stores a CloudEvent once: a second event with the same `source` and `id` is a duplicate.
    /// Every run waiting in a `listen` becomes due, so a parked listener cannot miss it; the reply counts those
    /// whose subscriptions match the event.
    /// - Throws: ``StoreError/tooLarge(_:size:limit:)`` for an event over the store's limit.
    func deliver(event: JSON) async throws -> EventDelivery
    /// Stored events with a sequence number above `sequence`, oldest first.
    func events(after sequence: Int64, limit: Int) async throws -> [StoredEvent]
    /// Removes events stored before `time`; returns how many.
    @discardableResult
    func purgeEvents(storedBefore time: Double) async throws -> Int

    // MARK: schedules

    /// Registers a schedule for a stored definition: the workflow (namespace and name) then starts runs by
    /// itself, under any worker that fires schedules. A workflow has one schedule: registering the same
    /// definition, trigger and input again returns the stored schedule unchanged (paused or not, with its next
    /// fire time); anything else replaces it with a new one (a new id, the first fire time counted from now).
    /// - Throws: ``StoreError/definitionNotFound(_:)`` when the definition is not stored.
    func saveSchedule(_ schedule: NewSchedule) async throws -> ScheduleRecord
    /// Every schedule, by workflow namespace and name.
    func schedules() async throws -> [ScheduleRecord]
    /// Pauses a schedule (it starts nothing) or resumes it (fire times missed meanwhile are skipped).
    /// - Returns: the schedule as it is now, or `nil` when no schedule has this id.
    func pauseSchedule(id: String, paused: Bool) async throws -> ScheduleRecord?
    /// Removes a schedule; the runs it started stay. Returns whether it existed.
    @discardableResult
    func deleteSchedule(id: String) async throws -> Bool
    /// Starts a run for every schedule due at `asOf` (``ScheduleTiming/fire(_:nextFireAt:lastFireAt:lastRun:asOf:)``),
    /// up to `limit` of them, and advances each to its next fire time, each schedule all or nothing. A schedule
    /// fires at most once per fire time however many callers fire at once: the advance is conditional on the
    /// schedule being unchanged since it was read, and the run's idempotency key names the schedule and the fire
    /// time. Workers pass the store's ``now()``.
    /// - Returns: the runs started by this call.
    func fireSchedules(asOf: Double, limit: Int) async throws -> [ScheduledRun]
    /// The earliest time an unpaused schedule is due, or `nil` when none is.
    func nextScheduleFire() async throws -> Double?
    /// Moves an `on` schedule's cursor to `cursor` (the last event it has looked at), keeps `progress` (how far
    /// an `all` strategy has got), and creates `runs` (each with its idempotency key), all or nothing, only where
    /// the schedule is unpaused and its revision is still `revision`.
    /// - Returns: the ids of the runs created (a run whose idempotency key exists already is not), or `nil` when
    ///   the schedule changed, was paused or is gone since it was read.
    func advanceEventSchedule(id: String, revision: Int64, cursor: Int64, progress: String?, runs: [NewRun])
        async throws -> [String]?

    // MARK: reading

    /// The run with this id, or `nil`.
    func run(id: String) async throws -> RunRecord?
    /// Runs matching `query`, newest first.
    func runs(_ query: RunQuery) async throws -> [RunRecord]
    /// Everything recorded about a run, oldest first.
    func history(runID: String) async throws -> [HistoryEntry]
    /// The earliest `wakeAt` of any run a worker could claim, or `nil` when none is scheduled;
    /// with `owner`, leaving out the runs `owner` holds (their expiry is that worker's own
    /// business: it renews them).
    func nextWake(excludingOwner owner: String?) async throws -> Double?
    /// The store's clock.
    func now() async throws -> Double

    /// Returns when new work may be due (a run created or woken, an event delivered), or at
    /// `deadline` at the latest. A store without notifications returns at the deadline.
    func waitForWork(until deadline: Double) async
}

/// A workflow definition as stored: which workflow it is and its exact document.
public struct DefinitionRecord: Hashable, Sendable, Codable {
    public var namespace: String
    public var name: String
    public var version: String
    /// SHA-256 of `document`, hex: what a run pins.
    public var hash: String
    /// The document as validated, JSON text.
    public var document: String

    public init(namespace: String, name: String, version: String, hash: String, document: String) {
        self.namespace = namespace
        self.name = name
        self.version = version
        self.hash = hash
        self.document = document
    }

    /// `namespace/name:version`, as people name a workflow.
    public var displayName: String { "\(namespace)/\(name):\(version)" }
}

extension Store {
    /// The earliest `wakeAt` of any run a worker could claim, or `nil` when none is scheduled.
    public func nextWake() async throws -> Double? {
        try await nextWake(excludingOwner: nil)
    }

    /// Stores `definition` (unless stored already) and creates a run of it: what every command
    /// that starts a run does.
    /// - Parameter id: the new run's id; a new UUID when `nil`.
    public func startRun(
        of definition: DefinitionRecord, input: JSON, id: String? = nil, idempotencyKey: String? = nil
    ) async throws -> CreatedRun {
        try await saveDefinition(definition)
        let id = id ?? UUID().uuidString.lowercased()
        return try await createRun(NewRun(id: id, definitionHash: definition.hash, input: input, idempotencyKey: idempotencyKey))
    }
}

/// A run to create.
public struct NewRun: Hashable, Sendable {
    public var id: String
    /// The content hash of its saved definition.
    public var definitionHash: String
    public var input: JSON
    /// Creating again with the same key returns the first run.
    public var idempotencyKey: String?
    /// The run (and its step) that started this one as a child.
    public var parentID: String?

    public init(id: String, definitionHash: String, input: JSON, idempotencyKey: String? = nil, parentID: String? = nil) {
        self.id = id
        self.definitionHash = definitionHash
        self.input = input
        self.idempotencyKey = idempotencyKey
        self.parentID = parentID
    }
}

/// What ``Store/createRun(_:)`` did.
public struct CreatedRun: Hashable, Sendable {
    public var id: String
    /// `false` when a run with the idempotency key already existed.
    public var created: Bool

    public init(id: String, created: Bool) {
        self.id = id
        self.created = created
    }
}

/// A worker's hold on a run. Every write for the run names it; a newer claim bumps the epoch
/// and fences out the older holder.
public struct Lease: Hashable, Sendable {
    public var runID: String
    public var owner: String
    public var epoch: Int64
    public var expiresAt: Double

    public init(runID: String, owner: String, epoch: Int64, expiresAt: Double) {
        self.runID = runID
        self.owner = owner
        self.epoch = epoch
        self.expiresAt = expiresAt
    }
}

/// A run a worker has just claimed.
public struct ClaimedRun: Sendable {
    public var lease: Lease
    public var record: RunRecord
    /// The last checkpoint; `nil` for a run that has never been checkpointed (start it).
    public var state: RunState?
    /// Content hashes of the large values the saved state refers to: written already.
    public var storedValues: Set<String>
    /// The highest event sequence number when the run was created: its `listen`s see later events.
    public var eventBase: Int64
    /// How many times the run was taken from a worker whose lease expired.
    public var takeovers: Int
    /// A control request waiting for the run.
    public var control: ControlRequest?

    public init(
        lease: Lease, record: RunRecord, state: RunState?, storedValues: Set<String>, eventBase: Int64, takeovers: Int,
        control: ControlRequest?
    ) {
        self.lease = lease
        self.record = record
        self.state = state
        self.storedValues = storedValues
        self.eventBase = eventBase
        self.takeovers = takeovers
        self.control = control
    }
}

/// One fenced write of a run: its state and everything that happened since the last one.
public struct Checkpoint: Sendable {
    public var lease: Lease
    /// The state, encoded (``RunStateCoding``), with the large values it refers to that the
    /// store does not have yet.
    public var state: EncodedRunState
    /// The run's status after this checkpoint: `running` while the worker keeps it, `waiting`
    /// when parked, `suspended`, or an end (`completed`, `faulted`, `cancelled`).
    public var status: RunStatus
    /// When the run is due again once released: a timer, a retry, a deadline; `nil` when only an
    /// event, a child's end or a request can wake it. Ignored unless `release`.
    public var wakeAt: Double?
    /// Gives up the lease (the run parks, is suspended, or ended).
    public var release: Bool
    /// What the run's `listen`s wait for, or `nil` when it waits for no event: delivered events make a
    /// listening run due, and ``Store/deliver(event:)`` counts the runs they match.
    public var subscription: EventSubscription?
    /// Whether the run waits in a `listen`.
    public var listening: Bool { subscription != nil }
    /// The highest event sequence number the run has looked at. A listening run released while
    /// a later event is already stored is due at once, so an event delivered while the run was
    /// parking is never missed (stores make delivery and this check mutually exclusive).
    public var eventCursor: Int64
    /// The workflow output or error, for an ended run.
    public var output: JSON?
    public var error: WorkflowError?
    public var history: [HistoryEntry]
    /// CloudEvents emitted by the run, stored (deduplicated) in the same write.
    public var events: [JSON]
    /// Child runs started by the run, created (idempotently) in the same write.
    public var children: [NewRun]
    /// Clears a control request the worker has carried out.
    public var clearsControl: Bool

    public init(
        lease: Lease, state: EncodedRunState, status: RunStatus, wakeAt: Double? = nil, release: Bool = false,
        subscription: EventSubscription? = nil, eventCursor: Int64 = 0, output: JSON? = nil, error: WorkflowError? = nil,
        history: [HistoryEntry] = [],
        events: [JSON] = [], children: [NewRun] = [], clearsControl: Bool = false
    ) {
        self.lease = lease
        self.state = state
        self.status = status
        self.wakeAt = wakeAt
        self.release = release
        self.subscription = subscription
        self.eventCursor = eventCursor
        self.output = output
        self.error = error
        self.history = history
        self.events = events
        self.children = children
        self.clearsControl = clearsControl
    }
}

/// A run state as stores keep it: JSON text in which large values are replaced by references
/// to content-addressed values stored once per run.
public struct EncodedRunState: Hashable, Sendable {
    public var bytes: [UInt8]
    /// Values referred to by hash that this write must store (at most once each).
    public var newValues: [String: [UInt8]]

    public init(bytes: [UInt8], newValues: [String: [UInt8]] = [:]) {
        self.bytes = bytes
        self.newValues = newValues
    }
}

/// What a checkpoint did.
public enum CheckpointResult: Hashable, Sendable {
    /// Written; the control request waiting for the run, if any.
    case saved(control: ControlRequest?)
    /// Another worker holds the run now: nothing was written. Stop working on it.
    case leaseLost
}

/// A lease after a heartbeat.
public struct HeartbeatStatus: Hashable, Sendable {
    public var expiresAt: Double
    public var control: ControlRequest?

    public init(expiresAt: Double, control: ControlRequest?) {
        self.expiresAt = expiresAt
        self.control = control
    }
}

/// What someone asks of a run from outside.
public enum ControlRequest: String, Hashable, Sendable, Codable {
    case cancel
    case suspend
    case resume
}

/// What a store did with a control request.
public enum ControlReply: Hashable, Sendable {
    /// Recorded, or carried out at once.
    case accepted
    /// No run has this id.
    case notFound
    /// The run has ended (or, for `resume`, is not suspended): nothing to do.
    case notApplicable(RunStatus)
}

/// What ``Store/deliver(event:)`` did.
public enum EventDelivery: Hashable, Sendable {
    /// Stored, with how many listening runs the event matched.
    case stored(sequence: Int64, listeners: ListenerCount = ListenerCount())
    /// An event with the same source and id was stored before.
    case duplicate
}

/// An event as stored, with its place in the order of arrival.
public struct StoredEvent: Hashable, Sendable {
    public var sequence: Int64
    public var event: JSON
    public var storedAt: Double

    public init(sequence: Int64, event: JSON, storedAt: Double) {
        self.sequence = sequence
        self.event = event
        self.storedAt = storedAt
    }
}

/// A run as people see it.
public struct RunRecord: Hashable, Sendable {
    public var id: String
    public var definition: DefinitionRecord.Reference
    public var status: RunStatus
    public var input: JSON
    public var output: JSON?
    public var error: WorkflowError?
    public var parentID: String?
    public var idempotencyKey: String?
    public var createdAt: Double
    public var updatedAt: Double
    /// When it reached an end.
    public var endedAt: Double?
    public var wakeAt: Double?
    public var leaseOwner: String?
    public var leaseExpiresAt: Double?
    /// How many times it was claimed.
    public var claims: Int
    public var takeovers: Int
    public var control: ControlRequest?

    public init(
        id: String, definition: DefinitionRecord.Reference, status: RunStatus, input: JSON, output: JSON? = nil,
        error: WorkflowError? = nil, parentID: String? = nil, idempotencyKey: String? = nil, createdAt: Double,
        updatedAt: Double, endedAt: Double? = nil, wakeAt: Double? = nil, leaseOwner: String? = nil,
        leaseExpiresAt: Double? = nil, claims: Int = 0, takeovers: Int = 0, control: ControlRequest? = nil
    ) {
        self.id = id
        self.definition = definition
        self.status = status
        self.input = input
        self.output = output
        self.error = error
        self.parentID = parentID
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.endedAt = endedAt
        self.wakeAt = wakeAt
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.claims = claims
        self.takeovers = takeovers
        self.control = control
    }
}

extension DefinitionRecord {
    /// Which definition a run pins.
    public struct Reference: Hashable, Sendable {
        public var namespace: String
        public var name: String
        public var version: String
        public var hash: String

        public init(namespace: String, name: String, version: String, hash: String) {
            self.namespace = namespace
            self.name = name
            self.version = version
            self.hash = hash
        }

        public var displayName: String { "\(namespace)/\(name):\(version)" }
    }

    public var reference: Reference { Reference(namespace: namespace, name: name, version: version, hash: hash) }
}

/// Which runs to list.
public struct RunQuery: Hashable, Sendable {
    public var status: RunStatus?
    /// A workflow's `name`, or `namespace/name`.
    public var workflow: String?
    public var parentID: String?
    public var limit: Int

    public init(status: RunStatus? = nil, workflow: String? = nil, parentID: String? = nil, limit: Int = 50) {
        self.status = status
        self.workflow = workflow
        self.parentID = parentID
        self.limit = limit
    }
}

/// One line of a run's history: for people and tools, never read by execution.
public struct HistoryEntry: Hashable, Sendable, Codable {
    public var time: Double
    /// `run.started`, `task.completed`, `run.faulted`, …
    public var kind: String
    /// The task's pointer, when the entry is about a task.
    public var task: String?
    /// The step key of the activity the entry is about.
    public var stepKey: String?
    /// The attempt (from 0) of the enclosing retry, when there is one.
    public var attempt: Int?
    public var data: StoredJSON?

    public init(time: Double, kind: String, task: String? = nil, stepKey: String? = nil, attempt: Int? = nil, data: JSON? = nil) {
        self.time = time
        self.kind = kind
        self.task = task
        self.stepKey = stepKey
        self.attempt = attempt
        self.data = data.map(StoredJSON.init)
    }
}

/// Why a store refused or failed.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Another document is stored under this namespace, name and version.
    case definitionConflict(String, String, String)
    /// A value is over the store's size limit (bytes).
    case tooLarge(String, size: Int, limit: Int)
    case runNotFound(String)
    case definitionNotFound(String)
    /// The database's schema is newer than this binary, or an applied migration was changed.
    case incompatibleSchema(String)
    /// The store cannot be reached or failed; the message names no secret and no SQL.
    case unavailable(String)

    public var description: String {
        switch self {
        case .definitionConflict(let namespace, let name, let version):
            "a different definition of \(namespace)/\(name):\(version) is already stored; give the changed workflow a new version"
        case .tooLarge(let what, let size, let limit):
            "\(what) is \(size) bytes, over the limit of \(limit) bytes"
        case .runNotFound(let id): "no run has the id '\(id)'"
        case .definitionNotFound(let hash): "no stored definition has the hash \(hash)"
        case .incompatibleSchema(let message): message
        case .unavailable(let message): message
        }
    }
}

/// Sizes a store refuses to write, checked before anything is written.
public struct StoreLimits: Hashable, Sendable {
    /// A run's input, and a workflow's output.
    public var value: Int = 16 << 20
    /// A saved state, with its new values.
    public var state: Int = 64 << 20
    /// A CloudEvent.
    public var event: Int = 1 << 20
    /// A definition's document.
    public var definition: Int = 10 << 20

    public init() {}

    /// Refuses runs to create whose inputs are over the limit, before a store writes any of them.
    /// - Returns: each input as JSON text, as stores keep it.
    /// - Throws: ``StoreError/tooLarge(_:size:limit:)``.
    @discardableResult
    public func checkInputs(of runs: [NewRun]) throws -> [String] {
        try runs.map { run in
            let input = run.input.serialized()
            if input.utf8.count > self.value {
                throw StoreError.tooLarge("the run's input", size: input.utf8.count, limit: self.value)
            }
            return input
        }
    }

    /// Refuses a schedule whose input is over the limit for a run's input, before a store writes it.
    /// - Returns: the input as JSON text, as stores keep it.
    /// - Throws: ``StoreError/tooLarge(_:size:limit:)``.
    @discardableResult
    public func check(_ schedule: NewSchedule) throws -> String {
        let input = schedule.input.serialized()
        if input.utf8.count > self.value {
            throw StoreError.tooLarge("the schedule's input", size: input.utf8.count, limit: self.value)
        }
        return input
    }

    /// Refuses a checkpoint whose saved state (with its new values), output, emitted events or child inputs are
    /// over the limits, before a store writes any of it.
    /// - Throws: ``StoreError/tooLarge(_:size:limit:)`` naming the first value over its limit.
    public func check(_ checkpoint: Checkpoint) throws {
        let stateSize = checkpoint.state.bytes.count + checkpoint.state.newValues.values.reduce(0) { $0 + $1.count }
        if stateSize > self.state {
            throw StoreError.tooLarge("the run's saved state", size: stateSize, limit: self.state)
        }
        if let output = checkpoint.output {
            let size = output.serialized().utf8.count
            if size > self.value { throw StoreError.tooLarge("the workflow output", size: size, limit: self.value) }
        }
        for event in checkpoint.events {
            let size = event.serialized().utf8.count
            if size > self.event { throw StoreError.tooLarge("an emitted event", size: size, limit: self.event) }
        }
        for child in checkpoint.children {
            let size = child.input.serialized().utf8.count
            if size > self.value { throw StoreError.tooLarge("the run's input", size: size, limit: self.value) }
        }
    }
}
