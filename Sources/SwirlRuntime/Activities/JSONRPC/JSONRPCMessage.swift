import SwirlCore

/// One JSON-RPC 2.0 message, as a client (of an MCP server, of an A2A agent) reads it.
///
/// A client only needs to tell four shapes apart: the answer to one of its requests (a result or
/// an error), a request of the server and a notification. Anything else is malformed.
enum JSONRPCMessage: Sendable, Equatable {
    /// A successful response to the request `id`.
    case result(id: JSON, result: JSON)
    /// An error response to the request `id` (`id` is `null` when the server could not read the request).
    case error(id: JSON, code: Int, message: String, data: JSON?)
    /// A request of the server to the client, such as MCP's `ping`.
    case request(id: JSON, method: String)
    /// A notification of the server, such as MCP's `notifications/message`.
    case notification(method: String)

    /// Why a value is no JSON-RPC 2.0 message.
    struct Malformed: Error, Sendable {
        /// What is wrong, as a sentence's end: "the server sent …".
        var what: String
        var value: JSON
    }

    /// Classifies `value`.
    /// - Throws: ``Malformed`` when `value` is not a JSON-RPC 2.0 message.
    init(_ value: JSON) throws(Malformed) {
        guard case .object(let members) = value, members["jsonrpc"] == "2.0" else {
            throw Malformed(what: "the server sent something that is not a JSON-RPC 2.0 message", value: value)
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
            throw Malformed(what: "the server sent a message without method or id", value: value)
        }
        if let result = members["result"] {
            self = .result(id: id, result: result)
        } else if case .object(let error)? = members["error"] {
            let code = error["code"]?.numberValue.map { Int(exactly: $0.rounded(.towardZero)) ?? 0 } ?? 0
            self = .error(id: id, code: code, message: error["message"]?.stringValue ?? "", data: error["data"])
        } else {
            throw Malformed(what: "the server sent a response with neither result nor error", value: value)
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
}
