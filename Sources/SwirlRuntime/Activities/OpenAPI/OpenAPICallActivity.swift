import Foundation
public import SwirlCompiler
public import SwirlCore
import SwirlSyntax
import Synchronization

/// Runs a `call: openapi` task: fetches the OpenAPI 3 or Swagger 2.0 document, finds the
/// operation by `operationId`, builds its request from `with.parameters`
/// (``OpenAPIRequestBuilder``) and sends it through the ``HTTPCallActivity``, so `output`,
/// `redirect`, endpoint rewrites, the idempotency key and the redaction of credentials are those
/// of `call: http`.
///
/// The document is fetched once per process and address (kept ``OpenAPIDocumentCache/lifetime``),
/// and saved with the run before the operation is called (``ActivityProgress``): a run resumed
/// after a crash calls the operation as the same document describes it, even if the document has
/// changed since.
///
/// Authentication: `with.authentication` (a policy, or `{use: name}`) when given; otherwise the
/// operation's security requirements (or the document's) name the policies, by the names of
/// their schemes in `use.authentications`. An `apiKey` scheme takes a bearer policy's token and
/// sends it where the scheme says (a header, the query or a cookie); the other schemes are sent
/// as `call: http` sends the policy.
public struct OpenAPICallActivity: WorkflowBoundActivity, ProgressReportingActivity {
    private var http: HTTPCallActivity
    private let cache: OpenAPIDocumentCache
    /// The workflow's `use.authentications` and the run's secrets: the HTTP activity's.
    private var authentications: [String: JSON] { http.authentications }
    private var secrets: Secrets { http.secrets }

    /// Creates the activity.
    /// - Parameters:
    ///   - http: the HTTP activity that fetches documents and sends requests.
    ///   - cache: the documents fetched by this process; one per process.
    public init(http: HTTPCallActivity, cache: OpenAPIDocumentCache = OpenAPIDocumentCache()) {
        self.http = http
        self.cache = cache
    }

    public func bound(to program: Program, secrets: Secrets) -> any Activity {
        var bound = self
        bound.http = http.binding(to: program, secrets: secrets)
        return bound
    }

    public func run(_ request: ActivityRequest, progress: ActivityProgress) async throws(WorkflowError) -> JSON {
        let with = request.arguments.value
        let task = request.task
        guard let operationID = with["operationId"]?.stringValue, !operationID.isEmpty else {
            throw invalid("with.operationId must be the id of an operation of the document", task: task)
        }
        let given: OrderedDictionary<String, JSON>
        switch with["parameters"] {
        case nil, .null?: given = [:]
        case .object(let members)?: given = members
        case let other?: throw invalid("with.parameters must be an object, not \(other.typeName)", task: task)
        }

        let document = try await document(request, progress: progress)
        let operation = try document.operation(operationID, task: task)
        var built = try OpenAPIRequestBuilder(operation: operation, operationID: operationID, task: task).build(given)
        let policy = try authentication(with["authentication"], operation: operation, document: document, into: &built, task: task)

        var endpoint: OrderedDictionary<String, JSON> = ["uri": .string(built.url)]
        if let policy { endpoint["authentication"] = policy }
        var arguments: OrderedDictionary<String, JSON> = [
            "method": .string(built.method), "endpoint": .object(endpoint), "headers": .object(built.headers),
        ]
        if let body = built.body { arguments["body"] = body }
        if let output = with["output"] { arguments["output"] = output }
        if let redirect = with["redirect"] { arguments["redirect"] = redirect }
        let call = ActivityRequest(
            key: request.key, kind: "call:http", arguments: .object(arguments), input: .null, task: task, runID: request.runID)
        return try await http.run(call)
    }

    // MARK: the document

    /// The document this step uses: the copy saved with the run, else the process's, else a new
    /// one fetched (and then saved with the run before it is used).
    private func document(_ request: ActivityRequest, progress: ActivityProgress) async throws(WorkflowError) -> OpenAPIDocument {
        let task = request.task
        if let saved = request.progress?.value, let root = saved["document"], let source = saved["source"]?.stringValue {
            return try OpenAPIDocument(root, source: source, task: task)
        }
        let reference = request.arguments.value["document"]
        let uri: String
        var policy: JSON?
        switch reference?["endpoint"] {
        case .string(let text)?:
            uri = text
        case .object(let members)?:
            guard let text = members["uri"]?.stringValue else { throw invalid("with.document.endpoint.uri must be a string", task: task) }
            uri = text
            policy = members["authentication"]
        default:
            throw invalid("with.document must be an external resource: {endpoint: URI} or {endpoint: {uri, authentication}}", task: task)
        }
        let expanded = try HTTPURITemplateExpansion.expand(uri, input: request.input.value, task: task)
        let cacheKey = expanded + "\n" + (policy?.serialized() ?? "")
        let root: JSON
        if let cached = cache.document(for: cacheKey) {
            root = cached
        } else {
            root = try await fetch(expanded, policy: policy, request: request)
            cache.store(root, for: cacheKey)
        }
        let document = try OpenAPIDocument(root, source: expanded, task: task)
        await progress.save(["source": .string(expanded), "document": root])
        return document
    }

