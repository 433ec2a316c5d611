#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

import Foundation
import Synchronization

/// The threads that run drivers, shared by the workers of a process: one per core.
///
/// Each run's ``RunDriver`` is an actor whose jobs all run on one of these threads, and the
/// activities it starts prefer that thread too. A reply that resumes a driver (a store's, an
/// activity's) is queued on a thread that is usually busy with other runs already, so it costs no
/// wake-up; the runs of one worker spread over the threads and advance in parallel.
final class DriverThreads: Sendable {
    /// One thread per core of the machine, started on first use; they run until the process ends.
    static let shared = DriverThreads(count: ProcessInfo.processInfo.activeProcessorCount)

    let threads: [DriverThread]
    /// How many drivers of the whole process each thread carries now.
    private let load: Mutex<[Int]>

    init(count: Int) {
        threads = (0..<max(1, count)).map { DriverThread(name: "swirl-driver-\($0)") }
        load = Mutex(Array(repeating: 0, count: threads.count))
    }

    /// The index of the least busy of the first `limit` threads (all when `limit` is 0), counted
    /// as carrying one driver more until ``release(_:)``.
    func acquire(among limit: Int) -> Int {
        load.withLock { load in
            let usable = limit > 0 ? min(limit, load.count) : load.count
            var best = 0
            for index in 1..<max(usable, 1) where load[index] < load[best] { best = index }
            load[best] += 1
            return best
        }
    }

    /// A driver of thread `index` ended.
    func release(_ index: Int) {
        load.withLock { $0[index] -= 1 }
    }
}

/// A serial executor that runs every job on one operating-system thread of its own.
///
/// Actors on the default executor hop between the threads of the cooperative pool from one job
/// to the next; this executor keeps an actor's jobs on one thread. A ``RunDriver`` adopts its
/// thread by returning it as its `unownedExecutor`, and starts its activities with it as their
/// preferred task executor.
///
/// The thread is never stopped: an actor refers to its executor without retaining it, so an
/// executor must outlive every actor that might still run on it. The thread retains its
/// executor, which therefore lives as long as the process: threads come from
/// ``DriverThreads/shared``, never one per run.
final class DriverThread: SerialExecutor, TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable is safe: the queue and the thread identity are the only state, the queue
    // is read and written only while holding its mutex, and the identity is written once, before
    // `init` returns, and only read afterwards.

    private let queue: JobQueue
    /// The worker thread, set before `init` returns and never changed.
    private let thread: pthread_t

    /// Starts a new executor and its thread.
    /// - Parameter name: the thread's name as debuggers and `top -H` show it; Linux keeps the
    ///   first 15 bytes.
    init(name: String) {
        let queue = JobQueue()
        self.queue = queue
        thread = JobQueue.startThread(named: name, running: queue)
        // Nothing can be enqueued before `init` returns, so the thread cannot meet a job before
        // `queue.executor` is set.
        queue.executor = self
    }

    /// Queues a job; the executor's thread runs it after every job queued before it.
    /// - Parameter job: the job, which the executor now owns.
    func enqueue(_ job: consuming ExecutorJob) {
        queue.push(UnownedJob(job))
    }

    /// This executor as the runtime refers to it.
    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// This executor as a task's preferred executor (`Task(executorPreference:)`): the task's
    /// nonisolated code, and every resumption that would otherwise go to the global pool (a
    /// continuation resumed from another thread), runs on this thread too, so a task that reports
    /// to a driver of this thread comes back to it in one hop instead of two.
    ///
    /// Only for tasks whose nonisolated code never blocks: it would hold up every run of the thread.
    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Whether the calling code runs on this executor's thread.
    var isCurrent: Bool {
        pthread_equal(pthread_self(), thread) != 0
    }

    /// Stops the process unless the calling code runs on this executor's thread.
    ///
    /// The Swift runtime calls this from `assumeIsolated` and `preconditionIsolated` when it
    /// cannot tell from the current task alone, for example in a synchronous callback.
    func checkIsolated() {
        precondition(isCurrent, "expected to run on the driver thread's own thread")
    }

    /// Whether the calling code runs on this executor's thread; the runtime asks this before
    /// falling back to ``checkIsolated()``.
    func isIsolatingCurrentContext() -> Bool? {
        isCurrent
    }
}

/// The jobs waiting for the executor's thread, and the thread's loop.
///
/// A mutex-protected array and a condition variable: the thread takes every waiting job at once,
/// so under load one lock round-trip serves many jobs.
private final class JobQueue: @unchecked Sendable {
    // @unchecked Sendable is safe: `pending` and `threadStarted` are only touched while `mutex`
    // is held, and `executor` is written once, before any job can exist (every `push` happens
    // after it and synchronises with the thread through `mutex`), and then only read.

