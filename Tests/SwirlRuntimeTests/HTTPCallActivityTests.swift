import AsyncHTTPClient
import Foundation
import NIOHTTP1
import SwirlCore
import Testing

@testable import SwirlRuntime

/// Runs `call: http` against a real server on loopback (``LoopbackHTTPServer``).
@Suite struct HTTPCallActivityTests {
    static let task = "/do/0/getPet"

    static func request(_ with: JSON, input: JSON = [:]) -> ActivityRequest {
        ActivityRequest(
            key: "run-7/do/0/getPet", kind: "call:http", arguments: with, input: input, task: task, runID: "run-7")
    }

    /// Runs `body` with a started server and an activity whose client is shut down afterwards.
    static func withActivity<T>(
        authentications: [String: JSON] = [:],
        secrets: Secrets = Secrets(),
        rewrites: ((LoopbackHTTPServer) -> [HTTPCallActivity.Rewrite])? = nil,
        _ body: (LoopbackHTTPServer, HTTPCallActivity) async throws -> T
    ) async throws -> T {
        try await LoopbackHTTPServer.withServer { server in
            let client = HTTPCallActivity.makeClient()
            let activity = HTTPCallActivity(
                client: client, authentications: authentications, secrets: secrets, rewrites: rewrites?(server) ?? [])
            do {
                let result = try await body(server, activity)
                try await client.shutdown()
                return result
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }

    /// The workflow error `body` throws; `nil`, with an issue recorded, when it returns or throws another error.
    static func error(_ body: () async throws -> JSON) async -> WorkflowError? {
        do {
            let output = try await body()
            Issue.record("expected an error, got \(output)")
        } catch let error as WorkflowError {
            return error
        } catch {
            Issue.record("expected a WorkflowError, got \(error)")
        }
        return nil
    }

    @Test("the network activities are exactly the kinds validation counts as runnable through them")
    func networkKinds() async throws {
        let client = HTTPCallActivity.makeClient()
        let activities = ActivityRegistry.network(http: HTTPCallActivity(client: client))
        try await client.shutdown()
        #expect(Set(activities.keys) == ActivityRegistry.networkKinds)
    }

    @Test("content output decodes JSON; the status query comes from the template")
    func contentOutput() async throws {
        try await Self.withActivity { server, activity in
            let output = try await activity.run(
                Self.request(
                    ["method": "get", "endpoint": .string(server.baseURL + "/v2/pet/findByStatus?status={status}")],
                    input: ["status": "available"]))
            #expect(output[0] == ["id": 1, "name": "doggie", "status": "available"])
            #expect(output.arrayValue?.count == 2)
        }
    }

    @Test("response output describes the request and the response")
    func responseOutput() async throws {
        try await Self.withActivity { server, activity in
            let output = try await activity.run(
                Self.request(
                    [
                        "method": "GET", "endpoint": ["uri": .string(server.baseURL + "/v2/pet/{petId}")],
                        "output": "response",
                    ],
                    input: ["petId": 1]))
            #expect(output["statusCode"] == 200)
            #expect(output["content"]?["name"] == "doggie")
            #expect(output["request"]?["method"] == "GET")
            #expect(output["request"]?["uri"] == .string(server.baseURL + "/v2/pet/1"))
            #expect(output["request"]?["headers"]?["Idempotency-Key"] == "run-7:run-7/do/0/getPet")
            #expect(output["headers"]?["Content-Type"] == "application/json")
        }
    }

    @Test("raw output is the body in base64; text bodies come back as strings")
    func rawAndText() async throws {
        try await Self.withActivity { server, activity in
            let raw = try await activity.run(
                Self.request(
                    ["method": "GET", "endpoint": .string(server.baseURL + "/text"), "output": "raw"]))
            #expect(raw == .string(Data("hello, world".utf8).base64EncodedString()))
            let text = try await activity.run(
                Self.request(["method": "GET", "endpoint": .string(server.baseURL + "/text")]))
            #expect(text == "hello, world")
        }
    }

    @Test("URI templates: a missing variable is empty, an object is an expression error")
    func templates() async throws {
        try await Self.withActivity { server, activity in
            let endpoint = JSON.string(server.baseURL + "/echo/{missing}")
            // `/echo/` has the same route as `/echo`.
            let output = try await activity.run(Self.request(["method": "POST", "endpoint": endpoint]))
            #expect(output["uri"] == "/echo/")
            let error = try #require(
                await Self.error {
                    try await activity.run(
                        Self.request(
                            ["method": "GET", "endpoint": .string(server.baseURL + "/v2/pet/{petId}")],
                            input: ["petId": ["a": 1]]))
                })
            #expect(error.type == WorkflowError.Kind.expression.type)
            #expect(error.status == 400)
            #expect(error.instance == Self.task)
        }
    }

    @Test("RFC 6570 operators expand scalars")
    func operators() throws {
        let input: JSON = [
            "var": "value", "hello": "Hello World!", "path": "/foo/bar", "x": 1024, "y": 768, "empty": "",
        ]
        let cases: [(String, String)] = [
            ("{var}", "value"), ("{hello}", "Hello%20World%21"), ("{+path}/here", "/foo/bar/here"),
            ("{#path}", "#/foo/bar"), ("{x,y}", "1024,768"), ("{?x,y,undef}", "?x=1024&y=768"),
            ("?fixed=yes{&x}", "?fixed=yes&x=1024"), ("{/var,x}/here", "/value/1024/here"), ("X{.var}", "X.value"),
            ("{;x,y,empty}", ";x=1024;y=768;empty"), ("{?empty}", "?empty="), ("{undef}", ""), ("{?undef}", ""),
            ("{+hello}", "Hello%20World!"),
        ]
        for (template, expected) in cases {
            #expect(try HTTPURITemplateExpansion.expand(template, input: input, task: "/t") == expected, "\(template)")
        }
    }

    @Test("query and headers are sent; a JSON body gets its content type")
    func queryHeadersBody() async throws {
        try await Self.withActivity { server, activity in
            let output = try await activity.run(
                Self.request([
                    "method": "POST", "endpoint": .string(server.baseURL + "/echo"),
                    "query": ["q": "a b&c", "n": 3], "headers": ["X-Trace": "t1", "X-Count": 2],
                    "body": ["name": "Rex", "tags": [1, 2]],
                ]))
            #expect(output["method"] == "POST")
            #expect(output["uri"] == "/echo?q=a%20b%26c&n=3")
            #expect(output["headers"]?["x-trace"] == "t1")
            #expect(output["headers"]?["x-count"] == "2")
            #expect(output["headers"]?["content-type"] == "application/json")
            let body = try JSON(parsing: try #require(output["body"]?.stringValue))
            #expect(body == ["name": "Rex", "tags": [1, 2]])

            let text = try await activity.run(
                Self.request(
                    ["method": "PUT", "endpoint": .string(server.baseURL + "/echo"), "body": "plain words"]))
            #expect(text["body"] == "plain words")
            #expect(text["headers"]?["content-type"] == "text/plain; charset=utf-8")
        }
    }

    @Test("every request carries the step's idempotency key")
    func idempotencyKey() async throws {
        try await Self.withActivity { server, activity in
            _ = try await activity.run(
                Self.request(["method": "GET", "endpoint": .string(server.baseURL + "/v2/pet/2")]))
            _ = try await activity.run(
                Self.request(["method": "GET", "endpoint": .string(server.baseURL + "/v2/pet/2")]))
            #expect(
                server.seen.map { $0.headers.first(name: "Idempotency-Key") } == [
                    "run-7:run-7/do/0/getPet", "run-7:run-7/do/0/getPet",
                ])
        }
    }

    @Test("a 404 stays 404, with the task as instance and the body in the detail")
    func notFound() async throws {
        try await Self.withActivity { server, activity in
            let error = try #require(
                await Self.error {
                    try await activity.run(
                        Self.request(
                            ["method": "GET", "endpoint": .string(server.baseURL + "/v2/pet/getPetByName/{petName}")],
                            input: ["petName": "Rex"]))
                })
            #expect(error.type == WorkflowError.Kind.communication.type)
            #expect(error.status == 404)
            #expect(error.title == "HTTP 404 Not Found")
            #expect(error.instance == Self.task)
            #expect(error.detail?.contains("GET \(server.baseURL)/v2/pet/getPetByName/Rex") == true)
            #expect(error.detail?.contains("Pet not found") == true)
        }
    }

