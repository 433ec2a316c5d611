import Synchronization

/// A small, fixed set of connections shared by the tasks of one process.
///
/// Each call borrows one connection for its duration and gives it back: nothing holds a connection, let alone a
/// transaction, between calls. Connections open lazily, are set up for the store's schema and timeouts, and are
/// replaced when they break; reconnection goes through one ``PGReconnectThrottle`` for the whole pool.
///
/// A call that fails because its connection broke runs once more on a fresh connection when the caller allows
/// it (``withConnection(retry:_:)``), as it does after a deadlock or serialization failure, which roll back.
final class PGPool: Sendable {
    /// How the pool connects.
    struct Configuration: Sendable {
        /// A libpq connection URI or keyword/value string.
        var url: String
        /// The schema every statement uses (the session's `search_path`).
        var schema: String
        /// The number of connections.
        var size: Int
        /// The longest a statement may run (`statement_timeout`).
        var statementTimeout = "30s"
        /// The longest a session may sit idle inside a transaction (`idle_in_transaction_session_timeout`).
        var idleInTransactionTimeout = "60s"
        /// How long a call keeps trying to reconnect, once the pool has connected before, before it gives up:
        /// a server restart or a short network outage delays calls instead of failing them. (Before the first
        /// connection succeeds, a failure is reported at once: a wrong URL or password should not wait.)
        var reconnectPatience: Duration = .seconds(10)
    }

    /// Whether a call may run again after its connection broke.
    enum Retry: Sendable {
        /// Run again once: the call is a read, or a write that is safe to repeat even if the first attempt was
        /// committed before the connection broke (see each caller).
        case once
        /// Never run again: report the failure.
        case never
    }

    private struct State {
        var free: [Int]
        var waiters: [CheckedContinuation<Int?, Never>] = []
        var closed = false
    }

    let configuration: Configuration
    let throttle: PGReconnectThrottle
    private let sessions: [PGSession]
    private let state: Mutex<State>
    /// Whether any connection of the pool has ever been opened.
    private let hasConnected = Mutex(false)

