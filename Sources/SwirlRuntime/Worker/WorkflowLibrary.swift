public import SwirlCompiler
public import SwirlCore
public import SwirlExpressions

/// A program ready to run: its definition as stored, and its expressions compiled once per
/// definition and process. Immutable, so the drivers of its runs share it from any thread.
public final class CompiledWorkflow: Sendable {
    public let program: Program
    public let definition: DefinitionRecord
    let bundle: ExpressionBundle
    /// The ceiling and stop requests this workflow's evaluations obey; the worker asks it
    /// whether a stop request cut one short.
    let limits: ExpressionLimits

    /// - Throws: `JQError` when the engine rejects an expression the checker accepted (a defect).
    public init(program: Program, limits: ExpressionLimits = .shared) throws(JQError) {
        self.program = program
        self.definition = DefinitionRecord(program: program)
        self.limits = limits
        self.bundle = try ExpressionBundle(
            sources: program.expressions.map { ExpressionSource($0.text, scopedVariables: $0.scopedVariables) },
            limits: limits)
    }

    /// The run state machine of this workflow, with `secrets` as `$secrets`; `clock` turns the
    /// deadlines of its evaluations into time limits.
    func machine(secrets: JSON, clock: any RuntimeClock) -> RunStateMachine {
        let bundle = self.bundle
        return RunStateMachine(program: program, secrets: secrets) { id, data, arguments, deadline throws(JQError) in
            try bundle.evaluate(id, on: data, arguments: arguments, timeLimit: Self.timeLimit(until: deadline, clock: clock))
        }
    }

    /// The seconds left until `deadline` on `clock`, and at least 10 ms: the machine's call may
    /// have begun before the deadline and spent the time since in an earlier evaluation; then a
    /// quick expression still completes and a slow one fails at once, so a call of a thousand
    /// steps overruns a timeout by seconds at most.
    static func timeLimit(until deadline: Double?, clock: any RuntimeClock) -> Double? {
        deadline.map { max($0 - clock.now(), 0.01) }
    }
}

extension DefinitionRecord {
    /// The record of a compiled program: its validated document as JSON text, and that text's hash.
    public init(program: Program) {
        let document = program.definition.serialized()
        self.init(
            namespace: program.namespace, name: program.name, version: program.version,
            hash: DefinitionRecord.hash(of: document), document: document)
    }

    /// SHA-256 of a document's text, in hex.
    public static func hash(of document: String) -> String {
        RunStateCoding.hash(Array(document.utf8))
    }
}

/// The workflows a worker can run: those it was given (to start, and for `run: workflow` by
/// namespace, name and version), and any other definition a run in the store pins, read from
/// the store and compiled on first use. Each is compiled once.
@WorkerActor
public final class WorkflowLibrary {
    /// Where `run: workflow` finds a child's definition.
    public let catalog: DefinitionCatalog
    private var compiled: [String: CompiledWorkflow] = [:]
    /// Hashes known to be saved in the store.
    private var saved: Set<String> = []

    public init(catalog: DefinitionCatalog = DefinitionCatalog()) {
        self.catalog = catalog
    }

    /// Compiles `program` (once) and returns it.
    public func add(_ program: Program) throws(JQError) -> CompiledWorkflow {
        let hash = DefinitionRecord(program: program).hash
        if let workflow = compiled[hash] { return workflow }
        let workflow = try CompiledWorkflow(program: program)
        compiled[hash] = workflow
        return workflow
    }

    /// Saves the definition of `workflow` in `store` (once per process).
    public func save(_ workflow: CompiledWorkflow, in store: any Store) async throws {
        guard !saved.contains(workflow.definition.hash) else { return }
        try await store.saveDefinition(workflow.definition)
        saved.insert(workflow.definition.hash)
    }

    /// The workflow with content hash `hash`, compiled from the store's copy when not known yet.
    /// - Throws: a ``WorkflowError`` when the store has no such definition or this build of
    ///   Swirl cannot compile it; the store's error when it cannot be read.
    public func workflow(hash: String, store: any Store) async throws -> CompiledWorkflow {
        if let workflow = compiled[hash] { return workflow }
        guard let record = try await store.definition(hash: hash) else {
            throw WorkflowError(
                .runtime, title: "Definition not found", detail: "the store has no definition with hash \(hash)", instance: "/")
        }
        let result = WorkflowValidator.standard().validate(bytes: Array(record.document.utf8), file: record.displayName)
        guard let program = result.program else {
            let first = result.diagnostics.first.map { ": \($0.message)" } ?? ""
            throw WorkflowError(
                .runtime, title: "Definition cannot be compiled",
                detail: "this build of Swirl cannot compile the stored definition of \(record.displayName)\(first)", instance: "/")
        }
        let workflow = try CompiledWorkflow(program: program)
        // The stored document is exactly what was validated; its hash must come out the same.
        guard workflow.definition.hash == hash else {
            throw WorkflowError(
                .runtime, title: "Definition changed",
                detail: "the stored definition of \(record.displayName) no longer compiles to the document its runs pinned",
                instance: "/")
        }
        compiled[hash] = workflow
        saved.insert(hash)
        return workflow
    }
}
