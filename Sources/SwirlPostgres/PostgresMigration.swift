public import SwirlRuntime

/// One schema change of the PostgreSQL store: a SQL file of `Migrations/`. Its statements must not name a
/// schema, so that they apply to the store's.
public typealias PostgresMigration = SchemaMigration
