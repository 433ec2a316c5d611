public import SwirlRuntime
import SwirlResources

/// Brings a database schema up to the version this binary expects, by applying the SQL files of `Migrations/`
/// that it lacks, in order.
///
/// Everything happens in one transaction under an advisory lock for the schema, so two processes that start at
/// once (workers, `swirl migrate`) never apply a migration twice and nobody sees a half-migrated schema. Each
/// applied file is recorded in `swirl_migrations` with the SHA-256 of its text; the migrator refuses a database
/// where a recorded file's checksum differs from the binary's (someone edited an applied migration), or where a
/// file was applied that this binary does not know (the database was migrated by a newer Swirl).
public struct PostgresMigrator: Sendable {
    /// The migrations this migrator knows, in order.
    public let migrations: [PostgresMigration]

    /// The migrations carried in the binary.
    public static var embedded: [PostgresMigration] {
        EmbeddedResources.migrations.map { PostgresMigration(name: $0.name, sql: $0.sql) }
    }

    /// Creates a migrator.
    ///
    /// - Parameter migrations: The migrations, in order; the embedded ones unless a test supplies others.
    public init(migrations: [PostgresMigration] = PostgresMigrator.embedded) {
        self.migrations = migrations
    }

    /// Applies the missing migrations to `schema`, creating the schema if needed.
    ///
    /// The connection's `search_path` is set to `schema` for the rest of its session.
    ///
    /// - Parameters:
    ///   - connection: A connection that is not inside a transaction.
    ///   - schema: The schema the store uses (`public` by default).
    /// - Returns: The names of the migrations applied now, in order; empty when the schema was up to date.
    /// - Throws: ``StoreError/incompatibleSchema(_:)`` when an applied migration differs from the binary's or
    ///   is unknown to it, or `PGError` when a statement failed (nothing is applied then).
    @discardableResult
    public func migrate(_ connection: PGConnection, schema: String = "public") throws -> [String] {
        try connection.execute("BEGIN")
        do {
            let applied = try self.migrateInTransaction(connection, schema: schema)
            try connection.execute("COMMIT")
            return applied
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Opens a connection to `url`, applies the missing migrations to `schema` and closes it: `swirl migrate`.
    ///
    /// - Parameters:
    ///   - url: A libpq connection URI or keyword/value string.
    ///   - schema: The schema; `public` when `nil`.
    /// - Returns: The names of the migrations applied now.
    /// - Throws: ``StoreError/incompatibleSchema(_:)``, or ``StoreError/unavailable(_:)`` when the database
    ///   cannot be reached or a statement failed.
    @discardableResult
    public func migrate(url: String, schema: String? = nil) async throws -> [String] {
        let pool = PGPool(configuration: PGPool.Configuration(url: url, schema: schema ?? "public", size: 1))
        do {
            // Safe to run again after a lost connection: one transaction, and what was applied is skipped.
            let applied = try await pool.withConnection(retry: .once) { connection, _ in
                try self.migrate(connection, schema: schema ?? "public")
            }
            await pool.close()
            return applied
        } catch {
            await pool.close()
            throw PostgresStore.storeError(error, while: "migrating the database")
        }
    }

    /// All the SQL of all migrations, as one script that does what ``migrate(_:schema:)`` does for a schema
    /// that has none of them (`swirl migrate --print-sql`), including the records in `swirl_migrations`.
    public static func sql() -> String {
        PostgresMigrator().sql()
    }

    /// All the SQL of this migrator's migrations, as one script.
    public func sql() -> String {
        var script = """
            -- Swirl's schema, \(self.migrations.count) migration(s). Run it with the schema to use first in
            -- search_path; it records each migration the way `swirl migrate` does.
            BEGIN;
            \(Self.createHistoryTable)

            """
        for migration in self.migrations {
            script += "\n-- \(migration.name)\n"
            script += migration.sql
            if !migration.sql.hasSuffix("\n") {
                script += "\n"
            }
            // The name and checksum are ours (a file name, hex digits), not user input; quoted all the same.
            script += "INSERT INTO swirl_migrations (name, checksum) VALUES ("
            script += Self.quoteLiteral(migration.name) + ", " + Self.quoteLiteral(migration.checksum) + ");\n"
        }
        return script + "COMMIT;\n"
    }

    private static let createHistoryTable = """
        CREATE TABLE IF NOT EXISTS swirl_migrations (
            name text PRIMARY KEY,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        );
        """

    private func migrateInTransaction(_ connection: PGConnection, schema: String) throws -> [String] {
        // The lock first: two processes creating the schema or the table at once would otherwise collide.
        try connection.execute(
            "SELECT pg_advisory_xact_lock($1::int, $2::int)",
            [String(PostgresLocks.namespace), String(PostgresLocks.key("migrate", schema: schema))]
        )
        try connection.execute("CREATE SCHEMA IF NOT EXISTS \(PGText.identifier(schema))")
        try connection.execute("SELECT set_config('search_path', $1, false)", [PGText.identifier(schema)])
        try connection.executeScript(Self.createHistoryTable)

        let rows = try connection.query("SELECT name, checksum FROM swirl_migrations ORDER BY name")
        var recorded: [String: String] = [:]
        for row in rows {
            if let name = row["name"] {
                recorded[name] = row["checksum"] ?? ""
            }
        }
        let known = Dictionary(self.migrations.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        if let unknown = recorded.keys.sorted().first(where: { known[$0] == nil }) {
            throw StoreError.incompatibleSchema(
                "the database schema \"\(schema)\" has migration \(unknown), which this version of Swirl does not know; "
                    + "it was migrated by a newer Swirl: upgrade swirl")
        }
        for migration in self.migrations {
            if let checksum = recorded[migration.name], checksum != migration.checksum {
                throw StoreError.incompatibleSchema(
                    "migration \(migration.name) in the database schema \"\(schema)\" differs from the one this "
                        + "version of Swirl carries (checksum \(checksum.prefix(12))… instead of "
                        + "\(migration.checksum.prefix(12))…); applied migrations must never change")
            }
        }

        var applied: [String] = []
        for migration in self.migrations where recorded[migration.name] == nil {
            try connection.executeScript(migration.sql)
            try connection.execute(
                "INSERT INTO swirl_migrations (name, checksum) VALUES ($1, $2)",
                [migration.name, migration.checksum]
            )
            applied.append(migration.name)
        }
        return applied
    }

    private static func quoteLiteral(_ text: String) -> String {
        var quoted = "'"
        for character in text {
            quoted += character == "'" ? "''" : String(character)
        }
        return quoted + "'"
    }
}
