import Foundation
import SwirlCore
public import SwirlRuntime

/// The ``Store`` in an SQLite file: the embedded default, durable without a database server.
///
/// It keeps the contract of ``MemoryStore`` and the PostgreSQL store exactly, and several processes on one
/// machine may share the file (a `swirl run` in the foreground, a local `swirl worker`, `swirl runs cancel`).
/// Every write is one `BEGIN IMMEDIATE` transaction: the file's write lock is taken before the first read, so
/// what the transaction decides on (is this run due? does this lease still hold?) cannot change under it, in this
/// process or another. A checkpoint updates the run only where its epoch and owner still match and writes its
/// history, values, events and children in the same transaction, so a worker that lost its lease writes nothing.
/// A write that finds the lock taken waits up to the busy timeout, then the whole transaction runs again, until
/// the busy timeout has passed.
///
/// Times come from the store's clock (the system clock unless a test injects one); processes on one machine share
/// it. Calls run on the store's own thread (see ``SQLiteSession``), never on Swift's cooperative pool.
///
/// Work made due by this store wakes ``waitForWork(until:)`` at once. Other processes cannot notify it, so it
/// also looks every ``pollInterval`` (jittered) whether another connection has committed to the file, which costs
/// a read of shared memory, not of the file.
///
/// ```swift
/// let store = try await SQLiteStore.open(path: ".swirl/swirl.db")
/// defer { Task { await store.close() } }
/// ```
public final class SQLiteStore: Store {
    /// How long a write waits for another process's write lock unless the caller says otherwise.
    public static let defaultBusyTimeout: Double = 5

    /// How often ``waitForWork(until:)`` looks for commits of other processes, in seconds; each wait is this
    /// long give or take a quarter, so that several idle workers do not look in step.
    public static let pollInterval: Double = 0.2

    /// The database file.
    public let path: String
    /// The store's clock, for leases and timestamps.
    public let clock: any RuntimeClock
    let limits: StoreLimits
    let session: SQLiteSession
    let wakeups = SQLiteWakeups()

    private init(path: String, clock: any RuntimeClock, limits: StoreLimits, session: SQLiteSession) {
        self.path = path
        self.clock = clock
        self.limits = limits
        self.session = session
    }

    /// Opens the database file at `path`, creating it (and its folder) if missing, applies the migrations it
    /// lacks, and returns the store.
    ///
    /// - Parameters:
    ///   - path: The database file (`.swirl/swirl.db`).
    ///   - clock: The store's clock; the system clock unless a test injects one. Every process sharing the file
    ///     must use the same time.
    ///   - limits: Sizes the store refuses to write.
    ///   - busyTimeout: Seconds a write waits for another process's write lock before it fails.
    ///   - migrator: The migrations to apply; the embedded ones unless a test supplies others.
    /// - Returns: The open store. Call ``close()`` when done with it.
    /// - Throws: ``StoreError/unavailable(_:)`` when the file cannot be opened or is not a database, or
    ///   ``StoreError/incompatibleSchema(_:)`` when its schema is newer than this binary or was changed.
    public static func open(
        path: String, clock: any RuntimeClock = SystemClock(), limits: StoreLimits = StoreLimits(),
        busyTimeout: Double = SQLiteStore.defaultBusyTimeout, migrator: SQLiteMigrator = SQLiteMigrator()
    ) async throws -> SQLiteStore {
        do {
            try Self.createFolder(for: path)
            let session = try await SQLiteSession.open(path: path, busyTimeout: busyTimeout) { connection in
                _ = try migrator.migrate(connection)
            }
            return SQLiteStore(path: path, clock: clock, limits: limits, session: session)
        } catch {
            throw Self.storeError(error, while: "opening \(path)")
        }
    }

    /// Closes the file once the calls already made have finished. Calls made afterwards fail.
    public func close() async {
        await self.session.close()
    }

