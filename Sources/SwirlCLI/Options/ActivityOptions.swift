import ArgumentParser
import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax

/// What connects runs to the world: secrets, the definitions `run: workflow` may start, and
/// endpoint rewrites; shared by `run`, `worker` and `runs resume`.
struct ActivityOptions: ParsableArguments {
    @Option(
        help: """
            A JSON or YAML file of secret values by name, for the workflow's use.secrets; names not \
            in it are read from SWIRL_SECRET_<NAME> environment variables.
            """
    )
    var secrets: String?

    @Option(help: "A folder of workflow definitions that 'run: workflow' tasks may run (default: the folder of the workflow file).")
    var definitions: String?

    @Option(
        name: .customLong("rewrite-endpoint"),
        help: """
            FROM=TO: send HTTP requests whose URL starts with FROM to TO instead (repeatable; also \
            SWIRL_REWRITE_ENDPOINTS, ';'-separated). For testing workflows against local stand-ins.
            """
    )
    var rewriteEndpoints: [String] = []

    @Option(
        name: .customLong("jq-timeout"),
        help: ArgumentHelp(
            """
            Seconds one jq expression may run before the task fails with a timeout error (default 5; \
            also SWIRL_JQ_TIMEOUT; 0: no limit but the task's and workflow's timeouts).
            """,
            valueName: "seconds")
    )
    var jqTimeout: Double?

    /// The activities, definitions and secrets, ready for a worker.
    /// - Parameters:
    ///   - defaultDefinitions: the folder to read definitions from when `--definitions` is not given
    ///     (`nil`: none unless given).
    ///   - needsDefinitions: whether to read them at all (only workflows that run sub-workflows do).
    func setup(defaultDefinitions: String?, needsDefinitions: Bool = true, quiet: Bool) throws -> RuntimeSetup {
        let secretValues = try readSecrets()
        let rewrites = try readRewrites()
        ExpressionLimits.shared.ceiling = try readJQTimeout()
        var catalog = DefinitionCatalog()
        if needsDefinitions, let folder = definitions ?? defaultDefinitions {
            catalog = Self.loadDefinitions(from: folder, quiet: quiet)
        }
        let http = HTTPCallActivity(client: HTTPCallActivity.makeClient(), rewrites: rewrites)
        let activities = ActivityRegistry.local(adding: ActivityRegistry.network(http: http))
        return RuntimeSetup(
            secrets: secretValues, catalog: catalog, activities: activities, http: http,
            environment: ProcessInfo.processInfo.environment)
    }

    /// The valid workflows of `directory`, for `run: workflow`; invalid ones are skipped with a note.
    static func loadDefinitions(from directory: String, quiet: Bool) -> DefinitionCatalog {
        let validator = WorkflowValidator.standard()
        var catalog = DefinitionCatalog()
        for path in WorkflowDirectory.workflowFiles(under: directory) {
            var refusal: [Diagnostic] = []
            let bytes: [UInt8]
            do {
                guard let read = try validator.loader.readFile(atPath: path, diagnostics: &refusal) else {
                    if !quiet, let reason = refusal.first?.message {
                        Terminal.writeError("swirl: note: \(path): \(reason); 'run: workflow' cannot use it\n")
                    }
                    continue
                }
                bytes = read
            } catch {
                if !quiet { Terminal.writeError("swirl: note: \(error); 'run: workflow' cannot use it\n") }
                continue
            }
            if let program = validator.validate(bytes: bytes, file: path).program {
                catalog.add(program)
            } else if !quiet {
                Terminal.writeError("swirl: note: \(path) is not a valid workflow; 'run: workflow' cannot use it\n")
            }
        }
        return catalog
    }

    /// `--jq-timeout`, else `SWIRL_JQ_TIMEOUT`, else the default ceiling.
    private func readJQTimeout() throws -> Double {
        let text: String
        let source: String
        if let jqTimeout {
            text = String(jqTimeout)
            source = "--jq-timeout"
        } else if let variable = ProcessInfo.processInfo.environment["SWIRL_JQ_TIMEOUT"], !variable.isEmpty {
            text = variable
            source = "SWIRL_JQ_TIMEOUT"
        } else {
            return ExpressionLimits.defaultCeiling
        }
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0 else {
            throw ValidationError("\(source) must be a number of seconds, 0 or more (got '\(text)').")
        }
        return seconds
    }

    private func readRewrites() throws -> [HTTPCallActivity.Rewrite] {
        var rewrites: [HTTPCallActivity.Rewrite] = []
        do {
            if let list = ProcessInfo.processInfo.environment["SWIRL_REWRITE_ENDPOINTS"], !list.isEmpty {
                rewrites += try HTTPCallActivity.parseRewrites(list)
            }
            for text in rewriteEndpoints { rewrites.append(try HTTPCallActivity.parseRewrite(text)) }
        } catch {
            throw ValidationError("\(error)")
        }
        return rewrites
    }

    private func readSecrets() throws -> OrderedDictionary<String, JSON> {
        guard let secrets else { return [:] }
        let bytes: [UInt8]
        do {
            bytes = try InputReader.read(InputReader.Source(operand: secrets))
        } catch {
            throw EnvironmentFailure(message: error.description)
        }
        let document = Loader().load(bytes: bytes, file: secrets)
        guard let values = document.value?.objectValue, !document.diagnostics.containsErrors else {
            throw EnvironmentFailure(message: "\(secrets) must hold one JSON or YAML object of secret values by name")
        }
        return values
    }
}

/// The pieces a worker runs with, and the HTTP client to shut down after.
struct RuntimeSetup {
    var secrets: OrderedDictionary<String, JSON>
    var catalog: DefinitionCatalog
    var activities: ActivityRegistry
    var http: HTTPCallActivity
    var environment: [String: String]

    func shutdown() async {
        try? await http.shutdown()
    }
}
