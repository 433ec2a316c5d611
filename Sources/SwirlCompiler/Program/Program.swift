public import SwirlCore
public import SwirlSyntax

/// A workflow compiled for execution: every task list a ``Scope`` of ``Node``s, every flow
/// directive resolved to a node, every runtime expression numbered, every `use` reference
/// resolved. The interpreter walks this graph and never looks at the document's text again.
public struct Program: Sendable {
    /// `document.namespace`, `name`, `version` and `dsl`.
    public var namespace: String
    public var name: String
    public var version: String
    public var dsl: String
    /// The whole definition, for `$workflow.definition`.
    public var definition: JSON
    /// Every task list, top level first: scope 0 is the workflow's `do`.
    public var scopes: [Scope]
    /// Every runtime expression, indexed by ``ExpressionID``.
    public var expressions: [ProgramExpression]
    /// The workflow's own `input` and `output` handling.
    public var input: DataFlow
    public var output: DataFlow
    /// The workflow-wide deadline, if any.
    public var timeout: DurationSpec?

    /// The scope that holds the workflow's top-level tasks.
    public static let rootScope = 0

    /// Whether any task of the program is performed by the activity `kind` (`run:workflow`, …).
    public func uses(activity kind: String) -> Bool {
        scopes.contains { scope in
            scope.nodes.contains { if case .activity(let call) = $0.kind { call.kind == kind } else { false } }
        }
    }

    /// The node at `address`.
    public subscript(address: NodeAddress) -> Node {
        scopes[address.scope].nodes[address.node]
    }
}

/// Identifies one expression of ``Program/expressions``.
public typealias ExpressionID = Int

/// One runtime expression as the compiler found it.
public struct ProgramExpression: Hashable, Sendable {
    /// jq text, without the `${ }` wrapper.
    public var text: String
    /// Names bound around it besides the DSL's arguments: loop item and index, the catch
    /// error variable, an iterator's item and index (without `$`).
    public var scopedVariables: [String]
    /// Where it is in the document.
    public var pointer: JSONPointer
}

/// A task list: its tasks in order, each with its flow resolved.
public struct Scope: Sendable {
    /// Where the list is (`/do`, `/do/0/outer/do`, `/do/2/t/try`, …).
    public var pointer: JSONPointer
    public var nodes: [Node]
}

/// The place of a node: its scope and its index in that scope.
public struct NodeAddress: Hashable, Sendable, Codable {
    public var scope: Int
    public var node: Int

    public init(scope: Int, node: Int) {
        self.scope = scope
        self.node = node
    }
}

/// Where control goes after a task.
public enum FlowTarget: Hashable, Sendable, Codable {
    /// Another task of the same list (a `then: name`, or the next task for `continue`).
    case node(Int)
    /// The end of the list: the enclosing task completes (at top level, the workflow does).
    case exit
    /// The end of the whole workflow.
    case end
}

/// One task.
///
/// The interpreter reads a node at every step, so a copy must be cheap: everything but the flow
/// lives in one shared, immutable box, and a copy costs one reference count.
public struct Node: Sendable {
    /// Everything fixed once the task is compiled.
    private final class Storage: Sendable {
        let name: String
        let pointer: JSONPointer
        let reference: String
        let mentionsTask: Bool
        let kind: NodeKind
        let condition: ExpressionID?
        let input: DataFlow
        let output: DataFlow
        let export: DataFlow
        let timeout: DurationSpec?
        let definition: JSON

        init(
            name: String, pointer: JSONPointer, reference: String, mentionsTask: Bool, kind: NodeKind,
            condition: ExpressionID?, input: DataFlow, output: DataFlow, export: DataFlow, timeout: DurationSpec?,
            definition: JSON
        ) {
            self.name = name
            self.pointer = pointer
            self.reference = reference
            self.mentionsTask = mentionsTask
            self.kind = kind
            self.condition = condition
            self.input = input
            self.output = output
            self.export = export
            self.timeout = timeout
            self.definition = definition
        }
    }

    private let storage: Storage

    public var name: String { storage.name }
    /// The task's JSON Pointer, which is also the `instance` of errors it raises.
    public var pointer: JSONPointer { storage.pointer }
    /// ``pointer`` as text (`/do/0/greet`): `$task.reference`, computed once.
    public var reference: String { storage.reference }
    /// Whether any expression of the task mentions `$task`, so the runtime builds that
    /// descriptor only for the tasks that read it.
    public var mentionsTask: Bool { storage.mentionsTask }
    public var kind: NodeKind { storage.kind }
    /// Where control goes when the task completes.
    public var then: FlowTarget
    /// The `if` condition; a false condition skips the task.
    public var condition: ExpressionID? { storage.condition }
    public var input: DataFlow { storage.input }
    public var output: DataFlow { storage.output }
    public var export: DataFlow { storage.export }
    public var timeout: DurationSpec? { storage.timeout }
    /// The task's definition as written, for `$task.definition`.
    public var definition: JSON { storage.definition }

    public init(
        name: String, pointer: JSONPointer, reference: String, mentionsTask: Bool, kind: NodeKind, then: FlowTarget,
        condition: ExpressionID?, input: DataFlow, output: DataFlow, export: DataFlow, timeout: DurationSpec?,
        definition: JSON
    ) {
        storage = Storage(
            name: name, pointer: pointer, reference: reference, mentionsTask: mentionsTask, kind: kind,
            condition: condition, input: input, output: output, export: export, timeout: timeout,
            definition: definition)
        self.then = then
    }
}

/// An `input`, `output` or `export` block: a transformation and a schema.
public struct DataFlow: Sendable {
    /// `input.from`, `output.as` or `export.as`.
    public var transform: ValueTemplate?
    public var schema: ProgramSchema?

    public init(transform: ValueTemplate? = nil, schema: ProgramSchema? = nil) {
        self.transform = transform
        self.schema = schema
    }
}

/// A JSON Schema a value must satisfy: compiled when given inline, or an external resource
/// the runtime must fetch first.
public enum ProgramSchema: Sendable {
    case inline(JSONSchema)
    /// `schema.resource`: `{name?, endpoint}` as written.
    case resource(JSON)

    /// The compiled schema, when it is inline.
    public var inline: JSONSchema? {
        if case .inline(let schema) = self { schema } else { nil }
    }
}

/// A value with runtime expressions inside: literals stay literals, `${ }` strings become
/// expressions evaluated against the task's data.
///
/// Not `indirect`: the nesting goes through arrays and dictionaries, which are references
/// already, so a template (a literal above all, which most are) costs no box of its own.
public enum ValueTemplate: Hashable, Sendable {
    case literal(JSON)
    case expression(ExpressionID)
    case array([ValueTemplate])
    case object(OrderedDictionary<String, ValueTemplate>)
}

/// A duration known when compiling, or computed by an expression at run time.
public enum DurationSpec: Hashable, Sendable {
    case seconds(Double)
    case expression(ExpressionID)
}
