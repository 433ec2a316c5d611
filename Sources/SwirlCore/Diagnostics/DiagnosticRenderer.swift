import OrderedCollections

/// Turns diagnostics into text for people, JSON for tools, or GitHub Actions workflow commands.
///
/// Rendering is pure: the caller supplies the source texts and decides where the result goes.
public struct DiagnosticRenderer: Sendable {
    /// The output formats `swirl` offers with `--format`.
    public enum Format: String, Sendable, CaseIterable {
        /// `file:line:col: error: message [CODE]`, then the source line and a caret.
        case text
        /// A JSON array of objects, one per diagnostic.
        case json
        /// `::error file=…,line=…,col=…,title=CODE::message` lines for GitHub Actions.
        case github
    }

    /// The text of a file by its name, for the source line under a message; `nil` when unknown.
    public var source: @Sendable (String) -> String?
    /// Whether text output uses ANSI colours.
    public var colored: Bool
    /// The most Unicode scalars of a source line shown under a message (``defaultLineWidth``); a
    /// longer line is cut to a window around the column, with `…` where text was left out.
    public var lineWidth: Int

    /// 120 scalars: enough context for any line a person writes, and bounded for a one-line
    /// document of megabytes.
    public static let defaultLineWidth = 120

    public init(
        colored: Bool = false, lineWidth: Int = defaultLineWidth,
        source: @escaping @Sendable (String) -> String? = { _ in nil }
    ) {
        self.colored = colored
        self.lineWidth = max(lineWidth, 1)
        self.source = source
    }

    /// Renders `diagnostics` in `format`, in the order given.
    /// - Returns: the text, each diagnostic ending in a newline (JSON: one array and a newline).
    public func render(_ diagnostics: [Diagnostic], as format: Format) -> String {
        switch format {
        case .text: text(diagnostics)
        case .json: json(diagnostics)
        case .github: github(diagnostics)
        }
    }

    // MARK: text

    /// The human format: a message line, the source line, a caret under the column, then notes.
    public func text(_ diagnostics: [Diagnostic]) -> String {
        var lines = SourceLines(source: source)
        var output = ""
        for diagnostic in diagnostics {
            output += headline(
                location: diagnostic.location,
                severity: diagnostic.severity.rawValue,
                message: diagnostic.message + " [\(diagnostic.code)]"
            )
            if diagnostic.location == nil, let path = diagnostic.path {
                output += " (at \(path.description.isEmpty ? "/" : path.description))"
            }
            output += "\n"
            if let location = diagnostic.location,
                let excerpt = lines.excerpt(location.line, of: location.file, column: location.column, width: lineWidth)
            {
                output += excerpt.text + "\n"
                output += paint(caretLine(under: excerpt.text, column: excerpt.column), .green) + "\n"
            }
            for note in diagnostic.notes {
                output += headline(location: note.location, severity: "note", message: note.message) + "\n"
            }
        }
        return output
    }

    /// A message about `location` that is no diagnostic (a run's fault, tied to the task that raised it): the
    /// headline `file:line:col: error: message`, then the source line and a caret, as ``text(_:)`` prints them.
    public func located(_ location: SourceLocation, severity: Severity = .error, message: String) -> String {
        var lines = SourceLines(source: source)
        var output = headline(location: location, severity: severity.rawValue, message: message) + "\n"
        if let excerpt = lines.excerpt(location.line, of: location.file, column: location.column, width: lineWidth) {
            output += excerpt.text + "\n" + paint(caretLine(under: excerpt.text, column: excerpt.column), .green) + "\n"
        }
        return output
    }

    private func headline(location: SourceLocation?, severity: String, message: String) -> String {
        let color: Color =
            switch severity {
            case "error": .red
            case "warning": .yellow
            default: .cyan
            }
        let label = paint(severity + ":", color)
        guard let location else { return "\(label) \(message)" }
        return "\(paint(location.description + ":", .bold)) \(label) \(message)"
    }

    /// Spaces (and the line's own tabs, so the caret lines up) up to `column`, then `^`.
    private func caretLine(under line: String, column: Int) -> String {
        var padding = ""
        for scalar in line.unicodeScalars.prefix(max(column - 1, 0)) {
            padding.append(scalar == "\t" ? "\t" : " ")
        }
        return padding + "^"
    }

    private enum Color: String {
        case red = "31"
        case yellow = "33"
        case green = "32"
        case cyan = "36"
        case bold = "1"
    }

    private func paint(_ text: String, _ color: Color) -> String {
        colored ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }

    // MARK: json

    /// A JSON array; each object has `severity`, `code`, `message`, and when known `file`,
    /// `line`, `column`, `endLine` and `endColumn` (just after the last character reported),
    /// `path`, and `notes`.
    public func json(_ diagnostics: [Diagnostic]) -> String {
        JSON.array(jsonObjects(diagnostics)).serialized(.pretty) + "\n"
    }

