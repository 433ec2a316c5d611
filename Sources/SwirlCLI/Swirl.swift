import ArgumentParser
import Foundation
import SwirlCore
import SwirlSyntax

/// The `swirl` command: validates and runs Serverless Workflow DSL 1.0 definitions.
///
/// Exit codes are a contract: 0 success, 1 an invalid workflow (or, later, a faulted run),
/// 2 a usage or environment error. Argument-parser's own usage code (64) becomes 2 here.
@main
struct Swirl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swirl",
        abstract: "Validate and run Serverless Workflow DSL \(SwirlVersion.supportedDSL) definitions.",
        discussion: """
            Exit status: 0 success; 1 a workflow is invalid or a run faulted; 2 a usage or \
            environment error (bad arguments, unreadable file, unreachable database); 130 \
            interrupted (SIGINT); 143 stopped by SIGTERM.
            """,
        version: "swirl \(SwirlVersion.current) (commit \(BuildInfo.commit)); reads Serverless Workflow DSL \(SwirlVersion.supportedDSL)",
        subcommands: [
            Validate.self, Run.self, Graph.self, Start.self, WorkerCommand.self, Runs.self, Schedules.self, Migrate.self, Emit.self, Schema.self, Explain.self,
            Completion.self, Manual.self,
        ]
    )

    /// The commands that validate a workflow file before anything else.
    private static let validatingCommands: Set<String> = ["validate", "run", "graph", "start"]

    static func main() async {
        // Bare `swirl` is a usage error: the help goes to stderr and the exit status says nothing ran.
        if CommandLine.arguments.count == 1 {
            Terminal.writeError(helpMessage() + "\n")
            exitChecked(.environmentError)
        }
        if validatingCommands.contains(CommandLine.arguments[1]) {
            WorkflowSchema.compileInBackground()
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exitChecked(.success)
        } catch let failure as EnvironmentFailure {
            Terminal.writeError("swirl: error: \(failure.message)\n")
            exitChecked(.environmentError)
        } catch {
            let code = ExitCode.swirl(for: exitCode(for: error))
            let message = fullMessage(for: error)
            if !message.isEmpty {
                if code == .success {
                    Terminal.writeOutput(message + "\n")
                } else {
                    Terminal.writeError(message + "\n")
                }
            }
            exitChecked(code)
        }
    }

    /// Exits with `code`, or with 2 when writing to stdout failed: the result is lost, and
    /// that must not look like a success (or like an invalid workflow).
    private static func exitChecked(_ code: ExitCode) -> Never {
        if let problem = Terminal.outputProblem, code == .success || code == .invalidWorkflow {
            Terminal.writeError("swirl: error: cannot write to standard output: \(problem)\n")
            Foundation.exit(ExitCode.environmentError.rawValue)
        }
        Foundation.exit(code.rawValue)
    }
}
