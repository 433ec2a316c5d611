import Foundation
import Synchronization
public import SwirlRuntime
import SwirlResources

/// Brings an SQLite database file up to the schema this binary expects, by applying the SQL files of
/// `Migrations/sqlite/` that it lacks, in order.
///
/// Everything happens in one write transaction (`BEGIN IMMEDIATE`), so two processes opening a new file at once
/// never apply a migration twice and nobody sees a half-migrated schema: the second waits for the first and then
/// finds nothing to do. Each applied file is recorded in `swirl_migrations` with the SHA-256 of its text; the
/// migrator refuses a file where a recorded migration's checksum differs from the binary's (someone edited an
/// applied migration), or where a migration was applied that this binary does not know (the file was migrated by
/// a newer Swirl).
public struct SQLiteMigrator: Sendable {
    /// The migrations this migrator knows, in order.
    public let migrations: [SQLiteMigration]

    /// The migrations carried in the binary.
    public static var embedded: [SQLiteMigration] {
        EmbeddedResources.sqliteMigrations.map { SQLiteMigration(name: $0.name, sql: $0.sql) }
    }

    /// Creates a migrator.
    ///
    /// - Parameter migrations: The migrations, in order; the embedded ones unless a test supplies others.
    public init(migrations: [SQLiteMigration] = SQLiteMigrator.embedded) {
        self.migrations = migrations.sorted { $0.name < $1.name }
    }

    /// Opens the database file at `path` (creating it and its folder if missing), applies the missing migrations
    /// and closes it: `swirl migrate` for the embedded store.
    ///
    /// - Parameters:
    ///   - path: The database file.
    ///   - busyTimeout: Seconds to wait for another process's write lock.
    /// - Returns: The names of the migrations applied now, in order; empty when the file was up to date.
    /// - Throws: ``StoreError/incompatibleSchema(_:)`` when an applied migration differs from the binary's or is
    ///   unknown to it, or ``StoreError/unavailable(_:)`` when the file cannot be opened or a statement failed
    ///   (nothing is applied then).
    @discardableResult
    public func migrate(path: String, busyTimeout: Double = SQLiteStore.defaultBusyTimeout) async throws -> [String] {
        let applied = Mutex<[String]>([])
        do {
            try SQLiteStore.createFolder(for: path)
            let session = try await SQLiteSession.open(path: path, busyTimeout: busyTimeout) { connection in
                let names = try self.migrate(connection)
                applied.withLock { $0 = names }
            }
            await session.close()
        } catch {
            throw SQLiteStore.storeError(error, while: "migrating \(path)")
        }
        return applied.withLock { $0 }
    }

    /// Applies the missing migrations on `connection`, in one write transaction.
    ///
    /// - Returns: The names of the migrations applied now.
    /// - Throws: ``StoreError/incompatibleSchema(_:)``, or `SQLiteError` when a statement failed (nothing is
    ///   applied then).
    func migrate(_ connection: SQLiteConnection) throws -> [String] {
        try connection.writeTransaction {
            try connection.executeScript(Self.createHistoryTable)
            var recorded: [String: String] = [:]
            for row in try connection.query("SELECT name, checksum FROM swirl_migrations ORDER BY name") {
                if let name = row[0].text {
                    recorded[name] = row[1].text ?? ""
                }
            }
            let known = Dictionary(self.migrations.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            if let unknown = recorded.keys.sorted().first(where: { known[$0] == nil }) {
                throw StoreError.incompatibleSchema(
                    "the SQLite database has migration \(unknown), which this version of Swirl does not know; "
                        + "it was migrated by a newer Swirl: upgrade swirl")
            }
            for migration in self.migrations {
                if let checksum = recorded[migration.name], checksum != migration.checksum {
                    throw StoreError.incompatibleSchema(
                        "migration \(migration.name) in the SQLite database differs from the one this version of "
                            + "Swirl carries (checksum \(checksum.prefix(12))… instead of "
                            + "\(migration.checksum.prefix(12))…); applied migrations must never change")
                }
            }
            var applied: [String] = []
            for migration in self.migrations where recorded[migration.name] == nil {
                try connection.executeScript(migration.sql)
                try connection.execute(
                    "INSERT INTO swirl_migrations (name, checksum, applied_at) VALUES (?1, ?2, ?3)",
                    [.text(migration.name), .text(migration.checksum), .real(Date().timeIntervalSince1970)])
                applied.append(migration.name)
            }
            return applied
        }
    }

    private static let createHistoryTable = """
        CREATE TABLE IF NOT EXISTS swirl_migrations (
            name TEXT PRIMARY KEY,
            checksum TEXT NOT NULL,
            applied_at REAL NOT NULL
        ) STRICT;
        """
}
