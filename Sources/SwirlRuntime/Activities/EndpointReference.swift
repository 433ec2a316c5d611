public import SwirlCore

/// An endpoint as the DSL writes one (`call: http`'s `endpoint`, an external resource's, an A2A
/// `server`, an MCP HTTP transport's): a URI template, or `{uri, authentication}`.
struct EndpointReference: Sendable {
    /// The URI template.
    var template: String
    /// The endpoint's authentication policy, inline or `{use: name}`, when it has one.
    var authentication: JSON?

    /// Reads `value`; `nil` when it is neither a string nor an object with a string `uri`.
    init?(_ value: JSON?) {
        switch value {
        case .string(let text)?:
            template = text
        case .object(let members)?:
            guard let uri = members["uri"]?.stringValue else { return nil }
            template = uri
            authentication = members["authentication"]
        default:
            return nil
        }
    }

    /// The URL: the template expanded with the task's input (``HTTPURITemplateExpansion``).
    /// - Throws: `expression` for a template that does not parse or a non-scalar value.
    func url(input: JSON, task: String) throws(WorkflowError) -> String {
        try HTTPURITemplateExpansion.expand(template, input: input, task: task)
    }
}
