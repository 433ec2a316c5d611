public import SwirlCore

/// The loader's diagnostics: every problem reading a file into JSON, each with a stable code.
///
/// Codes `SWL1001`–`SWL1099` belong to the loader. Call sites use these factories and never
/// format messages themselves, so wording stays consistent and every code is listed here.
public enum SyntaxDiagnostics {
    public static let yamlSyntaxCode = DiagnosticCode("SWL1001")
    public static let duplicateKeyCode = DiagnosticCode("SWL1002")
    public static let complexKeyCode = DiagnosticCode("SWL1003")
    public static let multipleDocumentsCode = DiagnosticCode("SWL1004")
    public static let invalidUTF8Code = DiagnosticCode("SWL1005")
    public static let fileTooLargeCode = DiagnosticCode("SWL1006")
    public static let nestingTooDeepCode = DiagnosticCode("SWL1007")
    public static let aliasExpansionTooLargeCode = DiagnosticCode("SWL1008")
    public static let unknownAnchorCode = DiagnosticCode("SWL1009")
    public static let jsonSyntaxCode = DiagnosticCode("SWL1010")
    public static let emptyDocumentCode = DiagnosticCode("SWL1011")
    public static let unsupportedTagCode = DiagnosticCode("SWL1012")
    public static let invalidTaggedScalarCode = DiagnosticCode("SWL1013")
    /// A path named or found that cannot be read (missing, not permitted, a device that fails): in machine-readable
    /// output, beside the documents' diagnostics; the command exits 2.
    public static let unreadableFileCode = DiagnosticCode("SWL1014")

    /// libyaml could not parse the text; `context` says what it was reading, and where that began.
    static func yamlSyntax(
        problem: String, at location: SourceLocation, context: String?, contextLocation: SourceLocation?
    ) -> Diagnostic {
        var notes: [Diagnostic.Note] = []
        if let context {
            notes.append(Diagnostic.Note("\(context) that starts here", location: contextLocation))
        }
        return Diagnostic(
            .error, code: yamlSyntaxCode, message: "YAML syntax error: \(problem)", location: location, notes: notes)
    }

    /// A flow collection whose opening bracket is never closed: reported at the bracket, with
    /// where libyaml gave up (often far below) as a note.
    static func unclosedFlowCollection(
        isMapping: Bool, at location: SourceLocation, problem: String, gaveUpAt gaveUp: SourceLocation
    ) -> Diagnostic {
        let (kind, open, close) = isMapping ? ("mapping", "{", "}") : ("sequence", "[", "]")
        return Diagnostic(
            .error, code: yamlSyntaxCode,
            message: "YAML syntax error: this '\(open)' starts a flow \(kind) that is never closed with '\(close)'",
            location: location,
            notes: [
                Diagnostic.Note("the YAML parser gave up here: \(problem)", location: gaveUp),
                Diagnostic.Note(
                    "close it with '\(close)', or remove the '\(open)' and write the \(kind) in block style, one entry per line"),
            ])
    }

    /// The note on a syntax error on a line with an unquoted `${ … }`.
    static func quoteTheExpression(at location: SourceLocation) -> Diagnostic.Note {
        Diagnostic.Note(
            "this ${ … } is not quoted, so YAML reads its '{', ':' and ',' as YAML; quote the whole expression: '${ … }'",
            location: location)
    }

    /// A key used twice in one mapping; `earlier`, the first spelling, when it is the same text in
    /// another Unicode form (Swift strings compare by canonical equivalence, so the two would be one key).
    static func duplicateKey(
        _ key: String, earlier: String? = nil, path: JSONPointer, at location: SourceLocation, firstAt first: SourceLocation
    ) -> Diagnostic {
        if let earlier, !JSON.sameCodePoints(earlier, key) {
            return Diagnostic(
                .error, code: duplicateKeyCode,
                message: "keys \(JSON.quote(earlier)) and \(JSON.quote(key)) in a mapping are the same text in different Unicode forms; Swirl keeps them as one key, so each may appear only once",
                path: path, part: .key, location: location,
                notes: [Diagnostic.Note("\(JSON.quote(earlier)) is first defined here", location: first)])
        }
        return Diagnostic(
            .error, code: duplicateKeyCode,
            message: "duplicate key \(JSON.quote(key)) in a mapping; each key may appear only once",
            path: path, part: .key, location: location,
            notes: [Diagnostic.Note("\(JSON.quote(key)) is first defined here", location: first)])
    }

    static func complexKey(kind: String, path: JSONPointer, at location: SourceLocation) -> Diagnostic {
        Diagnostic(
            .error, code: complexKeyCode,
            message: "a \(kind) cannot be used as a mapping key; keys must be scalars such as names or numbers",
            path: path, part: .key, location: location)
    }

    static func multipleDocuments(at location: SourceLocation) -> Diagnostic {
        Diagnostic(
            .error, code: multipleDocumentsCode,
            message: "the file holds more than one YAML document; a workflow file must hold exactly one",
            location: location)
    }

    static func invalidUTF8(at location: SourceLocation) -> Diagnostic {
        Diagnostic(
            .error, code: invalidUTF8Code, message: "the file is not valid UTF-8 (first invalid byte here)",
            location: location)
    }

    static func fileTooLarge(bytes: Int, limit: Int, file: String) -> Diagnostic {
        Diagnostic(
            .error, code: fileTooLargeCode,
            message: "the file is \(bytes) bytes, over the limit of \(InputReader.describe(bytes: limit)) for a workflow document",
            location: SourceLocation(file: file, line: 1, column: 1))
    }

    static func nestingTooDeep(limit: Int, path: JSONPointer, at location: SourceLocation) -> Diagnostic {
        Diagnostic(
            .error, code: nestingTooDeepCode,
            message: "mappings and sequences nest deeper than \(limit) levels", path: path, location: location)
    }

    static func aliasExpansionTooLarge(limit: Int, path: JSONPointer, at location: SourceLocation) -> Diagnostic {
        Diagnostic(
            .error, code: aliasExpansionTooLargeCode,
            message: "aliases expand to more than \(limit) nodes; the document is refused to protect memory",
            path: path, location: location)
    }

    static func unknownAnchor(_ name: String, path: JSONPointer, at location: SourceLocation) -> Diagnostic {
        Diagnostic(
            .error, code: unknownAnchorCode,
            message: "alias *\(name) refers to no anchor &\(name) defined before it", path: path, location: location)
    }

    static func jsonSyntax(_ message: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, code: jsonSyntaxCode, message: "JSON syntax error: \(message)", location: location)
    }

    static func emptyDocument(file: String) -> Diagnostic {
        Diagnostic(
            .error, code: emptyDocumentCode, message: "the file holds no document",
            location: SourceLocation(file: file, line: 1, column: 1))
    }

    static func unsupportedTag(_ tag: String, path: JSONPointer, at location: SourceLocation) -> Diagnostic {
        Diagnostic(
            .error, code: unsupportedTagCode,
            message: "unsupported YAML tag \(tag); only the core tags !!str, !!int, !!float, !!bool, !!null, !!map, !!seq are understood",
            path: path, location: location)
    }

    static func invalidTaggedScalar(_ text: String, tag: String, path: JSONPointer, at location: SourceLocation)
        -> Diagnostic
    {
        Diagnostic(
            .error, code: invalidTaggedScalarCode,
            message: "\(JSON.quote(text)) is not a valid \(tag) value", path: path, location: location)
    }
}
