import Synchronization
import SwirlCore

/// How the client reaches one MCP server for the length of one call: the stdio transport writes
/// to a child's stdin and reads its stdout, the streamable HTTP one posts each message.
///
/// Used from one task only (the call's), so implementations are plain classes.
protocol MCPTransport: AnyObject {
    /// Sends `message`. When `expectsAnswer` (a request), the messages that answer it are what
    /// ``receive()`` returns next; otherwise (a notification, a response) nothing comes back for it.
    func send(_ message: JSON, expectsAnswer: Bool) async throws(MCPFailure)

    /// The next message of the server; `nil` when the server closed what the answer would come on.
    func receive() async throws(MCPFailure) -> JSON?

    /// The protocol version the server chose in its `initialize` result, for the requests after it.
    func negotiated(protocolVersion: String)
}

/// What a call is doing, for the error of a call that times out.
final class MCPProgress: Sendable {
    private let phase: Mutex<String>

    init(_ phase: String) {
        self.phase = Mutex(phase)
    }

    var current: String { phase.withLock { $0 } }

    func enter(_ text: String) {
        phase.withLock { $0 = text }
    }
}

/// The client side of one MCP call over a transport: `initialize`, the `notifications/initialized`
/// notification, then the call's request, whose result is returned.
///
/// While it waits for an answer it answers the server's requests (``answer(to:method:)``)
/// and skips notifications and responses to other ids.
struct MCPExchange: Sendable {
    var call: MCPCallRequest
    var progress: MCPProgress

    /// The id of the `initialize` request, distinct from the call's.
    var initializeID: String { call.requestID + "#initialize" }

    /// Performs the call over `transport`.
    /// - Returns: the `result` of the call's request.
    /// - Throws: ``MCPFailure`` for a JSON-RPC error, a tool error, a protocol error or a server that closed.
    func perform(over transport: some MCPTransport) async throws(MCPFailure) -> JSON {
        progress.enter("waiting for the answer to initialize")
        let initialized = try await request(
            id: initializeID, method: "initialize",
            params: [
                "protocolVersion": .string(call.protocolVersion), "capabilities": [:],
                "clientInfo": ["name": .string(call.clientName), "version": .string(call.clientVersion)],
            ],
            over: transport)
        guard case .object(let info) = initialized else {
            throw MCPFailure.protocolViolation("the initialize result is not an object", initialized)
        }
        transport.negotiated(protocolVersion: info["protocolVersion"]?.stringValue ?? call.protocolVersion)
        progress.enter("sending notifications/initialized")
        try await transport.send(JSONRPCMessage.notification(method: "notifications/initialized"), expectsAnswer: false)

        progress.enter("waiting for the answer to \(call.method)")
        let result = try await request(
            id: call.requestID, method: call.method, params: call.parameters, over: transport)
        if call.method == "tools/call", result["isError"]?.boolValue == true {
            throw MCPFailure(
                title: "MCP tool failed",
                detail: "tool '\(call.parameters["name"]?.stringValue ?? "?")' reported an error: "
                    + TextExcerpt.cut(Self.text(of: result)))
        }
        return result
    }

    /// Sends one request and waits for its answer.
    private func request(
        id: String, method: String, params: JSON, over transport: some MCPTransport
    ) async throws(MCPFailure) -> JSON {
        let expected = JSON.string(id)
        try await transport.send(JSONRPCMessage.request(id: id, method: method, params: params), expectsAnswer: true)
        while let value = try await transport.receive() {
            let message: JSONRPCMessage
            do {
                message = try JSONRPCMessage(value)
            } catch {
                throw MCPFailure.protocolViolation(error.what, error.value)
            }
            switch message {
            case .result(expected, let result):
                return result
            case .error(let answered, let code, let message, let data) where answered == expected || answered.isNull:
                var detail = "the server answered \(method) with error \(code): \(message)"
                if let data, !data.isNull { detail += " (data: \(TextExcerpt.cut(data.serialized())))" }
                throw MCPFailure(title: "MCP request failed", detail: detail)
            case .request(let serverID, let serverMethod):
                try await transport.send(Self.answer(to: serverID, method: serverMethod), expectsAnswer: false)
            case .notification, .result, .error:
                continue
            }
        }
        throw MCPFailure(
            title: "MCP server closed the connection",
            detail: "the server closed the connection before answering \(method)", serverClosed: true)
    }

    /// The client's answer to a request of the server: `ping` is answered with an empty result,
    /// every other method with "Method not found" (-32601), as the client offers no capabilities.
    static func answer(to id: JSON, method: String) -> JSON {
        if method == "ping" {
            return ["jsonrpc": "2.0", "id": id, "result": [:]]
        }
        return [
            "jsonrpc": "2.0", "id": id,
            "error": ["code": -32601, "message": .string("Method not found: \(method)")],
        ]
    }

    /// The text contents of a tool result, one per line; its JSON when it has none.
    static func text(of result: JSON) -> String {
        let texts = (result["content"]?.arrayValue ?? []).compactMap { item in
            item["type"] == "text" ? item["text"]?.stringValue : nil
        }
        return texts.isEmpty ? result.serialized() : texts.joined(separator: "\n")
    }
}
