import Dispatch
import Synchronization

/// One connection of a pool, with the serial queue that every call on it runs on.
///
/// libpq blocks the calling thread until the server answers, so calls never run on Swift's cooperative thread
/// pool: each session has its own serial dispatch queue (a thread of its own while it works), and callers
/// await the result. The connection is opened lazily and replaced after it broke. It never leaves the queue:
/// the `Mutex` is only ever taken there, and exists so the compiler can see that the session is `Sendable`
/// without an unchecked promise.
final class PGSession: Sendable {
    /// How a fresh connection is opened and prepared (search path, timeouts).
    typealias Connector = @Sendable () throws(PGError) -> PGConnection

    /// The position of the session in its pool.
    let index: Int
    private let queue: DispatchQueue
    private let connection = Mutex<PGConnection?>(nil)

    init(index: Int, label: String) {
        self.index = index
        self.queue = DispatchQueue(label: "\(label).\(index)")
    }

    /// Whether the session holds a connection that can take a statement now, asked from the caller's thread
    /// without a trip to the queue. Safe while the caller holds the session from its pool (nothing else runs
    /// on the queue then) and cheap: libpq answers from memory and one read that never blocks. A connection
    /// the server closed is dropped, so the next call knows to connect first.
    func hasUsableConnection() -> Bool {
        self.connection.withLock { connection in
            if let open = connection, open.isUsable {
                return true
            }
            connection = nil
            return false
        }
    }

    /// Opens a connection with `connector`, replacing any previous one.
    nonisolated(nonsending) func connect(_ connector: @escaping Connector) async throws(PGError) {
        let result: Result<Void, PGError> = await self.onQueue {
            self.connection.withLock { connection in
                connection = nil
                do throws(PGError) {
                    connection = try connector()
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
        }
        try result.get()
    }

    /// Runs `body` with the session's connection on the session's queue.
    ///
    /// - Throws: `PGError.connectionLost` when there is no connection (connect first), or what `body` throws.
    ///   A connection that broke is dropped.
    nonisolated(nonsending) func run<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        let result: Result<T, any Error> = await self.onQueue {
            self.connection.withLock { connection in
                guard let open = connection else {
                    return .failure(
                        PGError(code: .connectionLost, message: "the connection is closed", function: "PQstatus"))
                }
                let outcome = Result { try body(open) }
                if case .failure(let error as PGError) = outcome, error.code == .connectionLost {
                    connection = nil
                } else if !open.isUsable {
                    // Left in a transaction or out of step: never hand it to the next caller.
                    connection = nil
                }
                return outcome
            }
        }
        return try result.get()
    }

    /// Runs `body` with the session's open connection on the session's queue, then `done`, without the caller
    /// waiting: for work that answers through continuations of its own. The caller checked
    /// ``hasUsableConnection()``; a connection that broke during `body` is dropped.
    func runDetached(_ body: @escaping @Sendable (PGConnection?) -> Void, done: @escaping @Sendable () -> Void) {
        self.queue.async {
            self.connection.withLock { connection in
                body(connection)
                if let open = connection, !open.isUsable {
                    connection = nil
                }
            }
            done()
        }
    }

    /// Closes the connection, if any.
    func disconnect() async {
        await self.onQueue {
            self.connection.withLock { $0 = nil }
        }
    }

    /// Runs `work` on the queue; the caller resumes on its own executor (no hop through the global pool).
    private nonisolated(nonsending) func onQueue<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            self.queue.async {
                continuation.resume(returning: work())
            }
        }
    }
}
