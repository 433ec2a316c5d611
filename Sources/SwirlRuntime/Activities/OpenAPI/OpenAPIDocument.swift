import Foundation
import SwirlCore

/// An OpenAPI 3.0 or 3.1, or Swagger 2.0, document, read as far as a `call: openapi` needs it:
/// find an operation by its `operationId`, with its parameters, request body, servers and
/// security requirements, following the document's own `$ref`s.
///
/// One reader serves the three versions: they differ only in where those parts live (`servers`
/// or `host`/`basePath`/`schemes`, `requestBody` or an `in: body` parameter, `components` or
/// `definitions`/`parameters`/`securityDefinitions`), and a call needs no more than that, so a
/// document with mistakes elsewhere (in schemas, examples, descriptions) still serves its
/// operations.
struct OpenAPIDocument: Sendable {
    enum Version: Sendable, Equatable {
        case swagger2
        case openAPI3
    }

    /// The document as fetched.
    let root: JSON
    /// The URL it was fetched from: relative server URLs and Swagger's missing `host` resolve against it.
    let source: String
    let version: Version

    /// The most `$ref` hops followed to reach one value: a longer chain is a loop.
    static let maxReferenceHops = 32
    /// The HTTP methods a path item may hold, in the order the specification lists them.
    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// Reads `root` as a document fetched from `source`.
    /// - Throws: `configuration` when it is neither an OpenAPI 3 nor a Swagger 2.0 document.
    init(_ root: JSON, source: String, task: String) throws(WorkflowError) {
        self.root = root
        self.source = source
        if let openapi = root["openapi"]?.stringValue, openapi.hasPrefix("3.") {
            version = .openAPI3
        } else if root["swagger"]?.stringValue == "2.0" {
            version = .swagger2
        } else {
            let found = root["openapi"]?.stringValue.map { "'openapi: \($0)'" } ?? root["swagger"].map { "'swagger: \($0.serialized())'" }
            throw WorkflowError(
                .configuration, title: "Not an OpenAPI document",
                detail: "\(source) is not an OpenAPI 3 or Swagger 2.0 document"
                    + (found.map { " (it says \($0))" } ?? " (it has neither 'openapi' nor 'swagger')"),
                instance: task)
        }
        guard root["paths"]?.objectValue != nil else {
            throw WorkflowError(
                .configuration, title: "Invalid OpenAPI document", detail: "\(source) has no 'paths' object", instance: task)
        }
    }

    /// `value` with its `$ref` followed, as often as it takes. Only references into this document
    /// (`#/…`) are followed: a call never fetches a second document.
    /// - Throws: `configuration` for an external, dangling or looping reference.
    func resolved(_ value: JSON, task: String) throws(WorkflowError) -> JSON {
        var current = value
        var hops = 0
        while let reference = current["$ref"]?.stringValue {
            hops += 1
            guard hops <= Self.maxReferenceHops else {
                throw invalid("the reference '\(reference)' goes round in a loop", task: task)
            }
            guard reference.hasPrefix("#") else {
                throw invalid("the reference '\(reference)' points outside the document; Swirl follows only '#/…' references", task: task)
            }
            let fragment = String(reference.dropFirst())
            guard let pointer = try? JSONPointer(parsing: fragment.removingPercentEncoding ?? fragment), let target = pointer.resolve(in: root) else {
                throw invalid("the reference '\(reference)' points at nothing", task: task)
            }
            current = target
        }
        return current
    }

    /// The operation whose `operationId` is `id`.
    /// - Throws: `validation` naming the operation when the document has none of that id (and
    ///   listing some it has); `configuration` for a malformed operation.
    func operation(_ id: String, task: String) throws(WorkflowError) -> OpenAPIOperation {
        let paths = root["paths"]?.objectValue ?? [:]
        var known: [String] = []
        for (path, rawItem) in paths {
            let item = try resolved(rawItem, task: task)
            for method in Self.methods {
                guard let operation = item[method], let operationID = operation["operationId"]?.stringValue else { continue }
                if operationID == id {
                    return try OpenAPIOperation(
                        document: self, path: path, method: method.uppercased(), item: item, operation: operation, task: task)
                }
                known.append(operationID)
            }
        }
        let listed = known.prefix(10).map { "'\($0)'" }.joined(separator: ", ")
        throw WorkflowError(
            .validation, title: "Unknown OpenAPI operation",
            detail: "\(source) has no operation '\(id)'"
                + (known.isEmpty ? "; it names no operationId" : "; it has \(listed)\(known.count > 10 ? ", …" : "")"),
            instance: task)
    }

