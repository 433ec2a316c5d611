import SwirlCore

/// One JSON-RPC 2.0 message of the Model Context Protocol, as the client reads it from a server.
///
/// The client only needs to tell four shapes apart: the answer to one of its requests (a result or
/// an error), a request of the server (answered at once: see ``MCPExchange``) and a notification
/// (ignored). Anything else is a protocol error.
enum MCPMessage: Sendable, Equatable {
    /// A successful response to the request `id`.
    case result(id: JSON, result: JSON)
    /// An error response to the request `id` (`id` is `null` when the server could not read the request).
    case error(id: JSON, code: Int, message: String, data: JSON?)
    /// A request of the server to the client, such as `ping`.
    case request(id: JSON, method: String)
    /// A notification of the server, such as `notifications/message`.
    case notification(method: String)

    /// Classifies `value`.
    /// - Throws: ``MCPFailure`` when `value` is not a JSON-RPC 2.0 message.
    init(_ value: JSON) throws(MCPFailure) {
        guard case .object(let members) = value, members["jsonrpc"] == "2.0" else {
            throw MCPFailure.protocolViolation("the server sent something that is not a JSON-RPC 2.0 message", value)
        }
        if let method = members["method"]?.stringValue {
            if let id = members["id"], !id.isNull {
                self = .request(id: id, method: method)
            } else {
                self = .notification(method: method)
            }
            return
        }
        guard let id = members["id"] else {
            throw MCPFailure.protocolViolation("the server sent a message without method or id", value)
        }
        if let result = members["result"] {
            self = .result(id: id, result: result)
        } else if case .object(let error)? = members["error"] {
            let code = error["code"]?.numberValue.map { Int(exactly: $0.rounded(.towardZero)) ?? 0 } ?? 0
            self = .error(id: id, code: code, message: error["message"]?.stringValue ?? "", data: error["data"])
        } else {
            throw MCPFailure.protocolViolation("the server sent a response with neither result nor error", value)
        }
    }

    /// A request of the client.
    static func request(id: String, method: String, params: JSON?) -> JSON {
        var members: OrderedDictionary<String, JSON> = ["jsonrpc": "2.0", "id": .string(id), "method": .string(method)]
        if let params { members["params"] = params }
        return .object(members)
    }

    /// A notification of the client.
    static func notification(method: String) -> JSON {
        ["jsonrpc": "2.0", "method": .string(method)]
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
}
