import ArgumentParser

extension ExitCode {
    /// A workflow is invalid, or a run faulted.
    static let invalidWorkflow = ExitCode(1)
    /// Bad arguments, or the environment stopped the command (unreadable file, no database).
    static let environmentError = ExitCode(2)

    /// Swirl's code for an argument-parser code: its usage error (64) becomes 2.
    static func swirl(for code: ExitCode) -> ExitCode {
        code == .validationFailure ? .environmentError : code
    }
}

/// A failure of the environment rather than of the workflow: the command exits with 2.
struct EnvironmentFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
