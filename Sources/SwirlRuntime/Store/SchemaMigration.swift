import Crypto

/// One schema change of a database store: a SQL file of `Migrations/` (PostgreSQL) or `Migrations/sqlite/`
/// (SQLite), carried inside the binary. Each store's migrator says how its files are applied.
public struct SchemaMigration: Sendable, Hashable {
    /// The file's name (`m0001_init.sql`, `s0001_init.sql`); migrations apply in the order of their names.
    public var name: String
    /// The statements, applied as one script.
    public var sql: String

    /// Creates a migration.
    ///
    /// - Parameters:
    ///   - name: The file's name; it must start with a letter and sort after the migrations before it.
    ///   - sql: The statements.
    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }

    /// SHA-256 of the SQL text, in hex: recorded when the migration is applied, so a file changed after it was
    /// applied is detected.
    public var checksum: String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(self.sql.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
