/// A SQL statement, either sent whole each time or prepared once per connection and then run by name.
///
/// Hot statements (claims, checkpoints, heartbeats) are prepared: the server parses and plans them once per
/// connection instead of on every call. A prepared statement's name must be unique among the statements a
/// connection uses, and the same name must always stand for the same SQL.
public struct PGStatement: Sendable, Hashable {
    /// The name it is prepared under, or `nil` for a statement sent whole each time.
    public let name: String?
    /// One SQL statement with `$1`, `$2`, … for its parameters.
    public let sql: String

    /// A statement sent whole each time it runs.
    ///
    /// - Parameter sql: One SQL statement.
    public init(_ sql: String) {
        self.name = nil
        self.sql = sql
    }

    /// A statement prepared on each connection the first time it runs there.
    ///
    /// - Parameters:
    ///   - name: The prepared statement's name (`swirl_claim`).
    ///   - sql: One SQL statement.
    public init(prepared name: String, _ sql: String) {
        self.name = name
        self.sql = sql
    }
}
