import Crypto

/// One schema change of the SQLite store: a SQL file of `Migrations/sqlite/`, carried inside the binary.
public struct SQLiteMigration: Sendable, Hashable {
    /// The file's name (`s0001_init.sql`); migrations apply in the order of their names.
    public var name: String
    /// The statements, applied as one script inside the migrator's transaction (so never `BEGIN` or `COMMIT`).
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
