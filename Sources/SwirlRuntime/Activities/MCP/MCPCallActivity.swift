import AsyncHTTPClient
import NIOCore
public import SwirlCompiler
public import SwirlCore

/// Runs a `call: mcp` task: one Model Context Protocol request to a server (DSL-NOTES §1.3 "mcp").
///
/// `with` gives `method` (`tools/list`, `tools/call`, `prompts/list`, `prompts/get`,
/// `resources/list`, `resources/read`, `resources/templates/list`), `parameters` (the request's
/// `params`), `protocolVersion` (default `2025-06-18`), `client` (`{name, version}`, default `swirl`
/// and ``SwirlVersion/current``), `timeout` and `transport`: `stdio` starts the server as a child
/// process (``MCPStdioServer``), `http` posts to a streamable HTTP endpoint (``MCPHTTPTransport``)
/// with the `headers` and the endpoint's `authentication` of `call: http`.
///
/// Each call is a session of its own: `initialize`, `notifications/initialized`, the request, and
/// the end of the session (the child stopped, or a `DELETE`). The request's id is the task's
/// idempotency key (`<run id>:<step key>`), also sent as `params._meta["io.swirl/idempotency-key"]`
/// unless the task sets that key itself, so a resumed run that asks again sends the same id.
///
/// The output is the JSON-RPC `result`. Every failure is a `runtime` error naming the task: a
/// JSON-RPC error (its code and message in the detail), a `tools/call` result with `isError: true`
/// (the tool's text), a server that exits or closes before answering (its exit status and the end
/// of its stderr), a protocol error, and `with.timeout` (default 5 minutes), which bounds the whole
/// call. Malformed `with` is a `configuration` error. No message may be larger than
/// `maxMessageBytes`.
///
/// The activity does not own the HTTP client: it uses the one of the `call: http` activity it is
/// made with, whose owner shuts it down.
public struct MCPCallActivity: WorkflowBoundActivity {
    private var http: HTTPCallActivity
    private let defaultTimeout: Duration
    private let maxMessageBytes: Int

    /// Creates the activity.
    /// - Parameters:
    ///   - http: the `call: http` activity whose client, endpoint rewrites, authentications and
    ///     OAuth2 tokens HTTP servers are reached with.
    ///   - defaultTimeout: the longest a call may take when its `with.timeout` is absent.
    ///   - maxMessageBytes: the largest message accepted from a server (a stdio line, a JSON body,
    ///     an event's data).
    public init(http: HTTPCallActivity, defaultTimeout: Duration = .seconds(300), maxMessageBytes: Int = 16 << 20) {
        self.http = http
        self.defaultTimeout = defaultTimeout
        self.maxMessageBytes = maxMessageBytes
    }

    /// This activity for runs of `program`, whose named authentications and secrets HTTP
    /// endpoints may use.
    public func bound(to program: Program, secrets: Secrets) -> any Activity {
        var bound = self
        bound.http = http.boundActivity(to: program, secrets: secrets)
        return bound
    }

    /// Performs the task's MCP request.
    /// - Returns: the JSON-RPC result.
    /// - Throws: `configuration` for malformed arguments or authentication, `runtime` for every
    ///   failure of the call.
    public func run(_ request: ActivityRequest) async throws(WorkflowError) -> JSON {
        let call = try MCPCallRequest(request, defaultTimeout: defaultTimeout)
        let progress: MCPProgress
        switch call.transport {
        case .stdio(let launch): progress = MCPProgress("starting '\(launch.command)'")
        case .http(let endpoint): progress = MCPProgress("connecting to \(endpoint.url)")
        }
        let exchange = MCPExchange(call: call, progress: progress)
        let outcome: Result<JSON, WorkflowError>
        switch call.transport {
        case .stdio(let launch):
            let server = MCPStdioServer(launch: launch, maxMessageBytes: maxMessageBytes)
            outcome = await Self.within(call, progress: progress) { () async throws(MCPFailure) -> JSON in
                try await server.perform(exchange, request: request)
            }
        case .http(let endpoint):
            var extraHeaders = endpoint.headers
            if let authorization = try await authorization(endpoint, task: call.task) {
                extraHeaders.append(("Authorization", authorization))
            }
            let headers = extraHeaders
            let client = http.client
            let url = http.rewritten(endpoint.url)
            let limit = maxMessageBytes
            let deadline = NIODeadline.now() + TimeAmount(call.timeout)
            outcome = await Self.within(call, progress: progress) { () async throws(MCPFailure) -> JSON in
                let transport = MCPHTTPTransport(
                    client: client, url: url, shownURL: endpoint.url, headers: headers, deadline: deadline,
                    limit: limit)
                let result: Result<JSON, MCPFailure>
                do throws(MCPFailure) {
                    result = .success(try await exchange.perform(over: transport))
                } catch {
                    result = .failure(error)
                }
                await transport.close()
                return try result.get()
            }
        }
        return try outcome.get()
    }

    /// The `Authorization` header of the endpoint's policy, if it has one.
    private func authorization(
        _ endpoint: MCPCallRequest.HTTPEndpoint, task: String
    ) async throws(WorkflowError) -> String? {
        let authentication = try HTTPAuthentication.resolve(
            endpoint.authentication, named: http.authentications, secrets: http.secrets, task: task)
        if case .digest? = authentication {
            throw WorkflowError(
                .configuration, title: "Invalid authentication policy",
                detail: "digest authentication is not supported for MCP endpoints; use basic, bearer or oauth2",
                instance: task)
        }
        return try await http.authorizationHeader(authentication, task: task)
    }

    /// Runs `work` within the call's timeout, turning its failure into the task's error.
    private static func within(
        _ call: MCPCallRequest, progress: MCPProgress,
        _ work: @escaping @Sendable () async throws(MCPFailure) -> JSON
    ) async -> Result<JSON, WorkflowError> {
        enum Finish: Sendable {
            case done(Result<JSON, MCPFailure>)
            case timedOut
        }
        let finish = await withTaskGroup(of: Finish?.self) { group in
            group.addTask {
                do throws(MCPFailure) {
                    return .done(.success(try await work()))
                } catch {
                    return .done(.failure(error))
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: call.timeout)
                    return .timedOut
                } catch {
                    return nil
                }
            }
            var first: Finish?
            while first == nil, let next = await group.next() { first = next }
            group.cancelAll()
            return first
        }
        if Task.isCancelled {
            // The interpreter discards the result of a cancelled activity; the error only ends it.
            return .failure(WorkflowError(.runtime, title: "MCP call cancelled", instance: call.task))
        }
        switch finish {
        case .done(.success(let result))?:
            return .success(result)
        case .done(.failure(let failure))?:
            return .failure(WorkflowError(.runtime, title: failure.title, detail: failure.detail, instance: call.task))
        case .timedOut?, nil:
            return .failure(
                WorkflowError(
                    .runtime, title: "MCP call timed out",
                    detail: "\(call.method) took longer than its timeout of \(call.timeoutText), "
                        + "while \(progress.current)",
                    instance: call.task))
        }
    }
}
