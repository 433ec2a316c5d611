import Foundation
import SwirlCore
public import SwirlRuntime
import Synchronization

/// The ``Store`` on PostgreSQL: many workers on many machines share one database.
///
/// It keeps the contract of ``MemoryStore`` exactly, with the database doing what the actor's isolation does
/// there: claims take due rows with `FOR UPDATE SKIP LOCKED` on the database's clock, every write of a lease
/// holder matches the row's epoch and owner, and the rules that need two rows to agree (a listener parking while
/// an event arrives) take an advisory lock. Each call borrows a pooled connection for one statement or one
/// pipelined transaction and gives it back; nothing is held between calls.
///
/// Round trips: a checkpoint is one (a pipelined transaction, shared with the checkpoints of other runs that
/// arrive while earlier ones are on their way; one more to check the definitions of child runs it starts), a claim one plus one to load the values its states refer to, a heartbeat one for all leases,
/// every other call one. Work that becomes due is announced with a coalesced `NOTIFY` after the commit, and
/// ``waitForWork(until:)`` listens for it.
///
/// ```swift
/// let store = try await PostgresStore.open(url: "postgresql://swirl@db/swirl")
/// defer { Task { await store.close() } }
/// ```
public final class PostgresStore: Store {
    let pool: PGPool
    let notifications: PostgresNotifications
    let limits: StoreLimits
    /// The schema's tables are used through the session's `search_path`.
    let schema: String
    /// The second key of the event lock.
    let eventLockKey: Int32
    /// The database's clock minus this machine's, as last measured: turns deadlines into waits.
    private let clockOffset: Mutex<Double>
    /// Group commit for checkpoints.
    let checkpoints: PostgresCheckpointGroup

    private init(pool: PGPool, schema: String, limits: StoreLimits, clockOffset: Double) {
        self.pool = pool
        self.checkpoints = PostgresCheckpointGroup(senders: max(1, pool.configuration.size / 4))
        self.notifications = PostgresNotifications(pool: pool)
        self.limits = limits
        self.schema = schema
        self.eventLockKey = PostgresLocks.key("events", schema: schema)
        self.clockOffset = Mutex(clockOffset)
    }

    /// Connects to a database, applies the migrations it lacks, and returns the store.
    ///
    /// - Parameters:
    ///   - url: A libpq connection URI (`postgresql://user@host:5432/db?sslmode=require`) or keyword/value
    ///     string; what it leaves out comes from libpq's `PG*` environment variables, service file and
    ///     `~/.pgpass`.
    ///   - schema: The schema holding Swirl's tables, created if missing; `public` when `nil`.
    ///   - poolSize: How many connections the store opens at most (lazily).
    ///   - limits: Sizes the store refuses to write.
    /// - Returns: The open store. Call ``close()`` when done with it.
    /// - Throws: ``StoreError/unavailable(_:)`` when the database cannot be reached, or
    ///   ``StoreError/incompatibleSchema(_:)`` when its schema is newer than this binary or was changed.
    public static func open(
        url: String, schema: String? = nil, poolSize: Int = 4, limits: StoreLimits = StoreLimits()
    ) async throws -> PostgresStore {
        try await Self.open(url: url, schema: schema, poolSize: poolSize, limits: limits, reconnectPatience: .seconds(10))
    }

    /// ``open(url:schema:poolSize:limits:)`` with the time calls keep reconnecting during an outage before they
    /// fail (for tests).
    static func open(
        url: String, schema: String?, poolSize: Int, limits: StoreLimits, reconnectPatience: Duration
    ) async throws -> PostgresStore {
        let schema = schema ?? "public"
        var configuration = PGPool.Configuration(url: url, schema: schema, size: max(1, poolSize))
        configuration.reconnectPatience = reconnectPatience
        let pool = PGPool(configuration: configuration)
        do {
            let (start, now) = try await pool.withConnection { connection, _ in
                try PostgresMigrator().migrate(connection, schema: schema)
                let start = Date().timeIntervalSince1970
                let now = try PGText.double(connection.query(PostgresStatements.now, []).first?["now"]) ?? start
                return (start, now)
            }
            let local = (start + Date().timeIntervalSince1970) / 2
            return PostgresStore(pool: pool, schema: schema, limits: limits, clockOffset: now - local)
        } catch {
            await pool.close()
            throw Self.storeError(error, while: "opening the store")
        }
    }

    deinit {
        // A store dropped without close() still stops its listening thread; its connections close with the pool.
        self.notifications.stop()
    }

    /// Stops listening for work and closes every connection. Calls made afterwards fail.
    public func close() async {
        await self.notifications.close()
        await self.pool.close()
    }

    // MARK: definitions