    init(configuration: Configuration, throttle: PGReconnectThrottle = PGReconnectThrottle()) {
        precondition(configuration.size > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.throttle = throttle
        self.sessions = (0..<configuration.size).map { PGSession(index: $0, label: "swirl.postgres.pool") }
        self.state = Mutex(State(free: Array((0..<configuration.size).reversed())))
    }

    /// Opens a connection for this pool's schema and settings (also used by the listener).
    ///
    /// Prepared statements always use their generic plan: the store's statements are planned once per
    /// connection. (Left to choose, the server plans a statement over array parameters, such as the fenced write
    /// of a group of checkpoints, afresh on every call, which costs more than running it.)
    static func connect(_ configuration: Configuration) throws(PGError) -> PGConnection {
        let connection = try PGConnection(url: configuration.url)
        try connection.execute(
            """
            SELECT set_config('search_path', $1, false), set_config('statement_timeout', $2, false),
                set_config('idle_in_transaction_session_timeout', $3, false),
                set_config('plan_cache_mode', 'force_generic_plan', false)
            """,
            [PGText.identifier(configuration.schema), configuration.statementTimeout,
             configuration.idleInTransactionTimeout]
        )
        return connection
    }

    /// Runs `body` on a borrowed connection, on that connection's own thread.
    ///
    /// - Parameters:
    ///   - retry: Whether `body` may run a second time after its connection broke, or after a deadlock.
    ///   - body: The work; it gets the connection and the attempt number (1, or 2 on the retry).
    /// - Returns: What `body` returns.
    /// - Throws: `PGError` (`.connectionFailed` when no connection can be opened), or what `body` throws.
    nonisolated(nonsending) func withConnection<T: Sendable>(
        retry: Retry = .once,
        _ body: @escaping @Sendable (PGConnection, _ attempt: Int) throws -> T
    ) async throws -> T {
        let acquired: Int?
        if let free = self.acquireFast() { acquired = free } else { acquired = await self.acquire() }
        guard let index = acquired else {
            throw PGError(code: .connectionFailed, message: "the store is closed", function: "PGPool")
        }
        defer { self.release(index) }
        let session = self.sessions[index]
        var attempt = 1
        while true {
            do {
                if !session.hasUsableConnection() {
                    try await self.connect(session)
                }
                let current = attempt
                return try await session.run { connection in try body(connection, current) }
            } catch let error as PGError where attempt == 1 && retry == .once && Self.isRetryable(error) {
                attempt += 1
            }
        }
    }

    /// Runs `body` on a free connection that is open and usable, on that connection's own thread, and returns
    /// at once; `false`, and nothing runs, when every connection is taken or the free one must connect first
    /// (the caller then takes ``withConnection(retry:_:)``). The connection goes back to the pool when `body`
    /// returns. `body` gets `nil` only if the connection was closed in between; it must not throw, so it reports
    /// its outcome (and any failure) through continuations of its own.
    func runDetached(_ body: @escaping @Sendable (PGConnection?) -> Void) -> Bool {
        guard let acquired = self.acquireFast(), let index = acquired else {
            return false
        }
        let session = self.sessions[index]
        guard session.hasUsableConnection() else {
            self.release(index)
            return false
        }
        session.runDetached(body) { self.release(index) }
        return true
    }

    /// Opens the session's connection, taking turns with the pool's other connections after failures, and
    /// trying again for up to `reconnectPatience` when the pool was connected before.
    private nonisolated(nonsending) func connect(_ session: PGSession) async throws {
        let configuration = self.configuration
        var firstFailure: ContinuousClock.Instant?
        while true {
            try await self.throttle.waitForTurn()
            do {
                try await session.connect { () throws(PGError) in try Self.connect(configuration) }
                self.throttle.succeeded()
                self.hasConnected.withLock { $0 = true }
                return
            } catch {
                self.throttle.failed()
                let start = firstFailure ?? .now
                firstFailure = start
                guard self.hasConnected.withLock({ $0 }), ContinuousClock.now - start < configuration.reconnectPatience
                else {
                    throw error
                }
            }
        }
    }

    /// Closes every connection once it is given back; later calls fail.
    func close() async {
        let waiters = self.state.withLock { state in
            state.closed = true
            let waiters = state.waiters
            state.waiters = []
            return waiters
        }
        for waiter in waiters {
            waiter.resume(returning: nil)
        }
        for session in self.sessions {
            await session.disconnect()
        }
    }

    /// Whether a failed call may run again: its connection broke (the retry gets a fresh one), or the server
    /// rolled it back to break a deadlock or a serialization conflict.
    private static func isRetryable(_ error: PGError) -> Bool {
        error.code == .connectionLost || error.sqlState == "40P01" || error.sqlState == "40001"
    }

    /// A free connection without suspending, when there is one: `.some(nil)` when the pool is closed, `nil`
    /// when every connection is taken and the caller must wait in ``acquire()``.
    private func acquireFast() -> Int?? {
        self.state.withLock { state -> Int?? in
            if state.closed { return .some(nil) }
            if let index = state.free.popLast() { return .some(index) }
            return .none
        }
    }

    private nonisolated(nonsending) func acquire() async -> Int? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int?, Never>) in
            let index: Int?? = self.state.withLock { state in
                if state.closed {
                    return .some(nil)
                }
                if let index = state.free.popLast() {
                    return .some(index)
                }
                state.waiters.append(continuation)
                return .none
            }
            if let index {
                continuation.resume(returning: index)
            }
        }
    }

    private func release(_ index: Int) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Int?, Never>? in
            if !state.waiters.isEmpty {
                return state.waiters.removeFirst()
            }
            state.free.append(index)
            return nil
        }
        waiter?.resume(returning: index)
    }
}
