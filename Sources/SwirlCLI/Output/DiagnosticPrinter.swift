import SwirlCore

/// Prints diagnostics in the chosen format: text to stderr, JSON and GitHub commands to stdout.
///
/// Text is for people, so it stays readable for a file with thousands of problems: each source
/// line is cut to a window around the column (see ``DiagnosticRenderer/lineWidth``), and at most
/// ``maxTextPerFile`` diagnostics of a file are printed, then a line saying how many more there
/// are. JSON and GitHub output keep every diagnostic, for tools.
struct DiagnosticPrinter {
    /// The most diagnostics of one file printed as text.
    static let maxTextPerFile = 100

    let format: DiagnosticRenderer.Format
    let renderer: DiagnosticRenderer

    init(format: DiagnosticRenderer.Format, colored: Bool, sources: [String: String]) {
        self.format = format
        self.renderer = DiagnosticRenderer(colored: colored) { sources[$0] }
    }

    init(options: OutputOptions, sources: [String: String]) {
        self.init(format: options.format, colored: options.colors.useColor, sources: sources)
    }

    /// Prints `diagnostics` in reporting order. JSON output is always printed, `[]` when empty,
    /// so a tool can parse stdout whatever happened.
    func print(_ diagnostics: [Diagnostic]) {
        let sorted = diagnostics.sortedForReporting()
        switch format {
        case .text: Terminal.writeError(text(sorted))
        case .json, .github: Terminal.writeOutput(renderer.render(sorted, as: format))
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
