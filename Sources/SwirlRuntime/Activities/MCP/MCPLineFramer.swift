/// Cuts the bytes of an MCP server's standard output into messages: the stdio transport sends one
/// JSON-RPC message per line (`\n`-terminated, a trailing `\r` tolerated; messages contain no raw
/// newline).
///
/// A line may not grow past `limit` bytes, so a server that writes without end cannot fill memory.
struct MCPLineFramer: Sendable {
    /// The longest line accepted, without its terminator.
    let limit: Int
    private var buffer: [UInt8] = []
    /// Where the unread part of `buffer` starts.
    private var start = 0
    /// How far `buffer` has been searched for a newline.
    private var scanned = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Adds bytes read from the server.
    mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            scanned -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete line, without its terminator; `nil` until one is complete.
    /// - Throws: ``MCPFailure`` when the line in progress is longer than ``limit``.
    mutating func nextLine() throws(MCPFailure) -> ArraySlice<UInt8>? {
        if let newline = buffer[scanned...].firstIndex(of: 0x0A) {
            var end = newline
            if end > start, buffer[end - 1] == 0x0D { end -= 1 }
            let line = buffer[start..<end]
            start = newline + 1
            scanned = start
            guard line.count <= limit else { throw Self.tooLong(limit) }
            return line
        }
        scanned = buffer.count
        guard buffer.count - start <= limit else { throw Self.tooLong(limit) }
        return nil
    }

    /// What is left after the last newline once the server closed its output.
    mutating func rest() -> ArraySlice<UInt8> {
        let rest = buffer[start...]
        start = buffer.count
        scanned = start
        return rest
    }

    static func tooLong(_ limit: Int) -> MCPFailure {
        MCPFailure(title: "MCP message too large", detail: "the server sent a message longer than \(limit) bytes")
    }
}
