import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import SwirlCore
import Synchronization

@testable import SwirlRuntime

/// A real HTTP/1.1 server on 127.0.0.1 and an ephemeral port, standing in for petstore, httpbin and
/// an OAuth2 authority. It records every request so tests can check what was sent.
///
/// Routes: `GET /v2/pet/findByStatus`, `GET /v2/pet/{1|2}` (others 404), `GET /v2/pet/getPetByName/*`
/// (404), `GET /basic-auth/{u}/{p}`, `GET /bearer` (`Bearer abc`), `GET /digest-auth/{u}/{p}`,
/// `POST /oauth2/token` (client `swirl`/`s3cret`, token `abc`), `GET /redirect` (302 to
/// `/v2/pet/1`), `GET /text`, `* /echo` and `* /echo/…`, `GET /slow` (answers after a minute, for
/// cancellation), an A2A agent at `POST /a2a` and `POST /secure/a2a` (`X-API-Key: s3cr3t`): `message/send`,
/// `message/stream` (three events), `tasks/get`, `tasks/cancel` (a JSON-RPC error), and any document a test
/// serves (``serve(_:contentType:body:)``).
final class LoopbackHTTPServer: Sendable {
    /// What the server saw of one request.
    struct Seen: Sendable {
        var method: String
        var uri: String
        var headers: HTTPHeaders
        var body: String
    }

    private struct State {
        var seen: [Seen] = []
        var tokenRequests = 0
        var children: [any Channel] = []
        var waiters: [(path: String, continuation: CheckedContinuation<Void, Never>)] = []
        var documents: [String: (contentType: String, body: String)] = [:]
    }

    static let digestRealm = "swirl@loopback"
    static let digestNonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093"

    private let state = Mutex(State())
    private let channel: any Channel

