import Foundation

/// The time source of a run: what "now" is, and how to wait until later. Injected so that
/// tests run waits, retries and timeouts instantly.
public protocol RuntimeClock: Sendable {
    /// Seconds since 1970.
    func now() -> Double
    /// Returns at `deadline` (or at once if it has passed).
    /// - Throws: `CancellationError` when the task is cancelled first.
    func sleep(until deadline: Double) async throws
}

/// The wall clock.
public struct SystemClock: RuntimeClock {
    public init() {}

    public func now() -> Double {
        Date().timeIntervalSince1970
    }

    public func sleep(until deadline: Double) async throws {
        // In slices of at most a day: a far deadline (or an infinite one) never becomes a
        // `Duration` too large to represent.
        while true {
            let remaining = deadline - now()
            guard remaining > 0 else { return }
            try await Task.sleep(for: .seconds(min(remaining, 86_400)))
        }
    }
}

/// A clock that jumps ahead whenever someone sleeps: time passes only on request, so a
/// workflow that waits an hour finishes in microseconds, deterministically.
public final class ManualClock: RuntimeClock, @unchecked Sendable {
    // Safe: the one mutable field is read and written only under `lock`.
    private let lock = NSLock()
    private var current: Double

    public init(now: Double = 1_767_225_600) {  // 2026-01-01T00:00:00Z
        self.current = now
    }

    public func now() -> Double {
        lock.withLock { current }
    }

    public func sleep(until deadline: Double) async throws {
        try Task.checkCancellation()
        lock.withLock { current = max(current, deadline.isFinite ? deadline : current) }
    }

    /// Moves time forward by `seconds`.
    public func advance(by seconds: Double) {
        lock.withLock { current += seconds }
    }
}
