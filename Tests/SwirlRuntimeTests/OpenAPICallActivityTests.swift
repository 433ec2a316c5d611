import Foundation
import NIOHTTP1
import Synchronization
import SwirlCompiler
import SwirlCore
import SwirlSyntax
import SwirlTestSupport
import Testing

@testable import SwirlRuntime

/// `call: openapi` against the loopback server, which serves a Swagger 2.0 pet store (reached
/// through an endpoint rewrite, as the conformance kit's `petstore.swagger.io`) and an OpenAPI 3
/// document in YAML whose operations answer by echoing the request.
@Suite struct OpenAPICallActivityTests {
    /// A trimmed pet store in Swagger 2.0, at `https://petstore.swagger.io/v2/swagger.json`.
    static let swagger = """
        {
          "swagger": "2.0",
          "info": {"title": "Pet store", "version": "1.0.0"},
          "host": "petstore.swagger.io",
          "basePath": "/v2",
          "schemes": ["https", "http"],
          "paths": {
            "/pet/findByStatus": {
              "get": {
                "operationId": "findPetsByStatus",
                "produces": ["application/json"],
                "parameters": [{"name": "status", "in": "query", "required": true, "type": "array",
                                "items": {"type": "string"}, "collectionFormat": "multi"}],
                "responses": {"200": {"description": "pets"}}
              }
            },
            "/pet/{petId}": {
              "parameters": [{"$ref": "#/parameters/petId"}],
              "get": {"operationId": "getPetById", "responses": {"200": {"description": "a pet"}}},
              "post": {
                "operationId": "updatePetWithForm",
                "consumes": ["application/x-www-form-urlencoded"],
                "parameters": [{"name": "name", "in": "formData", "type": "string"},
                               {"name": "status", "in": "formData", "type": "string"}],
                "responses": {"200": {"description": "updated"}}
              }
            }
          },
          "parameters": {"petId": {"name": "petId", "in": "path", "required": true, "type": "integer"}}
        }
        """

    /// An OpenAPI 3 document in YAML; its relative server sends every operation to `/echo/v3`.
    static let openAPI3 = """
        openapi: 3.1.0
        info: {title: Echo, version: 1.0.0}
        servers:
          - url: /echo/{version}
            variables:
              version: {default: v3}
        components:
          securitySchemes:
            keyAuth: {type: apiKey, in: query, name: key}
            basicAuth: {type: http, scheme: basic}
          parameters:
            petId: {name: petId, in: path, required: true, schema: {type: integer}}
        security:
          - keyAuth: []
        paths:
          /pets/{petId}:
            get:
              operationId: showPet
              parameters:
                - $ref: '#/components/parameters/petId'
                - {name: tags, in: query, explode: false, schema: {type: array}}
                - {name: filter, in: query, style: deepObject, schema: {type: object}}
                - {name: X-Trace, in: header, schema: {type: string}}
                - {name: session, in: cookie, schema: {type: string}}
              responses:
                '200':
                  description: the pet
                  content:
                    application/json: {schema: {type: object}}
          /pets/{petId}/label{coordinates}:
            get:
              operationId: labelAndMatrix
              security: [{basicAuth: []}]
              parameters:
                - {name: petId, in: path, required: true, style: label, schema: {type: array}}
                - {name: coordinates, in: path, required: true, style: matrix, explode: true, schema: {type: object}}
              responses: {'200': {description: ok}}
          /pets:
            post:
              operationId: addPet
              requestBody:
                required: true
                content:
                  application/json: {schema: {type: object}}
              responses: {'200': {description: added}}
          /forms:
            post:
              operationId: sendForm
              requestBody:
                x-codegen-request-body-name: form
                content:
                  application/x-www-form-urlencoded: {schema: {type: object}}
              responses: {'200': {description: sent}}
        """

