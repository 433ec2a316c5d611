import Synchronization

/// What every runtime expression of the process obeys besides its own step, depth and size
/// budget: a ceiling on the time one evaluation may take, and stop requests.
///
/// Swirl's engine looks at the clock and at the stop signal every ``JQRun/clockInterval`` steps,
/// on the thread that evaluates, so an evaluation that overruns ends with
/// ``JQError/timedOut(seconds:ceiling:)`` and one that a stop request (SIGINT, SIGTERM) reaches
/// ends with ``JQError/interrupted`` at that next look, and the thread goes on with its next
/// job. No thread watches from outside. A single builtin call (a regex match, a sort) runs to its
/// end before the next look.
public final class ExpressionLimits: Sendable {
    /// The limits of the whole process, which the `swirl` command sets from its options.
    public static let shared = ExpressionLimits()

    /// The ceiling unless `--jq-timeout` or `SWIRL_JQ_TIMEOUT` says otherwise: long enough for
    /// any reasonable expression over a large document.
    public static let defaultCeiling = 5.0

    private let ceilingBits: Atomic<UInt64>
    let stop = JQStopSignal()

    /// - Parameter ceiling: the longest one evaluation may run, in seconds; 0 for no ceiling.
    public init(ceiling: Double = ExpressionLimits.defaultCeiling) {
        ceilingBits = Atomic(ceiling.bitPattern)
    }

    /// The longest one evaluation may run, in seconds, whatever its caller allows; 0 for no
    /// ceiling.
    public var ceiling: Double {
        get { Double(bitPattern: ceilingBits.load(ordering: .relaxed)) }
        set { ceilingBits.store(newValue.bitPattern, ordering: .relaxed) }
    }

    /// Stops every evaluation in flight with ``JQError/interrupted``; later evaluations run as
    /// usual. For a process that is stopping (SIGINT, SIGTERM): its waits must end now.
    public func interrupt() {
        stop.raise()
    }

    /// How many times ``interrupt()`` was called: a caller that reads it before and after an
    /// evaluation knows whether a stop request may have cut the evaluation short.
    public var interruptions: UInt64 {
        stop.count
    }

    /// The budget of one evaluation that starts now and may run `timeLimit` seconds when that
    /// is shorter than the ceiling; also which of the two applies and how long it is.
    func budget(timeLimit: Double?) -> (limits: JQLimits, seconds: Double, isCeiling: Bool) {
        var limits = JQLimits()
        limits.stop = (stop, stop.count)
        var seconds = Double.infinity
        var isCeiling = false
        let ceiling = self.ceiling
        if ceiling > 0 {
            seconds = ceiling
            isCeiling = true
        }
        if let timeLimit, timeLimit < seconds {
            seconds = max(timeLimit, 0)
            isCeiling = false
        }
        // Beyond 30 years is no limit, and would overflow the clock's arithmetic.
        if seconds < 1e9 {
            limits.deadline = ContinuousClock.now.advanced(by: .nanoseconds(Int64(seconds * 1e9)))
            // Time bounds the work; the engine's step budget is for evaluations without a deadline,
            // and would otherwise end a heavy expression sooner than the time its limit allows.
            limits.steps = .max
        }
        return (limits, seconds, isCeiling)
    }

    /// Seconds for people, as limits are shown in errors, to the hundredth: `5 s`, `1.5 s`,
    /// `0.25 s` (a limit of 1.999 s left of a timeout reads `2 s`).
    public static func format(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "\(seconds) s" }
        let rounded = (seconds * 100).rounded() / 100
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return "\(Int(rounded)) s" }
        return "\(rounded) s"
    }
}

/// A count of stop requests that evaluations compare with the count they started under.
final class JQStopSignal: Sendable {
    private let requests = Atomic<UInt64>(0)

    /// Asks every evaluation that started before now to stop.
    func raise() {
        requests.add(1, ordering: .relaxed)
    }

    var count: UInt64 {
        requests.load(ordering: .relaxed)
    }
}
