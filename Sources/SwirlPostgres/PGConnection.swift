// The only file of Swirl that talks to libpq. No libpq type leaves it: results are copied into `PGRows` and
// failures into `PGError` before a function returns.
internal import CLibPQ

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// One connection to a PostgreSQL server, through libpq.
///
/// Every statement is sent with `PQexecParams`: parameters travel separately from the SQL text (in text format,
/// `$1`, `$2`, …), so values are never spliced into SQL. Results come back in text format and are copied into a
/// `PGRows` value at once.
///
/// - Important: A connection is used by one task at a time, and its methods block the calling thread until the
///   server answers. libpq forbids concurrent use of one connection, which is why the class is not `Sendable`.
///   Callers on the cooperative thread pool should move the connection to a dedicated thread.
public final class PGConnection {
    /// The libpq connection; never null, finished in `deinit`.
    private let handle: OpaquePointer
    /// The names of the statements prepared on this connection.
    private var prepared: Set<String> = []
    /// Set when a send failed halfway, or a pipeline could not be brought back to idle: the connection may be
    /// out of step with the server and must not be used again.
    private var broken = false

    /// Opens a connection and waits until it is ready.
    ///
    /// `url` is a libpq connection URI (`postgresql://user:password@host:port/database?sslmode=require`), a
    /// keyword/value string (`host=… dbname=…`) or a bare database name. Settings it leaves out come from libpq's
    /// `PG*` environment variables (`PGHOST`, `PGPASSWORD`, …) and `~/.pgpass` as usual, so an empty string
    /// connects with the environment alone. The client encoding is always UTF-8. libpq waits for an unreachable
    /// host as long as the operating system does unless the URL sets `connect_timeout` (or `PGCONNECT_TIMEOUT`).
    ///
    /// - Parameter url: The connection string.
    /// - Throws: `PGError` with code `.invalidConnectionString` when libpq cannot parse `url`, or
    ///   `.connectionFailed` when the server cannot be reached or refuses the connection. The error names the
    ///   database, user, host and port but never the password or the URL itself.
    public init(url: String) throws(PGError) {
        try Self.checkParses(url)
        // `dbname` first with expand_dbname = 1: the URL is expanded in its place, then the later keywords
        // override it, so a URL cannot switch the client encoding away from the UTF-8 that Swift strings use.
        let keywords = ["dbname", "client_encoding", "fallback_application_name", nil]
        let values = [url, "UTF8", "swirl", nil]
        let connection = withCStrings(keywords) { keywords in
            withCStrings(values) { values in PQconnectdbParams(keywords, values, 1) }
        }
        self.handle = try Self.checkConnected(connection)
        // libpq prints notices (`NOTICE: schema … does not exist, skipping`) to stderr by default; a library must
        // not write to stderr, so drop them.
        _ = PQsetNoticeReceiver(self.handle, { _, _ in }, nil)
    }

    deinit {
        PQfinish(self.handle)
    }

    /// The server's version as an integer: major × 10000 + minor for PostgreSQL 10 and later (`150018` is 15.18).
    public var serverVersion: Int {
        Int(PQserverVersion(self.handle))
    }

