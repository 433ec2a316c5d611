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
        try load(path, colors: colors).program
    }

    /// A valid workflow file: its program, and where its tasks are written, for runtime faults.
    struct Compiled: Sendable {
        let program: Program
        let file: String
        let source: String
        let sourceMap: SourceMap

        /// `file:line:col: error: TITLE (STATUS) in TASK`, the task's source line and a caret under its name, for
        /// a fault whose `instance` points into the document; `nil` when it points at no task written there.
        func describe(_ error: WorkflowError, colored: Bool) -> String? {
            // A workflow's own timeout points at the whole workflow: its `timeout` is the place to show.
            let place = error.instance == "/" && error.status == 408 ? "/timeout" : error.instance
            guard let instance = error.instance, let place, place != "/", !place.isEmpty,
                let pointer = try? JSONPointer(parsing: place),
                let location = sourceMap.location(of: pointer, .key) ?? sourceMap.location(of: pointer, .value)
            else { return nil }
            let source = self.source
            return DiagnosticRenderer(colored: colored) { $0 == location.file ? source : nil }
                .located(
                    location,
                    message: "\(error.title ?? error.type) (\(error.status)) " + (instance == "/" ? "in the workflow" : "in task \(instance)"))
        }
    }

    /// ``compile(_:colors:)`` keeping the source and its map; warnings are left out when `quiet`.
    static func load(_ path: String, colors: ColorOptions, quiet: Bool = false) throws -> Compiled {
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
        let text = String(decoding: bytes, as: UTF8.self)
        let result = validator.validate(bytes: bytes, file: name)
        let printer = DiagnosticPrinter(format: .text, colored: colors.useColor, sources: [name: text])
        let shown = quiet ? result.diagnostics.filter(\.isError) : result.diagnostics
        if !shown.isEmpty { printer.print(shown) }
        // Validation compiles the workflow as its last check; a valid one comes with its program.
        guard result.isValid, let program = result.program else { throw ExitCode.invalidWorkflow }
        return Compiled(program: program, file: name, source: text, sourceMap: result.document.sourceMap)
    }

    /// The folder of a workflow file, where `run: workflow` looks for definitions by default:
    /// the path up to its last `/`, or `.` for a bare name and for standard input.
    static func folder(of path: String) -> String {
        guard path != "-", let slash = path.lastIndex(of: "/") else { return "." }
        let folder = path[..<slash]
        return folder.isEmpty ? "/" : String(folder)
    }
}
