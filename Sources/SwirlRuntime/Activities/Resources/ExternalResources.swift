import Foundation
public import SwirlCore
import SwirlSyntax
import Synchronization

/// Fetches the external resources a call reads before it calls (an OpenAPI document, an A2A
/// agent card): `{endpoint: URI}` or `{endpoint: {uri, authentication}}`, JSON or YAML, through
/// the ``HTTPCallActivity`` (so rewrites and authentication apply), once per process and address
/// (``ExternalResourceCache``), and saved with the run as the step's progress before it is used:
/// a step resumed after a crash reads the copy it saved, whatever the address serves by then.
struct ExternalResources: Sendable {
    let http: HTTPCallActivity
    let cache: ExternalResourceCache

    /// A resource and the address it came from.
    struct Fetched: Sendable {
        var value: JSON
        var source: String
    }

    /// The resource `with.<field>` names, for the step `request`.
    /// - Parameter what: how errors name it (`OpenAPI document`, `agent card`).
    /// - Throws: `configuration` for a malformed reference or a resource that does not read as
    ///   an object; the HTTP activity's error, retitled, when it cannot be fetched.
    func resource(
        _ field: String, what: String, request: ActivityRequest, progress: ActivityProgress
    ) async throws(WorkflowError) -> Fetched {
        let task = request.task
        if let saved = request.progress?.value, let value = saved[field], let source = saved["source"]?.stringValue {
            return Fetched(value: value, source: source)
        }
        guard let endpoint = EndpointReference(request.arguments.value[field]?["endpoint"]) else {
            throw WorkflowError(
                .configuration, title: "Invalid \(what)",
                detail: "with.\(field) must be an external resource: {endpoint: URI} or {endpoint: {uri, authentication}}", instance: task)
        }
        let policy = endpoint.authentication
        let source = try endpoint.url(input: request.input.value, task: task)
        let cacheKey = source + "\n" + (policy?.serialized() ?? "")
        let value: JSON
        if let cached = cache.value(for: cacheKey) {
            value = cached
        } else {
            value = try await fetch(source, policy: policy, what: what, request: request)
            cache.store(value, for: cacheKey)
        }
        await progress.save(["source": .string(source), field: value])
        return Fetched(value: value, source: source)
    }

    /// Fetches and reads one resource, JSON or YAML.
    private func fetch(_ url: String, policy: JSON?, what: String, request: ActivityRequest) async throws(WorkflowError) -> JSON {
        var endpoint: OrderedDictionary<String, JSON> = ["uri": .string(url)]
        if let policy { endpoint["authentication"] = policy }
        let get = ActivityRequest(
            key: request.key + "/resource", kind: "call:http",
            arguments: [
                "method": "get", "endpoint": .object(endpoint), "output": "response", "redirect": true,
                "headers": ["Accept": "application/json, application/yaml;q=0.9, text/yaml;q=0.9, */*;q=0.5"],
            ],
            input: .null, task: request.task, runID: request.runID)
        let response: JSON
        do {
            response = try await http.run(get)
        } catch {
            var failure = error
            failure.title = "\(what.prefix(1).uppercased() + what.dropFirst()) not fetched: " + (failure.title ?? "")
            throw failure
        }
        switch response["content"] {
        case let object? where object.objectValue != nil:
            return object
        case .string(let text)?:
            // YAML, or JSON served under another media type (YAML reads it too).
            let loaded = Loader().load(text: text, file: url, syntax: .yaml)
            guard loaded.isUsable, let value = loaded.value, value.objectValue != nil else {
                let reason = loaded.diagnostics.first?.message ?? "it is not an object"
                throw WorkflowError(
                    .configuration, title: "Invalid \(what)", detail: "\(url) does not read as JSON or YAML: \(reason)", instance: request.task)
            }
            return value
        default:
            throw WorkflowError(
                .configuration, title: "Invalid \(what)",
                detail: "\(url) answered \(response["content"]?.typeName ?? "nothing"), not an object", instance: request.task)
        }
    }
}

/// The external resources one process has fetched, by address and authentication, each kept for
/// ``lifetime``; at most ``capacity`` of them, the least recently used going first.
public final class ExternalResourceCache: Sendable {
    private struct Entry {
        var value: JSON
        var fetched: ContinuousClock.Instant
    }

    /// How long a fetched resource serves new calls.
    public let lifetime: Duration
    /// The most resources kept.
    public let capacity: Int
    private let entries = Mutex<OrderedDictionary<String, Entry>>([:])

    public init(lifetime: Duration = .seconds(300), capacity: Int = 32) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func value(for key: String) -> JSON? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries.removeValue(forKey: key), now - entry.fetched < lifetime else { return nil }
            entries[key] = entry
            return entry.value
        }
    }

    func store(_ value: JSON, for key: String) {
        let now = ContinuousClock.now
        entries.withLock { entries in
            entries.removeValue(forKey: key)
            entries[key] = Entry(value: value, fetched: now)
            while entries.count > capacity { entries.removeFirst() }
        }
    }
}
