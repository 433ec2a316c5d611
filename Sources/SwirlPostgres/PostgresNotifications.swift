import Foundation
import Synchronization

/// Wake-ups between the processes that share a database, over `LISTEN`/`NOTIFY` on the channel `swirl_wake`.
///
/// **Sending.** After a write that makes work due commits (a run created, released to run now, woken, an event
/// delivered), the store calls ``workIsDue()``. It sends `NOTIFY` outside the writing transaction, on a pooled
/// connection, and coalesces: at most one is in flight per store, and the signals that arrive meanwhile become
/// one more, sent no sooner than `minimumInterval` after the previous one. (A `NOTIFY` inside every commit would
/// serialize commits on the server's notification queue lock.) The waiters of the same store are woken at once,
/// without waiting for the notification to come back, and its echo is ignored.
///
/// **Listening.** ``wait(seconds:)`` parks the caller until a notification for the store's schema arrives or
/// the time is up. One dedicated connection, on a thread of its own, listens from the first wait until
/// ``close()``; it reconnects after failures (through the pool's throttle) and wakes every waiter when it does,
/// since notifications sent meanwhile were missed. A notification that arrives while nobody waits is kept, and
/// the next wait returns at once, so work signalled between a worker's claim and its wait is not slept through.
final class PostgresNotifications: Sendable {
    /// The channel; the payload is the schema's name and the sending store's tag, so stores in other schemas of
    /// the database ignore it, and so does the store that sent it.
    static let channel = "swirl_wake"

    private struct State {
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// The waits in progress (registered or about to be), so a wake that comes early is not lost.
        var live: Set<Int> = []
        /// Waits woken before they registered.
        var woken: Set<Int> = []
        var nextWaiter = 0
        /// A notification came while nobody waited.
        var pending = false
        var listenerStarted = false
        var closed = false
        var listenerStopped: CheckedContinuation<Void, Never>?
        var listenerRunning = false
        var sending = false
        var sendAgain = false
        var lastSent: ContinuousClock.Instant?
        var sender: Task<Void, Never>?
    }

    private let configuration: PGPool.Configuration
    private let pool: PGPool
    private let minimumInterval: Duration
    /// This store's tag in the payloads it sends: 64 random bits, in hex.
    private let sender = String(UInt64.random(in: .min ... .max), radix: 16)
    private let state = Mutex(State())

    /// - Parameters:
    ///   - pool: The pool notifications are sent through; its configuration is used for the listening
    ///     connection, and its throttle for reconnecting.
    ///   - minimumInterval: The shortest time between two notifications sent by this store.
    init(pool: PGPool, minimumInterval: Duration = .milliseconds(5)) {
        self.pool = pool
        self.configuration = pool.configuration
        self.minimumInterval = minimumInterval
    }

    // MARK: sending

    /// Tells the other processes that work may be due, soon and at most once per burst of calls.
    func workIsDue() {
        // The waiters of this process learn of it at once; the notification is for the others (its echo,
        // tagged with this store's sender id, is ignored).
        self.wakeAll()
        self.state.withLock { state in
            guard !state.closed else {
                return
            }
            if state.sending {
                state.sendAgain = true
                return
            }
            state.sending = true
            state.sender = Task { await self.send() }
        }
    }

    private func send() async {
        while true {
            let wait = self.state.withLock { state -> Duration in
                guard let last = state.lastSent else {
                    return .zero
                }
                return max(.zero, self.minimumInterval - (ContinuousClock.now - last))
            }
            if wait > .zero {
                try? await Task.sleep(for: wait)
            }
            let payload = self.configuration.schema + " " + self.sender
            // A lost notification costs a poll interval, not correctness: failures are not reported.
            _ = try? await self.pool.withConnection(retry: .once) { connection, _ in
                try connection.query(PostgresStatements.notify, [Self.channel, payload])
            }
            let again = self.state.withLock { state -> Bool in
                state.lastSent = .now
                if state.sendAgain && !state.closed {
                    state.sendAgain = false
                    return true
                }
                state.sending = false
                return false
            }
            if !again {
                return
            }
        }
    }

    // MARK: listening

