public import ArgumentParser
public import SwirlCore

/// How diagnostics are printed: the renderer's formats, and SARIF, which needs the catalogue of codes.
enum DiagnosticFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case github
    case sarif
}

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
            Diagnostics format: 'text' for people (on stderr); 'json' for tools, 'github' for \
            GitHub Actions annotations and 'sarif' (SARIF 2.1.0) for code scanning, on stdout.
            """
    )
    var format: DiagnosticFormat = .text

    @OptionGroup var colors: ColorOptions
}