    @discardableResult
    public func saveDefinition(_ definition: DefinitionRecord) async throws -> DefinitionRecord {
        let size = definition.document.utf8.count
        if size > self.limits.definition {
            throw StoreError.tooLarge("the definition", size: size, limit: self.limits.definition)
        }
        let existing = try await self.perform("saving a definition") { connection, _ -> DefinitionRecord? in
            let inserted = try connection.query(
                PostgresStatements.insertDefinition,
                [definition.hash, definition.namespace, definition.name, definition.version, definition.document]
            )
            if !inserted.isEmpty {
                return nil
            }
            return try connection.query(
                PostgresStatements.existingDefinition,
                [definition.namespace, definition.name, definition.version, definition.hash]
            ).first.map(Self.definition(from:))
        }
        guard let existing else {
            return definition
        }
        guard existing.hash == definition.hash else {
            throw StoreError.definitionConflict(definition.namespace, definition.name, definition.version)
        }
        return existing
    }

    public func definition(hash: String) async throws -> DefinitionRecord? {
        try await self.perform("reading a definition") { connection, _ in
            try connection.query(PostgresStatements.definition, [hash]).first.map(Self.definition(from:))
        }
    }

    // MARK: clock and wake-ups

    public func now() async throws -> Double {
        let start = Date().timeIntervalSince1970
        let now = try await self.perform("reading the database's clock") { connection, _ in
            try PGText.double(connection.query(PostgresStatements.now, []).first?["now"])
        }
        guard let now else {
            throw StoreError.unavailable("the PostgreSQL store returned no time")
        }
        let local = (start + Date().timeIntervalSince1970) / 2
        self.clockOffset.withLock { $0 = now - local }
        return now
    }

    public func waitForWork(until deadline: Double) async {
        let localNow = Date().timeIntervalSince1970 + self.clockOffset.withLock { $0 }
        await self.notifications.wait(seconds: deadline - localNow)
    }

    /// The server process of one pooled connection (for tests that terminate it).
    func backendProcessID() async throws -> Int32 {
        try await self.perform("reading the backend's process id") { connection, _ in connection.backendProcessID }
    }

    // MARK: plumbing

    /// Runs `body` on a pooled connection and turns failures into ``StoreError``s.
    ///
    /// Every call of the store passes `.once`: each is safe to run again after its connection broke, even when
    /// the first attempt was committed before the reply was lost (see ``checkpoint(_:)`` and ``claim``). It runs
    /// on the caller's executor up to the connection's queue, so a reply comes straight back to the caller.
    nonisolated(nonsending) func perform<T: Sendable>(
        _ action: String, retry: PGPool.Retry = .once,
        _ body: @escaping @Sendable (PGConnection, _ attempt: Int) throws -> T
    ) async throws -> T {
        do {
            return try await self.pool.withConnection(retry: retry, body)
        } catch {
            throw Self.storeError(error, while: action)
        }
    }

    /// A failure as a ``StoreError``: store errors pass through; database errors become
    /// ``StoreError/unavailable(_:)`` with a message that names no SQL and no value.
    static func storeError(_ error: any Error, while action: String) -> any Error {
        switch error {
        case let error as StoreError:
            return error
        case let error as PGError:
            switch error.code {
            case .connectionFailed, .connectionLost, .invalidConnectionString:
                // libpq's messages name the host, port, database and user, never the password or a statement.
                return StoreError.unavailable("PostgreSQL store: \(action) failed: \(error)")
            default:
                let state = error.sqlState.map { " (SQLSTATE \($0)\(Self.condition($0).map { ": \($0)" } ?? ""))" }
                return StoreError.unavailable(
                    "PostgreSQL store: \(action) failed: the server refused a statement\(state ?? "")")
            }
        case let error as PostgresStoreDataError:
            return StoreError.unavailable("PostgreSQL store: \(action) failed: \(error)")
        default:
            return StoreError.unavailable("PostgreSQL store: \(action) failed: \(type(of: error))")
        }
    }

    /// Words for the SQLSTATEs a store is likely to meet.
    private static func condition(_ sqlState: String) -> String? {
        switch sqlState {
        case "57014": "the statement timed out or was cancelled"
        case "57P01", "57P02", "57P03": "the server is shutting down or starting"
        case "25P03": "a transaction stayed idle too long"
        case "40001", "40P01": "a conflict with another transaction"
        case "53300": "too many connections"
        case "42P01", "42703", "42883": "the schema is not what this version of Swirl expects"
        case "42501": "permission denied"
        case "23503": "a referenced row does not exist"
        case "22021", "22P02": "a value could not be stored"
        default:
            switch sqlState.prefix(2) {
            case "08": "the connection failed"
            case "28": "authentication failed"
            case "53": "the server ran out of resources"
            default: nil
            }
        }
    }

    static func definition(from row: PGRows.Row) -> DefinitionRecord {
        DefinitionRecord(
            namespace: row["namespace"] ?? "", name: row["name"] ?? "", version: row["version"] ?? "",
            hash: row["hash"] ?? "", document: row["document"] ?? "")
    }
}
