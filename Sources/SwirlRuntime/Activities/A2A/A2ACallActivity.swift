import Foundation
public import SwirlCompiler
public import SwirlCore

/// Runs a `call: a2a` task: one JSON-RPC 2.0 request to an agent that speaks the Agent2Agent
/// protocol, over HTTP, through the ``HTTPCallActivity`` (rewrites, authentication, the
/// `Idempotency-Key` header).
///
/// The agent is found from `with.agentCard` (an external resource, fetched once per process and
/// saved with the run like an OpenAPI document: ``ExternalResources``), whose JSON-RPC interface
/// (`url`, or the `additionalInterfaces` entry of transport `JSONRPC`) is called with the card's
/// security schemes (``SecuritySchemes``); or, without a card, from `with.server` (a URI
/// template, or `{uri, authentication}`).
///
/// `with.parameters` are the method's `params`. For `message/send` and `message/stream`,
/// `message.messageId` defaults to a UUID derived from the run and the step (a resumed run that
/// sends the step again sends the same id), `message.role` to `user` and `message.kind` to
/// `message`. The request's JSON-RPC id is the step's idempotency key.
///
/// The output is the JSON-RPC `result`; for `message/stream` and `tasks/resubscribe`, whose answer
/// is a stream of server-sent events, the array of every event's result, in order. Every failure
/// is a `runtime` error naming the task: a JSON-RPC error (the error object in the detail), an
/// HTTP failure (its status kept), an answer that is no JSON-RPC response.
public struct A2ACallActivity: WorkflowBoundActivity, ProgressReportingActivity {
    private var http: HTTPCallActivity
    private let cache: ExternalResourceCache

    /// The methods the DSL lists.
    static let methods: Set<String> = [
        "message/send", "message/stream", "tasks/get", "tasks/list", "tasks/cancel", "tasks/resubscribe",
        "tasks/pushNotificationConfig/set", "tasks/pushNotificationConfig/get", "tasks/pushNotificationConfig/list",
        "tasks/pushNotificationConfig/delete", "agent/getAuthenticatedExtendedCard",
    ]
    /// The methods answered by a stream of events.
    static let streaming: Set<String> = ["message/stream", "tasks/resubscribe"]
    /// The most bytes one event of a stream may carry.
    static let maxEventBytes = 16 << 20

    /// Creates the activity.
    /// - Parameters:
    ///   - http: the HTTP activity that fetches agent cards and sends requests.
    ///   - cache: the agent cards fetched by this process; one per process.
    public init(http: HTTPCallActivity, cache: ExternalResourceCache = ExternalResourceCache()) {
        self.http = http
        self.cache = cache
    }

    public func bound(to program: Program, secrets: Secrets) -> any Activity {
        var bound = self
        bound.http = http.boundActivity(to: program, secrets: secrets)
        return bound
    }

    public func run(_ request: ActivityRequest, progress: ActivityProgress) async throws(WorkflowError) -> JSON {
        let with = request.arguments.value
        let task = request.task
        guard let method = with["method"]?.stringValue, Self.methods.contains(method) else {
            let given = with["method"].map { "'\($0.stringValue ?? $0.serialized())'" } ?? "nothing"
            throw invalid("with.method must be an A2A method (message/send, message/stream, tasks/get, …), not \(given)", task: task)
        }
        let params = try Self.parameters(with["parameters"], method: method, request: request)

        var url: String
        var explicit: JSON?
        var requirements: [[String]] = []
        var schemes: [String: JSON] = [:]
        if let card = with["agentCard"], !card.isNull {
            let fetched: ExternalResources.Fetched
            do {
                fetched = try await ExternalResources(http: http, cache: cache).resource(
                    "agentCard", what: "agent card", request: request, progress: progress)
            } catch where error.type == WorkflowError.Kind.communication.type {
                // A card that cannot be fetched fails the call as the agent would.
                throw Self.runtime(error, title: error.title ?? "Agent card not fetched", task: task)
            }
            url = try Self.endpoint(of: fetched.value, source: fetched.source, task: task)
            requirements = fetched.value["security"]?.arrayValue?.compactMap { $0.objectValue.map { Array($0.keys) } } ?? []
            for (name, scheme) in fetched.value["securitySchemes"]?.objectValue ?? [:] { schemes[name] = scheme }
        } else {
            guard let server = EndpointReference(with["server"]) else {
                throw invalid("an A2A call needs with.agentCard, or with.server: a URI or {uri, authentication}", task: task)
            }
            url = try server.url(input: request.input.value, task: task)
            explicit = server.authentication
        }

        var headers: OrderedDictionary<String, JSON> = [
            "Accept": Self.streaming.contains(method) ? "text/event-stream" : "application/json",
            "Content-Type": "application/json",
        ]
        let security = SecuritySchemes(
            requirements: requirements, scheme: { name throws(WorkflowError) in schemes[name] },
            authentications: http.authentications, secrets: http.secrets, task: task)
        let policy = try security.apply(explicit, headers: &headers, url: &url)
        var endpoint: OrderedDictionary<String, JSON> = ["uri": .string(url)]
        if let policy { endpoint["authentication"] = policy }
        let message = JSONRPCMessage.request(id: request.idempotencyKey, method: method, params: params)
        let post = ActivityRequest(
            key: request.key, kind: "call:http",
            arguments: [
                "method": "post", "endpoint": .object(endpoint), "headers": .object(headers),
                "body": .string(message.serialized()), "output": "response",
            ],
            input: .null, task: task, runID: request.runID)

        let response: JSON
        do {
            response = try await http.run(post)
        } catch {
            throw Self.runtime(error, title: "A2A request failed: " + (error.title ?? ""), task: task)
        }
        let content = response["content"] ?? .null
        let mediaType = response["headers"]?.objectValue?.first { $0.key.lowercased() == "content-type" }?.value.stringValue?
            .split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        if mediaType == "text/event-stream" {
            guard case .string(let text) = content else { return .array([]) }
            return .array(try Self.events(text, method: method, url: url, task: task).map { event throws(WorkflowError) in
                try Self.result(of: event, method: method, url: url, task: task)
            })
        }
        return try Self.result(of: content, method: method, url: url, task: task)
    }

