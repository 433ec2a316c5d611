import SwirlCore

/// Applies a described service's security schemes (an OpenAPI document's, an A2A agent card's:
/// `apiKey`, `http`, `oauth2`, `openIdConnect`) with the workflow's authentication policies.
///
/// `with.authentication`, when the call gives one, is used; otherwise the service's security
/// requirements pick the policies of `use.authentications` that bear the names of their
/// schemes, the first alternative whose every scheme has one. An `apiKey` scheme takes a bearer
/// policy's token and sends it where the scheme says (a header, the query or a cookie); the other
/// schemes are left to the HTTP activity, which sends the policy as `call: http` does.
struct SecuritySchemes {
    /// The requirements, alternatives in order, each a list of scheme names.
    var requirements: [[String]]
    /// A scheme by name, `nil` when the service defines none of that name.
    var scheme: (String) throws(WorkflowError) -> JSON?
    /// The workflow's `use.authentications`, and the run's secrets their fields may name.
    var authentications: [String: JSON]
    var secrets: Secrets
    var task: String

    /// The policy the HTTP activity applies (`nil`: none), after placing any API key in `headers`
    /// or `url`.
    func apply(_ explicit: JSON?, headers: inout OrderedDictionary<String, JSON>, url: inout String) throws(WorkflowError) -> JSON? {
        if let explicit, !explicit.isNull {
            // The workflow's policy; sent the way the first apiKey scheme asks when it is a token.
            for name in requirements.joined() {
                guard let found = try scheme(name), found["type"]?.stringValue == "apiKey" else { continue }
                if case .bearer(let token)? = try HTTPAuthentication.resolve(explicit, named: authentications, secrets: secrets, task: task) {
                    try place(token, scheme: found, name: name, headers: &headers, url: &url)
                    return nil
                }
                break
            }
            return explicit
        }
        for alternative in requirements where !alternative.isEmpty && alternative.allSatisfy({ authentications[$0] != nil }) {
            var policy: JSON?
            for name in alternative {
                if let found = try scheme(name), found["type"]?.stringValue == "apiKey" {
                    guard
                        case .bearer(let token)? = try HTTPAuthentication.resolve(
                            ["use": .string(name)], named: authentications, secrets: secrets, task: task)
                    else {
                        throw WorkflowError(
                            .configuration, title: "Invalid authentication policy",
                            detail: "the scheme '\(name)' is an API key: its policy in use.authentications must be a bearer token",
                            instance: task)
                    }
                    try place(token, scheme: found, name: name, headers: &headers, url: &url)
                } else if policy == nil {
                    policy = ["use": .string(name)]
                }
            }
            return policy
        }
        return nil
    }

    /// Puts an API key where its scheme says.
    private func place(
        _ token: String, scheme: JSON, name: String, headers: inout OrderedDictionary<String, JSON>, url: inout String
    ) throws(WorkflowError) {
        func invalid(_ detail: String) -> WorkflowError {
            WorkflowError(.configuration, title: "Invalid security scheme", detail: detail, instance: task)
        }
        guard let key = scheme["name"]?.stringValue, let place = scheme["in"]?.stringValue else {
            throw invalid("security scheme '\(name)' has no 'name' or 'in'")
        }
        let encode = { (text: String) in HTTPURITemplateExpansion.percentEncode(text, allowReserved: false) }
        switch place {
        case "header":
            headers[key] = .string(token)
        case "query":
            url += (url.contains("?") ? "&" : "?") + encode(key) + "=" + encode(token)
        case "cookie":
            let cookie = key + "=" + encode(token)
            headers["Cookie"] = .string(headers["Cookie"]?.stringValue.map { $0 + "; " + cookie } ?? cookie)
        default:
            throw invalid("security scheme '\(name)' puts its key in '\(place)'; it must be header, query or cookie")
        }
    }
}
