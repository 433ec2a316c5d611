public import SwirlCore
public import SwirlSyntax
import SwirlExpressions
import Synchronization

/// The whole of `swirl validate` for one document: load, check against the schema, then run the
/// semantic checks, and give every diagnostic its file, line and column.
public struct WorkflowValidator: Sendable {
    /// What validating one document produced.
    public struct Result: Sendable {
        public var document: LoadedDocument
        /// Every problem, located and in reporting order.
        public var diagnostics: [Diagnostic]
        /// The compiled workflow, when the document is valid (and the program was asked for).
        public var program: Program?
        /// The tasks of the program an activity performs, with their kinds, when the document is
        /// valid, whether or not the program was asked for (empty otherwise).
        public var activities: [ActivitySite] = []
        /// Every `run: shell` task of a valid document, each once, those no run reaches too
        /// (functions nothing calls, extensions); empty otherwise.
        public var shellTasks: [JSONPointer] = []

        public var isValid: Bool { !diagnostics.containsErrors }
        /// Whether the document was left unchecked because it is no workflow (see ``validate(bytes:file:onlyWorkflows:)``).
        public var skipped = false
        /// What the checks built on the way (the compiler's walk, its expression sites): kept, so
        /// that it is freed with the result, where and when the caller frees that, and not on
        /// the way out of ``validate(bytes:file:onlyWorkflows:buildingProgram:)``.
        var scaffolding: Compiler.Walk?
    }

    public var loader: Loader
    /// The schema documents must satisfy: the one given, or else the embedded workflow schema,
    /// first needed once a document is loaded (so that loading a large document overlaps its
    /// compiling, see ``WorkflowSchema/compileInBackground()``).
    public var schema: JSONSchema {
        get { givenSchema ?? WorkflowSchema.compiled }
        set { givenSchema = newValue }
    }
    private var givenSchema: JSONSchema?
    public var semanticChecks: SemanticChecks
    /// From this size on, a document's checks run on two threads (``checkOnTwoThreads(_:)``);
    /// below it, starting a thread would cost more than it saves. Tests lower it to check that
    /// both ways find the same.
    var parallelFromBytes = 64 * 1024

    /// A validator with the given schema (by default the embedded workflow schema) and expression checker.
    public init(loader: Loader = Loader(), schema: JSONSchema? = nil, semanticChecks: SemanticChecks) {
        self.loader = loader
        self.givenSchema = schema
        self.semanticChecks = semanticChecks
    }

    /// Validates one document's bytes.
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - file: the name diagnostics use.
    ///   - onlyWorkflows: leave a document that is no workflow unchecked (``Result/skipped``): one that reads
    ///     as a value without a top-level `document.dsl`, or that cannot be read and never mentions `dsl`. For
    ///     files found by walking a folder, which may hold any YAML or JSON.
    ///   - buildingProgram: compile the document into ``Result/program``; without it the checks
    ///     are the same and cost less, for a caller that only reports.
    public func validate(bytes: [UInt8], file: String, onlyWorkflows: Bool = false, buildingProgram: Bool = true) -> Result {
        let document = loader.load(bytes: bytes, file: file)
        if onlyWorkflows, !Self.looksLikeWorkflow(document, bytes: bytes) {
            var result = Result(document: document, diagnostics: [], program: nil)
            result.skipped = true
            return result
        }
        var diagnostics = document.diagnostics
        // Later stages need a document that was read whole; problems in reading make theirs noise.
        guard let value = document.value, !diagnostics.containsErrors else {
            return Result(document: document, diagnostics: diagnostics.sortedForReporting(), program: nil)
        }
        var program: Program?
        var activities: [ActivitySite] = []
        var shellTasks: [JSONPointer] = []
        let checked =
            bytes.count >= parallelFromBytes
            ? checkOnTwoThreads(value, buildingProgram: buildingProgram) : check(value, buildingProgram: buildingProgram)
        diagnostics += document.sourceMap.locate(SchemaExplanations.refine(checked.schema, in: value))
        if let compiled = checked.compiled, let semantic = checked.semantic {
            var located = document.sourceMap.locate(semantic.diagnostics)
            if !semantic.expressionProblems.isEmpty {
                let locator = ExpressionLocator(bytes: bytes, document: document)
                for (index, problem) in semantic.expressionProblems {
                    located[index].location = locator.location(of: problem) ?? located[index].location
                }
            }
            diagnostics += located
            // What only compiling finds, such as a user's input.schema that is no JSON Schema.
            if !located.containsErrors {
                if compiled.diagnostics.containsErrors {
                    diagnostics += document.sourceMap.locate(compiled.diagnostics)
                } else {
                    program = compiled.program
                    activities = compiled.activities
                    var seen: Set<JSONPointer> = []
                    // A function is walked once for each scope it is used in.
                    shellTasks = compiled.shellTasks.filter { seen.insert($0).inserted }
                }
            }
        }
        var result = Result(document: document, diagnostics: diagnostics.sortedForReporting(), program: program)
        result.activities = activities
        result.shellTasks = shellTasks
        result.scaffolding = checked.compiled
        return result
    }

