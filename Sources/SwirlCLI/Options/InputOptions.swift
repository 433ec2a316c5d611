import ArgumentParser
import Foundation
import SwirlCore

/// `--input JSON` or `--input-file FILE`: a workflow's input.
struct InputOptions: ParsableArguments {
    @Option(help: "The workflow input, as JSON text.")
    var input: String?

    @Option(help: "A file holding the workflow input as JSON.")
    var inputFile: String?

    func validate() throws {
        if input != nil && inputFile != nil { throw ValidationError("Give --input or --input-file, not both.") }
    }

    /// The input, `{}` when none is given.
    /// - Throws: ``EnvironmentFailure`` for an unreadable file or text that is not JSON.
    func read() throws -> JSON {
        let text: String
        if let input {
            text = input
        } else if let inputFile {
            guard let data = FileManager.default.contents(atPath: inputFile) else {
                throw EnvironmentFailure(message: "cannot read \(inputFile): no such file")
            }
            text = String(decoding: data, as: UTF8.self)
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
