/// Reads a `text/event-stream` body (the WHATWG server-sent events format) into the data of its
/// events, as MCP's streamable HTTP transport and A2A's streaming methods send JSON-RPC messages:
/// each `message` event's `data` is one message.
///
/// Lines end with `\n`, `\r\n` or `\r`; `data:` lines of one event are joined with `\n`; a blank
/// line ends an event; comments (`:`), `id`, `retry` and events of another type are skipped. No
/// event's data, and no line, may grow past `limit` bytes.
struct EventStreamParser: Sendable {
    /// A line or an event's data passed ``EventStreamParser/limit``.
    struct TooLarge: Error, Sendable {
        var limit: Int
    }

    /// The most bytes of data one event, or one line, may carry.
    let limit: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// The last line ended with `\r`: a `\n` right after it belongs to the same line end.
    private var afterCarriageReturn = false
    /// Whether the stream's first bytes have been seen (a byte-order mark leading them is dropped).
    private var begun = false
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType = ""

    init(limit: Int) {
        self.limit = limit
    }

    /// Adds bytes of the body.
    mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
        if !begun, !buffer.isEmpty {
            begun = true
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
        }
    }

    /// The data of the next complete `message` event; `nil` until one is complete.
    /// - Throws: ``TooLarge`` when a line or an event's data passes ``limit``.
    mutating func nextEvent() throws(TooLarge) -> [UInt8]? {
        while let line = try nextLine() {
            if line.isEmpty {
                let type = eventType
                eventType = ""
                guard hasData else { continue }
                hasData = false
                let event = data
                data = []
                if type.isEmpty || type == "message" { return event }
                continue
            }
            if line.first == UInt8(ascii: ":") { continue }
            let colon = line.firstIndex(of: UInt8(ascii: ":"))
            let name = line[line.startIndex..<(colon ?? line.endIndex)]
            var value = colon.map { line[line.index(after: $0)...] } ?? []
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
            if name.elementsEqual("data".utf8) {
                if hasData { data.append(0x0A) }
                data.append(contentsOf: value)
                hasData = true
                guard data.count <= limit else { throw TooLarge(limit: limit) }
            } else if name.elementsEqual("event".utf8) {
                eventType = String(decoding: value, as: UTF8.self)
            }
        }
        return nil
    }

    /// The next line without its terminator, or `nil` while it is incomplete.
    private mutating func nextLine() throws(TooLarge) -> ArraySlice<UInt8>? {
        if afterCarriageReturn, start < buffer.count {
            afterCarriageReturn = false
            if buffer[start] == 0x0A { start += 1 }
        }
        guard let end = buffer[start...].firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) else {
            guard buffer.count - start <= limit else { throw TooLarge(limit: limit) }
            return nil
        }
        let line = buffer[start..<end]
        if buffer[end] == 0x0D {
            if end + 1 < buffer.count {
                start = buffer[end + 1] == 0x0A ? end + 2 : end + 1
            } else {
                start = end + 1
                afterCarriageReturn = true
            }
        } else {
            start = end + 1
        }
        return line
    }
}
