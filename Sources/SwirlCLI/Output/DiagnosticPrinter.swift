import SwirlCore
import SwirlSyntax

/// Prints diagnostics in the chosen format: text to stderr, JSON, GitHub commands and SARIF to stdout.
///
/// Text is for people, so it stays readable for a file with thousands of problems: each source
/// line is cut to a window around the column (see ``DiagnosticRenderer/lineWidth``), and at most
/// ``maxTextPerFile`` diagnostics of a file are printed, then a line saying how many more there
/// are. JSON and GitHub output keep every diagnostic, for tools.
struct DiagnosticPrinter {
    /// The most diagnostics of one file printed as text.
    static let maxTextPerFile = 100

    let format: DiagnosticFormat
    let renderer: DiagnosticRenderer

    init(format: DiagnosticFormat, colored: Bool, sources: [String: String]) {
        self.format = format
        self.renderer = DiagnosticRenderer(colored: colored) { sources[$0] }
    }

    init(options: OutputOptions, sources: [String: String]) {
        self.init(format: options.format, colored: options.colors.useColor, sources: sources)
    }

    /// Prints `diagnostics` in reporting order, and in the machine-readable formats the files that could not be
    /// read (text leaves those to the caller's error lines). JSON output is always printed, `[]` when empty, so a
    /// tool can parse stdout whatever happened; so is SARIF.
    func print(_ diagnostics: [Diagnostic], unreadable: [UnreadableFile] = []) {
        let sorted = diagnostics.sortedForReporting()
        switch format {
        case .text:
            Terminal.writeError(text(sorted))
        case .json:
            let objects = renderer.jsonObjects(sorted) + unreadable.map { file -> JSON in
                [
                    "file": .string(file.file), "severity": "error", "code": .string(SyntaxDiagnostics.unreadableFileCode.rawValue),
                    "message": .string(file.message),
                ]
            }
            Terminal.writeOutput(JSON.array(objects).serialized(.pretty) + "\n")
        case .github:
            var output = renderer.render(sorted, as: .github)
            for file in unreadable {
                output += "::error file=\(DiagnosticRenderer.escapeProperty(file.file)),"
                    + "title=\(SyntaxDiagnostics.unreadableFileCode)::\(DiagnosticRenderer.escapeData(file.message))\n"
            }
            Terminal.writeOutput(output)
        case .sarif:
            Terminal.writeOutput(SARIFReport(diagnostics: sorted, unreadable: unreadable).text)
        }
    }

    /// The text of `sorted` (in reporting order, so grouped by file), each file cut to
    /// ``maxTextPerFile`` diagnostics.
    private func text(_ sorted: [Diagnostic]) -> String {
        var output = ""
        var start = sorted.startIndex
        while start < sorted.endIndex {
            let file = sorted[start].location?.file
            let end = sorted[start...].firstIndex { $0.location?.file != file } ?? sorted.endIndex
            let shown = min(end - start, Self.maxTextPerFile)
            output += renderer.render(Array(sorted[start..<(start + shown)]), as: .text)
            if shown < end - start {
                output += Self.omitted(sorted[(start + shown)..<end], file: file)
            }
            start = end
        }
        return output
    }

    /// `a.json: and 29 more errors and 1 more warning (at most 100 diagnostics are printed per file)`.
    private static func omitted(_ rest: ArraySlice<Diagnostic>, file: String?) -> String {
        func count(_ number: Int, _ word: String) -> String? {
            number == 0 ? nil : "\(number) more \(word)\(number == 1 ? "" : "s")"
        }
        let errors = rest.filter { $0.severity == .error }.count
        let warnings = rest.filter { $0.severity == .warning }.count
        let parts = [count(errors, "error"), count(warnings, "warning"), count(rest.count - errors - warnings, "note")]
        return (file.map { "\($0): " } ?? "") + "and " + parts.compactMap { $0 }.joined(separator: " and ")
            + " (at most \(maxTextPerFile) diagnostics are printed per file)\n"
    }
}