    /// The objects of ``json(_:)``, for a caller that adds entries of its own.
    public func jsonObjects(_ diagnostics: [Diagnostic]) -> [JSON] {
        diagnostics.map(Self.jsonObject)
    }

    private static func jsonObject(_ diagnostic: Diagnostic) -> JSON {
        var object: OrderedDictionary<String, JSON> = [:]
        if let location = diagnostic.location {
            object["file"] = .string(location.file)
            object["line"] = .number(Double(location.line))
            object["column"] = .number(Double(location.column))
            if let end = location.end {
                object["endLine"] = .number(Double(end.line))
                object["endColumn"] = .number(Double(end.column))
            }
        }
        object["severity"] = .string(diagnostic.severity.rawValue)
        object["code"] = .string(diagnostic.code.rawValue)
        object["message"] = .string(diagnostic.message)
        if let path = diagnostic.path {
            object["path"] = .string(path.description)
        }
        if !diagnostic.notes.isEmpty {
            object["notes"] = .array(
                diagnostic.notes.map { note in
                    var noteObject: OrderedDictionary<String, JSON> = ["message": .string(note.message)]
                    if let location = note.location {
                        noteObject["file"] = .string(location.file)
                        noteObject["line"] = .number(Double(location.line))
                        noteObject["column"] = .number(Double(location.column))
                    }
                    return .object(noteObject)
                })
        }
        return .object(object)
    }

    // MARK: github

    /// One workflow command per diagnostic; GitHub shows them as annotations on the lines.
    public func github(_ diagnostics: [Diagnostic]) -> String {
        var output = ""
        for diagnostic in diagnostics {
            let command =
                switch diagnostic.severity {
                case .error: "error"
                case .warning: "warning"
                case .note: "notice"
                }
            var properties: [String] = []
            if let location = diagnostic.location {
                properties.append("file=" + Self.escapeProperty(location.file))
                properties.append("line=\(location.line)")
                if let end = location.end { properties.append("endLine=\(end.line)") }
                properties.append("col=\(location.column)")
                // GitHub's end column is the last column of the range, not the one after it.
                if let end = location.end, end.line == location.line {
                    properties.append("endColumn=\(max(location.column, end.column - 1))")
                }
            }
            properties.append("title=" + Self.escapeProperty(diagnostic.code.rawValue))
            var message = diagnostic.message
            for note in diagnostic.notes {
                message += "\n" + (note.location.map { "\($0): " } ?? "") + note.message
            }
            output += "::\(command) \(properties.joined(separator: ","))::\(Self.escapeData(message))\n"
        }
        return output
    }

    /// Escapes a command's message as the Actions runner expects.
    public static func escapeData(_ text: String) -> String {
        text.replacing("%", with: "%25").replacing("\r", with: "%0D").replacing("\n", with: "%0A")
    }

    /// Escapes a property value; `:` and `,` delimit properties, so they are escaped too.
    public static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacing(":", with: "%3A").replacing(",", with: "%2C")
    }
}

/// The lines of each source file, split once per render however many diagnostics it has.
private struct SourceLines {
    let source: @Sendable (String) -> String?
    private var cache: [String: [Substring]] = [:]
    /// The scalars of the last long line cut, so many diagnostics on one line of megabytes do
    /// not each walk the line from its start.
    private var scalars: (file: String, line: Int, scalars: [Unicode.Scalar])?

    init(source: @escaping @Sendable (String) -> String?) {
        self.source = source
    }

    /// Line `number` of `file`, cut to at most `width` scalars (plus an ellipsis each side that
    /// was cut) around `column`, and the column of the same scalar in the text returned.
    mutating func excerpt(_ number: Int, of file: String, column: Int, width: Int) -> (text: String, column: Int)? {
        guard let line = line(number, of: file) else { return nil }
        // A line of at most `width` bytes has at most `width` scalars: shown whole.
        if line.utf8.count <= width { return (String(line), column) }
        if scalars?.file != file || scalars?.line != number {
            scalars = (file, number, Array(line.unicodeScalars))
        }
        let all = scalars!.scalars
        if all.count <= width { return (String(line), column) }
        let target = min(max(column - 1, 0), all.count)
        let start = max(0, min(target - width / 2, all.count - width))
        let end = min(all.count, start + width)
        var text = start > 0 ? "…" : ""
        text.unicodeScalars.append(contentsOf: all[start..<end])
        if end < all.count { text += "…" }
        return (text, column - start + (start > 0 ? 1 : 0))
    }

    private mutating func line(_ number: Int, of file: String) -> Substring? {
        if cache[file] == nil {
            guard let text = source(file) else { return nil }
            // "\r\n" is one Character in Swift, so split on it explicitly.
            cache[file] = text.split(omittingEmptySubsequences: false) {
                $0 == "\n" || $0 == "\r\n" || $0 == "\r"
            }
        }
        guard let lines = cache[file], number >= 1, number <= lines.count else { return nil }
        var line = lines[number - 1]
        if line.hasSuffix("\r") { line = line.dropLast() }
        return line
    }
}
