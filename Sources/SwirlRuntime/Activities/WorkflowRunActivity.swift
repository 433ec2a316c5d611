public import SwirlCompiler
public import SwirlCore
import SwirlExpressions

/// Compiled workflow definitions by namespace, name and version: where `run: workflow` finds
/// the child to run.
public struct DefinitionCatalog: Sendable {
    public struct Key: Hashable, Sendable {
        public var namespace: String
        public var name: String
        public var version: String

        public init(namespace: String, name: String, version: String) {
            self.namespace = namespace
            self.name = name
            self.version = version
        }
    }

    private var programs: [Key: Program] = [:]

    public init(_ programs: [Program] = []) {
        for program in programs { add(program) }
    }

    /// Adds `program` under its own document's namespace, name and version.
    public mutating func add(_ program: Program) {
        programs[Key(namespace: program.namespace, name: program.name, version: program.version)] = program
    }

    public func program(for key: Key) -> Program? {
        programs[key]
    }

    public var count: Int { programs.count }
}

/// `run: workflow`: runs another workflow as a run of its own and gives its output.
///
/// The child's run id is derived from the parent's run id and the step key, so a parent that
/// resumes after a crash finds the child it had started (and resumes it, or takes its result)
/// instead of starting a second one.
public struct WorkflowRunActivity: Activity {
    let catalog: DefinitionCatalog
    let store: any Store
    let clock: any RuntimeClock
    /// The activities the child may use, so sub-workflows can run sub-workflows.
    let activities: @Sendable () -> ActivityRegistry
    let secrets: OrderedDictionary<String, JSON>
    let environment: [String: String]

    public init(
        catalog: DefinitionCatalog, store: any Store, clock: any RuntimeClock = SystemClock(),
        secrets: OrderedDictionary<String, JSON> = [:], environment: [String: String] = [:],
        activities: @escaping @Sendable () -> ActivityRegistry
    ) {
        self.catalog = catalog
        self.store = store
        self.clock = clock
        self.secrets = secrets
        self.environment = environment
        self.activities = activities
    }

    public func run(_ request: ActivityRequest) async throws(WorkflowError) -> JSON {
        let process = request.arguments.value["workflow"] ?? [:]
        guard let namespace = process["namespace"]?.stringValue, let name = process["name"]?.stringValue,
            let version = process["version"]?.stringValue
        else {
            throw WorkflowError(
                .configuration, title: "Invalid sub-workflow", detail: "run.workflow needs namespace, name and version",
                instance: request.task)
        }
        let key = DefinitionCatalog.Key(namespace: namespace, name: name, version: version)
        guard let program = catalog.program(for: key) else {
            throw WorkflowError(
                .configuration, title: "Unknown sub-workflow",
                detail: "no definition of \(namespace)/\(name):\(version) is known (\(catalog.count) definitions loaded)",
                instance: request.task)
        }
        let childID = "\(request.runID)/\(request.key)"
        let input = process["input"] ?? request.input.value
        let outcome: RunOutcome
        do {
            outcome = try await Self.runChild(
                program, runID: childID, input: input, store: store, clock: clock, activities: activities(),
                secrets: secrets, environment: environment)
        } catch {
            throw WorkflowError(
                .runtime, title: "Sub-workflow failed to run", detail: "\(error)", instance: request.task)
        }
        switch outcome {
        case .completed(let output): return output
        case .faulted(let error): throw error
        case .cancelled:
            throw WorkflowError(.runtime, title: "Sub-workflow cancelled", detail: "run \(childID) was cancelled", instance: request.task)
        }
    }

    @JQActor
    static func runChild(
        _ program: Program, runID: String, input: JSON, store: any Store, clock: any RuntimeClock,
        activities: ActivityRegistry, secrets: OrderedDictionary<String, JSON>, environment: [String: String]
    ) async throws -> RunOutcome {
        let interpreter = try Interpreter(
            program: program, store: store, clock: clock, activities: activities, secrets: secrets, environment: environment)
        if let state = try await store.load(runID: runID) { return try await interpreter.resume(state) }
        return try await interpreter.run(input: input, runID: runID)
    }
}
