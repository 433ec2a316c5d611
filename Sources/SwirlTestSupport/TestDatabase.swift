import Foundation

/// Where the PostgreSQL integration tests find their database, and whether they must run.
///
/// The tests read `SWIRL_TEST_DATABASE_URL`, which `scripts/test` sets after starting a throwaway server. On a
/// developer machine without it the tests are skipped with a visible reason; under CI (`CI=true` or `CI=1`) a
/// missing URL is a failure, so a broken CI setup cannot silently skip them. Typical use:
///
/// ```swift
/// @Suite(.enabled(if: TestDatabase.isAvailableOrRequired, "SWIRL_TEST_DATABASE_URL is not set; use scripts/test"))
/// struct PostgresStoreTests {
///     @Test func claimsRuns() throws {
///         let url = try #require(try TestDatabase.url())
///         …
///     }
/// }
/// ```
public enum TestDatabase {
    /// The environment variable holding the connection URL (`postgresql://postgres@127.0.0.1:54321/postgres`).
    public static let urlVariable = "SWIRL_TEST_DATABASE_URL"

    /// The environment variable that marks a CI run.
    public static let ciVariable = "CI"

    /// The error thrown when CI runs without a database URL.
    public struct MissingURLError: Error, CustomStringConvertible {
        /// Explains what is missing and why it matters.
        public var description: String {
            "\(TestDatabase.urlVariable) is not set; CI requires the PostgreSQL tests to run (use scripts/test)"
        }
    }

    /// The test database's URL from the process environment.
    ///
    /// - Returns: The URL, or `nil` when it is not set outside CI (the caller skips its tests).
    /// - Throws: `MissingURLError` when it is not set and `CI` is `true` or `1`.
    public static func url() throws -> String? {
        try Self.url(environment: ProcessInfo.processInfo.environment)
    }

    /// The test database's URL from the given environment (the testable core of `url()`).
    ///
    /// An empty value counts as unset.
    ///
    /// - Parameter environment: The environment variables.
    /// - Returns: The URL, or `nil` when it is not set outside CI.
    /// - Throws: `MissingURLError` when it is not set and `CI` is `true` or `1`.
    public static func url(environment: [String: String]) throws -> String? {
        if let url = environment[Self.urlVariable], !url.isEmpty {
            return url
        }
        if Self.isCI(environment: environment) {
            throw MissingURLError()
        }
        return nil
    }

    /// Whether the PostgreSQL tests should run: the URL is set, or CI requires them (then they fail when the URL
    /// is missing). Use it with `.enabled(if:)`.
    public static var isAvailableOrRequired: Bool {
        Self.isAvailableOrRequired(environment: ProcessInfo.processInfo.environment)
    }

    /// Whether the PostgreSQL tests should run in the given environment.
    ///
    /// - Parameter environment: The environment variables.
    /// - Returns: `true` when the URL is set or `CI` is `true` or `1`.
    public static func isAvailableOrRequired(environment: [String: String]) -> Bool {
        !(environment[Self.urlVariable] ?? "").isEmpty || Self.isCI(environment: environment)
    }

    private static func isCI(environment: [String: String]) -> Bool {
        switch environment[Self.ciVariable]?.lowercased() {
        case "true", "1": true
        default: false
        }
    }
}
