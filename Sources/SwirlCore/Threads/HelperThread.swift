#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Work that runs on a thread of its own while the caller goes on with other work, and whose
/// result the caller then waits for: how the stages of one large document use a second core.
///
/// A thread costs tens of microseconds to start, so callers use one only for work of
/// milliseconds (a large document) and do small work in place. When no thread can be started,
/// the work runs on the caller's thread when it asks for the result.
public final class HelperThread<Result: Sendable>: @unchecked Sendable {
    // Written by the helper before it ends and read by the caller only after `pthread_join`,
    // which orders the two: no lock is needed.
    private var result: Result?
    private let work: @Sendable () -> Result
    #if canImport(Darwin)
    private var thread: pthread_t?
    #else
    private var thread = pthread_t()
    #endif
    private var started = false
    private var joined = false

    /// Starts `work` on a new thread.
    /// - Parameter stackSize: the thread's stack in bytes; by default a main thread's 8 MiB, for
    ///   work that recurses as deep as documents nest.
    public init(stackSize: Int = 8 << 20, _ work: @escaping @Sendable () -> Result) {
        self.work = work
        start(stackSize: stackSize)
    }

    private func start(stackSize: Int) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        // The thread keeps the helper alive until its work is done.
        let launch = Launch { [self] in result = work() }
        let context = Unmanaged.passRetained(launch).toOpaque()
        #if canImport(Darwin)
        var created: pthread_t?
        #else
        var created = pthread_t()
        #endif
        let status = pthread_create(
            &created, &attributes,
            { rawContext in
                guard let rawContext else { preconditionFailure("a helper thread started without its work") }
                Unmanaged<Launch>.fromOpaque(rawContext).takeRetainedValue().run()
                return nil
            }, context)
        if status == 0 {
            thread = created
            started = true
        } else {
            Unmanaged<Launch>.fromOpaque(context).release()
        }
    }

    /// Whether the work runs on a thread of its own; `false` when none could be started, and
    /// the work will run in ``join()`` instead.
    public var hasThread: Bool { started }

    /// Waits for the work to finish and returns its result (running it here if no thread could
    /// be started).
    public func join() -> Result {
        if !joined {
            joined = true
            if started {
                #if canImport(Darwin)
                pthread_join(thread!, nil)
                #else
                pthread_join(thread, nil)
                #endif
            } else {
                result = work()
            }
        }
        guard let result else { preconditionFailure("a helper thread ended without a result") }
        return result
    }

    deinit {
        // Never joined: let the system reclaim the thread when it ends. (This may run on the
        // helper itself, which holds a reference until its work is done.)
        if started && !joined {
            #if canImport(Darwin)
            pthread_detach(thread!)
            #else
            pthread_detach(thread)
            #endif
        }
    }
}

/// What a new thread runs (not generic, so a C function can start it).
private final class Launch {
    let run: () -> Void

    init(_ run: @escaping () -> Void) {
        self.run = run
    }
}
