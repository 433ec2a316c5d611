/// The global actor of a process's serving loops: the ``Worker``s, their ``WorkflowLibrary`` and
/// the ``Interpreter``. It orders claims, heartbeats and the bookkeeping of which runs are driven;
/// the runs themselves advance elsewhere, each on its own ``RunDriver`` actor, whose jobs run on
/// one of the ``DriverThreads`` (one per core), so the runs of one worker advance in parallel.
@globalActor
public actor WorkerActor {
    /// The actor's only instance.
    public static let shared = WorkerActor()

    private init() {}
}
