/// Files of the source tree that Swirl carries inside its binary, so an installed `swirl` needs
/// nothing beside it. `Schema/` and `Migrations/` are the source of truth; the target links to them.
public enum EmbeddedResources {
    /// `Schema/workflow.schema.json`: the JSON Schema of the workflow DSL, as UTF-8 bytes.
    public static var workflowSchema: [UInt8] { PackageResources.workflow_schema_json }

    /// `Migrations/*.sql`: the PostgreSQL schema changes, in the order they are applied.
    ///
    /// Every `.sql` file directly in `Migrations/` must be listed here (a test compares the two); SwiftPM embeds
    /// each file as its own constant and offers no way to enumerate them. The SQLite store's files live in
    /// `Migrations/sqlite/` and are listed in ``sqliteMigrations`` instead.
    public static var migrations: [(name: String, sql: String)] {
        [
            ("m0001_init.sql", PackageResources.m0001_init_sql),
            ("m0002_runs_fillfactor.sql", PackageResources.m0002_runs_fillfactor_sql),
            ("m0003_schedules.sql", PackageResources.m0003_schedules_sql),
            ("m0004_history_keys.sql", PackageResources.m0004_history_keys_sql),
            ("m0005_event_schedules.sql", PackageResources.m0005_event_schedules_sql),
            ("m0006_subscriptions.sql", PackageResources.m0006_subscriptions_sql),
            ("m0007_history_batches.sql", PackageResources.m0007_history_batches_sql),
            ("m0008_runs_due_index.sql", PackageResources.m0008_runs_due_index_sql),
        ].map { (name: $0.0, sql: String(decoding: $0.1, as: UTF8.self)) }
    }

    /// `Migrations/sqlite/*.sql`: the SQLite store's schema changes, in the order they are applied.
    ///
    /// Every file of `Migrations/sqlite/` must be listed here (a test compares the two). Their names start with
    /// `s` so that the constants SwiftPM generates (named after the file alone) never collide with the PostgreSQL
    /// files'.
    public static var sqliteMigrations: [(name: String, sql: String)] {
        [
            ("s0001_init.sql", PackageResources.s0001_init_sql),
            ("s0002_schedules.sql", PackageResources.s0002_schedules_sql),
            ("s0003_event_schedules.sql", PackageResources.s0003_event_schedules_sql),
            ("s0004_subscriptions.sql", PackageResources.s0004_subscriptions_sql),
            ("s0005_history_batches.sql", PackageResources.s0005_history_batches_sql),
        ].map { (name: $0.0, sql: String(decoding: $0.1, as: UTF8.self)) }
    }
}