    /// Fetches and reads a document, JSON or YAML.
    private func fetch(_ url: String, policy: JSON?, request: ActivityRequest) async throws(WorkflowError) -> JSON {
        var endpoint: OrderedDictionary<String, JSON> = ["uri": .string(url)]
        if let policy { endpoint["authentication"] = policy }
        let get = ActivityRequest(
            key: request.key + "/document", kind: "call:http",
            arguments: [
                "method": "get", "endpoint": .object(endpoint), "output": "response", "redirect": true,
                "headers": ["Accept": "application/json, application/yaml;q=0.9, text/yaml;q=0.9, */*;q=0.5"],
            ],
            input: .null, task: request.task, runID: request.runID)
        var response: JSON
        do {
            response = try await http.run(get)
        } catch {
            var failure = error
            failure.title = "OpenAPI document not fetched: " + (failure.title ?? "")
            throw failure
        }
        switch response["content"] {
        case .object?:
            return response["content"]!
        case .string(let text)?:
            // YAML, or JSON served under another media type (YAML reads it too).
            let loaded = Loader().load(text: text, file: url, syntax: .yaml)
            guard loaded.isUsable, let value = loaded.value, value.objectValue != nil else {
                let reason = loaded.diagnostics.first?.message ?? "it is not an object"
                throw WorkflowError(
                    .configuration, title: "Invalid OpenAPI document", detail: "\(url) does not read as JSON or YAML: \(reason)",
                    instance: request.task)
            }
            return value
        default:
            throw WorkflowError(
                .configuration, title: "Invalid OpenAPI document",
                detail: "\(url) answered \(response["content"]?.typeName ?? "nothing"), not a document", instance: request.task)
        }
    }

    // MARK: authentication

    /// The policy the HTTP activity applies, after placing any `apiKey` credential in `built`.
    private func authentication(
        _ explicit: JSON?, operation: OpenAPIOperation, document: OpenAPIDocument, into built: inout OpenAPIRequestBuilder.Built, task: String
    ) throws(WorkflowError) -> JSON? {
        let alternatives = operation.security ?? []
        if let explicit, !explicit.isNull {
            // The workflow's policy, sent the way the document's first apiKey scheme asks when it is a token.
            for name in alternatives.joined() {
                guard let scheme = try document.securityScheme(name, task: task), scheme["type"]?.stringValue == "apiKey" else { continue }
                if case .bearer(let token)? = try HTTPAuthentication.resolve(explicit, named: authentications, secrets: secrets, task: task) {
                    try place(token, scheme: scheme, name: name, into: &built, task: task)
                    return nil
                }
                break
            }
            return explicit
        }
        // The first alternative whose every scheme the workflow has a policy for, by name.
        for alternative in alternatives where !alternative.isEmpty && alternative.allSatisfy({ authentications[$0] != nil }) {
            var policy: JSON?
            for name in alternative {
                let scheme = try document.securityScheme(name, task: task)
                if scheme?["type"]?.stringValue == "apiKey", let scheme {
                    guard case .bearer(let token)? = try HTTPAuthentication.resolve(["use": .string(name)], named: authentications, secrets: secrets, task: task)
                    else {
                        throw invalid("the document's scheme '\(name)' is an API key: its policy in use.authentications must be a bearer token", task: task)
                    }
                    try place(token, scheme: scheme, name: name, into: &built, task: task)
                } else if policy == nil {
                    policy = ["use": .string(name)]
                }
            }
            return policy
        }
        return nil
    }

    /// Puts an API key where its scheme says.
    private func place(_ token: String, scheme: JSON, name: String, into built: inout OpenAPIRequestBuilder.Built, task: String) throws(WorkflowError) {
        guard let key = scheme["name"]?.stringValue, let place = scheme["in"]?.stringValue else {
            throw document(invalid: "security scheme '\(name)' has no 'name' or 'in'", task: task)
        }
        switch place {
        case "header":
            built.headers[key] = .string(token)
        case "query":
            built.url += (built.url.contains("?") ? "&" : "?") + HTTPURITemplateExpansion.percentEncode(key, allowReserved: false) + "="
                + HTTPURITemplateExpansion.percentEncode(token, allowReserved: false)
        case "cookie":
            let cookie = key + "=" + HTTPURITemplateExpansion.percentEncode(token, allowReserved: false)
            built.headers["Cookie"] = .string(built.headers["Cookie"]?.stringValue.map { $0 + "; " + cookie } ?? cookie)
        default:
            throw document(invalid: "security scheme '\(name)' puts its key in '\(place)'; it must be header, query or cookie", task: task)
        }
    }

    private func invalid(_ detail: String, task: String) -> WorkflowError {
        WorkflowError(.configuration, title: "Invalid OpenAPI call", detail: detail, instance: task)
    }

    private func document(invalid detail: String, task: String) -> WorkflowError {
        WorkflowError(.configuration, title: "Invalid OpenAPI document", detail: detail, instance: task)
    }
}

/// The OpenAPI documents one process has fetched, by address and authentication, each kept for
/// ``lifetime``; at most ``capacity`` of them, the least recently used going first.
public final class OpenAPIDocumentCache: Sendable {
    private struct Entry {
        var document: JSON
        var fetched: ContinuousClock.Instant
    }

    /// How long a fetched document serves new calls.
    public let lifetime: Duration
    /// The most documents kept.
    public let capacity: Int
    private let entries = Mutex<OrderedDictionary<String, Entry>>([:])

    public init(lifetime: Duration = .seconds(300), capacity: Int = 32) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func document(for key: String) -> JSON? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries.removeValue(forKey: key), now - entry.fetched < lifetime else { return nil }
            entries[key] = entry
            return entry.document
        }
    }

    func store(_ document: JSON, for key: String) {
        let now = ContinuousClock.now
        entries.withLock { entries in
            entries.removeValue(forKey: key)
            entries[key] = Entry(document: document, fetched: now)
            while entries.count > capacity { entries.removeFirst() }
        }
    }
}
