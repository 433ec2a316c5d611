import SwirlPostgres
import SwirlTestSupport
import Testing

/// Prepared statements, pipelines and notifications on one connection.
@Suite(.enabled(if: TestDatabase.isAvailableOrRequired, "SWIRL_TEST_DATABASE_URL is not set; run scripts/test"))
struct PGPipelineTests {
    @Test("a prepared statement is prepared once and runs with new parameters each time")
    func prepared() throws {
        let connection = try connectToTestDatabase()
        let statement = PGStatement(prepared: "test_add", "SELECT $1::int + $2::int AS sum")
        #expect(try connection.query(statement, ["1", "2"]).first?["sum"] == "3")
        #expect(try connection.query(statement, ["40", "2"]).first?["sum"] == "42")
        let prepared = try connection.query("SELECT count(*) AS n FROM pg_prepared_statements WHERE name = 'test_add'")
        #expect(prepared.first?["n"] == "1")
    }

    @Test("a pipeline returns each statement's rows, and sees the writes before it")
    func pipelineResults() throws {
        try withTemporarySchema { connection, _ in
            try connection.execute("CREATE TABLE pipeline_items (id int PRIMARY KEY, name text)")
            let insert = PGStatement(prepared: "test_insert", "INSERT INTO pipeline_items VALUES ($1, $2) RETURNING id")
            let results = try connection.pipeline([
                (insert, ["1", "one"]),
                (PGStatement("SELECT count(*) AS n FROM pipeline_items"), []),
                (insert, ["2", "two"]),
                (PGStatement("SELECT string_agg(name, ',' ORDER BY id) AS names FROM pipeline_items"), []),
            ])
            #expect(results.count == 4)
            #expect(results[0].first?["id"] == "1")
            #expect(results[1].first?["n"] == "1")
            #expect(results[3].first?["names"] == "one,two")
            #expect(connection.isUsable)
        }
    }

    @Test("a pipeline whose statement fails writes nothing and leaves the connection usable")
    func pipelineIsOneTransaction() throws {
        try withTemporarySchema { connection, _ in
            try connection.execute("CREATE TABLE pipeline_items (id int PRIMARY KEY)")
            let insert = PGStatement(prepared: "test_insert_id", "INSERT INTO pipeline_items VALUES ($1)")
            let error = try #require(throws: PGError.self) {
                try connection.pipeline([
                    (insert, ["1"]),
                    (PGStatement("SELECT 1 / 0"), []),
                    (insert, ["2"]),
                ])
            }
            #expect(error.sqlState == "22012")
            #expect(connection.isUsable)
            #expect(try connection.query("SELECT count(*) AS n FROM pipeline_items").first?["n"] == "0")
            // The prepared statement is still known after the failed pipeline.
            _ = try connection.pipeline([(insert, ["3"])])
            #expect(try connection.query("SELECT count(*) AS n FROM pipeline_items").first?["n"] == "1")
        }
    }

    @Test("a listening connection receives notifications, and times out without them")
    func notifications() throws {
        let listener = try connectToTestDatabase()
        let sender = try connectToTestDatabase()
        let channel = "swirl_test_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        try listener.execute("LISTEN \(channel)")
        #expect(try listener.notifications(waitingUpTo: 0.05).isEmpty)
        try sender.execute("SELECT pg_notify($1, $2)", [channel, "hello"])
        var received: [PGNotification] = []
        for _ in 0..<20 where received.isEmpty {
            received = try listener.notifications(waitingUpTo: 0.25)
        }
        #expect(received.map(\.channel) == [channel])
        #expect(received.map(\.payload) == ["hello"])
        #expect(received.first?.processID == sender.backendProcessID)
    }

    @Test("a connection whose server process was terminated is no longer usable")
    func terminated() throws {
        let victim = try connectToTestDatabase()
        let killer = try connectToTestDatabase()
        #expect(victim.isUsable)
        _ = try killer.query("SELECT pg_terminate_backend($1)", [String(victim.backendProcessID)])
        var usable = true
        for _ in 0..<50 where usable {
            usable = victim.isUsable
            if usable {
                _ = try killer.query("SELECT pg_sleep(0.02)")
            }
        }
        #expect(!usable)
        let error = try #require(throws: PGError.self) { try victim.query("SELECT 1") }
        #expect(error.code == .connectionLost)
    }
}