    /// Runs one SQL statement with parameters and returns the rows it produced.
    ///
    /// - Parameters:
    ///   - sql: One statement, with `$1`, `$2`, … for parameters. Several statements separated by semicolons are
    ///     rejected by the server (SQLSTATE `42601`), because parameterised statements use the extended protocol.
    ///   - parameters: The parameter values in PostgreSQL's text format; `nil` is SQL `NULL`. Their types are
    ///     inferred by the server from the statement; cast where it cannot tell (`$1::int`).
    /// - Returns: The rows, with SQL `NULL` as `nil`; empty for statements that return no rows.
    /// - Throws: `PGError` with code `.queryFailed` (and the server's SQLSTATE) when the server rejects the
    ///   statement, `.connectionLost` when the connection broke, `.invalidParameter` when the statement or a
    ///   parameter contains a NUL byte or there are more than 65535 parameters, and `.unexpectedResult` for
    ///   `COPY … FROM STDIN` / `TO STDOUT`, which this wrapper does not support.
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PGError) -> PGRows {
        try Self.checkSendable(sql, parameters)
        let result = withCStrings(parameters) { values in
            PQexecParams(self.handle, sql, Int32(values.count), nil, values, nil, nil, 0)
        }
        return try self.checked(result, function: "PQexecParams", statement: sql).rows()
    }

    /// Runs one SQL statement with parameters and returns how many rows it affected.
    ///
    /// - Parameters:
    ///   - sql: One statement, with `$1`, `$2`, … for parameters.
    ///   - parameters: The parameter values in PostgreSQL's text format; `nil` is SQL `NULL`.
    /// - Returns: The number of rows inserted, updated, deleted or selected; 0 for commands that do not report a
    ///   count (`CREATE TABLE`).
    /// - Throws: `PGError`, as `query(_:_:)` does.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(PGError) -> Int {
        try self.query(sql, parameters).rowsAffected ?? 0
    }


    /// Runs one statement, preparing it first if it is named and not yet prepared on this connection (the
    /// preparation travels with the first execution: one round trip either way).
    ///
    /// - Parameters:
    ///   - statement: The statement.
    ///   - parameters: The parameter values in PostgreSQL's text format; `nil` is SQL `NULL`.
    /// - Returns: The rows.
    /// - Throws: `PGError`, as `query(_:_:)` does.
    public func query(_ statement: PGStatement, _ parameters: [String?]) throws(PGError) -> PGRows {
        guard let name = statement.name else {
            return try self.query(statement.sql, parameters)
        }
        if !self.prepared.contains(name) {
            // Prepare and run in one round trip.
            return try self.pipeline([(statement, parameters)])[0]
        }
        try Self.checkSendable(statement.sql, parameters)
        let result = withCStrings(parameters) { values in
            PQexecPrepared(self.handle, name, Int32(values.count), values, nil, nil, 0)
        }
        return try self.checked(result, function: "PQexecPrepared", statement: statement.sql).rows()
    }

    /// Sends several statements at once and reads all their results: one round trip to the server.
    ///
    /// The statements run in one implicit transaction that commits after the last one succeeds; when one fails,
    /// the server skips the rest and rolls the transaction back, so either every statement took effect or none
    /// did. Each statement sees the effects of the ones before it (in `READ COMMITTED`, each also takes a new
    /// snapshot, so a statement after `pg_advisory_xact_lock` sees everything committed before the lock was
    /// granted). Statements must not contain `BEGIN` or `COMMIT`.
    ///
    /// Keep pipelines short and their results small: the connection is in blocking mode, and a pipeline whose
    /// results fill the server's output buffer while the statements still fill the client's could stall.
    ///
    /// - Parameter items: The statements and their parameters, in order.
    /// - Returns: The rows of each statement, in order.
    /// - Throws: `PGError` for the first statement that failed (with its SQLSTATE), or `.connectionLost`.
    public func pipeline(_ items: [(statement: PGStatement, parameters: [String?])]) throws(PGError) -> [PGRows] {
        for item in items {
            try Self.checkSendable(item.statement.sql, item.parameters)
        }
        guard PQenterPipelineMode(self.handle) == 1 else {
            throw self.sendFailure(function: "PQenterPipelineMode", statement: items.first?.statement.sql)
        }
        // What each result read back belongs to: a statement being prepared, or the statement at an index.
        enum Expected {
            case prepare(String, sql: String)
            case statement(Int)
        }
        var expected: [Expected] = []
        var preparing: Set<String> = []
        for (index, item) in items.enumerated() {
            let sql = item.statement.sql
            var sent: Int32
            if let name = item.statement.name {
                if !self.prepared.contains(name), preparing.insert(name).inserted {
                    guard PQsendPrepare(self.handle, name, sql, 0, nil) == 1 else {
                        throw self.abandonPipeline(function: "PQsendPrepare", statement: sql)
                    }
                    expected.append(.prepare(name, sql: sql))
                }
                sent = withCStrings(item.parameters) { values in
                    PQsendQueryPrepared(self.handle, name, Int32(values.count), values, nil, nil, 0)
                }
            } else {
                sent = withCStrings(item.parameters) { values in
                    PQsendQueryParams(self.handle, sql, Int32(values.count), nil, values, nil, nil, 0)
                }
            }
            guard sent == 1 else {
                throw self.abandonPipeline(function: "PQsendQueryParams", statement: sql)
            }
            expected.append(.statement(index))
        }
        guard PQpipelineSync(self.handle) == 1 else {
            throw self.abandonPipeline(function: "PQpipelineSync", statement: items.last?.statement.sql)
        }

        var rows = [PGRows](repeating: PGRows(columns: [], values: []), count: items.count)
        var firstError: PGError?
        for expectation in expected {
            let sql: String
            switch expectation {
            case .prepare(_, let text): sql = text
            case .statement(let index): sql = items[index].statement.sql
            }
            guard let result = PQgetResult(self.handle) else {
                throw self.abandonPipeline(function: "PQgetResult", statement: sql)
            }
            if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                PQclear(result)
            } else {
                do {
                    let owned = try self.checked(result, function: "PQgetResult", statement: sql)
                    switch expectation {
                    case .prepare(let name, _): self.prepared.insert(name)
                    case .statement(let index): rows[index] = owned.rows()
                    }
                } catch {
                    if error.code == .connectionLost {
                        self.broken = true
                        throw error
                    }
                    firstError = firstError ?? error
                }
            }
            // Each statement's results end with a null result.
            while let extra = PQgetResult(self.handle) {
                PQclear(extra)
            }
        }
        guard let sync = PQgetResult(self.handle) else {
            throw self.abandonPipeline(function: "PQgetResult", statement: nil)
        }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        guard synced, PQexitPipelineMode(self.handle) == 1 else {
            throw self.abandonPipeline(function: "PQexitPipelineMode", statement: nil)
        }
        if let firstError {
            throw firstError
        }
        return rows
    }

    /// Runs a script of several statements without parameters (a migration), through the simple query
    /// protocol, and discards its results.
    ///
    /// - Parameter sql: Statements separated by semicolons; it must not take parameters.
    /// - Throws: `PGError` for the first statement that failed.
    public func executeScript(_ sql: String) throws(PGError) {
        try Self.checkSendable(sql, [])
        // PQexec returns the last result only; an error stops the script and is the last result.
        let result = PQexec(self.handle, sql)
        _ = try self.checked(result, function: "PQexec", statement: sql)
    }

    /// Whether the connection can take a statement: it is open, idle (no transaction or pipeline left open),
    /// and the server has not closed it (a terminated backend, a restarted server).
    ///
    /// Reads whatever the server sent without blocking, so a connection the server closed while it sat in a
    /// pool is found out before a statement is sent on it, when it is still certain that nothing ran.
    public var isUsable: Bool {
        guard !self.broken, PQstatus(self.handle) == CONNECTION_OK,
            PQtransactionStatus(self.handle) == PQTRANS_IDLE
        else {
            return false
        }
        // PQconsumeInput never blocks; it returns 0 when reading failed (the server closed the socket).
        return PQconsumeInput(self.handle) == 1 && PQstatus(self.handle) == CONNECTION_OK
    }

    /// The process id of the server backend serving this connection (for `pg_terminate_backend`, logs).
    public var backendProcessID: Int32 {
        PQbackendPID(self.handle)
    }

    /// Waits until a notification arrives on a channel this connection listens to (`LISTEN channel`), or until
    /// `timeout` seconds have passed, and returns the notifications received (none at the timeout).
    ///
    /// - Parameter timeout: The longest wait, in seconds.
    /// - Returns: The notifications, oldest first.
    /// - Throws: `PGError` with code `.connectionLost` when the connection broke.
    public func notifications(waitingUpTo timeout: Double) throws(PGError) -> [PGNotification] {
        var found = self.pendingNotifications()
        if !found.isEmpty {
            return found
        }
        let socket = PQsocket(self.handle)
        guard socket >= 0, PQstatus(self.handle) == CONNECTION_OK else {
            throw PGError(code: .connectionLost, message: "the connection is closed", function: "PQsocket")
        }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(0, min(timeout, 3600)) * 1000)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0 && errno != EINTR {
            self.broken = true
            throw PGError(code: .connectionLost, message: "waiting for the socket failed", function: "poll")
        }
        guard PQconsumeInput(self.handle) == 1 else {
            throw PGError(
                code: .connectionLost,
                message: Self.clean(PQerrorMessage(self.handle)) ?? "the server closed the connection",
                function: "PQconsumeInput"
            )
        }
        found = self.pendingNotifications()
        return found
    }

    /// The notifications libpq has already read.
    private func pendingNotifications() -> [PGNotification] {
        var found: [PGNotification] = []
        while let notify = PQnotifies(self.handle) {
            let channel = notify.pointee.relname.map { String(cString: $0) } ?? ""
            let payload = notify.pointee.extra.map { String(cString: $0) } ?? ""
            found.append(PGNotification(channel: channel, payload: payload, processID: notify.pointee.be_pid))
            PQfreemem(notify)
        }
        return found
    }

    /// The error for a call that could not even start; marks the connection unusable.
    private func sendFailure(function: String, statement: String?) -> PGError {
        self.broken = true
        let lost = PQstatus(self.handle) != CONNECTION_OK
        return PGError(
            code: lost ? .connectionLost : .queryFailed,
            message: Self.clean(PQerrorMessage(self.handle)) ?? "libpq could not send the statement",
            statement: statement,
            function: function
        )
    }

    /// Gives up on a pipeline that failed halfway: the connection cannot be trusted to be in step with the
    /// server any more, so it is marked unusable (the pool replaces it).
    private func abandonPipeline(function: String, statement: String?) -> PGError {
        let error = self.sendFailure(function: function, statement: statement)
        return error
    }

    // MARK: - Checked calls

    /// Turns the result of a statement into an owned result, or into a `PGError` carrying the server's SQLSTATE,
    /// message, detail and hint. This is the only place that reads a result's status.
    private func checked(_ result: OpaquePointer?, function: String, statement: String) throws(PGError) -> OwnedResult {
        let connectionCode: PGError.Code = PQstatus(self.handle) == CONNECTION_OK ? .queryFailed : .connectionLost
        guard let result else {
            // libpq returns no result when it could not send the statement or ran out of memory.
            throw PGError(
                code: connectionCode,
                message: Self.clean(PQerrorMessage(self.handle)) ?? "libpq returned no result",
                statement: statement,
                function: function
            )
        }
        let owned = OwnedResult(result)
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return owned
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            throw PGError(
                code: connectionCode,
                sqlState: owned.errorField(ErrorField.sqlState),
                message: owned.errorField(ErrorField.primaryMessage)
                    ?? Self.clean(PQresultErrorMessage(result))
                    ?? "unknown error",
                detail: owned.errorField(ErrorField.detail),
                hint: owned.errorField(ErrorField.hint),
                statement: statement,
                function: function
            )
        default:
            self.abandonCopy(status)
            throw PGError(
                code: .unexpectedResult,
                message: "unsupported result status \(String(cString: PQresStatus(status)))",
                statement: statement,
                function: function
            )
        }
    }

    /// Returns the connection if libpq reports it ready, and otherwise finishes it and throws.
    private static func checkConnected(_ connection: OpaquePointer?) throws(PGError) -> OpaquePointer {
        guard let connection else {
            throw PGError(
                code: .connectionFailed,
                message: "libpq could not allocate a connection",
                function: "PQconnectdbParams"
            )
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            defer { PQfinish(connection) }
            // libpq's message names the host and port but never the password; add the database and user.
            let database = Self.clean(PQdb(connection)) ?? "?"
            let user = Self.clean(PQuser(connection)) ?? "?"
            let reason = Self.clean(PQerrorMessage(connection)) ?? "unknown error"
            throw PGError(
                code: .connectionFailed,
                message: "cannot connect to database \"\(database)\" as user \"\(user)\": \(reason)",
                function: "PQconnectdbParams"
            )
        }
        return connection
    }

    /// Throws when `url` looks like a connection string that libpq cannot parse.
    ///
    /// libpq's parse errors quote the offending fragment, which may be the password, so the message goes to
    /// `detail` (shown only by `debugDescription`) and `description` stays generic.
    private static func checkParses(_ url: String) throws(PGError) {
        // The same test libpq applies to decide whether `dbname` is a connection string or a database name.
        guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") || url.contains("=") else {
            return
        }
        var errorMessage: UnsafeMutablePointer<CChar>?
        let options = PQconninfoParse(url, &errorMessage)
        defer {
            PQconninfoFree(options)
            PQfreemem(errorMessage)
        }
        if options == nil {
            throw PGError(
                code: .invalidConnectionString,
                message: "libpq cannot parse the connection string (see the error's debugDescription)",
                detail: Self.clean(errorMessage) ?? "out of memory",
                function: "PQconninfoParse"
            )
        }
    }

    /// Whether `text` holds a NUL byte; a run's state is sent as one parameter, so this is on every checkpoint.
    private static func containsNUL(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return false }
            return memchr(base, 0, buffer.count) != nil
        }
    }

    /// Rejects what libpq cannot send: C strings end at the first NUL byte, and the protocol counts parameters
    /// in 16 bits.
    private static func checkSendable(_ sql: String, _ parameters: [String?]) throws(PGError) {
        if containsNUL(sql) {
            throw PGError(
                code: .invalidParameter,
                message: "the statement contains a NUL byte",
                function: "PQexecParams"
            )
        }
        if parameters.count > Int(UInt16.max) {
            throw PGError(
                code: .invalidParameter,
                message: "\(parameters.count) parameters exceed the protocol's limit of \(UInt16.max)",
                statement: sql,
                function: "PQexecParams"
            )
        }
        if let position = parameters.firstIndex(where: { $0.map(containsNUL) ?? false }) {
            throw PGError(
                code: .invalidParameter,
                message: "parameter $\(position + 1) contains a NUL byte, which text format cannot carry",
                statement: sql,
                function: "PQexecParams"
            )
        }
    }

    /// Brings the connection out of a `COPY` state that a statement entered, so that the next statement works.
    private func abandonCopy(_ status: ExecStatusType) {
        if status == PGRES_COPY_IN {
            _ = PQputCopyEnd(self.handle, "COPY FROM STDIN is not supported by PGConnection")
        } else if status == PGRES_COPY_OUT {
            var buffer: UnsafeMutablePointer<CChar>?
            while PQgetCopyData(self.handle, &buffer, 0) > 0 {
                PQfreemem(buffer)
                buffer = nil
            }
        }
        while let pending = PQgetResult(self.handle) {
            PQclear(pending)
        }
    }

    /// A libpq message as a Swift string on one line, or `nil` for a null or empty message.
    ///
    /// libpq ends messages with a newline and continues them on tab-indented lines, some wrapping a sentence
    /// (`terminated abnormally\n\tbefore or while…`), some starting a new one (`Connection refused\n\tIs the
    /// server running…`); a line break before a capital letter becomes a full stop.
    private static func clean(_ message: UnsafePointer<CChar>?) -> String? {
        guard let message else {
            return nil
        }
        let lines = String(cString: message).split(whereSeparator: \.isNewline)
            .map { $0.drop(while: \.isWhitespace) }
            .filter { !$0.isEmpty }
        var text = ""
        for line in lines {
            if let last = text.last {
                let startsSentence = line.first?.isUppercase == true && !last.isPunctuation
                text += startsSentence ? ". " : " "
            }
            text += line
        }
        return text.isEmpty ? nil : text
    }

    private static func clean(_ message: UnsafeMutablePointer<CChar>?) -> String? {
        Self.clean(UnsafePointer(message))
    }

    // MARK: - Results

    /// The `PG_DIAG_*` field codes of `postgres_ext.h`. They are character-literal macros (`'C'`), which Swift
    /// does not import, so their values are repeated here; they are part of the wire protocol and never change.
    private enum ErrorField {
        static let sqlState = Int32(UInt8(ascii: "C"))
        static let primaryMessage = Int32(UInt8(ascii: "M"))
        static let detail = Int32(UInt8(ascii: "D"))
        static let hint = Int32(UInt8(ascii: "H"))
    }

    /// Owns one `PGresult` and clears it when the last reference goes, on every path including thrown errors.
    private final class OwnedResult {
        private let pointer: OpaquePointer

        init(_ pointer: OpaquePointer) {
            self.pointer = pointer
        }

        deinit {
            PQclear(self.pointer)
        }

        /// One field of an error result, or `nil` when the server did not send it.
        func errorField(_ field: Int32) -> String? {
            PQresultErrorField(self.pointer, field).map { String(cString: $0) }
        }

        /// Copies the rows, column names and command row count into Swift values.
        func rows() -> PGRows {
            let rowCount = PQntuples(self.pointer)
            let columnCount = PQnfields(self.pointer)
            let columns = (0..<columnCount).map { column in
                PQfname(self.pointer, column).map { String(cString: $0) } ?? ""
            }
            let values = (0..<rowCount).map { row in
                (0..<columnCount).map { column -> String? in
                    guard PQgetisnull(self.pointer, row, column) == 0, let bytes = PQgetvalue(self.pointer, row, column)
                    else {
                        return nil
                    }
                    let length = Int(PQgetlength(self.pointer, row, column))
                    return String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
                }
            }
            // PQcmdTuples gives "" for commands without a count.
            let rowsAffected = PQcmdTuples(self.pointer).flatMap { Int(String(cString: $0)) }
            return PGRows(columns: columns, values: values, rowsAffected: rowsAffected)
        }
    }
}

@available(*, unavailable, message: "libpq forbids concurrent use of a connection; use it from one task at a time")
extension PGConnection: Sendable {}

/// Calls `body` with C string pointers to `strings` (`nil` stays a null pointer), valid only during the call.
///
/// The strings are copied, NUL-terminated, into one buffer, so there is one allocation however many there are.
private func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var storage: [UInt8] = []
    storage.reserveCapacity(strings.reduce(0) { $0 + ($1?.utf8.count ?? 0) + 1 })
    let offsets = strings.map { string -> Int? in
        guard let string else {
            return nil
        }
        let offset = storage.count
        storage.append(contentsOf: string.utf8)
        storage.append(0)
        return offset
    }
    return storage.withUnsafeBufferPointer { buffer in
        let pointers = offsets.map { offset in
            offset.map { UnsafeRawPointer(buffer.baseAddress! + $0).assumingMemoryBound(to: CChar.self) }
        }
        return body(pointers)
    }
}
