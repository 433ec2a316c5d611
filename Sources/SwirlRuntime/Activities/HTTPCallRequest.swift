import Foundation
import NIOHTTP1
import SwirlCore

/// One request as the activity sends it: the URL before rewriting, so errors and `output: response`
/// show the address the workflow asked for.
struct HTTPPreparedRequest: Sendable {
    var method: String
    var url: String
    var headers: [(String, String)] = []
    var body: [UInt8]?

    /// Replaces every header named `name` (case-insensitively) with one.
    mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.0.caseInsensitiveCompare(name) == .orderedSame }
        headers.append((name, value))
    }

    /// The request that follows a redirect to `location`; `nil` when `location` is not a URL.
    func redirected(to location: String, status: Int) -> HTTPPreparedRequest? {
        guard let base = URL(string: url), let target = URL(string: location, relativeTo: base)?.absoluteURL,
            target.scheme == "http" || target.scheme == "https"
        else { return nil }
        var next = self
        next.url = target.absoluteString
        if status == 303 || ((status == 301 || status == 302) && method == "POST") {
            next.method = method == "HEAD" ? "HEAD" : "GET"
            next.body = nil
            next.headers.removeAll {
                ["content-type", "content-length"].contains($0.0.lowercased())
            }
        }
        // Credentials were meant for the first origin only.
        if (base.scheme, base.host, base.port) != (target.scheme, target.host, target.port) {
            next.headers.removeAll { $0.0.lowercased() == "authorization" }
        }
        return next
    }
}

/// A response with its whole body.
struct HTTPReceivedResponse: Sendable {
    var status: Int
    var reason: String
    var headers: HTTPHeaders
    var body: [UInt8]
}

/// A `call: http` task's `with`, checked and turned into the first request.
struct HTTPCallRequest: Sendable {
    enum OutputMode: String, Sendable {
        case content, response, raw
    }

    var initial: HTTPPreparedRequest
    var authentication: HTTPAuthentication?
    var outputMode: OutputMode
    var followRedirects: Bool
    /// The task's pointer, the instance of every error.
    var task: String

    init(_ request: ActivityRequest, authentications: [String: JSON], secrets: Secrets) throws(WorkflowError) {
        let with = request.arguments.value
        let task = request.task
        self.task = task
        func invalid(_ detail: String) -> WorkflowError {
            WorkflowError(.configuration, title: "Invalid HTTP call", detail: detail, instance: task)
        }
        guard let method = with["method"]?.stringValue, !method.isEmpty,
            method.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") })
        else { throw invalid("with.method must be an HTTP method such as GET") }

        guard let endpoint = EndpointReference(with["endpoint"]) else {
            throw invalid("with.endpoint must be a URI template or {uri, authentication} with a string uri")
        }
        let policy = endpoint.authentication
        var url = try endpoint.url(input: request.input.value, task: task)
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw invalid("endpoint '\(url)' is not an http or https URL")
        }

        switch with["query"] {
        case nil, .null?:
            break
        case .object(let members)?:
            let pairs = members.compactMap { name, value in
                Self.text(value).map {
                    HTTPOAuth2Grant.formEncode(name) + "=" + HTTPOAuth2Grant.formEncode($0)
                }
            }
            if !pairs.isEmpty {
                // A template may already carry a query (`…/findByStatus?status={status}`).
                let fragment = url.firstIndex(of: "#").map { String(url[$0...]) } ?? ""
                url = String(url.dropLast(fragment.count))
                url += (url.contains("?") ? "&" : "?") + pairs.joined(separator: "&") + fragment
            }
        default:
            throw invalid("with.query must be an object")
        }

        var prepared = HTTPPreparedRequest(method: method.uppercased(), url: url)
        switch with["headers"] {
        case nil, .null?:
            break
        case .object(let members)?:
            for (name, value) in members {
                if let text = Self.text(value) { prepared.headers.append((name, text)) }
            }
        default:
            throw invalid("with.headers must be an object")
        }

        let hasContentType = prepared.headers.contains { $0.0.lowercased() == "content-type" }
        switch with["body"] {
        case nil, .null?:
            break
        case .string(let text)?:
            prepared.body = Array(text.utf8)
            if !hasContentType { prepared.headers.append(("Content-Type", "text/plain; charset=utf-8")) }
        case let value?:
            prepared.body = Array(value.serialized().utf8)
            if !hasContentType { prepared.headers.append(("Content-Type", "application/json")) }
        }

        initial = prepared
        authentication = try HTTPAuthentication.resolve(policy, named: authentications, secrets: secrets, task: task)

        let mode = with["output"]?.stringValue ?? OutputMode.content.rawValue
        guard let output = OutputMode(rawValue: mode) else {
            throw invalid("with.output must be content, response or raw, not '\(mode)'")
        }
        self.outputMode = output
        switch with["redirect"] {
        case nil, .null?: followRedirects = false
        case .bool(let flag)?: followRedirects = flag
        default: throw invalid("with.redirect must be a boolean")
        }
    }

    /// A header or query value as text: strings as they are, other scalars as JSON prints them,
    /// arrays and objects as JSON; `nil` for null, which leaves the entry out.
    static func text(_ value: JSON) -> String? {
        switch value {
        case .null: nil
        case .string(let text): text
        default: value.serialized()
        }
    }

    /// The task's output for `response`, as `output` asks.
    func output(_ response: HTTPReceivedResponse, request: HTTPPreparedRequest) throws(WorkflowError) -> JSON {
        switch outputMode {
        case .raw:
            return .string(Data(response.body).base64EncodedString())
        case .content:
            return try Self.content(response, request: request, task: task)
        case .response:
            // Credentials stay out of the output, which is saved with the run and may be logged.
            var requestHeaders = OrderedDictionary<String, JSON>()
            for (name, value) in request.headers {
                requestHeaders[name] = .string(name.lowercased() == "authorization" ? "***" : value)
            }
            return .object([
                "request": .object([
                    "method": .string(request.method), "uri": .string(request.url), "headers": .object(requestHeaders),
                ]),
                "statusCode": .number(Double(response.status)),
                "headers": Self.headersJSON(response.headers),
                "content": try Self.content(response, request: request, task: task),
            ])
        }
    }

    /// The body decoded as JSON when its type says so, else as text; `null` when empty.
    static func content(
        _ response: HTTPReceivedResponse, request: HTTPPreparedRequest, task: String
    ) throws(WorkflowError) -> JSON {
        guard !response.body.isEmpty else { return .null }
        let mediaType =
            response.headers.first(name: "Content-Type")?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard mediaType == "application/json" || mediaType.hasSuffix("+json") else {
            return .string(String(decoding: response.body, as: UTF8.self))
        }
        do {
            return try JSONParser.parse(response.body).value
        } catch {
            throw WorkflowError(
                .communication, title: "Invalid JSON response",
                detail: "\(request.method) \(request.url) answered \(mediaType) that does not parse: \(error)",
                instance: task)
        }
    }

    /// Response headers as an object; a repeated header's values joined with `, ` (RFC 9110 §5.3).
    static func headersJSON(_ headers: HTTPHeaders) -> JSON {
        var members = OrderedDictionary<String, JSON>()
        for (name, value) in headers {
            if case .string(let previous)? = members[name] {
                members[name] = .string(previous + ", " + value)
            } else {
                members[name] = .string(value)
            }
        }
        return .object(members)
    }
}
