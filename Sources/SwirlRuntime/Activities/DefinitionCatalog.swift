public import SwirlCompiler
public import SwirlCore

/// Compiled workflow definitions by namespace, name and version: where `run: workflow` finds
/// the child to run. The child is a run of its own in the store (see ``RunDriver``).
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
