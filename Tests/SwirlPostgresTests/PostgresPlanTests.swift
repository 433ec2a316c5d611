@testable import SwirlPostgres
import SwirlCore
import SwirlTestSupport
import Testing

/// The plans of the hot statements that read rows by key: found through their indexes whatever the statistics say,
/// so that their cost does not grow with the number of runs.
@Suite(.enabled(if: TestDatabase.isAvailableOrRequired, "SWIRL_TEST_DATABASE_URL is not set; run scripts/test"))
struct PostgresPlanTests {
    /// A migrated schema with 600 due runs, analyzed: a statement planned now, while the table is small, keeps its
    /// plan on its connection as the table grows to millions of runs.
    private static func withSmallTable(_ body: @escaping @Sendable (PGConnection) throws -> Void) async throws {
        try await withTemporaryStore { _, schema in
            try await offPool {
                let connection = try connectToTestDatabase()
                try connection.execute("SELECT set_config('search_path', $1, false)", ["\"\(schema)\""])
                try connection.execute(
                    "INSERT INTO definitions (hash, namespace, name, version, document) VALUES ('h', 'tests', 'plans', '1.0.0', '{}')")
                try connection.execute(
                    """
                    INSERT INTO runs (id, definition_hash, status, input, state, wake_at)
                    SELECT 'run-' || n, 'h', 'pending', '{}', repeat('x', 300), now() - interval '1 second'
                    FROM generate_series(1, 600) AS n
                    """)
                try connection.execute("ANALYZE runs")
                try body(connection)
            }
        }
    }

    /// The generic plan of `statement` (the plan a connection keeps for a prepared statement once it stops
    /// planning each call afresh), prepared after ``PostgresStatements/planKeyLookups`` in one transaction.
    private static func plan(_ statement: PGStatement, _ parameters: [String?], on connection: PGConnection) throws -> String {
        let literals = parameters.map { value in value.map { "'" + $0.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'" } ?? "NULL" }
        let replies = try connection.pipeline([
            (PostgresStatements.planKeyLookups, []),
            (PGStatement("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"), []),
            (PGStatement("PREPARE plan_test AS " + statement.sql), []),
            (PGStatement("EXPLAIN EXECUTE plan_test(" + literals.joined(separator: ", ") + ")"), []),
            (PGStatement("DEALLOCATE plan_test"), []),
        ])
        return replies[3].compactMap { $0["QUERY PLAN"] }.joined(separator: "\n")
    }

    @Test("a group's fenced write finds each run through the primary key")
    func groupWriteUsesTheKey() async throws {
        try await Self.withSmallTable { connection in
            let ids: [String?] = ["run-1", "run-2", "run-3"]
            func column(_ value: String?) -> String { PGText.array(ids.map { _ in value }) }
            let parameters: [String?] =
                [
                    PGText.array(ids), column("1"), column("worker"), column("token"), column("{}"), column("running"),
                    column(nil), column("false"), column("false"), column("false"), column(nil), column(nil),
                    column("false"), column("0"), column("0"), column(nil),
                ] + [PGText.array([String?]()), PGText.array([String?]()), PGText.array([String?]())]
            let plan = try Self.plan(PostgresStatements.checkpointRuns, parameters, on: connection)
            #expect(plan.contains("Index Scan using runs_pkey on runs"), "\(plan)")
            #expect(!plan.contains("Seq Scan on runs"), "\(plan)")
            #expect(!plan.contains("Hash Join"), "\(plan)")
        }
    }

    @Test("a claim reads the first due runs in the order of the index, without sorting every due run")
    func claimReadsTheIndexInOrder() async throws {
        try await Self.withSmallTable { connection in
            let plan = try Self.plan(PostgresStatements.claim(one: false), ["worker", "16", "30"], on: connection)
            #expect(plan.contains("Index Scan using runs_due_idx on runs"), "\(plan)")
            #expect(!plan.contains("Sort"), "\(plan)")
            #expect(!plan.contains("Seq Scan on runs"), "\(plan)")
        }
    }

    @Test("a heartbeat renews each lease through the primary key")
    func heartbeatUsesTheKey() async throws {
        try await Self.withSmallTable { connection in
            let plan = try Self.plan(
                PostgresStatements.heartbeat, ["worker", PGText.array(["run-1", "run-2"] as [String?]), PGText.array(["1", "1"] as [String?]), "30"],
                on: connection)
            #expect(plan.contains("Index Scan using runs_pkey on runs"), "\(plan)")
            #expect(!plan.contains("Seq Scan on runs"), "\(plan)")
        }
    }

    @Test("the planner settings end with their transaction")
    func settingsEndWithTheTransaction() async throws {
        try await withTemporaryStore { _, _ in
            try await offPool {
                let connection = try connectToTestDatabase()
                _ = try connection.pipeline([(PostgresStatements.planKeyLookups, [])])
                for setting in ["enable_hashjoin", "enable_mergejoin", "enable_seqscan", "enable_sort"] {
                    #expect(try connection.query("SELECT current_setting($1) AS value", [setting]).first?["value"] == "on")
                }
            }
        }
    }
}
