import ArgumentParser
import SwirlCompiler

/// `swirl explain CODE`: what a diagnostic code means, an example that reports it, and the fix.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a diagnostic code (SWL3001): what it means, an example and the fix.",
        discussion: "Without a code, lists every code with a line about it."
    )

    @Argument(help: "The code, such as SWL4002 (case does not matter).")
    var code: String?

    func validate() throws {
        if let code, DiagnosticCatalogue.entry(code) == nil {
            throw ValidationError("no diagnostic has the code '\(code)'; 'swirl explain' lists them")
        }
    }

    func run() throws {
        guard let code, let entry = DiagnosticCatalogue.entry(code) else {
            let width = DiagnosticCatalogue.entries.map(\.name.count).max() ?? 0
            let lines = DiagnosticCatalogue.entries.map { entry in
                "\(entry.code)  \(entry.name)\(String(repeating: " ", count: width - entry.name.count))  \(entry.summary)"
            }
            Terminal.writeOutput(lines.joined(separator: "\n") + "\n")
            return
        }
        var text = "\(entry.code) \(entry.name): \(entry.summary)\n\n\(entry.explanation)\n"
        if let example = entry.example {
            text += "\nFor example, 'swirl validate' reports \(entry.code) for:\n\n"
            text += example.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "    " + $0 }
                .joined(separator: "\n")
            if !text.hasSuffix("\n") { text += "\n" }
        }
        text += "\nFix: \(entry.fix)\n"
        Terminal.writeOutput(text)
    }
}
