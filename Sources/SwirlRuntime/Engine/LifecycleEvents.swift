public import SwirlCompiler
public import SwirlCore

/// Builds the DSL's lifecycle CloudEvents (`io.serverlessworkflow.workflow.started.v1`,
/// `io.serverlessworkflow.task.completed.v1`, …) for a run.
public struct LifecycleEvents: Sendable {
    public let program: Program
    public let runID: String

    public init(program: Program, runID: String) {
        self.program = program
        self.runID = runID
    }

    /// `namespace/name:version` and the run id: how events name the workflow instance.
    var instanceName: String { "\(program.namespace)/\(program.name):\(program.version)#\(runID)" }

    var definitionJSON: JSON {
        ["name": .string(program.name), "namespace": .string(program.namespace), "version": .string(program.version)]
    }

    func timestamp(_ time: Double) -> JSON { .string(ISO8601Timestamp.format(time)) }

    /// The event announcing the run's start.
    public func workflowStarted(at time: Double) -> JSON {
        envelope("workflow.started", at: time, data: ["name": .string(instanceName), "definition": definitionJSON, "startedAt": timestamp(time)])
    }

    /// The event announcing how the run ended.
    public func workflowEnded(_ outcome: RunOutcome, at time: Double) -> JSON {
        switch outcome {
        case .completed(let output):
            envelope("workflow.completed", at: time, data: ["name": .string(instanceName), "completedAt": timestamp(time), "output": output])
        case .faulted(let error):
            envelope("workflow.faulted", at: time, data: ["name": .string(instanceName), "faultedAt": timestamp(time), "error": error.json])
        case .cancelled:
            envelope("workflow.cancelled", at: time, data: ["name": .string(instanceName), "cancelledAt": timestamp(time)])
        }
    }

    /// The event for a task phase, or `nil` for phases the DSL has no event for.
    public func task(_ event: TaskEvent) -> JSON? {
        var data: OrderedDictionary<String, JSON> = ["workflow": .string(instanceName), "task": .string(event.task)]
        let kind: String
        switch event.kind {
        case .started:
            kind = "task.started"
            data["startedAt"] = timestamp(event.time)
        case .completed:
            kind = "task.completed"
            data["completedAt"] = timestamp(event.time)
        case .faulted(let error):
            kind = "task.faulted"
            data["faultedAt"] = timestamp(event.time)
            data["error"] = error.json
        case .retrying:
            kind = "task.retried"
            data["retriedAt"] = timestamp(event.time)
        case .skipped, .waiting:
            return nil
        }
        return envelope(kind, at: event.time, data: .object(data))
    }

    func envelope(_ kind: String, at time: Double, data: JSON) -> JSON {
        CloudEvents.envelope(
            [
                "source": .string("urn:swirl:\(program.namespace):\(program.name):\(program.version)"),
                "type": .string("io.serverlessworkflow.\(kind).v1"), "data": data,
            ],
            time: time)
    }
}
