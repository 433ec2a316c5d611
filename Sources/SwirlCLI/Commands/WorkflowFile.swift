import ArgumentParser
import Foundation
import SwirlCompiler
import SwirlCore
import SwirlSyntax

/// Reading one workflow file for the commands that act on it (`run`, `start`, `graph`):
/// validate it, print its diagnostics, compile it.
enum WorkflowFile {
    /// The compiled program of `path` (`-`: standard input).
    /// - Throws: ``EnvironmentFailure`` when the file cannot be read; `ExitCode(1)` after
    ///   printing the diagnostics of an invalid workflow.
    static func compile(_ path: String, colors: ColorOptions) throws -> Program {
        let validator = WorkflowValidator.standard()
        let name = path == "-" ? "<stdin>" : path
        var diagnostics: [Diagnostic] = []
        let bytes: [UInt8]
        do {
            guard let read = try validator.loader.read(InputReader.Source(operand: path), diagnostics: &diagnostics) else {
                DiagnosticPrinter(format: .text, colored: colors.useColor, sources: [:]).print(diagnostics)
                throw ExitCode.invalidWorkflow
            }
            bytes = read
        } catch let error as Loader.ReadError {
            throw EnvironmentFailure(message: error.description)
        }
        let source = [name: String(decoding: bytes, as: UTF8.self)]
        let result = validator.validate(bytes: bytes, file: name)
        let printer = DiagnosticPrinter(format: .text, colored: colors.useColor, sources: source)
        if !result.diagnostics.isEmpty { printer.print(result.diagnostics) }
        // Validation compiles the workflow as its last check; a valid one comes with its program.
        guard result.isValid, let program = result.program else { throw ExitCode.invalidWorkflow }
        return program
    }

    /// The folder of a workflow file, where `run: workflow` looks for definitions by default:
    /// the path up to its last `/`, or `.` for a bare name and for standard input.
    static func folder(of path: String) -> String {
        guard path != "-", let slash = path.lastIndex(of: "/") else { return "." }
        let folder = path[..<slash]
        return folder.isEmpty ? "/" : String(folder)
    }
}