    /// Creates the folder that will hold `path`, if missing.
    static func createFolder(for path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    // MARK: definitions

    @discardableResult
    public func saveDefinition(_ definition: DefinitionRecord) async throws -> DefinitionRecord {
        let size = definition.document.utf8.count
        if size > self.limits.definition {
            throw StoreError.tooLarge("the definition", size: size, limit: self.limits.definition)
        }
        let clock = self.clock
        let existing = try await self.write("saving a definition") { connection -> DefinitionRecord? in
            let inserted = try connection.execute(
                SQLiteStatements.insertDefinition,
                [
                    .text(definition.hash), .text(definition.namespace), .text(definition.name),
                    .text(definition.version), .text(definition.document), .real(clock.now()),
                ])
            if inserted > 0 {
                return nil
            }
            return try connection.query(
                SQLiteStatements.existingDefinition,
                [.text(definition.namespace), .text(definition.name), .text(definition.version), .text(definition.hash)]
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
        try await self.read("reading a definition") { connection in
            try connection.query(SQLiteStatements.definition, [.text(hash)]).first.map(Self.definition(from:))
        }
    }

    // MARK: clock and wake-ups

    public func now() async throws -> Double {
        self.clock.now()
    }

    /// Returns when this store made work due, when another connection committed to the file (looked at every
    /// ``pollInterval``, jittered), or at `deadline` at the latest (on the wall clock: with a test clock the
    /// deadline is a poll interval, as in ``MemoryStore``), or when the task is cancelled.
    public func waitForWork(until deadline: Double) async {
        let generation = self.wakeups.seen
        defer { self.wakeups.markSeen() }
        let total = min(max(0, deadline - self.clock.now()), 3600)
        let start = ContinuousClock.now
        var version = try? await self.session.run { try $0.dataVersion() }
        while !Task.isCancelled {
            let elapsed = ContinuousClock.now - start
            let remaining = total - Double(elapsed.components.seconds) - Double(elapsed.components.attoseconds) / 1e18
            guard remaining > 0 else {
                return
            }
            let slice = min(remaining, Self.pollInterval * Double.random(in: 0.75...1.25))
            if await self.wakeups.wait(seconds: slice, since: generation) {
                return
            }
            let current = try? await self.session.run { try $0.dataVersion() }
            if let current, let seen = version, current != seen {
                return
            }
            version = version ?? current
        }
    }

    // MARK: plumbing

    /// Runs `body` in a write transaction on the store's connection and turns failures into ``StoreError``s.
    nonisolated(nonsending) func write<T: Sendable>(
        _ action: String, _ body: @escaping @Sendable (SQLiteConnection) throws -> T
    ) async throws -> T {
        do {
            return try await self.session.run { connection in try connection.writeTransaction { try body(connection) } }
        } catch {
            throw Self.storeError(error, while: action)
        }
    }

    /// Runs `body` (reads, each statement its own snapshot) on the store's connection.
    nonisolated(nonsending) func read<T: Sendable>(
        _ action: String, _ body: @escaping @Sendable (SQLiteConnection) throws -> T
    ) async throws -> T {
        do {
            return try await self.session.run(body)
        } catch {
            throw Self.storeError(error, while: action)
        }
    }

    /// A failure as a ``StoreError``: store errors pass through; SQLite errors become ``StoreError/unavailable(_:)``
    /// with a message that names no SQL and no value.
    static func storeError(_ error: any Error, while action: String) -> any Error {
        switch error {
        case let error as StoreError:
            return error
        case let error as SQLiteError where error.isBusy:
            return StoreError.unavailable(
                "SQLite store: \(action) failed: the database file stayed locked by another process (\(error))")
        case let error as SQLiteError:
            return StoreError.unavailable("SQLite store: \(action) failed: \(error)")
        case let error as SQLiteSessionClosed:
            return StoreError.unavailable("SQLite store: \(action) failed: \(error)")
        case let error as SQLiteStoreDataError:
            return StoreError.unavailable("SQLite store: \(action) failed: \(error)")
        case let error as CocoaError:
            return StoreError.unavailable("SQLite store: \(action) failed: \(error.localizedDescription)")
        default:
            return StoreError.unavailable("SQLite store: \(action) failed: \(type(of: error))")
        }
    }

    static func definition(from row: SQLiteRow) -> DefinitionRecord {
        DefinitionRecord(
            namespace: row[1].text ?? "", name: row[2].text ?? "", version: row[3].text ?? "", hash: row[0].text ?? "",
            document: row[4].text ?? "")
    }
}

/// A row whose contents the store cannot read back (a value that is not what the store writes).
struct SQLiteStoreDataError: Error, CustomStringConvertible {
    var what: String

    var description: String { "the database holds \(self.what) that cannot be read" }
}
