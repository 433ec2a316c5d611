import Foundation
public import SwirlCompiler
public import SwirlCore

/// Runs a `call: openapi` task: fetches the OpenAPI 3 or Swagger 2.0 document, finds the
/// operation by `operationId`, builds its request from `with.parameters`
/// (``OpenAPIRequestBuilder``) and sends it through the ``HTTPCallActivity``, so `output`,
/// `redirect`, endpoint rewrites, the idempotency key and the redaction of credentials are those
/// of `call: http`.
///
/// The document is fetched once per process and address, and saved with the run before the
/// operation is called (``ExternalResources``): a run resumed after a crash calls the operation
/// as the same document describes it, even if the document has changed since. Authentication:
/// ``SecuritySchemes``, with the operation's security requirements (or the document's).
public struct OpenAPICallActivity: WorkflowBoundActivity, ProgressReportingActivity {
    private var http: HTTPCallActivity
    private let cache: ExternalResourceCache

    /// Creates the activity.
    /// - Parameters:
    ///   - http: the HTTP activity that fetches documents and sends requests.
    ///   - cache: the documents fetched by this process; one per process.
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
        guard let operationID = with["operationId"]?.stringValue, !operationID.isEmpty else {
            throw invalid("with.operationId must be the id of an operation of the document", task: task)
        }
        let given: OrderedDictionary<String, JSON>
        switch with["parameters"] {
        case nil, .null?: given = [:]
        case .object(let members)?: given = members
        case let other?: throw invalid("with.parameters must be an object, not \(other.typeName)", task: task)
        }

        let fetched = try await ExternalResources(http: http, cache: cache).resource(
            "document", what: "OpenAPI document", request: request, progress: progress)
        let document = try OpenAPIDocument(fetched.value, source: fetched.source, task: task)
        let operation = try document.operation(operationID, task: task)
        var built = try OpenAPIRequestBuilder(operation: operation, operationID: operationID, task: task).build(given)
        let schemes = SecuritySchemes(
            requirements: operation.security ?? [], scheme: { name throws(WorkflowError) in try document.securityScheme(name, task: task) },
            authentications: http.authentications, secrets: http.secrets, task: task)
        let policy = try schemes.apply(with["authentication"], headers: &built.headers, url: &built.url)

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

    private func invalid(_ detail: String, task: String) -> WorkflowError {
        WorkflowError(.configuration, title: "Invalid OpenAPI call", detail: detail, instance: task)
    }
}
