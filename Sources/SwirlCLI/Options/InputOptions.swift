import ArgumentParser
import Foundation
import SwirlCore
import SwirlSyntax

/// `--input JSON` or `--input-file FILE`: a workflow's input.
struct InputOptions: ParsableArguments {
    @Option(help: "The workflow input, as JSON text.")
    var input: String?

    @Option(help: "A file holding the workflow input as JSON ('-' reads standard input).")
    var inputFile: String?

    func validate() throws {
        if input != nil && inputFile != nil { throw ValidationError("Give --input or --input-file, not both.") }
    }

    /// Refuses `--input-file -` when the workflow itself comes from standard input.
    func checkStandardInput(workflow: String) throws {
        if inputFile == "-" && workflow == "-" {
            throw ValidationError(
                "The workflow and --input-file cannot both be read from standard input; give the workflow as a file.")
        }
    }

    /// The input, `{}` when none is given.
    /// - Throws: ``EnvironmentFailure`` for an unreadable file or text that is not JSON.
    func read() throws -> JSON {
        let text: String
        if let input {
            text = input
        } else if let inputFile {
            do {
                text = String(decoding: try InputReader.read(InputReader.Source(operand: inputFile)), as: UTF8.self)
            } catch {
                throw EnvironmentFailure(message: error.description)
            }
        } else {
            return [:]
        }
        do {
            return try JSON(parsing: text)
        } catch {
            throw EnvironmentFailure(message: "the input is not JSON: \(error)")
        }
    }
}
