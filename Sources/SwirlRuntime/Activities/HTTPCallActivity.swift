public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import SwirlCompiler
public import SwirlCore

/// Runs a `call: http` task (DSL-NOTES §1.3, §1.14) with a shared AsyncHTTPClient.
///
/// `with` gives `method`, `endpoint` (a URI template expanded with the task's input, or
/// `{uri, authentication}`), `headers`, `query`, `body`, `output` (`content`, `response` or `raw`)
/// and `redirect`. Every request carries `Idempotency-Key: <runID>:<step key>`, which stays the same
/// when a resumed run asks for the step again.
///
/// Redirects: the client must not follow them itself (``makeClient()`` makes one that does not),
/// because `redirect: false` treats a 3xx as a failure. With `redirect: true` the activity follows
/// up to ten `301/302/303/307/308` hops itself, and then a 3xx that is not followed (a `304`, or
/// one without `Location`) is a success. A `303`, and a `301` or `302` answering a `POST`, turn
/// into a body-less `GET`, as browsers and curl do; credentials are not sent to another origin.
///
/// Failures are `communication` errors: an unaccepted status keeps its real status; a transport
/// failure (refused or reset connection, TLS, DNS, timeout) is status 500 with the client's
/// message, since the DSL gives no finer status and retry policies match on the type.
///
/// The activity does not own the client: whoever created it calls `client.shutdown()` after the
/// last run (the CLI makes one per process).
public struct HTTPCallActivity: WorkflowBoundActivity {
    /// A URL prefix replaced by another before a request is sent.
    public typealias Rewrite = (from: String, to: String)

    /// The client every request goes through.
    public let client: HTTPClient
    /// The workflow's `use.authentications` by name, and the run's secrets (read by `call: mcp` too).
    private(set) var authentications: [String: JSON]
    private(set) var secrets: Secrets
    private let rewrites: [Rewrite]
    private let timeout: Duration
    private let maxResponseBytes: Int
    private let tokens = HTTPOAuth2TokenCache()

    /// The most redirects one call follows.
    static let maxRedirects = 10
    /// The longest body excerpt put in an error's detail.
    static let maxExcerptBytes = 2048

    /// Creates the activity.
    /// - Parameters:
    ///   - client: the client to send requests with; it must not follow redirects (see ``makeClient()``).
    ///     The caller keeps ownership and shuts it down.
    ///   - authentications: the workflow's `use.authentications`, by name, for `authentication: {use: name}`.
    ///   - secrets: the run's secrets, for policies whose fields are `{use: secretName}`.
    ///   - rewrites: URL prefixes to replace before sending, first match wins (for tests and the CTK:
    ///     `https://petstore.swagger.io` → `http://127.0.0.1:8080`).
    ///   - timeout: the longest one request may take, redirects and digest retry included each.
    ///   - maxResponseBytes: the largest response body accepted.
    public init(
        client: HTTPClient,
        authentications: [String: JSON] = [:],
        secrets: Secrets = Secrets(),
        rewrites: [(from: String, to: String)] = [],
        timeout: Duration = .seconds(300),
        maxResponseBytes: Int = 16 << 20
    ) {
        self.client = client
        self.authentications = authentications
        self.secrets = secrets
        self.rewrites = rewrites
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// This activity with the authentications of `program`'s `use.authentications` and `secrets`.
    public func bound(to program: Program, secrets: Secrets) -> any Activity {
        boundActivity(to: program, secrets: secrets)
    }

    /// ``bound(to:secrets:)`` as this type, for the calls that reach HTTP servers through it
    /// (`call: openapi`, `call: mcp`).
    func boundActivity(to program: Program, secrets: Secrets) -> HTTPCallActivity {
        var bound = self
        let named = program.definition["use"]?["authentications"]?.objectValue ?? [:]
        bound.authentications = Dictionary(uniqueKeysWithValues: named.map { ($0.key, $0.value) })
        bound.secrets = secrets
        return bound
    }

    /// Shuts the client down; call once the runs using this activity are over.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// A client suited to this activity: it does not follow redirects, so `redirect: false` can see them,
    /// and does not retry failed connection attempts, which the workflow's retry policy governs.
    /// - Returns: a client on the shared event loop group; the caller shuts it down.
    public static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        // A refused connection fails the call at once instead of being retried until the connect
        // timeout: the workflow's own retry policy decides whether and when to try again.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Why a `FROM=TO` rewrite does not parse.
    public struct RewriteParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The text that failed.
        public var text: String
        public var description: String { "'\(text)' is not a rewrite; expected FROM=TO, both non-empty" }
    }