    // MARK: the request

    /// The method's `params`, with the defaults the DSL asks for a message.
    static func parameters(_ given: JSON?, method: String, request: ActivityRequest) throws(WorkflowError) -> JSON {
        var params: OrderedDictionary<String, JSON>
        switch given {
        case nil, .null?: params = [:]
        case .object(let members)?: params = members
        case let other?:
            throw WorkflowError(
                .configuration, title: "Invalid A2A call",
                detail: "with.parameters must be an object (or an expression giving one), not \(other.typeName)", instance: request.task)
        }
        guard method == "message/send" || method == "message/stream" else { return .object(params) }
        guard case .object(var message)? = params["message"] else {
            throw WorkflowError(
                .configuration, title: "Invalid A2A call",
                detail: "\(method) needs with.parameters.message, an object with the message's parts", instance: request.task)
        }
        if message["messageId"] == nil { message["messageId"] = .string(request.derivedID) }
        if message["role"] == nil { message["role"] = "user" }
        if message["kind"] == nil { message["kind"] = "message" }
        params["message"] = .object(message)
        return .object(params)
    }

    /// The JSON-RPC interface an agent card names: its `url` when its preferred transport is
    /// JSON-RPC (the default), else the `additionalInterfaces` entry of that transport.
    static func endpoint(of card: JSON, source: String, task: String) throws(WorkflowError) -> String {
        func invalid(_ detail: String) -> WorkflowError {
            WorkflowError(.configuration, title: "Invalid agent card", detail: "\(source): \(detail)", instance: task)
        }
        let preferred = card["preferredTransport"]?.stringValue ?? "JSONRPC"
        var found = preferred.uppercased() == "JSONRPC" ? card["url"]?.stringValue : nil
        if found == nil {
            found = card["additionalInterfaces"]?.arrayValue?.first { $0["transport"]?.stringValue?.uppercased() == "JSONRPC" }?["url"]?
                .stringValue
        }
        guard let found else {
            throw invalid(card["url"] == nil ? "it has no 'url'" : "it offers no JSON-RPC interface (it prefers \(preferred))")
        }
        guard let absolute = URL(string: found, relativeTo: URL(string: source))?.absoluteString,
            absolute.hasPrefix("http://") || absolute.hasPrefix("https://")
        else { throw invalid("its url '\(found)' is not an http or https URL") }
        return absolute
    }

    // MARK: the answer

    /// The JSON messages of an event stream, in order.
    static func events(_ text: String, method: String, url: String, task: String) throws(WorkflowError) -> [JSON] {
        var parser = EventStreamParser(limit: maxEventBytes)
        parser.append(Array(text.utf8))
        var events: [[UInt8]] = []
        do throws(EventStreamParser.TooLarge) {
            while let data = try parser.nextEvent() { events.append(data) }
        } catch {
            throw WorkflowError(
                .runtime, title: "Invalid A2A answer", detail: "\(method) to \(url) streamed an event longer than \(error.limit) bytes",
                instance: task)
        }
        var messages: [JSON] = []
        for data in events {
            guard let message = try? JSONParser.parse(data).value else {
                throw WorkflowError(
                    .runtime, title: "Invalid A2A answer",
                    detail: "\(method) to \(url) streamed an event that is not JSON: " + TextExcerpt.cut(bytes: data, limit: 512),
                    instance: task)
            }
            messages.append(message)
        }
        return messages
    }

    /// The `result` of a JSON-RPC response.
    /// - Throws: `runtime` for a JSON-RPC error (the error object in the detail) or an answer that
    ///   is no response.
    static func result(of response: JSON, method: String, url: String, task: String) throws(WorkflowError) -> JSON {
        let message: JSONRPCMessage
        do {
            message = try JSONRPCMessage(response)
        } catch {
            throw WorkflowError(
                .runtime, title: "Invalid A2A answer",
                detail: "\(method) to \(url): \(error.what): " + TextExcerpt.cut(error.value.serialized(), limit: 512), instance: task)
        }
        switch message {
        case .result(_, let result):
            return result
        case .error(_, let code, let text, let data):
            var error: OrderedDictionary<String, JSON> = ["code": .number(Double(code)), "message": .string(text)]
            if let data { error["data"] = data }
            throw WorkflowError(
                .runtime, title: "A2A error \(code)\(text.isEmpty ? "" : ": " + text)",
                detail: "\(method) to \(url) failed: " + TextExcerpt.cut(JSON.object(error).serialized()), instance: task)
        case .request, .notification:
            throw WorkflowError(
                .runtime, title: "Invalid A2A answer",
                detail: "\(method) to \(url) answered with a request, not a response: " + TextExcerpt.cut(response.serialized(), limit: 512),
                instance: task)
        }
    }

    /// `error` as the runtime error every A2A failure is, its status and detail kept.
    private static func runtime(_ error: WorkflowError, title: String, task: String) -> WorkflowError {
        WorkflowError(type: WorkflowError.Kind.runtime.type, status: error.status, title: title, detail: error.detail, instance: task)
    }

    private func invalid(_ detail: String, task: String) -> WorkflowError {
        WorkflowError(.configuration, title: "Invalid A2A call", detail: detail, instance: task)
    }
}
