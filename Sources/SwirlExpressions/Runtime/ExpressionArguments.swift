public import SwirlCore

/// The values a runtime expression sees as variables: the DSL's arguments and the scoped
/// variables its ``ExpressionSource`` declares.
///
/// Every argument is bound for every expression; one the DSL does not provide at that point (such
/// as `$output` in a task's `input.from`) is `null`. `$secrets` is also bound as `$secret`, the
/// name some runtimes use.
public struct ExpressionArguments: Sendable {
    /// `$context`: the workflow's context.
    public var context: JSON
    /// `$input`: the task's transformed input.
    public var input: JSON
    /// `$output`: the task's transformed output.
    public var output: JSON
    /// `$secrets` and `$secret`.
    public var secrets: JSON
    /// `$task`: the task descriptor.
    public var task: JSON
    /// `$workflow`: the workflow descriptor.
    public var workflow: JSON
    /// `$runtime`: the runtime descriptor.
    public var runtime: JSON
    /// `$authorization`: the resolved authorization of the task.
    public var authorization: JSON
    /// Values of the scoped variables, by name without `$`; a declared variable missing here is
    /// `null`.
    public var scoped: [String: JSON]

    /// Creates arguments; each one left out is `null`.
    public init(
        context: JSON = .null,
        input: JSON = .null,
        output: JSON = .null,
        secrets: JSON = .null,
        task: JSON = .null,
        workflow: JSON = .null,
        runtime: JSON = .null,
        authorization: JSON = .null,
        scoped: [String: JSON] = [:]
    ) {
        self.context = context
        self.input = input
        self.output = output
        self.secrets = secrets
        self.task = task
        self.workflow = workflow
        self.runtime = runtime
        self.authorization = authorization
        self.scoped = scoped
    }
}