    /// The security schemes by name (`components.securitySchemes`, or Swagger's `securityDefinitions`).
    func securityScheme(_ name: String, task: String) throws(WorkflowError) -> JSON? {
        let schemes = version == .openAPI3 ? root["components"]?["securitySchemes"] : root["securityDefinitions"]
        guard let scheme = schemes?[name] else { return nil }
        return try resolved(scheme, task: task)
    }

    /// The base URL requests go to: the first server of the operation, its path or the document
    /// (OpenAPI 3, with each variable's default), or `schemes`, `host` and `basePath` (Swagger 2.0),
    /// resolved against where the document came from. Without trailing slash.
    func baseURL(item: JSON, operation: JSON, task: String) throws(WorkflowError) -> String {
        guard let documentURL = URL(string: source), let scheme = documentURL.scheme, let host = documentURL.host else {
            throw invalid("the document's address '\(source)' is not an absolute URL", task: task)
        }
        let origin = scheme + "://" + host + (documentURL.port.map { ":\($0)" } ?? "")
        var base: String
        switch version {
        case .openAPI3:
            let servers = operation["servers"]?.arrayValue ?? item["servers"]?.arrayValue ?? root["servers"]?.arrayValue ?? []
            guard let server = servers.first else { return origin }
            guard var url = server["url"]?.stringValue else { throw invalid("a server has no 'url'", task: task) }
            for (name, variable) in server["variables"]?.objectValue ?? [:] {
                let value = variable["default"].map { $0.stringValue ?? $0.serialized() } ?? ""
                url = url.replacingOccurrences(of: "{\(name)}", with: value)
            }
            if url.contains("{") { throw invalid("the server URL '\(url)' has a variable without a default", task: task) }
            if url.hasPrefix("http://") || url.hasPrefix("https://") {
                base = url
            } else if url.hasPrefix("//") {
                base = scheme + ":" + url
            } else if url.hasPrefix("/") {
                base = origin + url
            } else {
                // Relative to the document's own folder.
                let folder = documentURL.deletingLastPathComponent().absoluteString
                base = folder + url
            }
        case .swagger2:
            let schemes = root["schemes"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let chosen = schemes.isEmpty || schemes.contains(scheme) ? scheme : schemes[0]
            let authority = root["host"]?.stringValue ?? (host + (documentURL.port.map { ":\($0)" } ?? ""))
            let basePath = root["basePath"]?.stringValue ?? "/"
            base = chosen + "://" + authority + (basePath.hasPrefix("/") ? basePath : "/" + basePath)
        }
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    func invalid(_ detail: String, task: String) -> WorkflowError {
        WorkflowError(.configuration, title: "Invalid OpenAPI document", detail: "\(source): \(detail)", instance: task)
    }
}

/// One parameter of an operation, with its serialization rules.
struct OpenAPIParameter: Sendable, Equatable {
    enum Location: String, Sendable {
        case path, query, header, cookie
        /// Swagger 2.0 only: the request body, or one field of a form body.
        case body, formData
    }

    var name: String
    var location: Location
    var required: Bool
    /// OpenAPI 3's `style` (with its default for the location), or Swagger's `collectionFormat`
    /// mapped onto the same styles.
    var style: String
    var explode: Bool
    var allowReserved: Bool
    /// A Swagger 2.0 `collectionFormat` that OpenAPI 3 has no style for (`tsv`); `multi` is `form` exploded.
    var separator: String?
    /// OpenAPI 3 `content` instead of `schema`: the value is sent as JSON text.
    var asJSON: Bool

    init(_ raw: JSON, version: OpenAPIDocument.Version, document: OpenAPIDocument, task: String) throws(WorkflowError) {
        guard let name = raw["name"]?.stringValue, let place = raw["in"]?.stringValue,
            let location = Location(rawValue: place),
            version == .swagger2 || (location != .body && location != .formData)
        else {
            throw document.invalid("a parameter needs a 'name' and an 'in' of path, query, header or cookie: \(raw.serialized().prefix(200))", task: task)
        }
        self.name = name
        self.location = location
        self.required = location == .path || raw["required"]?.boolValue == true
        self.allowReserved = raw["allowReserved"]?.boolValue == true
        self.asJSON = raw["content"] != nil
        self.separator = nil
        switch version {
        case .openAPI3:
            let defaultStyle = location == .query || location == .cookie ? "form" : "simple"
            style = raw["style"]?.stringValue ?? defaultStyle
            explode = raw["explode"]?.boolValue ?? (style == "form")
        case .swagger2:
            explode = false
            switch raw["collectionFormat"]?.stringValue ?? "csv" {
            case "multi":
                style = "form"
                explode = true
            case "ssv": style = "spaceDelimited"
            case "pipes": style = "pipeDelimited"
            case "tsv":
                style = "form"
                separator = "\t"
            default: style = location == .query || location == .formData ? "form" : "simple"
            }
        }
    }
}

/// An operation found in a document: everything needed to build its request.
struct OpenAPIOperation: Sendable {
    var method: String
    var path: String
    var baseURL: String
    var parameters: [OpenAPIParameter]
    var body: OpenAPIRequestBody?
    /// The security requirements, alternatives in order, each a list of scheme names; `nil` when
    /// neither the operation nor the document says.
    var security: [[String]]?
    /// Media types the operation answers with, for `Accept`.
    var produces: [String]

    init(document: OpenAPIDocument, path: String, method: String, item: JSON, operation: JSON, task: String) throws(WorkflowError) {
        self.method = method
        self.path = path
        self.baseURL = try document.baseURL(item: item, operation: operation, task: task)
        // The path item's parameters apply unless the operation redefines one (same name and place).
        var merged: [OpenAPIParameter] = []
        for raw in (item["parameters"]?.arrayValue ?? []) + (operation["parameters"]?.arrayValue ?? []) {
            let parameter = try OpenAPIParameter(document.resolved(raw, task: task), version: document.version, document: document, task: task)
            merged.removeAll { $0.name == parameter.name && $0.location == parameter.location }
            merged.append(parameter)
        }
        self.parameters = merged.filter { $0.location != .body }
        self.security = (operation["security"] ?? document.root["security"])?.arrayValue.map { alternatives in
            alternatives.compactMap { $0.objectValue.map { Array($0.keys) } }
        }
        switch document.version {
        case .swagger2:
            let consumes = (operation["consumes"] ?? document.root["consumes"])?.arrayValue?.compactMap(\.stringValue) ?? []
            produces = (operation["produces"] ?? document.root["produces"])?.arrayValue?.compactMap(\.stringValue) ?? []
            if let bodyParameter = merged.first(where: { $0.location == .body }) {
                body = OpenAPIRequestBody(name: bodyParameter.name, required: bodyParameter.required, mediaTypes: consumes.isEmpty ? ["application/json"] : consumes)
            } else if merged.contains(where: { $0.location == .formData }) {
                let form = consumes.filter { $0 == "multipart/form-data" || $0 == "application/x-www-form-urlencoded" }
                body = OpenAPIRequestBody(name: nil, required: false, mediaTypes: form.isEmpty ? ["application/x-www-form-urlencoded"] : form)
            }
        case .openAPI3:
            if let raw = operation["requestBody"] {
                let requestBody = try document.resolved(raw, task: task)
                let name = requestBody["x-codegen-request-body-name"]?.stringValue ?? operation["x-codegen-request-body-name"]?.stringValue ?? "body"
                body = OpenAPIRequestBody(
                    name: name, required: requestBody["required"]?.boolValue == true,
                    mediaTypes: Array(requestBody["content"]?.objectValue?.keys ?? []))
            }
            var answers: [String] = []
            for (_, response) in operation["responses"]?.objectValue ?? [:] {
                for type in (try document.resolved(response, task: task))["content"]?.objectValue?.keys ?? [] where !answers.contains(type) {
                    answers.append(type)
                }
            }
            produces = answers
        }
    }
}

/// What an operation takes as its request body.
struct OpenAPIRequestBody: Sendable {
    /// The key of `with.parameters` that holds the body (Swagger's `in: body` parameter, or
    /// OpenAPI 3's `x-codegen-request-body-name`, else `body`); `nil` for a Swagger 2.0 form,
    /// whose fields are `formData` parameters.
    var name: String?
    var required: Bool
    /// The media types it accepts, in the document's order.
    var mediaTypes: [String]
}
