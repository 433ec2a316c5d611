/// An error reported by libpq or by the PostgreSQL server.
///
/// `description` is safe to show to users and to write to logs: it carries the kind of failure, the server's
/// primary message and the SQLSTATE, but never the SQL statement or anything taken from the connection URL.
/// `debugDescription` adds the statement, the server's detail and hint, and the libpq function that failed; it
/// may contain data values (a unique violation's detail names the duplicate key), so keep it out of user output.
public struct PGError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kind of failure.
    ///
    /// A struct with static members rather than an enum, so that new kinds can be added without breaking
    /// exhaustive `switch` statements in client code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case invalidConnectionString
            case connectionFailed
            case connectionLost
            case queryFailed
            case unexpectedResult
            case invalidParameter
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// libpq could not parse the connection URL or keyword/value string.
        public static let invalidConnectionString = Self(.invalidConnectionString)
        /// The connection could not be established (server unreachable, authentication failed, …).
        public static let connectionFailed = Self(.connectionFailed)
        /// The connection broke while a statement was sent or its result read; the connection is unusable.
        public static let connectionLost = Self(.connectionLost)
        /// The server rejected the statement; `sqlState` says why.
        public static let queryFailed = Self(.queryFailed)
        /// The statement produced a result this wrapper does not handle (for example `COPY`).
        public static let unexpectedResult = Self(.unexpectedResult)
        /// A statement or parameter cannot be sent to libpq (an embedded NUL byte, too many parameters).
        public static let invalidParameter = Self(.invalidParameter)

        /// The code's name, as written in Swift (`queryFailed`).
        public var description: String {
            switch self.base {
            case .invalidConnectionString: "invalidConnectionString"
            case .connectionFailed: "connectionFailed"
            case .connectionLost: "connectionLost"
            case .queryFailed: "queryFailed"
            case .unexpectedResult: "unexpectedResult"
            case .invalidParameter: "invalidParameter"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The five-character SQLSTATE the server reported (`23505` for a unique violation), if any.
    ///
    /// Errors detected by libpq itself (a lost connection, a refused connection) have none.
    public var sqlState: String?
    /// The primary, human-readable message, without a trailing newline.
    public var message: String
    /// The server's optional detail message; it may contain data values, so it appears only in
    /// `debugDescription`.
    public var detail: String?
    /// The server's optional hint.
    public var hint: String?
    /// The SQL statement that failed, if the failure concerned one. Shown only in `debugDescription`.
    public var statement: String?
    /// The name of the libpq function whose result reported the failure (`PQexecParams`).
    public var function: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - sqlState: The SQLSTATE reported by the server, if any.
    ///   - message: The primary message; it must not contain secrets or the statement.
    ///   - detail: The server's detail message, if any.
    ///   - hint: The server's hint, if any.
    ///   - statement: The SQL statement concerned, if any.
    ///   - function: The libpq function that failed.
    public init(
        code: Code,
        sqlState: String? = nil,
        message: String,
        detail: String? = nil,
        hint: String? = nil,
        statement: String? = nil,
        function: String
    ) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.statement = statement
        self.function = function
    }

    /// A one-line summary safe for users and logs, for example
    /// `PostgreSQL query failed: syntax error at or near "SELEC" (SQLSTATE 42601)`.
    public var description: String {
        var text = "PostgreSQL \(self.summary): \(self.message)"
        if let sqlState = self.sqlState {
            text += " (SQLSTATE \(sqlState))"
        }
        return text
    }

    /// Everything known about the failure, including the statement and the server's detail.
    public var debugDescription: String {
        var text = "PGError(code: \(self.code), function: \(self.function)"
        if let sqlState = self.sqlState {
            text += ", sqlState: \(sqlState)"
        }
        text += ", message: \(String(reflecting: self.message))"
        if let detail = self.detail {
            text += ", detail: \(String(reflecting: detail))"
        }
        if let hint = self.hint {
            text += ", hint: \(String(reflecting: hint))"
        }
        if let statement = self.statement {
            text += ", statement: \(String(reflecting: statement))"
        }
        return text + ")"
    }

    private var summary: String {
        switch self.code {
        case .invalidConnectionString: "connection string is invalid"
        case .connectionFailed: "connection failed"
        case .connectionLost: "connection lost"
        case .queryFailed: "query failed"
        case .unexpectedResult: "returned an unexpected result"
        case .invalidParameter: "parameter is invalid"
        default: "error \(self.code)"
        }
    }
}
