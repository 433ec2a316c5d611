// The only file of Swirl that talks to sqlite3. No sqlite3 type leaves it: rows are copied into `SQLiteRow`
// values and failures into `SQLiteError` before a function returns.
internal import CSQLite

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// One connection to an SQLite database file.
///
/// Every statement is prepared once and kept for the life of the connection, keyed by its SQL text: the store's
/// statements are constants, so the cache holds a few dozen and never grows with use. Values are always bound
/// (`?1`, `?2`, …), never spliced into SQL.
///
/// - Important: A connection is used by one thread at a time, and its calls block that thread (on disk I/O, and
///   for up to the busy timeout while another process holds the write lock). It is opened without SQLite's own
///   mutexes (`SQLITE_OPEN_NOMUTEX`) because ``SQLiteSession`` confines it to one serial queue; that is also why
///   the class is not `Sendable`.
final class SQLiteConnection {
    /// The sqlite3 handle; never null, closed in `deinit`.
    private let handle: OpaquePointer
    /// Prepared statements by SQL text.
    private var statements: [String: OpaquePointer] = [:]
    /// How long a write waits for another connection's write lock before it fails.
    let busyTimeout: Double

    /// Opens (creating it if missing) the database file at `path` and sets the connection up for the store.
    ///
    /// The settings, and why:
    /// - `journal_mode=WAL`: readers never block the writer and the writer never blocks readers, so a
    ///   `swirl runs list` does not stall a worker, and a commit appends to the log instead of rewriting pages.
    ///   The mode is stored in the file, so every process that opens it uses it.
    /// - `synchronous=NORMAL`: in WAL mode a commit is written to the log before it returns but only synced to
    ///   disk at checkpoints of the log. A process that crashes or is killed loses nothing it committed; only a
    ///   power failure or an operating-system crash can lose the last commits, and the database stays consistent
    ///   then (a run resumes from an earlier checkpoint: its activity since runs again, which durable execution
    ///   allows, since activities are at-least-once). `FULL` would sync every commit, costing a disk flush per
    ///   checkpoint.
    /// - `foreign_keys=ON`: SQLite leaves foreign keys unchecked unless each connection asks.
    /// - `busy_timeout`: a write waits this long for another process's write lock instead of failing at once.
    ///
    /// - Parameters:
    ///   - path: The database file.
    ///   - busyTimeout: Seconds a write waits for the write lock.
    /// - Throws: `SQLiteError` when the file cannot be opened or set up.
    init(path: String, busyTimeout: Double) throws(SQLiteError) {
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard let opened else {
            throw SQLiteError(code: code, function: "sqlite3_open_v2", detail: nil, statement: nil)
        }
        guard code == SQLITE_OK else {
            let error = SQLiteError(handle: opened, code: code, function: "sqlite3_open_v2", statement: nil)
            sqlite3_close_v2(opened)
            throw error
        }
        self.handle = opened
        self.busyTimeout = busyTimeout
        sqlite3_extended_result_codes(opened, 1)
        sqlite3_busy_timeout(opened, Int32(clamping: Int((busyTimeout * 1000).rounded())))
        try self.execute("PRAGMA foreign_keys = ON")
        try self.execute("PRAGMA synchronous = NORMAL")
        // Switching to WAL needs a moment of exclusive access; a busy file is retried like a write.
        let mode = try self.retryingWhileBusy { () throws(SQLiteError) in
            try self.query("PRAGMA journal_mode = WAL").first?[0].text
        }
        guard mode?.lowercased() == "wal" else {
            throw SQLiteError(
                code: SQLITE_CANTOPEN, function: "PRAGMA journal_mode",
                detail: "the file does not support write-ahead logging (journal mode \(mode ?? "unknown"))",
                statement: nil)
        }
    }

    deinit {
        for statement in self.statements.values {
            sqlite3_finalize(statement)
        }
        sqlite3_close_v2(self.handle)
    }

    // MARK: statements