    /// Runs `body` with the loopback server serving both documents and an OpenAPI activity whose
    /// HTTP activity rewrites the pet store's address to the server.
    static func withActivity<T>(
        authentications: [String: JSON] = [:],
        secrets: Secrets = Secrets(),
        _ body: (LoopbackHTTPServer, OpenAPICallActivity) async throws -> T
    ) async throws -> T {
        try await withActivities(authentications: authentications, secrets: secrets) { server, openapi, _ in
            try await body(server, openapi)
        }
    }

    /// ``withActivity(authentications:secrets:_:)`` that also hands over the HTTP activity.
    static func withActivities<T>(
        authentications: [String: JSON] = [:],
        secrets: Secrets = Secrets(),
        _ body: (LoopbackHTTPServer, OpenAPICallActivity, HTTPCallActivity) async throws -> T
    ) async throws -> T {
        try await HTTPCallActivityTests.withActivity(
            authentications: authentications, secrets: secrets,
            rewrites: { server in [(from: "https://petstore.swagger.io", to: server.baseURL)] }
        ) { server, http in
            server.serve("/v2/swagger.json", contentType: "application/json", body: swagger)
            server.serve("/v3/openapi.yaml", contentType: "application/yaml", body: openAPI3)
            return try await body(server, OpenAPICallActivity(http: http), http)
        }
    }

    static func request(_ arguments: JSON, input: JSON = [:], key: String = "/do/0/call#0") -> ActivityRequest {
        ActivityRequest(key: key, kind: "call:openapi", arguments: arguments, input: input, task: "/do/0/call", runID: "run-1")
    }

    static func v3(_ operationId: String, _ parameters: JSON, output: String = "content", extra: JSON = [:]) -> JSON {
        var with: OrderedDictionary<String, JSON> = [
            "document": ["endpoint": "http://127.0.0.1:{port}/v3/openapi.yaml"], "operationId": .string(operationId),
            "parameters": parameters, "output": .string(output),
        ]
        for (key, value) in extra.objectValue ?? [:] { with[key] = value }
        return .object(with)
    }

    @Test("a Swagger 2.0 operation: host, basePath and scheme from the document, a multi query, the pets as content")
    func swaggerQuery() async throws {
        try await Self.withActivity { server, activity in
            let output = try await activity.run(
                Self.request([
                    "document": ["endpoint": "https://petstore.swagger.io/v2/swagger.json"],
                    "operationId": "findPetsByStatus", "parameters": ["status": "available"],
                ]))
            #expect(output.arrayValue?.count == 2)
            #expect(output[0]?["name"] == "doggie")
            let call = try #require(server.seen.last)
            #expect(call.uri == "/v2/pet/findByStatus?status=available")
            #expect(call.headers.first(name: "Accept") == "application/json")
            #expect(call.headers.first(name: "Idempotency-Key") == "run-1:/do/0/call#0")
        }
    }

    @Test("a path parameter from a shared $ref, and output: response as call: http gives it")
    func swaggerPathResponse() async throws {
        try await Self.withActivity { _, activity in
            let output = try await activity.run(
                Self.request([
                    "document": ["endpoint": "https://petstore.swagger.io/v2/swagger.json"],
                    "operationId": "getPetById", "parameters": ["petId": 1], "output": "response",
                ]))
            #expect(output["statusCode"] == 200)
            #expect(output["content"]?["name"] == "doggie")
            #expect(output["request"]?["method"] == "GET")
            #expect(output["request"]?["uri"] == "https://petstore.swagger.io/v2/pet/1")
        }
    }

