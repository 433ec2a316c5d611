import SwirlCore

/// Why an MCP exchange failed, before it is turned into the task's `runtime` error.
struct MCPFailure: Error, Sendable, Equatable {
    var title: String
    var detail: String
    /// The server closed its side (stdout or the response stream) before answering: the stdio
    /// transport adds the exit status and the end of stderr.
    var serverClosed = false

    static func protocolViolation(_ what: String, _ value: JSON) -> MCPFailure {
        MCPFailure(title: "MCP protocol error", detail: what + ": " + TextExcerpt.cut(value.serialized()))
    }
}
