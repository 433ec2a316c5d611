import SwirlCore
import SwirlPostgres
import SwirlRuntime
import SwirlTestSupport
import Testing

/// The store contract (``StoreConformance``) on PostgreSQL: every check on a fresh schema, with real time (short
/// leases and timers of two seconds, waited for: long enough that a loaded machine finishes the few statements
/// a check runs while a short lease must still hold).
@Suite(.enabled(if: TestDatabase.isAvailableOrRequired, "SWIRL_TEST_DATABASE_URL is not set; run scripts/test"))
struct PostgresStoreTests {
    @Test(arguments: StoreConformance.checks)
    func conforms(to check: StoreConformance.Check) async throws {
        try await withTemporaryStore { store, _ in
            try await check.run(
                StoreConformance.Subject(
                    store: store, advance: { try await Task.sleep(for: .seconds($0)) }, lease: 600, shortLease: 2))
        }
    }

    /// Entries written one per row (before m0007_history_batches.sql) come first, then the batches.
    @Test func historyWrittenBeforeBatches() async throws {
        try await withTemporaryStore { store, schema in
            let subject = StoreConformance.Subject(
                store: store, advance: { try await Task.sleep(for: .seconds($0)) }, lease: 600, shortLease: 2)
            try await StoreConformance.historyAcrossVersions(subject) { runID, entries in
                try await withAdminConnection { connection in
                    for entry in entries {
                        try connection.execute(
                            """
                            INSERT INTO "\(schema)".history (run_id, time, kind, task, step_key, attempt, data)
                            VALUES ($1, to_timestamp($2::float8), $3, $4, $5, $6::int, $7)
                            """,
                            [
                                runID, String(entry.time), entry.kind, entry.task, entry.stepKey, entry.attempt.map { String($0) },
                                entry.data?.value.serialized(),
                            ])
                    }
                }
            }
        }
    }
}