    @Test("Swagger 2.0 formData parameters become a form body")
    func swaggerForm() async throws {
        try await Self.withActivity { server, activity in
            // The route answers 404 (no such route for POST), which is what the call reports; the request is what counts.
            _ = await HTTPCallActivityTests.error {
                try await activity.run(
                    Self.request([
                        "document": ["endpoint": "https://petstore.swagger.io/v2/swagger.json"],
                        "operationId": "updatePetWithForm", "parameters": ["petId": 2, "name": "kitty cat", "status": "sold"],
                    ]))
            }
            let call = try #require(server.seen.last)
            #expect(call.method == "POST")
            #expect(call.uri == "/v2/pet/2")
            #expect(call.headers.first(name: "Content-Type") == "application/x-www-form-urlencoded")
            #expect(call.body == "name=kitty%20cat&status=sold")
        }
    }

    @Test("OpenAPI 3 in YAML: relative server with a variable, styles of every place, an API key from use.authentications")
    func openAPI3Styles() async throws {
        try await Self.withActivity(authentications: ["keyAuth": ["bearer": ["token": "k3y"]]]) { server, activity in
            let arguments = Self.v3(
                "showPet",
                [
                    "petId": 7, "tags": ["a", "b c"], "filter": ["color": "red", "size": 2], "X-Trace": "t-1",
                    "session": "s/1",
                ])
            let output = try await activity.run(Self.request(arguments, input: ["port": .number(Double(server.port))]))
            #expect(output["method"] == "GET")
            #expect(output["uri"] == "/echo/v3/pets/7?tags=a,b%20c&filter%5Bcolor%5D=red&filter%5Bsize%5D=2&key=k3y")
            #expect(output["headers"]?["x-trace"] == "t-1")
            #expect(output["headers"]?["cookie"] == "session=s%2F1")
            #expect(output["headers"]?["accept"] == "application/json")
        }
    }

    @Test("label and matrix path styles; the operation's own security names an http scheme used as call: http would")
    func labelMatrixAndBasic() async throws {
        try await Self.withActivity(authentications: ["basicAuth": ["basic": ["username": "u", "password": "p"]]]) {
            server, activity in
            let arguments = Self.v3("labelAndMatrix", ["petId": [3, 4], "coordinates": ["x": 1, "y": 2]])
            let output = try await activity.run(Self.request(arguments, input: ["port": .number(Double(server.port))]))
            #expect(output["uri"] == "/echo/v3/pets/.3,4/label;x=1;y=2")
            #expect(output["headers"]?["authorization"] == .string(HTTPAuthentication.basicHeader(username: "u", password: "p")))
        }
    }

    @Test("an OpenAPI 3 request body: parameters.body, else the parameters that are none of the operation's; a named form")
    func openAPI3Bodies() async throws {
        try await Self.withActivity { server, activity in
            let input: JSON = ["port": .number(Double(server.port))]
            let named = try await activity.run(Self.request(Self.v3("addPet", ["body": ["name": "rex"]]), input: input))
            #expect(named["headers"]?["content-type"] == "application/json")
            #expect(named["body"] == #"{"name":"rex"}"#)
            let gathered = try await activity.run(Self.request(Self.v3("addPet", ["name": "rex", "age": 3]), input: input))
            #expect(gathered["body"] == #"{"name":"rex","age":3}"#)
            let form = try await activity.run(Self.request(Self.v3("sendForm", ["form": ["a": "1 2", "b": true]]), input: input))
            #expect(form["body"] == "a=1%202&b=true")
            #expect(form["headers"]?["content-type"] == "application/x-www-form-urlencoded")
        }
    }

    @Test("an explicit authentication overrides the document's: a bearer token goes where its apiKey scheme says")
    func explicitAuthentication() async throws {
        try await Self.withActivity { server, activity in
            let arguments = Self.v3("showPet", ["petId": 1], extra: ["authentication": ["bearer": ["token": "t0k"]]])
            let output = try await activity.run(Self.request(arguments, input: ["port": .number(Double(server.port))]))
            #expect(output["uri"] == "/echo/v3/pets/1?key=t0k")
            #expect(output["headers"]?["authorization"] == nil)
        }
    }

