import Synchronization

/// Spaces out connection attempts after failures, for every connection of a store at once.
///
/// While connecting works, attempts go ahead at once. After a failure (a server restarting, a network down),
/// each further attempt, from whichever connection, waits its turn: turns are spaced by a delay that doubles
/// with each consecutive failure (from `initialDelay` up to `maximumDelay`) and is jittered, so a pool of
/// connections, or many workers, do not all hit a recovering server at the same instant. The first success
/// ends the backoff.
final class PGReconnectThrottle: Sendable {
    private struct State {
        var failures = 0
        var nextTurn: ContinuousClock.Instant
    }

    private let state: Mutex<State>
    private let initialDelay: Duration
    private let maximumDelay: Duration

    /// - Parameters:
    ///   - initialDelay: The delay after the first failure.
    ///   - maximumDelay: The longest delay between two attempts.
    init(initialDelay: Duration = .milliseconds(50), maximumDelay: Duration = .seconds(5)) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.state = Mutex(State(nextTurn: .now))
    }

    /// Takes the next turn to connect and returns how long to wait for it (zero while connecting works).
    func reserveTurn() -> Duration {
        let now = ContinuousClock.now
        return self.state.withLock { state in
            let turn = max(now, state.nextTurn)
            if state.failures > 0 {
                state.nextTurn = turn + self.jitteredDelay(failures: state.failures)
            }
            return turn - now
        }
    }

    /// Waits for the next turn to connect.
    /// - Throws: `CancellationError` when the task is cancelled while it waits.
    func waitForTurn() async throws {
        let wait = self.reserveTurn()
        if wait > .zero {
            try await Task.sleep(for: wait)
        }
    }

    /// Records a successful connection: the backoff ends.
    func succeeded() {
        self.state.withLock { state in
            state.failures = 0
            state.nextTurn = .now
        }
    }

    /// Records a failed connection attempt: the next turn is later.
    func failed() {
        let now = ContinuousClock.now
        self.state.withLock { state in
            state.failures += 1
            state.nextTurn = max(state.nextTurn, now + self.jitteredDelay(failures: state.failures))
        }
    }

    /// The number of consecutive failed attempts.
    var failures: Int {
        self.state.withLock { $0.failures }
    }

    private func jitteredDelay(failures: Int) -> Duration {
        let doubled = self.initialDelay * (1 << min(failures - 1, 20))
        let capped = min(doubled, self.maximumDelay)
        // Between half and all of the delay: spread out, but never sooner than half.
        return capped * Double.random(in: 0.5...1.0)
    }
}
