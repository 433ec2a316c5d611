import SwirlCore

/// A `call: mcp` task's `with`, checked: the method and its parameters, the protocol version, the
/// client's name and version, the timeout and the transport.
struct MCPCallRequest: Sendable {
    /// The `_meta` key the idempotency key travels under, beside the request id.
    static let idempotencyMetaKey = "io.swirl/idempotency-key"
    /// The protocol version asked for when `protocolVersion` is absent.
    static let defaultProtocolVersion = "2025-06-18"
    /// The methods the DSL allows.
    static let methods: Set<String> = [
        "tools/list", "tools/call", "prompts/list", "prompts/get", "resources/list", "resources/read",
        "resources/templates/list",
    ]

    /// How to start a stdio server.
    struct StdioLaunch: Sendable {
        /// The command as written, for messages.
        var command: String
        var arguments: [String]
        var environment: [(String, String)]
    }

    /// Where a streamable HTTP server is.
    struct HTTPEndpoint: Sendable {
        var url: String
        /// `transport.http.headers`, sent with every request.
        var headers: [(String, String)]
        /// The endpoint's `authentication` policy, resolved by the activity.
        var authentication: JSON?
    }

    /// How the server is reached: exactly one of `with.transport.stdio` and `with.transport.http`.
    enum Transport: Sendable {
        case stdio(StdioLaunch)
        case http(HTTPEndpoint)
    }

    var method: String
    /// The request's `params`: the task's `parameters` with the idempotency key in `_meta`.
    var parameters: JSON
    var protocolVersion: String
    var clientName: String
    var clientVersion: String
    /// The longest the whole call (start, initialize, request) may take.
    var timeout: Duration
    /// `timeout` as written, for the timeout error.
    var timeoutText: String
    var transport: Transport
    /// The id of the call's request: the task's idempotency key, so a resumed run sends the same one.
    var requestID: String
    /// The task's pointer, the instance of every error.
    var task: String

    init(_ request: ActivityRequest, defaultTimeout: Duration) throws(WorkflowError) {
        let with = request.arguments.value
        let task = request.task
        self.task = task
        func invalid(_ detail: String) -> WorkflowError {
            WorkflowError(.configuration, title: "Invalid MCP call", detail: detail, instance: task)
        }
        guard let method = with["method"]?.stringValue, Self.methods.contains(method) else {
            throw invalid(
                "with.method must be one of \(Self.methods.sorted().joined(separator: ", ")), not "
                    + (with["method"]?.serialized() ?? "nothing"))
        }
        self.method = method
        requestID = request.idempotencyKey

        var parameters: OrderedDictionary<String, JSON>
        switch with["parameters"] {
        case nil, .null?: parameters = [:]
        case .object(let members)?: parameters = members
        case let other?: throw invalid("with.parameters must evaluate to an object, not \(other.typeName)")
        }
        switch parameters["_meta"] {
        case nil, .null?:
            parameters["_meta"] = .object([Self.idempotencyMetaKey: .string(requestID)])
        case .object(var meta)?:
            if meta[Self.idempotencyMetaKey] == nil { meta[Self.idempotencyMetaKey] = .string(requestID) }
            parameters["_meta"] = .object(meta)
        case let other?:
            throw invalid("with.parameters._meta must be an object, not \(other.typeName)")
        }
        self.parameters = .object(parameters)

        switch with["protocolVersion"] {
        case nil, .null?: protocolVersion = Self.defaultProtocolVersion
        case .string(let text)? where !text.isEmpty: protocolVersion = text
        case let other?: throw invalid("with.protocolVersion must be a non-empty string, not \(other.serialized())")
        }

        switch with["client"] {
        case nil, .null?:
            clientName = "swirl"
            clientVersion = SwirlVersion.current
        case .object(let client)?:
            guard let name = client["name"]?.stringValue, let version = client["version"]?.stringValue else {
                throw invalid("with.client must have a string name and version")
            }
            clientName = name
            clientVersion = version
        case let other?:
            throw invalid("with.client must be {name, version}, not \(other.typeName)")
        }

        switch with["timeout"] {
        case nil, .null?:
            timeout = defaultTimeout
            timeoutText = "\(defaultTimeout.components.seconds) s (the default)"
        case let value?:
            guard let seconds = ISO8601Duration.seconds(of: value), seconds > 0, ISO8601Duration.isWithinLimit(seconds) else {
                throw invalid(
                    "with.timeout must be a positive duration (PT30S, or {seconds: 30}) of fixed length, "
                        + "not \(value.serialized())")
            }
            timeout = .milliseconds(Int64((seconds * 1000).rounded(.up)))
            timeoutText = value.stringValue ?? value.serialized()
        }

        guard case .object(let transport)? = with["transport"] else {
            throw invalid("with.transport must be {http: …} or {stdio: …}")
        }
        switch (transport["http"], transport["stdio"]) {
        case (let http?, nil):
            self.transport = .http(try Self.endpoint(http, input: request.input.value, invalid: invalid, task: task))
        case (nil, let stdio?):
            self.transport = .stdio(try Self.launch(stdio, invalid: invalid))
        default:
            throw invalid("with.transport must have exactly one of http and stdio")
        }
    }

    private static func endpoint(
        _ http: JSON, input: JSON, invalid: (String) -> WorkflowError, task: String
    ) throws(WorkflowError) -> HTTPEndpoint {
        guard let endpoint = EndpointReference(http["endpoint"]) else {
            throw invalid("with.transport.http.endpoint must be a URI or {uri, authentication}")
        }
        let url = try endpoint.url(input: input, task: task)
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw invalid("endpoint '\(url)' is not an http or https URL")
        }
        var headers: [(String, String)] = []
        switch http["headers"] {
        case nil, .null?:
            break
        case .object(let members)?:
            for (name, value) in members {
                if let text = HTTPCallRequest.text(value) { headers.append((name, text)) }
            }
        case let other?:
            throw invalid("with.transport.http.headers must be an object, not \(other.typeName)")
        }
        return HTTPEndpoint(url: url, headers: headers, authentication: endpoint.authentication)
    }

    private static func launch(_ stdio: JSON, invalid: (String) -> WorkflowError) throws(WorkflowError) -> StdioLaunch {
        guard let command = stdio["command"]?.stringValue, !command.isEmpty else {
            throw invalid("with.transport.stdio.command must be a non-empty string")
        }
        var arguments: [String] = []
        switch stdio["arguments"] {
        case nil, .null?:
            break
        case .array(let items)?:
            for item in items {
                guard let text = HTTPCallRequest.text(item) else {
                    throw invalid("with.transport.stdio.arguments must not contain null")
                }
                arguments.append(text)
            }
        case let other?:
            throw invalid("with.transport.stdio.arguments must be an array of strings, not \(other.typeName)")
        }
        var environment: [(String, String)] = []
        switch stdio["environment"] {
        case nil, .null?:
            break
        case .object(let members)?:
            for (name, value) in members {
                if let text = HTTPCallRequest.text(value) { environment.append((name, text)) }
            }
        case let other?:
            throw invalid("with.transport.stdio.environment must be an object, not \(other.typeName)")
        }
        return StdioLaunch(command: command, arguments: arguments, environment: environment)
    }
}
