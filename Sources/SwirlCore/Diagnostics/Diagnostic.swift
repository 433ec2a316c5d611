/// One problem found in a workflow document, by any stage: loader, schema, expressions, compiler.
///
/// Stages fill in the ``path``; the ``SourceMap`` adds the ``location``. Stages collect
/// diagnostics rather than throw, so one pass reports every problem it can.
public struct Diagnostic: Hashable, Sendable, Codable {
    /// A secondary message attached to a diagnostic, such as where a duplicate was first seen.
    public struct Note: Hashable, Sendable, Codable {
        public var message: String
        public var location: SourceLocation?

        public init(_ message: String, location: SourceLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    public var severity: Severity
    public var code: DiagnosticCode
    public var message: String
    /// Where in the document the problem is, when it is about a particular value.
    public var path: JSONPointer?
    /// Whether the problem is about the member's key or its value; decides where the caret goes.
    public var part: SourceMap.Part
    /// The file, line and column, once known.
    public var location: SourceLocation?
    public var notes: [Note]

    public init(
        _ severity: Severity,
        code: DiagnosticCode,
        message: String,
        path: JSONPointer? = nil,
        part: SourceMap.Part = .value,
        location: SourceLocation? = nil,
        notes: [Note] = []
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.path = path
        self.part = part
        self.location = location
        self.notes = notes
    }

    public var isError: Bool { severity == .error }
}

extension Diagnostic {
    /// The order diagnostics are reported in: by file, line, column, then code and message, so
    /// output is the same on every run however the work was scheduled.
    public static func reportingOrder(_ lhs: Diagnostic, _ rhs: Diagnostic) -> Bool {
        let left = (lhs.location?.file ?? "", lhs.location?.line ?? 0, lhs.location?.column ?? 0)
        let right = (rhs.location?.file ?? "", rhs.location?.line ?? 0, rhs.location?.column ?? 0)
        if left != right { return left < right }
        if lhs.code != rhs.code { return lhs.code < rhs.code }
        return lhs.message < rhs.message
    }
}

extension Sequence<Diagnostic> {
    /// The diagnostics in ``Diagnostic/reportingOrder(_:_:)``.
    public func sortedForReporting() -> [Diagnostic] {
        sorted(by: Diagnostic.reportingOrder)
    }

    /// Whether any of them is an error.
    public var containsErrors: Bool { contains { $0.isError } }
}
