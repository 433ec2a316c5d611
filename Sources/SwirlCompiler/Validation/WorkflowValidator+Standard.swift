import SwirlExpressions

extension WorkflowValidator {
    /// The validator `swirl validate` uses: the embedded schema, and jq checked by Swirl's own
    /// parser for jq's grammar, which the engine that runs them shares.
    public static func standard() -> WorkflowValidator {
        WorkflowValidator(
            semanticChecks: SemanticChecks { expression, variables in
                JQSyntax.check(expression, variables: variables).map { ($0.message, $0.offset) }
            })
    }
}
