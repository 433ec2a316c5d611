import ArgumentParser
import SwirlSyntax

/// `swirl schema`: prints the JSON Schema of workflow documents, for editors and other tools.
struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of Serverless Workflow documents.",
        discussion: """
            Save it and point your editor at it, for example with a first line \
            '# yaml-language-server: $schema=./workflow.schema.json' in a YAML workflow.
            """
    )

    func run() throws {
        Terminal.writeOutput(WorkflowSchema.text)
    }
}
