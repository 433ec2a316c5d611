import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs work that cannot watch the clock itself on a helper thread, while the evaluating thread
/// watches the evaluation's deadline and stop signal for it.
///
/// Swift's `Regex` backtracks without ever looking at the time: `(a+)+$` takes seconds on a
/// string of 18 `a`s and a `!`, and doubles with each `a` more. A regex call therefore runs here:
/// when the deadline passes or a stop is requested while it runs, the call fails at once
/// (``JQEvalError/timedOut``, ``JQEvalError/interrupted``) and the helper is abandoned: it
/// finishes that match unobserved, at the lowest scheduling priority so that it takes only time
/// nothing else wants, and then ends. At most ``abandonedLimit`` may exist at once; while that
/// many run, further calls are refused with a limit error instead of adding another.
///
/// Idle helpers are kept (up to ``idleLimit``) so that a call costs two thread hand-offs, not a
/// thread's creation.
final class JQWatchedWork: Sendable {
    /// The pool the engine uses.
    static let shared = JQWatchedWork()

    /// How many abandoned helpers may run at once.
    let abandonedLimit: Int
    /// How many idle helpers are kept for later calls.
    let idleLimit: Int
    /// How often the waiting thread looks at the clock and the stop signal.
    static let watchInterval: DispatchTimeInterval = .milliseconds(5)

    private struct State {
        var idle: [Helper] = []
        var abandoned = 0
    }

    private let state = Mutex(State())

    init(abandonedLimit: Int = 8, idleLimit: Int = 4) {
        self.abandonedLimit = abandonedLimit
        self.idleLimit = idleLimit
    }

    /// How many abandoned helpers are still running.
    var abandonedCount: Int { state.withLock { $0.abandoned } }

    /// Runs `work` on a helper, watching `limits` meanwhile; inline when the limits have neither a
    /// deadline nor a stop signal, since then there is nothing to watch.
    ///
    /// - Throws: what `work` throws; ``JQEvalError/timedOut`` or ``JQEvalError/interrupted``
    ///   when the deadline passes or a stop is requested first; ``JQEvalError/limitExceeded(_:)``
    ///   when as many abandoned helpers run as are allowed.
    func run<T: Sendable>(
        _ what: String, limits: JQLimits, _ work: @escaping @Sendable () throws(JQEvalError) -> T
    ) throws(JQEvalError) -> T {
        guard limits.deadline != nil || limits.stop != nil else { return try work() }
        let helper: Helper? = state.withLock { state in
            if state.abandoned >= abandonedLimit { return nil }
            return state.idle.popLast() ?? Helper(pool: self)
        }
        guard let helper else {
            throw .limitExceeded(
                "\(what) could not start: \(abandonedLimit) earlier ones that ran out of time are still running")
        }
        let job = Job(work)
        helper.start(job)
        while job.done.wait(timeout: .now() + Self.watchInterval) == .timedOut {
            var stopped: JQEvalError?
            if let deadline = limits.deadline, ContinuousClock.now >= deadline { stopped = .timedOut }
            if let stop = limits.stop, stop.signal.count != stop.since { stopped = .interrupted }
            if let stopped {
                // Counted before the helper can see it abandoned (and count itself out when done).
                abandoned(1)
                if helper.abandon() {
                    throw stopped
                }
                // It finished just now: its result is as good as any other.
                abandoned(-1)
                break
            }
        }
        let result = job.result.withLock { $0 }
        state.withLock { state in
            if state.idle.count < idleLimit { state.idle.append(helper) } else { helper.finish() }
        }
        switch result {
        case .success(let value)?:
            guard let value = value as? T else { throw .internalFailure("\(what) gave a result of the wrong type") }
            return value
        case .failure(let error)?: throw error
        case nil: throw .internalFailure("\(what) ended without a result")
        }
    }

    fileprivate func abandoned(_ change: Int) {
        state.withLock { $0.abandoned += change }
    }

    /// One call's work and, once done, its result.
    fileprivate final class Job: Sendable {
        let work: @Sendable () throws(JQEvalError) -> any Sendable
        let result = Mutex<Result<any Sendable, JQEvalError>?>(nil)
        let done = DispatchSemaphore(value: 0)

        init<T: Sendable>(_ work: @escaping @Sendable () throws(JQEvalError) -> T) {
            self.work = { () throws(JQEvalError) -> any Sendable in try work() }
        }

        /// Runs the work and keeps its result; the helper signals ``done`` once it is ready for
        /// another job.
        func run() {
            let outcome: Result<any Sendable, JQEvalError>
            do throws(JQEvalError) {
                outcome = .success(try work())
            } catch {
                outcome = .failure(error)
            }
            result.withLock { $0 = outcome }
        }
    }

    /// A thread that runs one job at a time, until it is abandoned or no longer needed.
    fileprivate final class Helper: Sendable {
        private struct Slot {
            var job: Job?
            /// The caller stopped waiting for the current job: end after it.
            var abandoned = false
            /// Not needed any more: end.
            var finished = false
            var running = false
            /// The helper's thread, once it runs.
            var thread: pthread_t?
        }

        private let slot = Mutex(Slot())
        private let wake = DispatchSemaphore(value: 0)

        init(pool: JQWatchedWork) {
            let thread = Thread { [self] in self.loop(pool) }
            // Matching recurses with the pattern's nesting: a main thread's stack.
            thread.stackSize = 8 << 20
            thread.start()
        }

        func start(_ job: Job) {
            slot.withLock { slot in
                slot.job = job
                slot.running = true
            }
            wake.signal()
        }

        /// Gives up on the current job and lowers the helper's priority to the least; `false` when
        /// the job had finished already (the helper is idle again and can be kept).
        func abandon() -> Bool {
            let found = slot.withLock { slot -> pthread_t?? in
                guard slot.running else { return .none }
                slot.abandoned = true
                return .some(slot.thread)
            }
            guard let found else { return false }
            #if os(Linux)
            // SCHED_IDLE (5; the Glibc module leaves out the GNU name): the helper runs only when
            // nothing else wants the core.
            var parameters = sched_param()
            parameters.sched_priority = 0
            if let thread = found { _ = pthread_setschedparam(thread, 5, &parameters) }
            #endif
            return true
        }

        func finish() {
            slot.withLock { $0.finished = true }
            wake.signal()
        }

        private func loop(_ pool: JQWatchedWork) {
            // Named from the thread itself, so `top -H` shows it (a new thread otherwise shows its creator's name).
            Thread.current.name = "swirl-regex"
            let current = pthread_self()
            slot.withLock { $0.thread = current }
            while true {
                wake.wait()
                let (job, finished) = slot.withLock { slot in (slot.job, slot.finished) }
                if finished { return }
                guard let job else { continue }
                job.run()
                let abandoned = slot.withLock { slot -> Bool in
                    slot.job = nil
                    slot.running = false
                    return slot.abandoned
                }
                // Only now: the caller may hand this helper its next job as soon as it hears.
                job.done.signal()
                if abandoned {
                    pool.abandoned(-1)
                    return
                }
            }
        }
    }
}
