public import SwirlRuntime

/// One schema change of the SQLite store: a SQL file of `Migrations/sqlite/`, applied inside the migrator's
/// transaction (so never `BEGIN` or `COMMIT`).
public typealias SQLiteMigration = SchemaMigration
