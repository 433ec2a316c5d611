/// The global actor whose code runs on ``JQThreadExecutor/shared``: the worker, its run drivers
/// and the interpreter of a process all live on it, so the runs of one process advance on one
/// thread.
///
/// It dates from libjq, which had to stay on one thread. Swirl's own engine is thread-safe
/// (``ExpressionBundle`` is `Sendable`), so nothing about expressions needs this actor any more;
/// moving the drivers off it, so that runs advance in parallel, is issue 11's remaining work.
@globalActor
public actor JQActor {
    /// The actor's only instance.
    public static let shared = JQActor()

    private init() {}

    /// ``JQThreadExecutor/shared``, so that every job of this actor runs on its thread.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        JQThreadExecutor.shared.asUnownedSerialExecutor()
    }
}