    @Test("an unknown operation, a missing required parameter or body, an unknown parameter: validation errors naming them")
    func validationErrors() async throws {
        try await Self.withActivity { server, activity in
            let input: JSON = ["port": .number(Double(server.port))]
            let unknown = await HTTPCallActivityTests.error {
                try await activity.run(Self.request(Self.v3("deletePet", [:]), input: input))
            }
            #expect(unknown?.type == WorkflowError.Kind.validation.type)
            #expect(unknown?.detail?.contains("no operation 'deletePet'") == true)
            #expect(unknown?.detail?.contains("'showPet'") == true)
            #expect(unknown?.instance == "/do/0/call")

            let missing = await HTTPCallActivityTests.error {
                try await activity.run(Self.request(Self.v3("showPet", [:]), input: input))
            }
            #expect(missing?.type == WorkflowError.Kind.validation.type)
            #expect(missing?.detail?.contains("path parameter 'petId'") == true)

            let noBody = await HTTPCallActivityTests.error {
                try await activity.run(Self.request(Self.v3("addPet", [:]), input: input))
            }
            #expect(noBody?.detail?.contains("requires a request body") == true)

            let stray = await HTTPCallActivityTests.error {
                try await activity.run(Self.request(Self.v3("showPet", ["petId": 1, "colour": "red"]), input: input))
            }
            #expect(stray?.type == WorkflowError.Kind.validation.type)
            #expect(stray?.detail?.contains("'colour' is not a parameter of operation 'showPet'") == true)
        }
    }

