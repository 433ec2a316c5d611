#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops jq evaluations that run too long, or that a stop request (SIGINT, SIGTERM) interrupts.
///
/// libjq 1.6 has no cancellation API, but its interpreter loop (`jq_next`) looks at the state's
/// `halted` flag before every bytecode instruction, and `jq_halt` only sets that flag (and two
/// values the halt reports). So a thread of its own can stop an evaluation that another thread
/// runs: it halts the state, `jq_next` returns at its next instruction, and the evaluation fails
/// with ``JQError/timedOut(seconds:ceiling:)`` or ``JQError/interrupted`` on the thread that
/// started it, which goes on to serve the next evaluation. Checked on Debian 12's libjq 1.6 with
/// `def f: f; f`, `repeat(1)`, `[range(1e9)]`, `last(range(1e12))`, `until(false; .)` and
/// `reduce range(1e12) as $i (0; .+1)`: each stopped within a millisecond of the halt, and the
/// state evaluated correctly afterwards (also under valgrind). libjq 1.6 has no atomics: the
/// flag is a plain `int` that one thread writes and the other polls, which the C memory model
/// calls a race. It works with this build, whose loop calls out of its file (allocation, `jv`
/// functions) often enough to read the flag again, but it is not a promise libjq makes; the
/// tests in `JQWatchdogTests` check it for each kind of loop.
///
/// What a halt cannot stop is one built-in written in C that runs long by itself, such as
/// `"x" * 1e9` or sorting a huge array: the halt takes effect when it returns to the interpreter.
/// An evaluation still running ``haltGrace`` seconds after its halt is reported once to
/// ``onUnresponsive``; the `swirl` command then exits, so that a supervisor can start a fresh
/// process (the evaluation holds the thread that every run of the process evaluates on).
///
/// Every evaluation registers with ``begin(limit:target:)`` just after `jq_start` and leaves with
/// ``end(_:)`` as soon as `jq_next` has returned its last value; the watchdog halts a state only
/// between the two, while holding the lock that `end` takes, so it never touches a state its
/// thread has finished with. Registering costs a lock round trip; the watchdog's thread wakes
/// every ``tick`` seconds while evaluations happen and sleeps without a timeout once none has
/// happened for a second.
public final class JQWatchdog: @unchecked Sendable {
    // @unchecked Sendable is safe: every stored property but the immutable ones is read and
    // written only while `mutex` is held (the thread handle is written once, under it too).

    /// The watchdog of the whole process: ``JQEngine`` uses it unless given another.
    public static let shared = JQWatchdog()

    /// The ceiling a watchdog starts with: 5 seconds per evaluation. Expressions in workflows
    /// take microseconds; one that runs for seconds holds the thread every run of the process
    /// evaluates on, so it should fail rather than stall them all.
    public static let defaultCeiling = 5.0

    /// Why a watchdog stopped an evaluation.
    enum Stop: Sendable {
        /// It ran past its limit, in seconds; `ceiling` when the limit was the watchdog's ceiling
        /// rather than the shorter one the caller passed.
        case timedOut(seconds: Double, ceiling: Bool)
        case interrupted

        var error: JQError {
            switch self {
            case .timedOut(let seconds, let ceiling): .timedOut(seconds: seconds, ceiling: ceiling)
            case .interrupted: .interrupted
            }
        }
    }

    /// An evaluation in flight, as ``begin(limit:target:)`` handed it out.
    struct Ticket {
        fileprivate let id: UInt64
    }

    private struct Entry {
        let target: any JQHaltTarget
        let limit: Double
        let ceiling: Bool
        /// Monotonic nanoseconds; `UInt64.max` when there is no limit.
        let deadline: UInt64
        var stop: Stop?
        var haltedAt: UInt64?
        var reported = false
    }

    /// How often the watchdog looks at the evaluations in flight while there are any, in seconds:
    /// an evaluation overruns its limit by at most about this much.
    public let tick: Double

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var entries: [UInt64: Entry] = [:]
    private var nextID: UInt64 = 0
    private var started = false
    /// Whether the thread waits without a timeout, so that `begin` has to wake it.
    private var dormant = false
    /// When the last evaluation began, in monotonic nanoseconds.
    private var lastBegin: UInt64 = 0
    private var ceilingSeconds: Double
    private var graceSeconds: Double
    private var unresponsiveHandler: (@Sendable (String) -> Void)?
    private var interruptCount: UInt64 = 0

