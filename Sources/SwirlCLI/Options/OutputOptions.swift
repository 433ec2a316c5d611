public import ArgumentParser
public import SwirlCore

// The CLI is the only module that parses formats from arguments, so the conformance lives here.
extension DiagnosticRenderer.Format: ExpressibleByArgument {}

/// Whether text output uses colour.
struct ColorOptions: ParsableArguments {
    enum Choice: String, ExpressibleByArgument, CaseIterable {
        case auto
        case always
        case never
    }

    @Option(help: "Colour in text output: auto (when stderr is a terminal), always or never.")
    var color: Choice = .auto

    var useColor: Bool {
        switch color {
        case .auto: Terminal.standardErrorSupportsColor
        case .always: true
        case .never: false
        }
    }
}

/// How a command that reports diagnostics as its result (`validate`) prints them.
struct OutputOptions: ParsableArguments {
    @Option(
        help: """
            Diagnostics format: 'text' for people (on stderr), 'json' for tools and 'github' for \
            GitHub Actions annotations (both on stdout).
            """
    )
    var format: DiagnosticRenderer.Format = .text

    @OptionGroup var colors: ColorOptions
}