    @Test("a document that is not OpenAPI, or does not read, is a configuration error naming its address")
    func badDocuments() async throws {
        try await Self.withActivity { server, activity in
            server.serve("/bad/one.json", contentType: "application/json", body: #"{"hello": "world"}"#)
            server.serve("/bad/two.yaml", contentType: "text/plain", body: "a: [unclosed")
            for path in ["/bad/one.json", "/bad/two.yaml"] {
                let error = await HTTPCallActivityTests.error {
                    try await activity.run(
                        Self.request(["document": ["endpoint": .string(server.baseURL + path)], "operationId": "x"]))
                }
                #expect(error?.type == WorkflowError.Kind.configuration.type)
                #expect(error?.detail?.contains(server.baseURL + path) == true, "\(String(describing: error))")
            }
            let missing = await HTTPCallActivityTests.error {
                try await activity.run(Self.request(["document": ["endpoint": .string(server.baseURL + "/nothing.json")], "operationId": "x"]))
            }
            #expect(missing?.type == WorkflowError.Kind.communication.type)
            #expect(missing?.status == 404)
            #expect(missing?.title?.hasPrefix("OpenAPI document not fetched") == true)
        }
    }

    @Test("the document is fetched once per process, saved as the step's progress, and a saved copy is used as it is")
    func documentCacheAndProgress() async throws {
        try await Self.withActivities { server, activity, http in
            let arguments: JSON = [
                "document": ["endpoint": "https://petstore.swagger.io/v2/swagger.json"], "operationId": "getPetById",
                "parameters": ["petId": 2],
            ]
            let saved = Mutex<[JSON]>([])
            let progress = ActivityProgress { details in saved.withLock { $0.append(details) } }
            _ = try await activity.run(Self.request(arguments), progress: progress)
            _ = try await activity.run(Self.request(arguments, key: "/do/0/call#1"), progress: progress)
            #expect(server.seen.filter { $0.uri == "/v2/swagger.json" }.count == 1)
            let details = saved.withLock { $0 }
            #expect(details.count == 2)
            #expect(details.first?["source"] == "https://petstore.swagger.io/v2/swagger.json")
            #expect(details.first?["document"]?["swagger"] == "2.0")

            // A step resumed with its saved copy calls the operation as that copy describes it, even
            // if the document has changed and the process has never seen it.
            server.serve("/v2/swagger.json", contentType: "application/json", body: #"{"swagger": "2.0", "paths": {}}"#)
            var resumed = Self.request(arguments, key: "/do/0/call#0")
            resumed.progress = StoredJSON(try #require(details.first))
            let fresh = OpenAPICallActivity(http: HTTPCallActivity(client: http.client, rewrites: [
                (from: "https://petstore.swagger.io", to: server.baseURL)
            ]))
            let output = try await fresh.run(resumed)
            #expect(output["name"] == "kitty")
            #expect(server.seen.filter { $0.uri == "/v2/swagger.json" }.count == 1)
        }
    }
}

/// `call: openapi` inside runs: the conformance kit's two scenarios, and a run resumed from the
/// checkpoint that holds the fetched document.
@Suite struct OpenAPIRunTests {
    static func compile(_ text: String) throws -> Program {
        let validated = WorkflowValidator.standard().validate(bytes: Array(text.utf8), file: "openapi.yaml")
        return try #require(validated.program, "\(DiagnosticRenderer().text(validated.diagnostics))")
    }

    @WorkerActor
    static func run(
        _ program: Program, input: JSON, openapi: OpenAPICallActivity, store: MemoryStore = MemoryStore(), resuming state: RunState? = nil
    ) async throws -> RunOutcome {
        let interpreter = try Interpreter(
            program: program, store: store, clock: SystemClock(), activities: ActivityRegistry(["call:openapi": openapi]))
        if let state { return try await interpreter.resume(state, in: store) }
        return try await interpreter.run(input: input, runID: "openapi-run")
    }

    @Test("Call OpenAPI With Content Output (conformance kit)")
    func contentOutput() async throws {
        let program = try Self.compile(
            """
            document: {dsl: '1.0.3', namespace: default, name: openapi-call-with-content-output, version: '1.0.0'}
            do:
              - findPet:
                  call: openapi
                  with:
                    document:
                      endpoint: "https://petstore.swagger.io/v2/swagger.json"
                    operationId: findPetsByStatus
                    parameters:
                      status: ${ .status }
                  output:
                    as: . | length
            """)
        let outcome = try await OpenAPICallActivityTests.withActivity { _, activity in
            try await Self.run(program, input: ["status": "available"], openapi: activity)
        }
        #expect(outcome == .completed(2))
    }

    @Test("Call OpenAPI With Response Output (conformance kit)")
    func responseOutput() async throws {
        let program = try Self.compile(
            """
            document: {dsl: '1.0.3', namespace: default, name: openapi-call-with-response-output, version: '1.0.0'}
            do:
              - getPet:
                  call: openapi
                  with:
                    document:
                      endpoint: "https://petstore.swagger.io/v2/swagger.json"
                    operationId: getPetById
                    parameters:
                      petId: ${ .petId }
                    output: response
            """)
        let outcome = try await OpenAPICallActivityTests.withActivity { _, activity in
            try await Self.run(program, input: ["petId": 1], openapi: activity)
        }
        guard case .completed(let output) = outcome else {
            Issue.record("the run did not complete: \(outcome)")
            return
        }
        for path in ["request", "request/method", "request/uri", "request/headers", "headers", "statusCode", "content", "content/id", "content/name", "content/status"] {
            #expect(try JSONPointer(parsing: "/" + path).resolve(in: output) != nil, "no \(path) in \(output)")
        }
    }

    @Test("a run resumed after the document was saved calls the operation as the saved copy says, with the same key")
    func resumeUsesSavedDocument() async throws {
        let program = try Self.compile(
            """
            document: {dsl: '1.0.3', namespace: t, name: openapi-resume, version: '1.0.0'}
            do:
              - getPet:
                  call: openapi
                  with:
                    document: {endpoint: "https://petstore.swagger.io/v2/swagger.json"}
                    operationId: getPetById
                    parameters: {petId: 2}
                  output: {as: .name}
            """)
        try await OpenAPICallActivityTests.withActivities { server, activity, http in
            let store = MemoryStore(recordingCheckpoints: true)
            let first = try await Self.run(program, input: [:], openapi: activity, store: store)
            #expect(first == .completed("kitty"))
            let states = try await store.checkpoints.map { try RunStateCoding.decode($0.state) }
            // The checkpoint written while the call was in flight holds the document it used.
            let saved = try #require(
                states.first { $0.activitiesInFlight.first?.progress?.value["document"] != nil }, "no checkpoint holds the document")
            let firstKey = server.seen.last?.headers.first(name: "Idempotency-Key")

            // The document changes (the operation moves), and a new process resumes the run.
            server.serve(
                "/v2/swagger.json", contentType: "application/json",
                body: OpenAPICallActivityTests.swagger.replacingOccurrences(of: "/pet/{petId}", with: "/moved/{petId}"))
            let fresh = OpenAPICallActivity(
                http: HTTPCallActivity(client: http.client, rewrites: [(from: "https://petstore.swagger.io", to: server.baseURL)]))
            let fetches = server.seen.filter { $0.uri == "/v2/swagger.json" }.count
            let resumed = try await Self.run(program, input: [:], openapi: fresh, resuming: saved)
            #expect(resumed == .completed("kitty"))
            #expect(server.seen.filter { $0.uri == "/v2/swagger.json" }.count == fetches)
            #expect(server.seen.last?.uri == "/v2/pet/2")
            #expect(server.seen.last?.headers.first(name: "Idempotency-Key") == firstKey)
        }
    }
}

extension OpenAPIRunTests {
    @Test("the OpenAPI example of Workflows/ runs against the stand-in, fetching the document once")
    func example() async throws {
        let path = PackageRoot.path("Workflows/available-pets-openapi-network.yaml")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let program = try #require(WorkflowValidator.standard().validate(bytes: bytes, file: path).program)
        try await OpenAPICallActivityTests.withActivity { server, activity in
            let outcome = try await Self.run(program, input: ["status": "available"], openapi: activity)
            #expect(outcome == .completed(["name": "doggie", "status": "available"]))
            #expect(server.seen.filter { $0.uri == "/v2/swagger.json" }.count == 1)
        }
    }
}

/// Documents and answers built to break the readers: each fails with a clear error, and nothing loops.
@Suite struct OpenAPIHostileInputTests {
    static func document(_ root: JSON) throws(WorkflowError) -> OpenAPIDocument {
        try OpenAPIDocument(root, source: "https://example.com/api/openapi.json", task: "/do/0/call")
    }

    static func failure(_ body: () throws(WorkflowError) -> Void) -> WorkflowError? {
        do throws(WorkflowError) {
            try body()
            return nil
        } catch {
            return error
        }
    }

    @Test("a $ref loop, a reference outside the document and a dangling one fail with configuration errors")
    func references() throws {
        let document = try Self.document([
            "openapi": "3.0.3", "paths": [:],
            "components": ["parameters": ["a": ["$ref": "#/components/parameters/b"], "b": ["$ref": "#/components/parameters/a"]]],
        ])
        for (reference, words) in [
            ("#/components/parameters/a", "loop"), ("other.yaml#/x", "outside the document"), ("#/nothing/here", "points at nothing"),
        ] {
            let error = Self.failure { () throws(WorkflowError) in _ = try document.resolved(["$ref": .string(reference)], task: "/do/0/call") }
            #expect(error?.type == WorkflowError.Kind.configuration.type)
            #expect(error?.detail?.contains(words) == true, "\(reference): \(String(describing: error))")
        }
    }

    @Test("documents that are not OpenAPI, or lack paths, or whose server has an undefined variable, are refused")
    func shapes() throws {
        for root: JSON in [["openapi": "2.5"], ["swagger": "1.2", "paths": [:]], ["openapi": "3.1.0"], "text", []] {
            #expect(Self.failure { () throws(WorkflowError) in _ = try Self.document(root) }?.type == WorkflowError.Kind.configuration.type, "\(root)")
        }
        let document = try Self.document([
            "openapi": "3.0.0", "servers": [["url": "https://{region}.example.com"]],
            "paths": ["/a": ["get": ["operationId": "a"]]],
        ])
        let error = Self.failure { () throws(WorkflowError) in _ = try document.operation("a", task: "/do/0/call") }
        #expect(error?.detail?.contains("variable without a default") == true)
    }

    @Test("a path parameter of a style a path cannot take, and a value a query style cannot lay out, are configuration errors")
    func styles() throws {
        let document = try Self.document([
            "openapi": "3.0.0",
            "paths": [
                "/a/{id}": ["get": ["operationId": "a", "parameters": [["name": "id", "in": "path", "style": "form"]]]],
                "/b": ["get": ["operationId": "b", "parameters": [["name": "q", "in": "query", "style": "deepObject"]]]],
            ],
        ])
        for (operation, parameters) in [("a", ["id": 1] as OrderedDictionary<String, JSON>), ("b", ["q": [1, 2]])] {
            let found = try document.operation(operation, task: "/do/0/call")
            let error = Self.failure { () throws(WorkflowError) in
                _ = try OpenAPIRequestBuilder(operation: found, operationID: operation, task: "/do/0/call").build(parameters)
            }
            #expect(error?.type == WorkflowError.Kind.configuration.type, "\(operation)")
        }
    }

    @Test("a header parameter holding a line break is refused rather than sent")
    func headerInjection() throws {
        let document = try Self.document([
            "openapi": "3.0.0", "paths": ["/a": ["get": ["operationId": "a", "parameters": [["name": "X-A", "in": "header"]]]]],
        ])
        let found = try document.operation("a", task: "/do/0/call")
        let error = Self.failure { () throws(WorkflowError) in
            _ = try OpenAPIRequestBuilder(operation: found, operationID: "a", task: "/do/0/call").build(["X-A": "v\r\nX-B: w"])
        }
        #expect(error?.detail?.contains("line break") == true)
    }

    @Test("agent cards without a JSON-RPC interface or with a non-HTTP url, and answers that are no JSON-RPC response, are errors")
    func a2aAnswers() throws {
        let source = "https://agent.example.com/.well-known/agent-card.json"
        for card: JSON in [["name": "x"], ["url": "https://a.example.com", "preferredTransport": "GRPC"], ["url": "ftp://a.example.com/"]] {
            let error = Self.failure { () throws(WorkflowError) in _ = try A2ACallActivity.endpoint(of: card, source: source, task: "/do/0/ask") }
            #expect(error?.type == WorkflowError.Kind.configuration.type, "\(card)")
        }
        #expect(
            try A2ACallActivity.endpoint(
                of: ["url": "https://a.example.com", "preferredTransport": "GRPC",
                     "additionalInterfaces": [["url": "https://b.example.com/rpc", "transport": "JSONRPC"]]],
                source: source, task: "/do/0/ask") == "https://b.example.com/rpc")
        for answer: JSON in [[:], "text", ["jsonrpc": "2.0", "id": 1]] {
            let error = Self.failure { () throws(WorkflowError) in _ = try A2ACallActivity.result(of: answer, method: "tasks/get", url: "u", task: "/do/0/ask") }
            #expect(error?.type == WorkflowError.Kind.runtime.type, "\(answer)")
        }
        let notJSON = Self.failure { () throws(WorkflowError) in _ = try A2ACallActivity.events("data: {not json\n\n", method: "message/stream", url: "u", task: "/do/0/ask") }
        #expect(notJSON?.title == "Invalid A2A answer")
        // An event that never ends (no blank line) is not an event; the stream gives nothing.
        #expect(try A2ACallActivity.events("data: {\"a\": 1}", method: "message/stream", url: "u", task: "/do/0/ask").isEmpty)
    }
}
