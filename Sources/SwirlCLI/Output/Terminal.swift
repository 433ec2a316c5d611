import Foundation

/// The process's standard streams; the only place the CLI writes to them.
enum Terminal {
    static func writeOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Whether standard error is a terminal that shows colours: not when `NO_COLOR` is set or
    /// `TERM` is `dumb`.
    static var standardErrorSupportsColor: Bool {
        let environment = ProcessInfo.processInfo.environment
        if environment["NO_COLOR"] != nil || environment["TERM"] == "dumb" { return false }
        return isatty(STDERR_FILENO) == 1
    }
}
