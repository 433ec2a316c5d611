import SwirlCore

/// Why an MCP exchange failed, before it is turned into the task's `runtime` error.
struct MCPFailure: Error, Sendable, Equatable {
    var title: String
    var detail: String
    /// The server closed its side (stdout or the response stream) before answering: the stdio
    /// transport adds the exit status and the end of stderr.
    var serverClosed = false

    /// The longest excerpt of a message put in a detail.
    static let excerptBytes = 2048

    static func protocolViolation(_ what: String, _ value: JSON) -> MCPFailure {
        MCPFailure(title: "MCP protocol error", detail: what + ": " + excerpt(value.serialized()))
    }

    /// `text` cut to ``excerptBytes`` bytes, with `…` when cut.
    static func excerpt(_ text: String, limit: Int = excerptBytes) -> String {
        let bytes = text.utf8
        guard bytes.count > limit else { return text }
        var cut = String(decoding: bytes.prefix(limit), as: UTF8.self)
        // The cut may split a character; drop the replacement character it leaves.
        if cut.last == "\u{FFFD}" { cut.removeLast() }
        return cut + "…"
    }
}
