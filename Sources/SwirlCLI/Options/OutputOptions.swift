public import ArgumentParser
public import SwirlCore

// The CLI is the only module that parses formats from arguments, so the conformance lives here.
extension DiagnosticRenderer.Format: ExpressibleByArgument {}

/// How a command reports diagnostics.
struct OutputOptions: ParsableArguments {
    enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
        case auto
        case always
        case never
    }

    @Option(
        help: """
            Diagnostics format: 'text' for people (on stderr), 'json' for tools and 'github' for \
            GitHub Actions annotations (both on stdout).
            """
    )
    var format: DiagnosticRenderer.Format = .text

    @Option(help: "Colour in text output: auto (when stderr is a terminal), always or never.")
    var color: ColorChoice = .auto

    var useColor: Bool {
        switch color {
        case .auto: Terminal.standardErrorSupportsColor
        case .always: true
        case .never: false
        }
    }
}
