import SwirlCore

/// Prints diagnostics in the chosen format: text to stderr, JSON and GitHub commands to stdout.
struct DiagnosticPrinter {
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
        let text = renderer.render(diagnostics.sortedForReporting(), as: format)
        switch format {
        case .text: Terminal.writeError(text)
        case .json, .github: Terminal.writeOutput(text)
        }
    }
}
