import ArgumentParser
import Foundation
import SwirlPostgres
import SwirlRuntime

/// `--db URL`: the PostgreSQL database that keeps runs, for every command that uses one.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The PostgreSQL database that keeps the runs (default: DATABASE_URL).",
            discussion: "A libpq URL (postgresql://user@host:port/db) or keyword string; libpq's PG* variables and service files work too.",
            valueName: "url"))
    var database: String?

    /// The URL given, or `DATABASE_URL`.
    var url: String? {
        database ?? ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Opens the store, applying missing migrations first.
    /// - Throws: ``EnvironmentFailure`` when no database is named or it cannot be used.
    func open(poolSize: Int = 4) async throws -> PostgresStore {
        guard let url else {
            throw EnvironmentFailure(message: "no database: give --db postgresql://… or set DATABASE_URL")
        }
        return try await Self.open(url: url, poolSize: poolSize)
    }

    static func open(url: String, poolSize: Int = 4) async throws -> PostgresStore {
        do {
            return try await PostgresStore.open(url: url, poolSize: poolSize)
        } catch {
            throw EnvironmentFailure(message: "cannot use the database: \(error)")
        }
    }
}
