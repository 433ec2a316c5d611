public import SwirlCore

extension ActivityRegistry {
    /// The activities that need nothing beyond this machine: shell, script and container
    /// processes, plus `extra` (such as `call:http`). `emit` and `run: workflow` need no
    /// activity: a run's driver writes their effects with its checkpoints.
    public static func local(adding extra: [String: any Activity] = [:]) -> ActivityRegistry {
        var activities = ActivityRegistry(ProcessActivities.all)
        for (kind, activity) in extra { activities.register(activity, for: kind) }
        return activities
    }
}
