import ArgumentParser

/// `swirl completion SHELL`: prints a completion script for bash, zsh or fish.
struct Completion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print a shell completion script for bash, zsh or fish.",
        discussion: """
            bash: 'source <(swirl completion bash)', or save it under \
            /etc/bash_completion.d/swirl. zsh: save it as _swirl in a folder of $fpath. fish: \
            save it as ~/.config/fish/completions/swirl.fish.
            """
    )

    enum Shell: String, ExpressibleByArgument, CaseIterable {
        case bash, zsh, fish

        var completionShell: CompletionShell {
            switch self {
            case .bash: .bash
            case .zsh: .zsh
            case .fish: .fish
            }
        }
    }

    @Argument(help: "The shell: bash, zsh or fish.")
    var shell: Shell

    func run() throws {
        let script = Swirl.completionScript(for: shell.completionShell)
        Terminal.writeOutput(script.hasSuffix("\n") ? script : script + "\n")
    }
}