    /// Allocated on the heap so their addresses never move, as pthread requires.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var pending: [UnownedJob] = []
    private var threadStarted = false
    /// A strong reference, and with `DriverThread.queue` a deliberate cycle: the thread keeps
    /// its queue, the queue keeps the executor, so the executor outlives every actor that refers
    /// to it without retaining it.
    var executor: DriverThread?

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    // No deinit: the thread retains its queue and never ends, so the queue is never freed.

    func push(_ job: UnownedJob) {
        pthread_mutex_lock(mutex)
        pending.append(job)
        let wasIdle = pending.count == 1
        pthread_mutex_unlock(mutex)
        // Only the first job after the queue ran dry has to wake the thread: while jobs wait, the
        // thread is either running or about to take them.
        if wasIdle {
            pthread_cond_signal(condition)
        }
    }

    /// Runs jobs in the order they were queued, forever.
    private func runLoop() -> Never {
        var batch: [UnownedJob] = []
        while true {
            pthread_mutex_lock(mutex)
            while pending.isEmpty {
                pthread_cond_wait(condition, mutex)
            }
            swap(&batch, &pending)
            pthread_mutex_unlock(mutex)
            guard let executor else { preconditionFailure("a job arrived before the executor existed") }
            // Every job runs isolated to the serial executor, including those of tasks that prefer
            // this executor: the thread runs one job at a time, so each of them is exclusive, and a
            // task that hops to a driver of this thread from there finds itself already on it.
            let serial = executor.asUnownedSerialExecutor()
            let task = executor.asUnownedTaskExecutor()
            for job in batch {
                job.runSynchronously(isolatedTo: serial, taskExecutor: task)
            }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// What the new thread needs: the queue to serve and its name.
    private final class StartContext {
        let queue: JobQueue
        let name: String

        init(queue: JobQueue, name: String) {
            self.queue = queue
            self.name = name
        }
    }

    /// Starts the thread that serves `queue` and waits until it runs, so its identity is known.
    static func startThread(named name: String, running queue: JobQueue) -> pthread_t {
        // Allocated rather than made with `pthread_attr_t()`: with Foundation imported, a build with
        // the Swift runtime linked in finds that initializer in Dispatch's C module and refuses it.
        let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
        pthread_attr_init(attributes)
        defer {
            pthread_attr_destroy(attributes)
            attributes.deallocate()
        }
        // Deep JSON values are walked recursively; give the thread the stack a main thread has
        // rather than whatever the platform default for new threads is (512 KiB on Darwin).
        pthread_attr_setstacksize(attributes, 8 << 20)
        let context = Unmanaged.passRetained(StartContext(queue: queue, name: name)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let status = pthread_create(
            &thread,
            attributes,
            { rawContext in
                // The thread keeps the context, and with it the queue, for as long as it runs: forever.
                guard let rawContext else { preconditionFailure("a driver thread started without its context") }
                let context = Unmanaged<StartContext>.fromOpaque(rawContext).takeUnretainedValue()
                setCurrentThreadName(context.name)
                context.queue.markStarted()
                context.queue.runLoop()
            },
            context
        )
        precondition(status == 0, "pthread_create failed for a driver thread: \(status)")
        queue.waitUntilStarted()
        #if canImport(Darwin)
        return thread!
        #else
        return thread
        #endif
    }

    private func markStarted() {
        pthread_mutex_lock(mutex)
        threadStarted = true
        pthread_mutex_unlock(mutex)
        pthread_cond_broadcast(condition)
    }

    private func waitUntilStarted() {
        pthread_mutex_lock(mutex)
        while !threadStarted {
            pthread_cond_wait(condition, mutex)
        }
        pthread_mutex_unlock(mutex)
    }
}

/// Names the calling thread; Linux allows 15 bytes plus the terminator and fails on more.
private func setCurrentThreadName(_ name: String) {
    let truncated = String(decoding: name.utf8.prefix(15), as: UTF8.self)
    #if canImport(Darwin)
    _ = pthread_setname_np(truncated)
    #else
    // glibc declares pthread_setname_np only under _GNU_SOURCE, which the Glibc module does not
    // define, so look it up; a name is a debugging aid and its absence harms nothing.
    typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_setname_np") else { return }
    _ = unsafeBitCast(symbol, to: SetName.self)(pthread_self(), truncated)
    #endif
}