    /// Parses one `FROM=TO` rewrite (`--rewrite-endpoint`); the first `=` separates the two.
    /// - Throws: ``RewriteParseError`` when there is no `=` or a side is empty.
    public static func parseRewrite(_ text: String) throws(RewriteParseError) -> Rewrite {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let equals = trimmed.firstIndex(of: "=") else { throw RewriteParseError(text: text) }
        let from = String(trimmed[..<equals])
        let to = String(trimmed[trimmed.index(after: equals)...])
        guard !from.isEmpty, !to.isEmpty else { throw RewriteParseError(text: text) }
        return (from, to)
    }

    /// Parses `;`-separated `FROM=TO` rewrites (`SWIRL_REWRITE_ENDPOINTS`); empty entries are skipped.
    /// - Throws: ``RewriteParseError`` for the first entry that does not parse.
    public static func parseRewrites(_ list: String) throws(RewriteParseError) -> [Rewrite] {
        var result: [Rewrite] = []
        for entry in list.split(separator: ";") where !entry.allSatisfy(\.isWhitespace) {
            result.append(try parseRewrite(String(entry)))
        }
        return result
    }

    /// `url` with the first matching rewrite applied.
    func rewritten(_ url: String) -> String {
        for rewrite in rewrites where url.hasPrefix(rewrite.from) {
            return rewrite.to + url.dropFirst(rewrite.from.count)
        }
        return url
    }

    /// Sends the task's request and returns its output.
    /// - Returns: the content, the response description or the base64 body, as `output` asks.
    /// - Throws: `configuration` for malformed arguments, `expression` for an endpoint template that
    ///   cannot expand, `communication` for a failed request or an unaccepted status.
    public func run(_ request: ActivityRequest) async throws(WorkflowError) -> JSON {
        let call = try HTTPCallRequest(request, authentications: authentications, secrets: secrets)
        var current = call.initial
        current.headers.append(("Idempotency-Key", request.idempotencyKey))
        if let authorization = try await authorizationHeader(call.authentication, task: request.task) {
            current.headers.append(("Authorization", authorization))
        }

        var response = try await send(current, task: request.task)
        var redirects = 0
        var answeredDigest = false
        while true {
            if response.status == 401, !answeredDigest, case .digest(let username, let password)? = call.authentication,
                let challenge = HTTPDigestChallenge(
                    headers: response.headers["WWW-Authenticate"])
            {
                answeredDigest = true
                guard
                    let authorization = challenge.authorization(
                        username: username, password: password, method: current.method,
                        uri: Self.requestTarget(rewritten(current.url)), cnonce: Self.makeNonce())
                else {
                    throw WorkflowError(
                        .configuration, title: "Unsupported digest challenge",
                        detail: "\(current.method) \(current.url) asks for digest algorithm \(challenge.algorithm) "
                            + "with qop \(challenge.qop ?? "none"); only MD5 and MD5-sess with auth are supported",
                        instance: request.task)
                }
                current.setHeader("Authorization", authorization)
                response = try await send(current, task: request.task)
                continue
            }
            if call.followRedirects, [301, 302, 303, 307, 308].contains(response.status),
                let location = response.headers.first(name: "Location"),
                let next = current.redirected(to: location, status: response.status)
            {
                guard redirects < Self.maxRedirects else {
                    throw WorkflowError(
                        .communication, status: response.status, title: "Too many redirects",
                        detail: "\(call.initial.method) \(call.initial.url) redirected more than "
                            + "\(Self.maxRedirects) times",
                        instance: request.task)
                }
                redirects += 1
                current = next
                response = try await send(current, task: request.task)
                continue
            }
            break
        }

        let accepted = call.followRedirects ? 200...399 : 200...299
        guard accepted.contains(response.status) else {
            throw Self.statusError(response, request: current, task: request.task)
        }
        return try call.output(response, request: current)
    }

    /// The `Authorization` header `authentication` sends with the first request: `nil` for none,
    /// and for digest, which answers the server's challenge instead.
    func authorizationHeader(_ authentication: HTTPAuthentication?, task: String) async throws(WorkflowError) -> String? {
        switch authentication {
        case .basic(let username, let password)?: HTTPAuthentication.basicHeader(username: username, password: password)
        case .bearer(let token)?: "Bearer " + token
        case .oauth2(let grant)?: "Bearer " + (try await accessToken(grant, task: task))
        case .digest?, nil: nil
        }
    }

