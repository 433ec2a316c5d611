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

extension ActivityRegistry {
    /// The kinds of the calls that reach services over HTTP: `call: http`, and the calls that send
    /// through it (``network(http:)``).
    public static let networkKinds: Set<String> = ["call:http", "call:openapi", "call:a2a", "call:mcp"]

    /// The activities of ``networkKinds``, by kind: `http` and the calls that reach their servers
    /// with its client, rewrites and OAuth2 tokens; the OpenAPI documents and agent cards they
    /// read are cached once for all of them.
    public static func network(http: HTTPCallActivity) -> [String: any Activity] {
        let resources = ExternalResourceCache()
        return [
            "call:http": http, "call:openapi": OpenAPICallActivity(http: http, cache: resources),
            "call:a2a": A2ACallActivity(http: http, cache: resources), "call:mcp": MCPCallActivity(http: http),
        ]
    }
}
