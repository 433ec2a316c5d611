import Foundation
import SwirlResources
import SwirlRuntime
import SwirlTestSupport
import Testing

@testable import SwirlSQLite

/// Applying the embedded SQLite migrations, refusing a file that does not match them, and keeping the
/// PostgreSQL and SQLite migration files apart.
@Suite struct SQLiteMigratorTests {
    @Test("a fresh file gets every migration once, recorded with its checksum, in WAL mode")
    func freshFile() async throws {
        try await withTemporaryDatabase { path in
            let migrator = SQLiteMigrator()
            #expect(!migrator.migrations.isEmpty)
            #expect(try await migrator.migrate(path: path) == migrator.migrations.map(\.name))
            #expect(try await migrator.migrate(path: path).isEmpty)

            let connection = try SQLiteConnection(path: path, busyTimeout: 1)
            let recorded = try connection.query("SELECT name, checksum FROM swirl_migrations ORDER BY name")
            #expect(recorded.map { $0[0].text } == migrator.migrations.map(\.name))
            #expect(recorded.map { $0[1].text } == migrator.migrations.map(\.checksum))
            let tables = try connection.query(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            #expect(
                tables.map { $0[0].text } == ["definitions", "events", "history", "history_batches", "run_values", "runs", "schedules", "swirl_migrations"])
            #expect(try connection.query("PRAGMA journal_mode").first?[0].text == "wal")
            #expect(try connection.query("PRAGMA foreign_keys").first?[0].integer == 1)

            // Opening a store on it applies nothing more and works.
            let store = try await SQLiteStore.open(path: path)
            #expect(try await store.runs(RunQuery()).isEmpty)
            await store.close()
        }
    }

    @Test("opening a store on a missing file creates the file, its folder and the schema")
    func opensMissingFile() async throws {
        try await withTemporaryDatabase { path in
            let nested = URL(fileURLWithPath: path).deletingLastPathComponent()
                .appendingPathComponent(".swirl/swirl.db").path
            let store = try await SQLiteStore.open(path: nested)
            #expect(FileManager.default.fileExists(atPath: nested))
            #expect(try await SQLiteMigrator().migrate(path: nested).isEmpty)
            await store.close()
        }
    }

    @Test("several processes migrating a new file at once apply each migration once")
    func concurrentMigrations() async throws {
        try await withTemporaryDatabase { path in
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask { try await SQLiteMigrator().migrate(path: path) }
                }
                return try await group.reduce(into: [[String]]()) { $0.append($1) }
            }
            #expect(applied.filter { !$0.isEmpty } == [SQLiteMigrator.embedded.map(\.name)])
            let connection = try SQLiteConnection(path: path, busyTimeout: 1)
            #expect(try connection.query("SELECT count(*) FROM swirl_migrations").first?[0].integer == Int64(SQLiteMigrator.embedded.count))
        }
    }

    @Test("a file where an applied migration was changed is refused, by the migrator and by the store")
    func changedChecksum() async throws {
        try await withTemporaryDatabase { path in
            try await SQLiteMigrator().migrate(path: path)
            let edited = SQLiteMigrator(
                migrations: SQLiteMigrator.embedded.map { SQLiteMigration(name: $0.name, sql: $0.sql + "\n-- edited\n") })
            for attempt in [
                { _ = try await edited.migrate(path: path) },
                { _ = try await SQLiteStore.open(path: path, migrator: edited) },
            ] as [@Sendable () async throws -> Void] {
                let error = await #expect(throws: StoreError.self) { try await attempt() }
                guard case .incompatibleSchema(let message) = error else {
                    Issue.record("expected incompatibleSchema, got \(String(describing: error))")
                    continue
                }
                #expect(message.contains("s0001_init.sql"))
                #expect(message.contains("must never change"))
            }
        }
    }

    @Test("a file migrated by a newer Swirl is refused, by the migrator and by the store")
    func newerDatabase() async throws {
        try await withTemporaryDatabase { path in
            let future = SQLiteMigration(name: "s9999_future.sql", sql: "CREATE TABLE future (id INTEGER);")
            let newer = SQLiteMigrator(migrations: SQLiteMigrator.embedded + [future])
            let applied = try await newer.migrate(path: path)
            #expect(applied == SQLiteMigrator.embedded.map(\.name) + [future.name])
            for attempt in [
                { _ = try await SQLiteMigrator().migrate(path: path) },
                { _ = try await SQLiteStore.open(path: path) },
            ] as [@Sendable () async throws -> Void] {
                let error = await #expect(throws: StoreError.self) { try await attempt() }
                guard case .incompatibleSchema(let message) = error else {
                    Issue.record("expected incompatibleSchema, got \(String(describing: error))")
                    continue
                }
                #expect(message.contains("s9999_future.sql"))
                #expect(message.contains("newer"))
            }
        }
    }

    @Test("a migration that fails leaves nothing behind, and the error names no SQL")
    func failingMigration() async throws {
        try await withTemporaryDatabase { path in
            let migrator = SQLiteMigrator(migrations: [
                SQLiteMigration(name: "s0001_good.sql", sql: "CREATE TABLE good (id INTEGER);"),
                SQLiteMigration(name: "s0002_bad.sql", sql: "CREATE TABLE bad (id INTEGER); SELEC 1;"),
            ])
            let error = await #expect(throws: StoreError.self) { try await migrator.migrate(path: path) }
            #expect(error?.description.contains("SELEC") == false)
            #expect(error?.description.contains("SQLite result code 1") == true)
            let connection = try SQLiteConnection(path: path, busyTimeout: 1)
            #expect(try connection.query("SELECT count(*) FROM sqlite_schema").first?[0].integer == 0)
        }
    }

    @Test("an SQLite error shows its statement only in its debug description")
    func errorText() async throws {
        try await withTemporaryDatabase { path in
            let connection = try SQLiteConnection(path: path, busyTimeout: 1)
            let error = try #require(throws: SQLiteError.self) { try connection.query("SELEC 'secret'") }
            #expect(error.primaryCode == 1)
            #expect(!error.description.contains("secret"))
            #expect(error.debugDescription.contains("SELEC 'secret'"))
        }
    }

    @Test("the embedded SQLite migrations are the files of Migrations/sqlite/, in order, byte for byte")
    func embeddedMatchesFolder() throws {
        let folder = PackageRoot.path("Migrations/sqlite")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!files.isEmpty)
        #expect(EmbeddedResources.sqliteMigrations.map(\.name) == files)
        for (name, sql) in EmbeddedResources.sqliteMigrations {
            let contents = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            #expect(sql == contents, "\(name) differs from the embedded copy")
            #expect(name.first == "s")
        }
    }

    @Test("the PostgreSQL migrations are still exactly the .sql files directly in Migrations/, none of SQLite's")
    func postgresListUnchanged() throws {
        let folder = PackageRoot.path("Migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(EmbeddedResources.migrations.map(\.name) == files)
        #expect(files.contains("m0001_init.sql"))
        let postgres = Set(EmbeddedResources.migrations.map(\.name))
        #expect(postgres.isDisjoint(with: EmbeddedResources.sqliteMigrations.map(\.name)))
        for (name, sql) in EmbeddedResources.migrations {
            #expect(sql == (try String(contentsOfFile: folder + "/" + name, encoding: .utf8)))
        }
    }
}
