public import ArgumentParser
public import SwirlCompiler

extension GraphExporter.Format: ExpressibleByArgument {}

/// `swirl graph FILE`: prints the compiled workflow as a Mermaid or DOT graph.
struct Graph: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print a workflow's compiled graph as Mermaid or Graphviz DOT.",
        discussion: """
            Tasks are nodes labelled with their name and kind; composite tasks hold their bodies \
            in boxes. Edges show the sequence, 'then' jumps, switch cases, loop back edges, fork \
            branches and their join, error and retry paths. The workflow is validated first; an \
            invalid one is reported as 'swirl validate' would, and nothing is drawn.
            """
    )

    @Argument(help: "The workflow file ('-' reads standard input).")
    var file: String

    @Option(help: "Graph language: mermaid or dot.")
    var format: GraphExporter.Format = .mermaid

    @OptionGroup var colors: ColorOptions

    func run() async throws {
        let program = try WorkflowFile.compile(file, colors: colors)
        Terminal.writeOutput(GraphExporter.render(ProgramGraph(program), as: format))
    }
}
