import Dispatch
import Synchronization

/// The store's one connection, with the serial queue every call on it runs on.
///
/// sqlite3 blocks the calling thread on disk I/O and, while another process holds the write lock, for up to the
/// busy timeout. So calls never run on Swift's cooperative thread pool: they are sent to this session's own serial
/// dispatch queue (a thread of its own while it works), and callers await the result. The connection never leaves
/// the queue: the `Mutex` is only ever taken there, and exists so the compiler can see that the session is
/// `Sendable` without an unchecked promise.
///
/// One connection is enough: SQLite lets one writer in at a time per file anyway, and the store's reads are short.
final class SQLiteSession: Sendable {
    private let queue: DispatchQueue
    private let connection = Mutex<SQLiteConnection?>(nil)

    private init(label: String) {
        self.queue = DispatchQueue(label: label)
    }

    /// Opens a connection to `path` on a new session's queue, then runs `setUp` on it (migrations).
    static func open(
        path: String, busyTimeout: Double, setUp: @escaping @Sendable (SQLiteConnection) throws -> Void
    ) async throws -> SQLiteSession {
        let session = SQLiteSession(label: "swirl.sqlite")
        let result: Result<Void, any Error> = await session.onQueue {
            session.connection.withLock { connection in
                Result {
                    let opened = try SQLiteConnection(path: path, busyTimeout: busyTimeout)
                    try setUp(opened)
                    connection = opened
                }
            }
        }
        try result.get()
        return session
    }

    /// Runs `body` with the connection on the session's queue; the caller resumes on its own executor.
    ///
    /// - Throws: ``SQLiteSessionClosed`` after ``close()``, or what `body` throws.
    nonisolated(nonsending) func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T)
        async throws -> T
    {
        let result: Result<T, any Error> = await self.onQueue {
            self.connection.withLock { connection in
                guard let open = connection else {
                    return .failure(SQLiteSessionClosed())
                }
                return Result { try body(open) }
            }
        }
        return try result.get()
    }

    /// Closes the connection once the calls already sent have run; later calls fail.
    func close() async {
        await self.onQueue {
            self.connection.withLock { $0 = nil }
        }
    }

    private nonisolated(nonsending) func onQueue<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            self.queue.async {
                continuation.resume(returning: work())
            }
        }
    }
}

/// A call on a store that was closed.
struct SQLiteSessionClosed: Error, CustomStringConvertible {
    var description: String { "the store is closed" }
}
