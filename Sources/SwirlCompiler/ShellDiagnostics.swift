public import SwirlCore

/// The diagnostics of `swirl validate`'s checks of `run: shell` commands: `SWL5xxx`, findings of tools outside
/// Swirl and what Swirl sees around them.
public enum ShellDiagnostics {
    /// A finding of ShellCheck on a literal command.
    public static let shellCheckCode = DiagnosticCode("SWL5001")
    /// A command whose text is built from data.
    public static let splicedCommandCode = DiagnosticCode("SWL5002")

    /// ShellCheck's `SC<code>` finding at `location`; its `error`s are errors, `warning`s warnings, the rest notes.
    public static func finding(code: Int, level: String, message: String, path: JSONPointer, location: SourceLocation?) -> Diagnostic {
        let severity: Severity =
            switch level {
            case "error": .error
            case "warning": .warning
            default: .note
            }
        return Diagnostic(
            severity, code: shellCheckCode, message: "shellcheck SC\(code): \(message)", path: path, location: location,
            notes: [Diagnostic.Note("https://www.shellcheck.net/wiki/SC\(code)")])
    }

    public static func splicedCommand(path: JSONPointer, location: SourceLocation?) -> Diagnostic {
        Diagnostic(
            .warning, code: splicedCommandCode,
            message: "the shell command is built from data: a value with a quote, `;` or `$(` in it runs as shell code",
            path: path, location: location,
            notes: [Diagnostic.Note("pass the values as `run.shell.arguments` (\"$1\", \"$2\"… in the command), which the shell never parses")])
    }
}

/// The diagnostic of `swirl validate` for tasks the runtime of this build cannot carry out.
public enum RuntimeSupportDiagnostics {
    public static let unsupportedTaskCode = DiagnosticCode("SWL4012")

    /// `call: grpc` and the like, which would fault with 501 when the run reaches them.
    public static func unsupportedTask(kind: String, path: JSONPointer, location: SourceLocation?) -> Diagnostic {
        // `call:grpc` as written: `call: grpc`.
        let what = kind.firstIndex(of: ":").map { kind[..<$0] + ": " + kind[kind.index(after: $0)...] } ?? kind
        let isCatalog = kind.hasPrefix("call:") && kind.contains("@")
        return Diagnostic(
            .warning, code: unsupportedTaskCode,
            message: isCatalog
                ? "this build of Swirl cannot fetch catalog functions: a run faults (501) when it reaches `\(what)`"
                : "this build of Swirl cannot run `\(what)` tasks: a run faults (501) when it reaches one",
            path: path, part: .key, location: location)
    }
}
