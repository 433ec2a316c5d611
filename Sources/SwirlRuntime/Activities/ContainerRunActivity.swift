public import SwirlCore

/// Runs a `run.container` task with the `docker` or `podman` command line, when one is on the
/// search path; without one, the task fails with a clear `configuration` error.
///
/// The container runs with `--rm` (Swirl keeps no containers; `lifetime.cleanup` other than
/// `always` is not honoured yet), `environment` as `-e NAME=VALUE`, `command` split by the
/// container's own entry point rules (passed as the arguments after the image), `arguments`
/// after it, and `stdin` fed to the container. `return` and `await` behave as for shell tasks.
///
/// The container sees only its `environment` plus `SWIRL_IDEMPOTENCY_KEY` and `SWIRL_RUN_ID`; the
/// engine's command line gets the safe base of ``ProcessRunner`` plus what it needs to reach its
/// daemon (``engineVariables``), never the rest of this process's environment.
public struct ContainerRunActivity: Activity {
    /// The directories searched for `docker` and `podman`.
    public var searchPath: [String]

    /// The variables of this process's environment the `docker`/`podman` command inherits
    /// besides the safe base: where its daemon, configuration and runtime folder are.
    static let engineVariables: Set<String> = [
        "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "CONTAINER_HOST",
        "CONTAINERS_CONF", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME",
    ]

    public init(searchPath: [String]? = nil) {
        self.searchPath = searchPath ?? ProcessRunner.defaultSearchPath
    }

    public func run(_ request: ActivityRequest) async throws(WorkflowError) -> JSON {
        let task = request.task
        let container = request.arguments.value["container"] ?? .null
        guard let engine = ProcessRunner.locate("docker", in: searchPath) ?? ProcessRunner.locate("podman", in: searchPath) else {
            throw WorkflowError(
                .configuration, title: "No container engine",
                detail: "run.container needs docker or podman on the search path; neither was found", instance: task)
        }
        guard let image = container["image"]?.stringValue else {
            throw WorkflowError(.configuration, title: "Invalid container task", detail: "run.container needs an image", instance: task)
        }
        var arguments = ["run", "--rm", "-i"]
        if let name = container["name"]?.stringValue { arguments += ["--name", name] }
        if let policy = container["pullPolicy"]?.stringValue {
            arguments.append("--pull=" + (policy == "ifNotPresent" ? "missing" : policy))
        }
        for (name, value) in try ProcessRunner.environmentEntries(container["environment"], task: task) {
            arguments += ["-e", "\(name)=\(value)"]
        }
        // Named without a value: the engine copies them from its own environment (set by ProcessRunner).
        arguments += ["-e", "SWIRL_IDEMPOTENCY_KEY", "-e", "SWIRL_RUN_ID"]
        arguments.append(image)
        if let command = container["command"]?.stringValue {
            arguments += ["sh", "-c", command, "sh"]
        }
        arguments += try ProcessRunner.arguments(container["arguments"], task: task)
        let launch = ProcessRunner.Launch(
            executable: engine, arguments: arguments, environment: [], inherited: Self.engineVariables,
            stdin: ProcessRunner.stdin(container["stdin"]), cleanup: nil)
        return try await ProcessRunner().run(launch, for: request)
    }
}