    /// What the stages after loading found in a document that was read whole.
    private struct Checked {
        /// The schema's diagnostics (paths, no locations yet).
        var schema: [Diagnostic]
        /// The compiler's walk and the semantic checks' findings; `nil` after a schema error.
        var compiled: Compiler.Walk?
        var semantic: SemanticChecks.Findings?
    }

    /// The schema, then (when it accepts the document) the compiler's walk and the semantic checks.
    private func check(_ value: JSON, buildingProgram: Bool) -> Checked {
        let schemaDiagnostics = schema.diagnostics(for: value)
        // The semantic checks assume the document's shape; after a schema error they would
        // report consequences of it rather than new problems.
        guard !schemaDiagnostics.containsErrors else { return Checked(schema: schemaDiagnostics) }
        // One walk of the compiler gives both the program and the expression sites the
        // checks check, so what validates is what runs.
        let compiled = Compiler.walk(value, buildingProgram: buildingProgram)
        return Checked(schema: schemaDiagnostics, compiled: compiled, semantic: semanticChecks.check(value, compiled: compiled))
    }

    /// ``check(_:)`` with its independent parts on two threads: a helper runs the schema and then
    /// the structural semantic checks, while this thread walks the compiler and checks the
    /// expressions it found. The walk does not wait for the schema's verdict; after a schema
    /// error its result is dropped (and the expressions go unchecked if the verdict came in
    /// time). The bodies of the root list's tasks, the bulk of the structural checks, are shared:
    /// whichever thread is free takes the next range of them, this one only once the schema has
    /// accepted the document (the checks assume its shape). The outcome is exactly ``check(_:)``'s.
    private func checkOnTwoThreads(_ value: JSON, buildingProgram: Bool) -> Checked {
        let schema = schema
        let semanticChecks = semanticChecks
        let verdict = SchemaVerdict()
        let rootTasks = RangeQueue(count: SemanticChecks.rootListCount(value), chunk: 64)
        let helper = HelperThread { () -> (schema: [Diagnostic], head: SemanticChecks.Findings?, ranges: [RangeQueue.Done]) in
            let schemaDiagnostics = schema.diagnostics(for: value)
            guard !schemaDiagnostics.containsErrors else {
                verdict.set(.rejected)
                return (schemaDiagnostics, nil, [])
            }
            verdict.set(.accepted)
            let head = semanticChecks.checkStructureHead(value)
            return (schemaDiagnostics, head, rootTasks.drain { semanticChecks.checkRootTasks(value, in: $0) })
        }
        let compiled = Compiler.walk(value, buildingProgram: buildingProgram)
        let expressions = verdict.is(.rejected) ? nil : semanticChecks.checkExpressions(value, compiled: compiled)
        let mine = verdict.is(.accepted) ? rootTasks.drain { semanticChecks.checkRootTasks(value, in: $0) } : []
        let (schemaDiagnostics, head, theirs) = helper.join()
        guard var structure = head else { return Checked(schema: schemaDiagnostics) }
        for done in (theirs + mine).sorted(by: { $0.start < $1.start }) { structure.append(done.findings) }
        structure.append(expressions ?? semanticChecks.checkExpressions(value, compiled: compiled))
        return Checked(schema: schemaDiagnostics, compiled: compiled, semantic: structure)
    }

