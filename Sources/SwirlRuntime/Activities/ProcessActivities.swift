/// The activities that run local processes, by kind, for an ``ActivityRegistry``.
public enum ProcessActivities {
    /// `run:shell`, `run:script` and `run:container` with their defaults.
    public static var all: [String: any Activity] {
        ["run:shell": ShellRunActivity(), "run:script": ScriptRunActivity(), "run:container": ContainerRunActivity()]
    }
}