    /// The server's base URL, `http://127.0.0.1:PORT`.
    let baseURL: String
    /// The port it listens on.
    let port: Int

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.baseURL = "http://127.0.0.1:\(port)"
    }

    /// Runs `body` with a started server, and stops it (and its connections) afterwards.
    static func withServer<T>(_ body: (LoopbackHTTPServer) async throws -> T) async throws -> T {
        let box = ServerBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    guard let server = box.server.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    server.state.withLock { $0.children.append(child) }
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(LoopbackHTTPHandler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = LoopbackHTTPServer(channel: channel)
        box.server.withLock { $0 = server }
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private func stop() async {
        try? await channel.close().get()
        let children = state.withLock { state in
            defer { state.children = [] }
            return state.children
        }
        for child in children { try? await child.close().get() }
    }

    /// Every request seen so far, in order of arrival.
    var seen: [Seen] { state.withLock { $0.seen } }
    /// How many token requests the OAuth2 route answered.
    var tokenRequests: Int { state.withLock { $0.tokenRequests } }

    /// Returns once a request for `path` has arrived (at once if one already has).
    func waitForRequest(path: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let arrived = state.withLock { state in
                if state.seen.contains(where: { $0.uri.hasPrefix(path) }) { return true }
                state.waiters.append((path, continuation))
                return false
            }
            if arrived { continuation.resume() }
        }
    }

    fileprivate func record(_ request: Seen) {
        let ready = state.withLock { state in
            state.seen.append(request)
            let ready = state.waiters.filter { request.uri.hasPrefix($0.path) }
            state.waiters.removeAll { request.uri.hasPrefix($0.path) }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Answers `GET path` with `body` from now on (replacing what it answered before).
    func serve(_ path: String, contentType: String, body: String) {
        state.withLock { $0.documents[path] = (contentType, body) }
    }

    fileprivate func document(at path: String) -> (contentType: String, body: String)? {
        state.withLock { $0.documents[path] }
    }

    fileprivate func countTokenRequest() {
        state.withLock { $0.tokenRequests += 1 }
    }
}

/// Lets the channel initializer, which runs before the server object exists, reach it.
private final class ServerBox: Sendable {
    let server = Mutex<LoopbackHTTPServer?>(nil)
}

/// A response the handler writes.
private struct LoopbackResponse {
    var status: HTTPResponseStatus
    var headers: [(String, String)] = []
    var body: String = ""

    static func json(_ text: String, status: HTTPResponseStatus = .ok) -> LoopbackResponse {
        LoopbackResponse(status: status, headers: [("Content-Type", "application/json")], body: text)
    }
}

private final class LoopbackHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: LoopbackHTTPServer
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var delayed: Scheduled<Void>?

    init(server: LoopbackHTTPServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let buffer):
            body += Array(buffer: buffer)
        case .end:
            guard let head else { return }
            let seen = LoopbackHTTPServer.Seen(
                method: head.method.rawValue, uri: head.uri, headers: head.headers,
                body: String(decoding: body, as: UTF8.self))
            server.record(seen)
            if head.uri == "/slow" {
                // Long enough that only a cancelled client sees the test end before it.
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                delayed = context.eventLoop.scheduleTask(in: .seconds(60)) {
                    let (handler, context) = bound.value
                    handler.write(LoopbackResponse(status: .ok, body: "finally"), context: context)
                }
                return
            }
            write(route(seen), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        delayed?.cancel()
        context.fireChannelInactive()
    }

    private func write(_ response: LoopbackResponse, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.utf8.count))
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))),
            promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: response.body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private static let pets = [
        1: #"{"id":1,"name":"doggie","status":"available"}"#,
        2: #"{"id":2,"name":"kitty","status":"available"}"#,
    ]

    private func route(_ request: LoopbackHTTPServer.Seen) -> LoopbackResponse {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let query = request.uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let segments = path.split(separator: "/").map(String.init)
        let authorization = request.headers.first(name: "Authorization") ?? ""
        // Padded so one tuple pattern can match paths of up to four segments.
        let padded = segments + Array(repeating: "", count: max(0, 4 - segments.count))
        if request.method == "GET", let document = server.document(at: path) {
            return LoopbackResponse(status: .ok, headers: [("Content-Type", document.contentType)], body: document.body)
        }
        switch (request.method, segments.count, padded[0], padded[1], padded[2], padded[3]) {
        case ("GET", 3, "v2", "pet", "findByStatus", _):
            guard query == "status=available" else { return .json("[]") }
            return .json("[" + Self.pets.keys.sorted().compactMap { Self.pets[$0] }.joined(separator: ",") + "]")
        case ("GET", 4, "v2", "pet", "getPetByName", _):
            return .json(#"{"code":1,"type":"error","message":"Pet not found"}"#, status: .notFound)
        case ("GET", 3, "v2", "pet", let id, _):
            guard let number = Int(id), let pet = Self.pets[number] else {
                return .json(#"{"code":1,"type":"error","message":"Pet not found"}"#, status: .notFound)
            }
            return .json(pet)
        case ("GET", 3, "basic-auth", let user, let password, _):
            guard authorization == HTTPAuthentication.basicHeader(username: user, password: password) else {
                return LoopbackResponse(status: .unauthorized, headers: [("WWW-Authenticate", #"Basic realm="x""#)])
            }
            return .json(#"{"authenticated":true,"user":"\#(user)"}"#)
        case ("GET", 1, "bearer", _, _, _):
            guard authorization == "Bearer abc" else { return LoopbackResponse(status: .unauthorized) }
            return .json(#"{"authenticated":true,"token":"abc"}"#)
        case ("GET", 3, "digest-auth", let user, let password, _):
            return digest(request, user: user, password: password, authorization: authorization)
        case ("POST", 2, "oauth2", "token", _, _):
            server.countTokenRequest()
            let form = Set(request.body.split(separator: "&").map(String.init))
            let postCredentials = form.contains("client_id=swirl") && form.contains("client_secret=s3cret")
            let basicCredentials =
                authorization == HTTPAuthentication.basicHeader(username: "swirl", password: "s3cret")
            guard form.contains("grant_type=client_credentials"), postCredentials || basicCredentials else {
                return .json(#"{"error":"invalid_client"}"#, status: .unauthorized)
            }
            return .json(#"{"access_token":"abc","expires_in":3600,"token_type":"Bearer"}"#)
        case ("GET", 1, "redirect", _, _, _):
            return LoopbackResponse(status: .found, headers: [("Location", "/v2/pet/1")])
        case ("GET", 1, "text", _, _, _):
            return LoopbackResponse(status: .ok, headers: [("Content-Type", "text/plain")], body: "hello, world")
        case ("POST", 1, "a2a", _, _, _):
            return Self.agent(request)
        case ("POST", 2, "secure", "a2a", _, _):
            guard request.headers.first(name: "X-API-Key") == "s3cr3t" else {
                return .json(#"{"error":"unauthorized"}"#, status: .unauthorized)
            }
            return Self.agent(request)
        case (_, _, "echo", _, _, _):
            var headers: [String] = []
            for (name, value) in request.headers {
                headers.append("\(JSON.quote(name.lowercased())):\(JSON.quote(value))")
            }
            return .json(
                #"{"method":\#(JSON.quote(request.method)),"uri":\#(JSON.quote(request.uri)),"#
                    + #""headers":{\#(headers.joined(separator: ","))},"body":\#(JSON.quote(request.body))}"#)
        default:
            return LoopbackResponse(status: .notFound, body: "no route for \(request.method) \(path)")
        }
    }

    /// An A2A agent's JSON-RPC answer to `request`.
    private static func agent(_ request: LoopbackHTTPServer.Seen) -> LoopbackResponse {
        let message = (try? JSON(parsing: request.body)) ?? .null
        let id = message["id"] ?? .null
        let params = message["params"] ?? .null
        func answer(_ result: JSON) -> String { JSON.object(["jsonrpc": "2.0", "id": id, "result": result]).serialized() }
        switch message["method"]?.stringValue {
        case "message/send":
            let text = params["message"]?["parts"]?[0]?["text"]?.stringValue ?? ""
            return .json(
                answer([
                    "kind": "task", "id": "task-1", "contextId": "ctx-1", "status": ["state": "completed"],
                    "history": [params["message"] ?? .null],
                    "artifacts": [["artifactId": "a1", "parts": [["kind": "text", "text": .string("report: " + text)]]]],
                ]))
        case "message/stream":
            let events: [JSON] = [
                ["kind": "task", "id": "task-2", "status": ["state": "submitted"]],
                ["kind": "status-update", "taskId": "task-2", "status": ["state": "working"], "final": false],
                ["kind": "status-update", "taskId": "task-2", "status": ["state": "completed"], "final": true],
            ]
            let body = ": the agent streams\n\n" + events.map { "data: " + answer($0) + "\n\n" }.joined()
            return LoopbackResponse(status: .ok, headers: [("Content-Type", "text/event-stream")], body: body)
        case "tasks/get":
            return .json(answer(["kind": "task", "id": params["id"] ?? .null, "status": ["state": "completed"]]))
        case "tasks/cancel":
            return .json(
                JSON.object(["jsonrpc": "2.0", "id": id, "error": ["code": -32002, "message": "Task cannot be canceled"]]).serialized())
        default:
            return .json(JSON.object(["jsonrpc": "2.0", "id": id, "error": ["code": -32601, "message": "Method not found"]]).serialized())
        }
    }

    /// RFC 7616 with MD5 and qop=auth: a challenge first, then the answer checked.
    private func digest(
        _ request: LoopbackHTTPServer.Seen, user: String, password: String, authorization: String
    ) -> LoopbackResponse {
        let challenge = LoopbackResponse(
            status: .unauthorized,
            headers: [
                (
                    "WWW-Authenticate",
                    #"Digest realm="\#(LoopbackHTTPServer.digestRealm)", qop="auth", "#
                        + #"nonce="\#(LoopbackHTTPServer.digestNonce)", opaque="5ccc069c403ebaf9f0171e9517f40e41""#
                )
            ])
        guard authorization.hasPrefix("Digest ") else { return challenge }
        let fields = HTTPDigestChallenge.parameters(authorization.dropFirst("Digest ".count))
        guard let cnonce = fields["cnonce"], let nc = fields["nc"], fields["uri"] == request.uri,
            fields["username"] == user, fields["nonce"] == LoopbackHTTPServer.digestNonce
        else { return challenge }
        let ha1 = HTTPDigestMD5.hex("\(user):\(LoopbackHTTPServer.digestRealm):\(password)")
        let ha2 = HTTPDigestMD5.hex("\(request.method):\(request.uri)")
        let expected = HTTPDigestMD5.hex("\(ha1):\(LoopbackHTTPServer.digestNonce):\(nc):\(cnonce):auth:\(ha2)")
        guard fields["response"] == expected else { return challenge }
        return .json(#"{"authenticated":true,"user":"\#(user)"}"#)
    }
}
