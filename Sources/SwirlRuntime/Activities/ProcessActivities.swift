/// The activities that run local processes, by kind, for an ``ActivityRegistry``.
public enum ProcessActivities {
    /// `run:shell`, `run:script` and `run:container` with their defaults.
    /// The first executable named `name` in the directories of this process's `PATH`, as `run` tasks find them.
    public static func locate(_ name: String) -> String? {
        ProcessRunner.locate(name, in: ProcessRunner.defaultSearchPath)
    }

    public static var all: [String: any Activity] {
        ["run:shell": ShellRunActivity(), "run:script": ScriptRunActivity(), "run:container": ContainerRunActivity()]
    }

    /// Ends every child process these activities started that still runs, with everything in its
    /// process group (an `await: false` child, a task whose cancellation is still tearing its
    /// child down): SIGTERM, SIGKILL after `grace`, then a short wait for the processes to go.
    /// For a process about to exit, so that no child outlives it.
    public static func endChildren(grace: Duration = .seconds(2)) async {
        await ChildProcessGroups.shared.endAll(grace: grace)
    }
}