    /// Creates a watchdog; its thread starts with the first evaluation.
    /// - Parameters:
    ///   - ceiling: the longest one evaluation may run, in seconds (0 or less: no ceiling).
    ///   - haltGrace: how long a halted evaluation may take to return before ``onUnresponsive``
    ///     hears of it, in seconds.
    ///   - tick: how often the watchdog looks, in seconds.
    public init(ceiling: Double = JQWatchdog.defaultCeiling, haltGrace: Double = 10, tick: Double = 0.05) {
        ceilingSeconds = ceiling
        graceSeconds = haltGrace
        self.tick = tick
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    // No deinit: the thread, once started, refers to the watchdog for as long as the process runs.

    /// The longest one evaluation may run, in seconds; 0 or less for no ceiling (then only the
    /// limits callers pass, such as what remains of a task's timeout, apply).
    public var ceiling: Double {
        get { locked { ceilingSeconds } }
        set { locked { ceilingSeconds = newValue } }
    }

    /// How long a halted evaluation may take to return before ``onUnresponsive`` hears of it.
    public var haltGrace: Double {
        get { locked { graceSeconds } }
        set { locked { graceSeconds = newValue } }
    }

    /// Told, on the watchdog's thread, about an evaluation that a halt did not stop within
    /// ``haltGrace``: it is stuck in one long C built-in, and holds its thread until that returns.
    public var onUnresponsive: (@Sendable (String) -> Void)? {
        get { locked { unresponsiveHandler } }
        set { locked { unresponsiveHandler = newValue } }
    }

    /// How many times ``interrupt()`` has been called: a caller that reads it before and after a
    /// piece of work knows whether an interruption may have cut an evaluation of that work short.
    public var interruptions: UInt64 {
        locked { interruptCount }
    }

    /// Stops every evaluation in flight with ``JQError/interrupted``; later evaluations run as
    /// usual. For a process that is stopping (SIGINT, SIGTERM): its waits must end now.
    public func interrupt() {
        locked {
            interruptCount += 1
            let now = Self.monotonicNow()
            for (id, entry) in entries where entry.stop == nil {
                entry.target.haltFromWatchdog()
                entries[id]?.stop = .interrupted
                entries[id]?.haltedAt = now
            }
        }
    }

    /// Registers an evaluation that has just started on `target`.
    /// - Parameters:
    ///   - limit: the longest this evaluation may run, in seconds, when shorter than the ceiling.
    ///   - target: the state the watchdog halts when the evaluation overruns.
    func begin(limit: Double?, target: any JQHaltTarget) -> Ticket {
        locked {
            let now = Self.monotonicNow()
            var seconds = Double.infinity
            var isCeiling = false
            if ceilingSeconds > 0 {
                seconds = ceilingSeconds
                isCeiling = true
            }
            if let limit, limit < seconds {
                seconds = max(limit, 0)
                isCeiling = false
            }
            // Beyond 30 years is no limit, and would overflow the nanoseconds.
            let deadline = seconds < 1e9 ? now &+ UInt64(seconds * 1e9) : UInt64.max
            nextID &+= 1
            entries[nextID] = Entry(target: target, limit: seconds, ceiling: isCeiling, deadline: deadline)
            lastBegin = now
            if !started {
                started = true
                startThread()
            } else if dormant {
                dormant = false
                pthread_cond_signal(condition)
            }
            return Ticket(id: nextID)
        }
    }

    /// Ends the supervision of an evaluation whose `jq_next` has returned for the last time.
    /// - Returns: why the watchdog stopped it, or `nil` when it ran its course.
    func end(_ ticket: Ticket) -> Stop? {
        locked { entries.removeValue(forKey: ticket.id)?.stop }
    }

    // MARK: - The watchdog's thread

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Looks at the evaluations in flight every tick; halts those past their deadline, and
    /// reports those that a halt did not stop. Holds `mutex` but while it waits or calls the
    /// handler.
    private func watch() -> Never {
        pthread_mutex_lock(mutex)
        while true {
            let now = Self.monotonicNow()
            var reports: [String] = []
            for (id, entry) in entries {
                if entry.stop == nil, now >= entry.deadline {
                    entry.target.haltFromWatchdog()
                    entries[id]?.stop = .timedOut(seconds: entry.limit, ceiling: entry.ceiling)
                    entries[id]?.haltedAt = now
                } else if let haltedAt = entry.haltedAt, !entry.reported, now &- haltedAt >= UInt64(max(graceSeconds, 0) * 1e9) {
                    entries[id]?.reported = true
                    reports.append(
                        "a jq expression was halted \(Self.format(graceSeconds)) ago (after \(Self.format(entry.limit))) "
                            + "and has not stopped: one long built-in holds the thread every run of this process evaluates on")
                }
            }
            if let handler = unresponsiveHandler, !reports.isEmpty {
                pthread_mutex_unlock(mutex)
                for report in reports { handler(report) }
                pthread_mutex_lock(mutex)
            }
            if entries.isEmpty, now &- lastBegin > 1_000_000_000 {
                // Nothing evaluated for a second: sleep until the next evaluation begins.
                dormant = true
                while dormant {
                    pthread_cond_wait(condition, mutex)
                }
            } else {
                var wake = timespec()
                clock_gettime(CLOCK_REALTIME, &wake)
                let nanoseconds = Int(wake.tv_nsec) + Int(tick * 1e9)
                wake.tv_sec += nanoseconds / 1_000_000_000
                wake.tv_nsec = nanoseconds % 1_000_000_000
                _ = pthread_cond_timedwait(condition, mutex, &wake)
            }
        }
    }

    private func startThread() {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        // The watchdog only compares numbers and calls jq_halt: a small stack does.
        pthread_attr_setstacksize(&attributes, 256 << 10)
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(
            &thread, &attributes,
            { rawContext in
                guard let rawContext else { preconditionFailure("the jq watchdog started without its context") }
                Unmanaged<JQWatchdog>.fromOpaque(rawContext).takeUnretainedValue().watch()
            },
            context)
        precondition(status == 0, "pthread_create failed for the jq watchdog thread: \(status)")
        #if canImport(Darwin)
        pthread_detach(thread!)
        #else
        pthread_detach(thread)
        #endif
    }

    private static func monotonicNow() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
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

/// A libjq state the watchdog can halt from its own thread.
///
/// ``JQWatchdog`` calls ``haltFromWatchdog()`` only between ``JQWatchdog/begin(limit:target:)``
/// and ``JQWatchdog/end(_:)``, with its lock held, while the owning thread is inside `jq_next`.
protocol JQHaltTarget: AnyObject {
    func haltFromWatchdog()
}