    /// Returns when a notification arrives (or arrived since the last wait returned), after `seconds`, or when
    /// the task is cancelled, whichever comes first.
    func wait(seconds: Double) async {
        self.startListening()
        guard seconds > 0 else {
            return
        }
        let id = self.state.withLock { state -> Int? in
            if state.pending || state.closed {
                state.pending = false
                return nil
            }
            state.nextWaiter += 1
            state.live.insert(state.nextWaiter)
            return state.nextWaiter
        }
        guard let id else {
            return
        }
        let timer = Task {
            if (try? await Task.sleep(for: .seconds(seconds))) != nil {
                self.wake(id)
            }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state -> Bool in
                    if state.woken.contains(id) || state.pending || state.closed {
                        state.pending = false
                        return true
                    }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow {
                    continuation.resume()
                }
            }
        } onCancel: {
            self.wake(id)
        }
        timer.cancel()
        self.state.withLock { state in
            state.live.remove(id)
            state.woken.remove(id)
        }
    }

    /// Stops listening and sending without waiting: waiters return, and the listening thread ends within a
    /// quarter of a second.
    func stop() {
        self.state.withLock { $0.closed = true }
        self.wakeAll()
    }

    /// Stops listening and sending, and waits until the listening thread and the last notification are done.
    func close() async {
        let (sender, running) = self.state.withLock { state in
            state.closed = true
            return (state.sender, state.listenerRunning)
        }
        self.wakeAll()
        await sender?.value
        if running {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let stopped = self.state.withLock { state -> Bool in
                    if !state.listenerRunning {
                        return true
                    }
                    state.listenerStopped = continuation
                    return false
                }
                if stopped {
                    continuation.resume()
                }
            }
        }
    }

    /// Whether a notification's payload (`SCHEMA SENDER`, or a bare schema name or nothing from other senders)
    /// wakes this store's waiters: it is for this store's schema and was not sent by this store, whose
    /// waiters were woken when it was sent.
    private func concernsOthers(_ payload: String) -> Bool {
        let schema = self.configuration.schema
        if payload.isEmpty || payload == schema {
            return true
        }
        guard payload.hasPrefix(schema + " ") else {
            return false
        }
        return payload.dropFirst(schema.utf8.count + 1) != self.sender
    }

    private func wake(_ id: Int) {
        let continuation = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let continuation = state.waiters.removeValue(forKey: id) {
                return continuation
            }
            if state.live.contains(id) {
                state.woken.insert(id)
            }
            return nil
        }
        continuation?.resume()
    }

    private func wakeAll() {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            let waiters = Array(state.waiters.values)
            state.waiters = [:]
            if waiters.isEmpty {
                state.pending = true
            }
            for id in state.live {
                state.woken.insert(id)
            }
            return waiters
        }
        for waiter in waiters {
            waiter.resume()
        }
    }

    private func startListening() {
        let start = self.state.withLock { state -> Bool in
            guard !state.listenerStarted, !state.closed else {
                return false
            }
            state.listenerStarted = true
            state.listenerRunning = true
            return true
        }
        guard start else {
            return
        }
        let thread = Thread { self.listen() }
        thread.name = "swirl.postgres.listen"
        thread.start()
    }

    private var isClosed: Bool {
        self.state.withLock { $0.closed }
    }

    /// The listening loop, on its own thread: libpq's waits block.
    private func listen() {
        var connection: PGConnection?
        while !self.isClosed {
            guard let open = connection else {
                if self.sleepUnlessClosed(self.pool.throttle.reserveTurn()) {
                    break
                }
                do {
                    let fresh = try PGPool.connect(self.configuration)
                    try fresh.execute("LISTEN \(Self.channel)")
                    self.pool.throttle.succeeded()
                    connection = fresh
                    // Whatever was sent while nobody listened is lost: let the waiters look for themselves.
                    self.wakeAll()
                } catch {
                    self.pool.throttle.failed()
                }
                continue
            }
            do {
                let notifications = try open.notifications(waitingUpTo: 0.25)
                if notifications.contains(where: { $0.channel == Self.channel && self.concernsOthers($0.payload) }) {
                    self.wakeAll()
                }
            } catch {
                connection = nil
            }
        }
        connection = nil
        let stopped = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.listenerRunning = false
            let continuation = state.listenerStopped
            state.listenerStopped = nil
            return continuation
        }
        stopped?.resume()
    }

    /// Sleeps on the listening thread in short steps; returns `true` when the notifications were closed.
    private func sleepUnlessClosed(_ duration: Duration) -> Bool {
        var remaining = duration
        while remaining > .zero {
            if self.isClosed {
                return true
            }
            let step = min(remaining, .milliseconds(100))
            Thread.sleep(forTimeInterval: Double(step.components.seconds) + Double(step.components.attoseconds) / 1e18)
            remaining -= step
        }
        return self.isClosed
    }
}
