import Synchronization

/// Wakes the tasks waiting in ``SQLiteStore/waitForWork(until:)`` when this store made work due.
///
/// A generation number counts the notifications: a waiter that read it before looking for work and finds it
/// changed returns at once, so a notification that arrives just before the waiter parks is not lost.
final class SQLiteWakeups: Sendable {
    private struct State {
        var generation: UInt64 = 0
        /// The generation when the last wait returned.
        var seen: UInt64 = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters whose time ran out, or that were cancelled, before they parked.
        var expired: Set<Int> = []
        /// Waiters that have not returned yet.
        var active: Set<Int> = []
        var nextID = 0
    }

    private let state = Mutex(State())

    /// The number of notifications so far.
    var generation: UInt64 {
        self.state.withLock { $0.generation }
    }

    /// The generation when the last wait returned: a wait counts every notification since, so work made while
    /// nobody waited (between a worker's claim and its wait) is not missed.
    var seen: UInt64 {
        self.state.withLock { $0.seen }
    }

    /// Records that a wait returned: what was notified until now has been looked at.
    func markSeen() {
        self.state.withLock { $0.seen = $0.generation }
    }

    /// Wakes every waiter.
    func notify() {
        let waiters = self.state.withLock { state in
            state.generation &+= 1
            let waiters = state.waiters
            state.waiters = [:]
            return waiters
        }
        for waiter in waiters.values {
            waiter.resume()
        }
    }

    /// Waits until a notification after `generation`, until `seconds` have passed, or until the task is cancelled.
    ///
    /// - Returns: Whether a notification came after `generation`.
    func wait(seconds: Double, since generation: UInt64) async -> Bool {
        let id = self.state.withLock { state in
            state.nextID += 1
            state.active.insert(state.nextID)
            return state.nextID
        }
        let timer = Task { [weak self] in
            guard (try? await Task.sleep(for: .seconds(max(0, seconds)))) != nil else {
                return
            }
            self?.expire(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let parked = self.state.withLock { state -> Bool in
                    if state.generation != generation || state.expired.remove(id) != nil {
                        return false
                    }
                    state.waiters[id] = continuation
                    return true
                }
                if !parked {
                    continuation.resume()
                }
            }
        } onCancel: {
            self.expire(id)
        }
        timer.cancel()
        return self.state.withLock { state in
            state.expired.remove(id)
            state.active.remove(id)
            return state.generation != generation
        }
    }

    /// Resumes waiter `id`, or marks it so that it does not park.
    private func expire(_ id: Int) {
        let waiter = self.state.withLock { state in
            if let waiter = state.waiters.removeValue(forKey: id) {
                return Optional(waiter)
            }
            if state.active.contains(id) {
                state.expired.insert(id)
            }
            return nil
        }
        waiter?.resume()
    }
}
