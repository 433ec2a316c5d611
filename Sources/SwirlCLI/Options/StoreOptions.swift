import ArgumentParser
import Foundation
import SwirlPostgres
import SwirlRuntime
import SwirlSQLite

/// A store a command opened, and must close when done.
protocol OpenedStore: Store {
    func close() async
}

extension PostgresStore: OpenedStore {}
extension SQLiteStore: OpenedStore {}

/// Where runs are kept: a PostgreSQL database or an SQLite file.
enum StoreLocation: Equatable, CustomStringConvertible {
    case postgres(String)
    case sqlite(path: String)

    /// The file `swirl` uses when no store is named: `.swirl/swirl.db` under the current folder.
    static var localDefault: StoreLocation { .sqlite(path: ".swirl/swirl.db") }

    /// Reads a `--db` value: `sqlite:PATH` (or `sqlite://PATH`) names an SQLite file; anything else is a libpq
    /// connection string (a `postgresql://` URL or `key=value` words).
    init(_ text: String) throws {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw ValidationError("--db sqlite: needs a file, as in sqlite:.swirl/swirl.db") }
            self = .sqlite(path: path)
        } else {
            self = .postgres(text)
        }
    }

    /// As `--db` takes it, for commands printed to the user.
    var description: String {
        switch self {
        case .postgres(let url): url
        case .sqlite(let path): "sqlite:" + path
        }
    }

    /// Opens the store, applying its missing migrations first.
    /// - Parameter poolSize: the connections of a PostgreSQL store (an SQLite store has one).
    /// - Throws: ``EnvironmentFailure`` when the store cannot be used.
    func open(poolSize: Int = 4) async throws -> any OpenedStore {
        do {
            switch self {
            case .postgres(let url): return try await PostgresStore.open(url: url, poolSize: poolSize)
            case .sqlite(let path): return try await SQLiteStore.open(path: path)
            }
        } catch {
            switch self {
            case .postgres: throw EnvironmentFailure(message: "cannot use the database: \(error)")
            case .sqlite(let path): throw EnvironmentFailure(message: "cannot use the run store \(path): \(error)")
            }
        }
    }
}

/// `--db`: where the runs are kept, for every command that uses a store.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "Where the runs are kept: a PostgreSQL URL, or sqlite:PATH (default: SWIRL_DB, then DATABASE_URL, then .swirl/swirl.db).",
            discussion: "PostgreSQL: a libpq URL (postgresql://user@host:port/db) or keyword string; libpq's PG* variables and service files work too.",
            valueName: "url"))
    var database: String?

    /// The store named by `--db`, else by `SWIRL_DB`, else by `DATABASE_URL`, else the local file
    /// `.swirl/swirl.db`.
    var location: StoreLocation {
        get throws { try Self.resolve(database) }
    }

    static func resolve(_ database: String?) throws -> StoreLocation {
        let environment = ProcessInfo.processInfo.environment
        let named = [database, environment["SWIRL_DB"], environment["DATABASE_URL"]].lazy.compactMap { $0 }.first { !$0.isEmpty }
        return try named.map(StoreLocation.init) ?? .localDefault
    }

    /// The store as `--db` named it, for a command printed to the user (`nil`: found the same way again).
    var named: String? {
        database.flatMap { try? StoreLocation($0).description }
    }

    /// Opens the store, applying missing migrations first.
    /// - Throws: ``EnvironmentFailure`` when it cannot be used.
    func open(poolSize: Int = 4) async throws -> any OpenedStore {
        try await location.open(poolSize: poolSize)
    }
}
