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
}