    /// A value with a top-level `document.dsl`; or, when the text could not be read whole, text that names a
    /// `dsl` at all (a workflow with a syntax error is still reported).
    static func looksLikeWorkflow(_ document: LoadedDocument, bytes: [UInt8]) -> Bool {
        if let value = document.value, !document.diagnostics.containsErrors {
            return value["document"]?["dsl"] != nil
        }
        let needle = Array("dsl".utf8)
        return bytes.indices.dropLast(needle.count - 1).contains { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}

/// The schema's verdict on a document, given by one thread and read by another.
private final class SchemaVerdict: Sendable {
    enum Value: Int {
        case pending, accepted, rejected
    }

    private let value = Atomic<Int>(Value.pending.rawValue)

    func set(_ verdict: Value) { value.store(verdict.rawValue, ordering: .releasing) }
    func `is`(_ verdict: Value) -> Bool { value.load(ordering: .acquiring) == verdict.rawValue }
}

/// The indices `0..<count`, handed out a range of `chunk` at a time to whichever thread asks next.
private final class RangeQueue: Sendable {
    /// The findings of one range, by where it starts.
    struct Done: Sendable {
        var start: Int
        var findings: SemanticChecks.Findings
    }

    private let next = Atomic<Int>(0)
    let count: Int
    let chunk: Int

    init(count: Int, chunk: Int) {
        self.count = count
        self.chunk = chunk
    }

    /// Checks ranges with `check` until none is left; returns the findings of those that found something.
    func drain(_ check: (Range<Int>) -> SemanticChecks.Findings) -> [Done] {
        var done: [Done] = []
        while true {
            let start = next.wrappingAdd(chunk, ordering: .relaxed).oldValue
            guard start < count else { return done }
            let findings = check(start..<min(start + chunk, count))
            if !findings.diagnostics.isEmpty { done.append(Done(start: start, findings: findings)) }
        }
    }
}

/// Points at a problem inside an expression string, not just at the string's start, when the
/// string is written on one line in the source (plain, or quoted without escapes before the problem).
///
/// Lines are found once for all the problems of a document, and each problem walks only its own
/// line up to its column, so a document of one long line with many problems stays linear.
private struct ExpressionLocator {
    let bytes: [UInt8]
    let document: LoadedDocument
    /// The offset of the first byte of each line.
    let lineStarts: [Int]

    init(bytes: [UInt8], document: LoadedDocument) {
        self.bytes = bytes
        self.document = document
        var starts = [0]
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(index + 1) }
        lineStarts = starts
    }

    func location(of problem: SemanticChecks.ExpressionProblem) -> SourceLocation? {
        guard let start = document.sourceMap.exactPosition(of: problem.path),
            let value = document.value.flatMap({ problem.path.resolve(in: $0) })?.stringValue,
            start.line >= 1, start.line <= lineStarts.count
        else { return nil }
        let lineEnd = start.line < lineStarts.count ? lineStarts[start.line] - 1 : bytes.count
        // The scalar starts at `start.column` (in Unicode scalars); find that byte in the line.
        var index = lineStarts[start.line - 1]
        var scalar = 1
        while scalar < start.column {
            guard index < lineEnd else { return nil }
            index += 1
            while index < lineEnd && bytes[index] & 0xC0 == 0x80 { index += 1 }
            scalar += 1
        }
        if index < lineEnd, bytes[index] == UInt8(ascii: "|") || bytes[index] == UInt8(ascii: ">") {
            // A block scalar: its value is its lines with the indentation stripped (and folded,
            // for `>`), so the offset has to be mapped line by line.
            guard
                let position = BlockScalarPositions.position(
                    ofOffset: problem.offsetInValue, in: value, indicator: SourcePosition(line: start.line, column: start.column),
                    bytes: bytes)
            else { return nil }
            return SourceLocation(file: document.file, position: position)
        }
        let prefix = Array(value.utf8.prefix(problem.offsetInValue))
        guard !prefix.contains(UInt8(ascii: "\n")) else { return nil }
        var written = bytes[index..<lineEnd]
        var quote = 0
        if let first = written.first, first == UInt8(ascii: "'") || first == UInt8(ascii: "\"") {
            written = written.dropFirst()
            quote = 1
        }
        guard written.starts(with: prefix) else { return nil }
        let column = start.column + quote + String(decoding: prefix, as: UTF8.self).unicodeScalars.count
        return SourceLocation(file: document.file, line: start.line, column: column)
    }
}
