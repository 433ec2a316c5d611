import SwirlPostgres
import SwirlTestSupport
import Testing

/// Integration tests against a real server: they need `SWIRL_TEST_DATABASE_URL` (set by `scripts/test`). Without
/// it they are skipped locally and fail under CI.
@Suite(.enabled(if: TestDatabase.isAvailableOrRequired, "SWIRL_TEST_DATABASE_URL is not set; run scripts/test"))
struct PGConnectionTests {
    @Test("connects and reports the server version")
    func connects() throws {
        let connection = try connectToTestDatabase()
        #expect(connection.serverVersion >= 100_000)
        let rows = try connection.query("SELECT current_setting('client_encoding') AS encoding")
        #expect(rows.first?["encoding"] == "UTF8")
    }

    @Test("round-trips parameters, with NULL as nil")
    func roundTripsParameters() throws {
        let connection = try connectToTestDatabase()
        let rows = try connection.query(
            "SELECT $1::int + $2::int AS sum, $3::text AS t, $4::text AS n",
            ["40", "2", "hello", nil]
        )
        #expect(rows.columns == ["sum", "t", "n"])
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(row["sum"] == "42")
        #expect(row["t"] == "hello")
        #expect(row["n"] == nil)
        #expect(row.values == ["42", "hello", nil])
        #expect(rows.value(row: 0, column: "sum") == "42")
        #expect(rows.rowsAffected == 1)
    }

    @Test(
        "passes text through a parameter unchanged",
        arguments: [
            "O'Brien",
            "\"double\" and 'single' quotes",
            "'); DROP TABLE users; --",
            "$1 $2 :name ? %s",
            "back\\slash and E'\\n'",
            "naïve café, 日本語, עברית, 🎉👩‍👩‍👧",
            "line\nbreak\ttab\r\n",
            "",
        ]
    )
    func passesTextUnchanged(text: String) throws {
        let connection = try connectToTestDatabase()
        let rows = try connection.query("SELECT $1::text AS value, char_length($1::text) AS length", [text])
        let row = try #require(rows.first)
        #expect(row["value"] == text)
        #expect(row["length"] == String(text.unicodeScalars.count))
    }

    @Test("creates, fills, reads and drops a table in a temporary schema")
    func tableRoundTrip() throws {
        try withTemporarySchema { connection, schema in
            try connection.execute("CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, note text)")
            let located = try connection.query(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'items'"
            )
            #expect(located.map { $0["table_schema"] } == [schema])

            let items: [(String, String, String?)] = [
                ("1", "first", "a note"), ("2", "it's second", nil), ("3", "三", ""),
            ]
            for (id, name, note) in items {
                let inserted = try connection.execute(
                    "INSERT INTO items (id, name, note) VALUES ($1, $2, $3)",
                    [id, name, note]
                )
                #expect(inserted == 1)
            }

            let rows = try connection.query("SELECT id, name, note FROM items ORDER BY id")
            #expect(rows.columns == ["id", "name", "note"])
            #expect(rows.values == items.map { [$0.0, $0.1, $0.2] })
            #expect(rows.rowsAffected == 3)

            let updated = try connection.execute("UPDATE items SET note = $1 WHERE id >= $2", ["later", "2"])
            #expect(updated == 2)
            let returned = try connection.query("DELETE FROM items WHERE id = $1 RETURNING name", ["1"])
            #expect(returned.map { $0["name"] } == ["first"])

            #expect(try connection.execute("DROP TABLE items") == 0)
            let remaining = try connection.query(
                "SELECT count(*) AS count FROM information_schema.tables WHERE table_schema = $1",
                [schema]
            )
            #expect(remaining.first?["count"] == "0")
        }
    }

    @Test("reports a syntax error with SQLSTATE 42601 and stays usable")
    func syntaxError() throws {
        let connection = try connectToTestDatabase()
        let error = try #require(throws: PGError.self) {
            try connection.query("SELEC 1 AS secret_column")
        }
        #expect(error.code == .queryFailed)
        #expect(error.sqlState == "42601")
        #expect(error.message.contains("syntax error"))
        #expect(error.description.contains("42601"))
        #expect(!error.description.contains("secret_column"))
        #expect(error.debugDescription.contains("SELEC 1 AS secret_column"))

        #expect(try connection.query("SELECT 1 AS one").first?["one"] == "1")
    }

    @Test("reports a unique violation with SQLSTATE 23505, keeping the key out of the description")
    func uniqueViolation() throws {
        try withTemporarySchema { connection, _ in
            try connection.execute("CREATE TABLE accounts (email text PRIMARY KEY)")
            try connection.execute("INSERT INTO accounts (email) VALUES ($1)", ["alice@example.com"])
            let error = try #require(throws: PGError.self) {
                try connection.execute("INSERT INTO accounts (email) VALUES ($1)", ["alice@example.com"])
            }
            #expect(error.code == .queryFailed)
            #expect(error.sqlState == "23505")
            #expect(error.detail?.contains("alice@example.com") == true)
            #expect(!error.description.contains("alice@example.com"))
            #expect(error.debugDescription.contains("alice@example.com"))
        }
    }

    @Test("rejects a NUL byte in a parameter before sending it")
    func rejectsNulByte() throws {
        let connection = try connectToTestDatabase()
        let error = try #require(throws: PGError.self) {
            try connection.query("SELECT $1::text AS value", ["before\u{0}after"])
        }
        #expect(error.code == .invalidParameter)
        #expect(error.sqlState == nil)
    }

    @Test("refuses COPY and leaves the connection usable")
    func refusesCopy() throws {
        try withTemporarySchema { connection, _ in
            try connection.execute("CREATE TABLE sink (value integer)")
            for statement in ["COPY (SELECT generate_series(1, 1000)) TO STDOUT", "COPY sink FROM STDIN"] {
                let error = try #require(throws: PGError.self) {
                    try connection.query(statement)
                }
                #expect(error.code == .unexpectedResult)
                #expect(try connection.query("SELECT count(*) AS count FROM sink").first?["count"] == "0")
            }
        }
    }
}
