import Dispatch
import SwirlPostgres
import SwirlRuntime
import SwirlTestSupport
import Testing

/// A schema name no other test uses: `swirl_test_` and random hex.
func uniqueSchemaName() -> String {
    "swirl_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
}

/// Runs `body` with a ``PostgresStore`` on a new schema of the test database (migrated by `open`), then closes
/// the store and drops the schema, whether `body` succeeds or throws.
///
/// - Parameters:
///   - poolSize: The store's number of connections.
///   - limits: The store's limits.
///   - body: The test, given the store and its schema.
func withTemporaryStore<T>(
    poolSize: Int = 2, limits: StoreLimits = StoreConformance.limits,
    _ body: (PostgresStore, String) async throws -> T
) async throws -> T {
    let url = try #require(try TestDatabase.url(), "\(TestDatabase.urlVariable) is not set")
    let schema = uniqueSchemaName()
    let store = try await PostgresStore.open(url: url, schema: schema, poolSize: poolSize, limits: limits)
    do {
        let result = try await body(store, schema)
        await store.close()
        try await offPool { try dropSchema(schema) }
        return result
    } catch {
        await store.close()
        _ = try? await offPool { try dropSchema(schema) }
        throw error
    }
}

/// Opens another store on the schema of a temporary store: a second process, as far as the database can tell.
func openStore(schema: String, poolSize: Int = 2) async throws -> PostgresStore {
    let url = try #require(try TestDatabase.url(), "\(TestDatabase.urlVariable) is not set")
    return try await PostgresStore.open(url: url, schema: schema, poolSize: poolSize, limits: StoreConformance.limits)
}

/// Drops `schema` and everything in it.
func dropSchema(_ schema: String) throws {
    let connection = try connectToTestDatabase()
    try connection.execute("DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE")
}

/// Runs blocking work (a test's own `PGConnection`) on a thread of its own instead of Swift's cooperative pool,
/// which has only as many threads as the machine has cores: a test blocking them would stall the others, and
/// leases of a second or two would expire under them.
@discardableResult
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "swirl.tests.blocking").async {
            continuation.resume(with: Result { try body() })
        }
    }
}

/// Runs `body` off the cooperative pool with a fresh connection to the test database.
@discardableResult
func withAdminConnection<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
    try await offPool { try body(try connectToTestDatabase()) }
}