    /// Runs one statement (prepared once, then reused) with `parameters` bound to `?1`, `?2`, … and returns every
    /// row it produced.
    ///
    /// - Throws: `SQLiteError` when the statement cannot be prepared or fails.
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLiteValue] = []) throws(SQLiteError) -> [SQLiteRow] {
        let statement = try self.prepared(sql)
        defer {
            // Reset at once: a statement left mid-way keeps a read transaction open, which holds back the log.
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        try self.bind(parameters, to: statement, sql: sql)
        var rows: [SQLiteRow] = []
        while true {
            let code = sqlite3_step(statement)
            switch code {
            case SQLITE_ROW:
                rows.append(Self.row(of: statement))
            case SQLITE_DONE:
                return rows
            default:
                throw SQLiteError(handle: self.handle, code: code, function: "sqlite3_step", statement: sql)
            }
        }
    }

    /// Runs one statement and returns how many rows it inserted, updated or deleted.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLiteValue] = []) throws(SQLiteError) -> Int {
        try self.query(sql, parameters)
        return Int(sqlite3_changes(self.handle))
    }

    /// Runs a script of several statements without parameters (a migration). Nothing of it is cached.
    func executeScript(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(self.handle, sql, nil, nil, &message)
        let detail = message.map { String(cString: $0) }
        sqlite3_free(message)
        guard code == SQLITE_OK else {
            throw SQLiteError(code: code, function: "sqlite3_exec", detail: detail, statement: sql)
        }
    }

    private func prepared(_ sql: String) throws(SQLiteError) -> OpaquePointer {
        if let statement = self.statements[sql] {
            return statement
        }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(self.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw SQLiteError(handle: self.handle, code: code, function: "sqlite3_prepare_v3", statement: sql)
        }
        self.statements[sql] = statement
        return statement
    }

    private func bind(_ parameters: [SQLiteValue], to statement: OpaquePointer, sql: String) throws(SQLiteError) {
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null:
                code = sqlite3_bind_null(statement, index)
            case .integer(let integer):
                code = sqlite3_bind_int64(statement, index, integer)
            case .real(let real):
                code = sqlite3_bind_double(statement, index, real)
            case .text(var text):
                code = text.withUTF8 { Self.bindText($0, statement, index) }
            case .utf8(let bytes):
                code = bytes.withUnsafeBufferPointer { Self.bindText($0, statement, index) }
            }
            guard code == SQLITE_OK else {
                throw SQLiteError(handle: self.handle, code: code, function: "sqlite3_bind", statement: sql)
            }
        }
    }

    /// Binds UTF-8 text, copied by SQLite (the buffer is only valid during the call).
    private static func bindText(_ bytes: UnsafeBufferPointer<UInt8>, _ statement: OpaquePointer, _ index: Int32)
        -> Int32
    {
        guard let base = bytes.baseAddress else {
            // An empty buffer may have no address, and SQLite binds a null pointer as NULL: bind "" instead.
            return sqlite3_bind_text64(statement, index, "", 0, transient, UInt8(SQLITE_UTF8))
        }
        return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { text in
            sqlite3_bind_text64(statement, index, text, UInt64(bytes.count), transient, UInt8(SQLITE_UTF8))
        }
    }

    private static func row(of statement: OpaquePointer) -> SQLiteRow {
        let count = sqlite3_column_count(statement)
        var values: [SQLiteValue] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count {
            switch sqlite3_column_type(statement, column) {
            case SQLITE_NULL:
                values.append(.null)
            case SQLITE_INTEGER:
                values.append(.integer(sqlite3_column_int64(statement, column)))
            case SQLITE_FLOAT:
                values.append(.real(sqlite3_column_double(statement, column)))
            default:
                // Text (and blobs, which the store never writes) as UTF-8 bytes; the pointer is read before the
                // length, as SQLite asks.
                let pointer = sqlite3_column_text(statement, column)
                let length = Int(sqlite3_column_bytes(statement, column))
                if let pointer {
                    values.append(.utf8(Array(UnsafeBufferPointer(start: pointer, count: length))))
                } else {
                    values.append(.utf8([]))
                }
            }
        }
        return SQLiteRow(values: values)
    }

    // MARK: transactions

    /// Whether the connection is outside any transaction.
    var isAutocommit: Bool {
        sqlite3_get_autocommit(self.handle) != 0
    }

    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`): the write lock is taken before the first read, so
    /// what `body` reads cannot change before it writes, in this process or another one sharing the file. Commits
    /// when `body` returns, rolls back when it throws.
    ///
    /// The whole transaction runs again when the database was busy (another connection held the lock past the
    /// busy timeout's waits, or SQLite declined to wait at all), until `busyTimeout` has passed in total.
    func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try self.retryingWhileBusy { () throws -> T in
            try self.execute("BEGIN IMMEDIATE")
            do {
                let result = try body()
                try self.execute("COMMIT")
                return result
            } catch {
                if !self.isAutocommit {
                    _ = try? self.execute("ROLLBACK")
                }
                throw error
            }
        }
    }

    /// Runs `body` again while it fails with `SQLITE_BUSY`, with short pauses, for up to ``busyTimeout``.
    private func retryingWhileBusy<T, Failure: Error>(_ body: () throws(Failure) -> T) throws(Failure) -> T {
        let start = Self.monotonicSeconds()
        var pause = 0.001
        while true {
            do {
                return try body()
            } catch let error as SQLiteError where error.isBusy && Self.monotonicSeconds() - start < self.busyTimeout {
                // On the connection's own thread, never the cooperative pool: sleeping here blocks nobody else.
                usleep(UInt32(pause * 1_000_000))
                pause = min(pause * 2, 0.05)
            } catch {
                throw error
            }
        }
    }

    private static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// `PRAGMA data_version`: a number that changes when another connection (in this process or another) commits
    /// to the file, and only then. Cheap: it reads shared memory, not the file.
    func dataVersion() throws(SQLiteError) -> Int64 {
        try self.query("PRAGMA data_version").first?[0].integer ?? 0
    }
}

/// SQLite's `SQLITE_TRANSIENT`: the bound value is copied before the call returns.
private var transient: sqlite3_destructor_type {
    unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// A value bound to a statement or read from a row.
enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    /// Text as UTF-8 bytes: how long JSON (a saved state) is bound and read without becoming a `String`.
    case utf8([UInt8])

    /// Text (or `nil` for `NULL`, or for a number).
    var text: String? {
        switch self {
        case .text(let text): text
        case .utf8(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// Text as UTF-8 bytes.
    var bytes: [UInt8]? {
        switch self {
        case .text(let text): Array(text.utf8)
        case .utf8(let bytes): bytes
        default: nil
        }
    }

    var integer: Int64? {
        switch self {
        case .integer(let integer): integer
        case .real(let real): Int64(exactly: real)
        default: nil
        }
    }

    var real: Double? {
        switch self {
        case .real(let real): real
        case .integer(let integer): Double(integer)
        default: nil
        }
    }

    var bool: Bool { self.integer.map { $0 != 0 } ?? false }

    static func optional(_ text: String?) -> SQLiteValue { text.map(SQLiteValue.text) ?? .null }
    static func optional(_ real: Double?) -> SQLiteValue { real.map(SQLiteValue.real) ?? .null }
    static func optional(_ integer: Int?) -> SQLiteValue { integer.map { .integer(Int64($0)) } ?? .null }
    static func bool(_ value: Bool) -> SQLiteValue { .integer(value ? 1 : 0) }
}

/// One row of a result, its columns in the order the statement names them.
struct SQLiteRow: Sendable {
    var values: [SQLiteValue]

    subscript(_ column: Int) -> SQLiteValue {
        column < self.values.count ? self.values[column] : .null
    }
}

/// An error reported by SQLite.
///
/// `description` is safe to show to users and to write to logs: the operation, SQLite's result code and its
/// generic text for that code (`database is locked`), never the SQL statement or a value. `debugDescription` adds
/// the connection's own message (which may quote part of the statement or name a constraint), and the statement.
struct SQLiteError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The extended result code (`SQLITE_BUSY_SNAPSHOT` is 517); its low byte is the primary code.
    var code: Int32
    /// The sqlite3 function (or pragma) that reported the failure.
    var function: String
    /// The connection's message, which may quote SQL or name a constraint; shown only in `debugDescription`.
    var detail: String?
    /// The statement concerned, if any; shown only in `debugDescription`.
    var statement: String?

    init(code: Int32, function: String, detail: String?, statement: String?) {
        self.code = code
        self.function = function
        self.detail = detail
        self.statement = statement
    }

    fileprivate init(handle: OpaquePointer, code: Int32, function: String, statement: String?) {
        self.init(code: code, function: function, detail: String(cString: sqlite3_errmsg(handle)), statement: statement)
    }

    /// The primary result code (`SQLITE_BUSY`, 5, for every busy variant).
    var primaryCode: Int32 { self.code & 0xff }

    /// Another connection holds a lock this call needed.
    var isBusy: Bool { self.primaryCode == SQLITE_BUSY }

    /// SQLite's text for the result code, without anything from the statement.
    var message: String { String(cString: sqlite3_errstr(self.code)) }

    var description: String {
        "\(self.message) (SQLite result code \(self.code))"
    }

    var debugDescription: String {
        var text = "\(self.function): \(self.description)"
        if let detail = self.detail {
            text += "; \(detail)"
        }
        if let statement = self.statement {
            text += "; statement: \(statement)"
        }
        return text
    }
}