    /// A cached or newly requested OAuth2 access token.
    private func accessToken(_ grant: HTTPOAuth2Grant, task: String) async throws(WorkflowError) -> String {
        if let token = await tokens.token(for: grant) { return token }
        var tokenRequest = HTTPPreparedRequest(method: "POST", url: grant.tokenURL)
        tokenRequest.headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")]
        if let header = grant.clientBasicHeader { tokenRequest.headers.append(("Authorization", header)) }
        tokenRequest.body = Array(grant.formBody.utf8)
        let response = try await send(tokenRequest, task: task)
        guard (200...299).contains(response.status) else {
            var error = Self.statusError(response, request: tokenRequest, task: task)
            error.title = "OAuth2 token request failed: " + (error.title ?? "")
            throw error
        }
        guard let object = try? JSON(parsing: String(decoding: response.body, as: UTF8.self)),
            let token = object["access_token"]?.stringValue
        else {
            throw WorkflowError(
                .communication, title: "OAuth2 token request failed",
                detail: "POST \(grant.tokenURL) answered without an access_token", instance: task)
        }
        await tokens.store(token, expiresIn: object["expires_in"]?.numberValue, for: grant)
        return token
    }

    /// Sends one request and reads the whole body.
    private func send(_ prepared: HTTPPreparedRequest, task: String) async throws(WorkflowError) -> HTTPReceivedResponse
    {
        let url = rewritten(prepared.url)
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: prepared.method)
        for (name, value) in prepared.headers { request.headers.add(name: name, value: value) }
        if let body = prepared.body {
            request.body = .bytes(body)
        }
        do {
            // AsyncHTTPClient cancels the request and closes the connection when this task is cancelled.
            let response = try await client.execute(request, deadline: .now() + TimeAmount(timeout))
            let body = try await response.body.collect(upTo: maxResponseBytes)
            return HTTPReceivedResponse(
                status: Int(response.status.code), reason: response.status.reasonPhrase, headers: response.headers,
                body: Array(buffer: body))
        } catch {
            throw Self.transportError(error, method: prepared.method, url: prepared.url, task: task)
        }
    }

    private static func transportError(_ error: any Error, method: String, url: String, task: String) -> WorkflowError {
        let clientError = error as? HTTPClientError
        if Task.isCancelled || error is CancellationError || clientError == .cancelled {
            // The interpreter discards the result of a cancelled activity; the error only ends it.
            return WorkflowError(
                .communication, title: "HTTP request cancelled", detail: "\(method) \(url)", instance: task)
        }
        if clientError == .deadlineExceeded || clientError == .readTimeout || clientError == .connectTimeout {
            return WorkflowError(
                .communication, title: "HTTP request timed out", detail: "\(method) \(url): \(error)", instance: task)
        }
        if error is NIOTooManyBytesError {
            return WorkflowError(
                .communication, title: "HTTP response too large", detail: "\(method) \(url): the body is too large",
                instance: task)
        }
        return WorkflowError(
            .communication, title: "HTTP request failed", detail: "\(method) \(url): \(error)", instance: task)
    }

    /// The error for an unaccepted status: the real status, `HTTP 404 Not Found`, and a body excerpt.
    static func statusError(_ response: HTTPReceivedResponse, request: HTTPPreparedRequest, task: String)
        -> WorkflowError
    {
        var detail = "\(request.method) \(request.url) answered \(response.status) \(response.reason)"
        if !response.body.isEmpty { detail += ": " + TextExcerpt.cut(bytes: response.body, limit: maxExcerptBytes) }
        return WorkflowError(
            .communication, status: response.status, title: "HTTP \(response.status) \(response.reason)",
            detail: detail,
            instance: task)
    }

    /// The request target (path and query) of `url`, as the request line carries it.
    static func requestTarget(_ url: String) -> String {
        guard let components = URLComponents(string: url) else { return url }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        return components.percentEncodedQuery.map { path + "?" + $0 } ?? path
    }

    /// 16 random bytes as hex, for the digest client nonce.
    static func makeNonce() -> String {
        (0..<16).map { _ in
            let digits = String(UInt8.random(in: 0...255), radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