    @Test("a 302 is an error without redirect: true and is followed with it")
    func redirects() async throws {
        try await Self.withActivity { server, activity in
            let endpoint = JSON.string(server.baseURL + "/redirect")
            let error = try #require(
                await Self.error {
                    try await activity.run(Self.request(["method": "GET", "endpoint": endpoint]))
                })
            #expect(error.status == 302)
            #expect(error.type == WorkflowError.Kind.communication.type)
            let output = try await activity.run(
                Self.request(["method": "GET", "endpoint": endpoint, "redirect": true]))
            #expect(output["id"] == 1)
            #expect(server.seen.map(\.uri) == ["/redirect", "/redirect", "/v2/pet/1"])
        }
    }

    @Test("a refused connection is a communication error")
    func connectionRefused() async throws {
        let closedPort = try await LoopbackHTTPServer.withServer { $0.port }
        let client = HTTPCallActivity.makeClient()
        let activity = HTTPCallActivity(client: client)
        let error = await Self.error {
            try await activity.run(
                Self.request(["method": "GET", "endpoint": .string("http://127.0.0.1:\(closedPort)/x")]))
        }
        try await client.shutdown()
        let refused = try #require(error)
        #expect(refused.type == WorkflowError.Kind.communication.type)
        #expect(refused.status == 500)
        #expect(refused.title == "HTTP request failed")
        #expect(refused.instance == Self.task)
    }

    @Test("basic authentication, inline and from a named policy backed by a secret")
    func basic() async throws {
        let named: [String: JSON] = ["petstore": ["basic": ["use": "petstoreCredentials"]]]
        let secrets = Secrets(["petstoreCredentials": ["username": "ann", "password": "pa55"]])
        try await Self.withActivity(authentications: named, secrets: secrets) { server, activity in
            let inline = try await activity.run(
                Self.request([
                    "method": "GET",
                    "endpoint": [
                        "uri": .string(server.baseURL + "/basic-auth/bob/secret"),
                        "authentication": ["basic": ["username": "bob", "password": "secret"]],
                    ],
                ]))
            #expect(inline["user"] == "bob")
            let fromSecret = try await activity.run(
                Self.request([
                    "method": "GET",
                    "endpoint": [
                        "uri": .string(server.baseURL + "/basic-auth/ann/pa55"), "authentication": ["use": "petstore"],
                    ],
                ]))
            #expect(fromSecret["authenticated"] == true)
            let wrong = try #require(
                await Self.error {
                    try await activity.run(
                        Self.request([
                            "method": "GET",
                            "endpoint": [
                                "uri": .string(server.baseURL + "/basic-auth/bob/other"),
                                "authentication": ["basic": ["username": "bob", "password": "secret"]],
                            ],
                        ]))
                })
            #expect(wrong.status == 401)
        }
    }

    @Test("a missing secret or policy name is refused before any request")
    func missingPolicy() async throws {
        try await Self.withActivity { server, activity in
            let unknown = try #require(
                await Self.error {
                    try await activity.run(
                        Self.request([
                            "method": "GET",
                            "endpoint": [
                                "uri": .string(server.baseURL + "/bearer"), "authentication": ["use": "nope"],
                            ],
                        ]))
                })
            #expect(unknown.type == WorkflowError.Kind.configuration.type)
            let secret = try #require(
                await Self.error {
                    try await activity.run(
                        Self.request([
                            "method": "GET",
                            "endpoint": [
                                "uri": .string(server.baseURL + "/bearer"),
                                "authentication": ["bearer": ["use": "gone"]],
                            ],
                        ]))
                })
            #expect(secret.status == 403)
            #expect(server.seen.isEmpty)
        }
    }

    @Test("bearer authentication")
    func bearer() async throws {
        try await Self.withActivity { server, activity in
            let output = try await activity.run(
                Self.request([
                    "method": "GET",
                    "endpoint": [
                        "uri": .string(server.baseURL + "/bearer"), "authentication": ["bearer": ["token": "abc"]],
                    ],
                ]))
            #expect(output["token"] == "abc")
        }
    }

    @Test("digest authentication answers the server's challenge once")
    func digest() async throws {
        try await Self.withActivity { server, activity in
            let output = try await activity.run(
                Self.request([
                    "method": "GET",
                    "endpoint": [
                        "uri": .string(server.baseURL + "/digest-auth/mufasa/circle"),
                        "authentication": ["digest": ["username": "mufasa", "password": "circle"]],
                    ],
                ]))
            #expect(output["user"] == "mufasa")
            #expect(server.seen.count == 2)
            let wrong = try #require(
                await Self.error {
                    try await activity.run(
                        Self.request([
                            "method": "GET",
                            "endpoint": [
                                "uri": .string(server.baseURL + "/digest-auth/mufasa/circle"),
                                "authentication": ["digest": ["username": "mufasa", "password": "lion"]],
                            ],
                        ]))
                })
            #expect(wrong.status == 401)
            #expect(server.seen.count == 4)
        }
    }

    @Test("digest and MD5 match RFC 2617's worked example and RFC 1321's test suite")
    func digestVectors() {
        #expect(HTTPDigestMD5.hex("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(HTTPDigestMD5.hex("abc") == "900150983cd24fb0d6963f7d28e17f72")
        #expect(HTTPDigestMD5.hex(String(repeating: "1234567890", count: 8)) == "57edf4a22be3c955ac49da2e2107b67a")
        let challenge = HTTPDigestChallenge(headers: [
            #"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", "#
                + #"opaque="5ccc069c403ebaf9f0171e9517f40e41""#
        ])
        let header = challenge?.authorization(
            username: "Mufasa", password: "Circle Of Life", method: "GET", uri: "/dir/index.html", cnonce: "0a4f113b")
        #expect(header?.contains(#"response="6629fae49393a05397450978507c4ef1""#) == true)
    }

    @Test(
        "oauth2 client credentials: one token request serves two calls",
        arguments: ["client_secret_post", "client_secret_basic"])
    func oauth2(clientAuthentication: String) async throws {
        let policy: JSON = [
            "oauth2": [
                "authority": "https://auth.example", "grant": "client_credentials",
                "client": ["id": "swirl", "secret": "s3cret", "authentication": .string(clientAuthentication)],
                "scopes": ["pets:read"],
            ]
        ]
        try await Self.withActivity(
            authentications: ["auth": policy],
            rewrites: { [("https://auth.example", $0.baseURL)] }
        ) { server, activity in
            for _ in 0..<2 {
                let output = try await activity.run(
                    Self.request([
                        "method": "GET",
                        "endpoint": ["uri": .string(server.baseURL + "/bearer"), "authentication": ["use": "auth"]],
                    ]))
                #expect(output["authenticated"] == true)
            }
            #expect(server.tokenRequests == 1)
            let tokenRequest = try #require(server.seen.first { $0.uri == "/oauth2/token" })
            #expect(tokenRequest.body.contains("scope=pets%3Aread"))
            #expect(tokenRequest.headers.first(name: "Content-Type") == "application/x-www-form-urlencoded")
        }
    }

    @Test("an endpoint rewrite sends petstore's URL to the loopback server")
    func rewrite() async throws {
        try await Self.withActivity(rewrites: { [("https://petstore.swagger.io", $0.baseURL)] }) { server, activity in
            let output = try await activity.run(
                Self.request(
                    ["method": "GET", "endpoint": "https://petstore.swagger.io/v2/pet/{petId}", "output": "response"],
                    input: ["petId": 1]))
            #expect(output["content"]?["id"] == 1)
            #expect(output["request"]?["uri"] == "https://petstore.swagger.io/v2/pet/1")
            #expect(server.seen.map(\.uri) == ["/v2/pet/1"])
        }
    }

    @Test("FROM=TO rewrites parse one by one and as a ;-separated list")
    func parseRewrites() throws {
        let one = try HTTPCallActivity.parseRewrite("https://a.example=http://127.0.0.1:9")
        #expect(one.from == "https://a.example" && one.to == "http://127.0.0.1:9")
        let list = try HTTPCallActivity.parseRewrites("https://a=http://b; ;https://c=http://d?x=1")
        #expect(list.map(\.from) == ["https://a", "https://c"])
        #expect(list.map(\.to) == ["http://b", "http://d?x=1"])
        #expect(throws: HTTPCallActivity.RewriteParseError.self) { try HTTPCallActivity.parseRewrite("no-equals") }
        #expect(throws: HTTPCallActivity.RewriteParseError.self) { try HTTPCallActivity.parseRewrite("=http://x") }
    }

    @Test("cancelling the task cancels a slow request")
    func cancellation() async throws {
        try await Self.withActivity { server, activity in
            let call = Task {
                try await activity.run(Self.request(["method": "GET", "endpoint": .string(server.baseURL + "/slow")]))
            }
            await server.waitForRequest(path: "/slow")
            call.cancel()
            let result = await call.result
            guard case .failure(let error) = result else {
                Issue.record("expected cancellation, got \(result)")
                return
            }
            #expect((error as? WorkflowError)?.title == "HTTP request cancelled")
        }
    }
}
