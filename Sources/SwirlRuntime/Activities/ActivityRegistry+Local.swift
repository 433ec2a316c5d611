public import SwirlCore

extension ActivityRegistry {
    /// The activities that need nothing beyond this machine: shell, script and container
    /// processes, `emit` on `bus`, and `run: workflow` over `catalog`, whose child runs get this
    /// same set; plus `extra` (such as `call:http`).
    public static func local(
        catalog: DefinitionCatalog, store: any Store, bus: EventBus, clock: any RuntimeClock = SystemClock(),
        secrets: OrderedDictionary<String, JSON> = [:], environment: [String: String] = [:],
        adding extra: [String: any Activity] = [:]
    ) -> ActivityRegistry {
        @Sendable func registry() -> ActivityRegistry {
            var activities = ActivityRegistry(ProcessActivities.all)
            activities.register(EmitActivity(bus: bus, clock: clock), for: "emit")
            for (kind, activity) in extra { activities.register(activity, for: kind) }
            activities.register(
                WorkflowRunActivity(
                    catalog: catalog, store: store, clock: clock, secrets: secrets, environment: environment,
                    activities: registry),
                for: "run:workflow")
            return activities
        }
        return registry()
    }
}
