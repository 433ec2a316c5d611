import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwirlCore

/// The MCP streamable HTTP transport, client side, on the shared AsyncHTTPClient client.
///
/// Every message is a `POST` of its JSON to the endpoint, with `Accept: application/json,
/// text/event-stream`. A request is answered by one JSON body, or by a `text/event-stream` whose
/// `message` events each carry a JSON-RPC message (the answer, and what the server sends before it:
/// notifications, its own requests); a notification or a response is acknowledged with `202`. The
/// `Mcp-Session-Id` the server returns with the `initialize` answer goes with every later message,
/// with `MCP-Protocol-Version`, and ``close()`` ends the session with a `DELETE`.
///
/// No `GET` stream is opened: a call only needs the answers to its own requests.
final class MCPHTTPTransport: MCPTransport {
    private let client: HTTPClient
    /// The URL requests go to (rewritten), and the one the workflow asked for, for messages.
    private let url: String
    private let shownURL: String
    /// The task's headers and the authorization header, on every request.
    private let headers: [(String, String)]
    private let deadline: NIODeadline
    private let limit: Int
    private var sessionID: String?
    private var protocolVersion: String?
    /// Messages of the current answer not yet received.
    private var pending: [JSON] = []
    /// The event stream the current answer comes on, when it is one.
    private var stream: (body: HTTPClientResponse.Body.AsyncIterator, parser: EventStreamParser)?

    /// How long the closing `DELETE` may take.
    static let closeTimeout = TimeAmount.seconds(5)

    init(
        client: HTTPClient, url: String, shownURL: String, headers: [(String, String)], deadline: NIODeadline,
        limit: Int
    ) {
        self.client = client
        self.url = url
        self.shownURL = shownURL
        self.headers = headers
        self.deadline = deadline
        self.limit = limit
    }

    func send(_ message: JSON, expectsAnswer: Bool) async throws(MCPFailure) {
        var request = makeRequest(.POST)
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(Array(message.serialized().utf8))
        if expectsAnswer {
            pending = []
            stream = nil
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch {
            throw transportFailure(error)
        }
        if sessionID == nil, let session = response.headers.first(name: "Mcp-Session-Id"), !session.isEmpty {
            sessionID = session
        }
        let status = Int(response.status.code)
        guard (200...299).contains(status) else {
            let body = (try? await response.body.collect(upTo: TextExcerpt.defaultBytes)).map { Array(buffer: $0) } ?? []
            var detail = "POST \(shownURL) answered \(status) \(response.status.reasonPhrase)"
            if status == 404, sessionID != nil { detail += " (the server no longer knows the session)" }
            if !body.isEmpty { detail += ": " + TextExcerpt.cut(bytes: body) }
            throw MCPFailure(title: "MCP HTTP \(status) \(response.status.reasonPhrase)", detail: detail)
        }
        guard expectsAnswer else {
            _ = try? await response.body.collect(upTo: limit)
            return
        }
        let mediaType =
            response.headers.first(name: "Content-Type")?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        switch mediaType {
        case "text/event-stream":
            stream = (response.body.makeAsyncIterator(), EventStreamParser(limit: limit))
        case "application/json":
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: limit)
            } catch {
                throw transportFailure(error)
            }
            switch try Self.parse(Array(buffer: body)) {
            case .array(let batch): pending = batch
            case let one: pending = [one]
            }
        default:
            if status == 202 { return }
            throw MCPFailure(
                title: "MCP protocol error",
                detail: "POST \(shownURL) answered a request with '\(mediaType)', "
                    + "not application/json or text/event-stream")
        }
    }

    func receive() async throws(MCPFailure) -> JSON? {
        while true {
            if !pending.isEmpty { return pending.removeFirst() }
            guard var current = stream else { return nil }
            let event: [UInt8]?
            do {
                event = try current.parser.nextEvent()
            } catch {
                throw MCPFailure(title: "MCP message too large", detail: "the server sent an event longer than \(error.limit) bytes")
            }
            if let data = event {
                stream = current
                if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x09 }) { continue }
                pending.append(try Self.parse(data))
                continue
            }
            let chunk: ByteBuffer?
            do {
                chunk = try await current.body.next()
            } catch {
                stream = nil
                throw transportFailure(error)
            }
            guard let chunk else {
                stream = nil
                return nil
            }
            current.parser.append(chunk.readableBytesView)
            stream = current
        }
    }

    func negotiated(protocolVersion: String) {
        self.protocolVersion = protocolVersion
    }

    /// Ends the session the server opened, if any, with a `DELETE`; its answer does not matter
    /// (a `405` says the server keeps sessions until they expire). In a cancelled task the
    /// `DELETE` goes out on its own, unawaited, so the cancellation is not held up.
    func close() async {
        guard sessionID != nil else { return }
        stream = nil
        let request = makeRequest(.DELETE)
        sessionID = nil
        let client = self.client
        let delete: @Sendable (NIODeadline) async -> Void = { deadline in
            let response = try? await client.execute(request, deadline: deadline)
            _ = try? await response?.body.collect(upTo: TextExcerpt.defaultBytes)
        }
        if Task.isCancelled {
            let later = NIODeadline.now() + Self.closeTimeout
            Task.detached { await delete(later) }
        } else {
            await delete(min(deadline, .now() + Self.closeTimeout))
        }
    }

    private func makeRequest(_ method: HTTPMethod) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let sessionID { request.headers.add(name: "Mcp-Session-Id", value: sessionID) }
        if let protocolVersion { request.headers.add(name: "MCP-Protocol-Version", value: protocolVersion) }
        return request
    }

    private func transportFailure(_ error: any Error) -> MCPFailure {
        if error is NIOTooManyBytesError {
            return MCPFailure(
                title: "MCP message too large", detail: "\(shownURL) sent a message longer than \(limit) bytes")
        }
        return MCPFailure(title: "MCP HTTP request failed", detail: "POST \(shownURL): \(error)")
    }

    private static func parse(_ bytes: [UInt8]) throws(MCPFailure) -> JSON {
        do {
            return try JSONParser.parse(bytes).value
        } catch {
            throw MCPFailure(
                title: "MCP protocol error",
                detail: "the server sent a message that is not JSON (\(error)): "
                    + TextExcerpt.cut(bytes: bytes))
        }
    }
}
