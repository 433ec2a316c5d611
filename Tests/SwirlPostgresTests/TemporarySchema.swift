import SwirlPostgres
import SwirlTestSupport
import Testing

/// Opens a connection to the test database named by `SWIRL_TEST_DATABASE_URL`.
///
/// Fails the calling test when the URL is missing: under CI `TestDatabase.url()` throws, and elsewhere the suites
/// using this are disabled before they get here.
func connectToTestDatabase() throws -> PGConnection {
    let url = try #require(try TestDatabase.url(), "\(TestDatabase.urlVariable) is not set")
    return try PGConnection(url: url)
}

/// Runs `body` with a fresh connection whose `search_path` is a new, uniquely named schema, and drops the schema
/// (and everything `body` created in it) afterwards, whether `body` succeeds or throws.
///
/// Every test gets its own schema, so tests running in parallel never see each other's tables.
///
/// - Parameter body: The test, given the connection and the schema's name.
/// - Returns: What `body` returns.
func withTemporarySchema<T>(_ body: (PGConnection, String) throws -> T) throws -> T {
    let connection = try connectToTestDatabase()
    // Identifiers cannot be parameters; the name is built from lowercase hex only, so quoting it is enough.
    let schema = "swirl_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    try connection.execute("CREATE SCHEMA \"\(schema)\"")
    defer {
        _ = try? connection.execute("DROP SCHEMA \"\(schema)\" CASCADE")
    }
    try connection.execute("SELECT set_config('search_path', $1, false)", ["\"\(schema)\""])
    return try body(connection, schema)
}
