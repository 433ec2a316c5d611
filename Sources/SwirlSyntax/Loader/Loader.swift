public import SwirlCore
import Foundation

/// A document read from text: its value, where each part of it was written, and any problems.
public struct LoadedDocument: Sendable {
    /// The file name used in diagnostics.
    public var file: String
    /// The value; `nil` when the text could not be read at all.
    public var value: JSON?
    public var sourceMap: SourceMap
    /// Problems found while reading, in the order found.
    public var diagnostics: [Diagnostic]

    /// Whether the document can go on to validation: it has a value and no errors.
    public var isUsable: Bool { value != nil && !diagnostics.containsErrors }
}

/// Reads workflow documents, YAML or JSON, into ``JSON`` plus a ``SourceMap``.
///
/// YAML goes through libyaml's event API with YAML 1.2 core-schema scalars; JSON text goes
/// through ``JSONParser``. Both report problems as diagnostics with positions and never throw.
public struct Loader: Sendable {
    /// Bounds that keep a hostile or broken document from exhausting memory or stack.
    public struct Limits: Sendable {
        /// Largest file accepted, in bytes.
        public var maxBytes: Int
        /// Deepest nesting of mappings and sequences.
        public var maxDepth: Int
        /// Most nodes that aliases may add by expansion (a "billion laughs" document needs billions).
        public var maxAliasExpansion: Int

        public init(maxBytes: Int = 10 * 1024 * 1024, maxDepth: Int = 200, maxAliasExpansion: Int = 1_000_000) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.maxAliasExpansion = maxAliasExpansion
        }
    }

    /// The syntax a text is read as.
    public enum Syntax: Sendable {
        case yaml
        case json

        /// JSON for a `.json` file; YAML (a superset of JSON) otherwise, standard input included.
        public init(path: String) {
            self = path.lowercased().hasSuffix(".json") ? .json : .yaml
        }
    }

    public var limits: Limits
    /// From this size on, libyaml parses on a helper thread while the document is built
    /// (``YAMLEventPipe``); below it, starting a thread would cost more than it saves. Tests
    /// lower it to check that both ways read the same.
    var parseAheadFromBytes = 64 * 1024

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Reads `bytes` as one document.
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - file: the name diagnostics use, as the user gave it (`<stdin>` for standard input).
    ///   - syntax: YAML or JSON; by default chosen from `file`'s extension.
    /// - Returns: the document, with diagnostics for every problem found.
    public func load(bytes: [UInt8], file: String, syntax: Syntax? = nil) -> LoadedDocument {
        var document = LoadedDocument(file: file, value: nil, sourceMap: SourceMap(file: file), diagnostics: [])
        guard bytes.count <= limits.maxBytes else {
            document.diagnostics.append(SyntaxDiagnostics.fileTooLarge(bytes: bytes.count, limit: limits.maxBytes, file: file))
            return document
        }
        if let offset = UTF8Validation.firstInvalidOffset(in: bytes) {
            let position = SourcePosition(offset: offset, in: bytes)
            document.diagnostics.append(SyntaxDiagnostics.invalidUTF8(at: SourceLocation(file: file, position: position)))
            return document
        }
        switch syntax ?? Syntax(path: file) {
        case .yaml:
            // libyaml is told the encoding (UTF-8, checked above), so it would read a byte-order
            // mark as content; it takes no column, so dropping it moves no position.
            let content = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes[3...] : bytes[...]
            var loader = YAMLLoader(bytes: content, file: file, limits: limits, parseAhead: content.count >= parseAheadFromBytes)
            document.value = loader.load()
            document.sourceMap = loader.sourceMap
            document.diagnostics = loader.diagnostics
        case .json:
            loadJSON(bytes, into: &document)
        }
        return document
    }

    /// Reads `text` as one document; see ``load(bytes:file:syntax:)``.
    public func load(text: String, file: String, syntax: Syntax? = nil) -> LoadedDocument {
        load(bytes: Array(text.utf8), file: file, syntax: syntax)
    }

    /// Why a file could not be read at all (as opposed to read and found wrong).
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot read \(path): \(reason)" }
    }

    /// Reads a file's bytes through ``InputReader``, refusing a regular file over the document
    /// size limit before reading it.
    /// - Returns: the bytes, or `nil` with a ``SyntaxDiagnostics`` "file too large" diagnostic
    ///   appended to `diagnostics` when the file is over ``Limits/maxBytes``.
    /// - Throws: ``ReadError`` when the file does not exist, is a directory, cannot be read, or
    ///   holds more than ``InputReader/maxBytes``.
    public func readFile(atPath path: String, diagnostics: inout [Diagnostic]) throws(ReadError) -> [UInt8]? {
        try read(.file(path), diagnostics: &diagnostics)
    }

    /// Reads a workflow document from a file or standard input; see ``readFile(atPath:diagnostics:)``.
    public func read(_ source: InputReader.Source, diagnostics: inout [Diagnostic]) throws(ReadError) -> [UInt8]? {
        if case .file(let path) = source {
            var status = stat()
            if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG, Int(status.st_size) > limits.maxBytes {
                diagnostics.append(
                    SyntaxDiagnostics.fileTooLarge(bytes: Int(status.st_size), limit: limits.maxBytes, file: path))
                return nil
            }
        }
        return try InputReader.read(source)
    }

    private func loadJSON(_ bytes: [UInt8], into document: inout LoadedDocument) {
        let file = document.file
        do {
            let output = try JSONParser.parse(bytes, recordingPositionsFor: file, maxDepth: limits.maxDepth)
            document.value = output.value
            document.sourceMap = output.sourceMap ?? SourceMap(file: file)
            for duplicate in output.duplicateKeys {
                document.diagnostics.append(
                    SyntaxDiagnostics.duplicateKey(
                        duplicate.pointer.lastToken ?? "", path: duplicate.pointer,
                        at: SourceLocation(file: file, position: duplicate.position),
                        firstAt: SourceLocation(file: file, position: duplicate.firstPosition)))
            }
        } catch {
            let location = SourceLocation(file: file, position: error.position)
            switch error.kind {
            case .syntax:
                if bytes.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
                    document.diagnostics.append(SyntaxDiagnostics.emptyDocument(file: file))
                } else {
                    document.diagnostics.append(SyntaxDiagnostics.jsonSyntax(error.message, at: location))
                }
            case .tooDeep:
                document.diagnostics.append(
                    SyntaxDiagnostics.nestingTooDeep(limit: limits.maxDepth, path: .root, at: location))
            }
        }
    }
}
