import Foundation
import SwirlPostgres
import SwirlResources
import SwirlRuntime
import SwirlTestSupport
import Testing

/// Applying the embedded migrations, and refusing a database that does not match them.
@Suite(.enabled(if: TestDatabase.isAvailableOrRequired, "SWIRL_TEST_DATABASE_URL is not set; run scripts/test"))
struct PostgresMigratorTests {
    @Test("applies every migration once, records it, and applies nothing the second time")
    func appliesOnce() throws {
        try withTemporarySchema { connection, schema in
            let migrator = PostgresMigrator()
            #expect(try migrator.migrate(connection, schema: schema) == migrator.migrations.map(\.name))
            #expect(try migrator.migrate(connection, schema: schema).isEmpty)
            let rows = try connection.query("SELECT name, checksum FROM swirl_migrations ORDER BY name")
            #expect(rows.map { $0["name"] } == migrator.migrations.map(\.name))
            #expect(rows.map { $0["checksum"] } == migrator.migrations.map(\.checksum))
            let tables = try connection.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
                [schema])
            #expect(
                tables.map { $0["table_name"] }
                    == ["definitions", "events", "history", "history_batches", "run_values", "runs", "schedules", "swirl_migrations"])
        }
    }

    @Test("creates the schema it is given")
    func createsSchema() throws {
        let connection = try connectToTestDatabase()
        let schema = uniqueSchemaName()
        defer { try? dropSchema(schema) }
        try PostgresMigrator().migrate(connection, schema: schema)
        let found = try connection.query("SELECT count(*) AS n FROM pg_namespace WHERE nspname = $1", [schema])
        #expect(found.first?["n"] == "1")
    }

    @Test("two processes migrating at once apply each migration once")
    func concurrentMigrations() async throws {
        let schema = uniqueSchemaName()
        defer { try? dropSchema(schema) }
        let applied = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let connection = try connectToTestDatabase()
                    return try PostgresMigrator().migrate(connection, schema: schema)
                }
            }
            return try await group.reduce(into: [[String]]()) { $0.append($1) }
        }
        #expect(applied.filter { !$0.isEmpty } == [PostgresMigrator().migrations.map(\.name)])
        let connection = try connectToTestDatabase()
        try connection.execute("SELECT set_config('search_path', $1, false)", ["\"\(schema)\""])
        let count = try connection.query("SELECT count(*) AS n FROM swirl_migrations").first?["n"]
        #expect(count == String(PostgresMigrator().migrations.count))
    }

    @Test("refuses a database where an applied migration was changed")
    func changedChecksum() throws {
        try withTemporarySchema { connection, schema in
            try PostgresMigrator().migrate(connection, schema: schema)
            let edited = PostgresMigrator.embedded.map { migration in
                PostgresMigration(name: migration.name, sql: migration.sql + "\n-- edited\n")
            }
            let error = try #require(throws: StoreError.self) {
                try PostgresMigrator(migrations: edited).migrate(connection, schema: schema)
            }
            guard case .incompatibleSchema(let message) = error else {
                Issue.record("expected incompatibleSchema, got \(error)")
                return
            }
            #expect(message.contains("m0001_init.sql"))
            #expect(message.contains("must never change"))
        }
    }

    @Test("refuses a database migrated by a newer Swirl")
    func newerDatabase() async throws {
        let schema = uniqueSchemaName()
        defer { try? dropSchema(schema) }
        let connection = try connectToTestDatabase()
        let future = PostgresMigration(name: "m9999_future.sql", sql: "CREATE TABLE future (id int);")
        let newer = PostgresMigrator(migrations: PostgresMigrator.embedded + [future])
        #expect(try newer.migrate(connection, schema: schema) == PostgresMigrator.embedded.map(\.name) + [future.name])
        let error = try #require(throws: StoreError.self) {
            try PostgresMigrator().migrate(connection, schema: schema)
        }
        #expect(error.description.contains("m9999_future.sql"))
        #expect(error.description.contains("newer"))
        // Opening a store refuses too, with the same message.
        let url = try #require(try TestDatabase.url())
        let opened = await #expect(throws: StoreError.self) {
            try await PostgresStore.open(url: url, schema: schema)
        }
        #expect(opened?.description.contains("m9999_future.sql") == true)
    }

    @Test("a migration that fails leaves nothing behind")
    func failingMigration() throws {
        try withTemporarySchema { connection, schema in
            let migrations = [
                PostgresMigration(name: "m0001_good.sql", sql: "CREATE TABLE good (id int);"),
                PostgresMigration(name: "m0002_bad.sql", sql: "CREATE TABLE bad (id int); SELEC 1;"),
            ]
            let error = try #require(throws: PGError.self) {
                try PostgresMigrator(migrations: migrations).migrate(connection, schema: schema)
            }
            #expect(error.sqlState == "42601")
            let tables = try connection.query(
                "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1", [schema])
            #expect(tables.first?["n"] == "0")
            #expect(try connection.query("SELECT 1 AS one").first?["one"] == "1")
        }
    }

    @Test("the printed SQL builds the same schema, and the migrator recognises it as applied")
    func printedSQL() throws {
        let script = PostgresMigrator.sql()
        for migration in PostgresMigrator.embedded {
            #expect(script.contains(migration.sql))
            #expect(script.contains(migration.checksum))
        }
        try withTemporarySchema { connection, schema in
            try connection.executeScript(script)
            #expect(try PostgresMigrator().migrate(connection, schema: schema).isEmpty)
            #expect(try connection.query("SELECT count(*) AS n FROM runs").first?["n"] == "0")
        }
    }

    @Test("the embedded migrations are the files of Migrations/, in order, byte for byte")
    func embeddedMatchesFolder() throws {
        let folder = PackageRoot.path("Migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(EmbeddedResources.migrations.map(\.name) == files)
        for (name, sql) in EmbeddedResources.migrations {
            let contents = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            #expect(sql == contents, "\(name) differs from the embedded copy")
            #expect(name.first?.isLetter == true)
        }
    }
}

