import Foundation
import SwirlCore

/// Turns an operation and the workflow's `with.parameters` into the HTTP request it describes:
/// the path with its parameters expanded, the query, headers and cookies serialized with each
/// parameter's style (OpenAPI 3) or `collectionFormat` (Swagger 2.0), and the body in the media
/// type the operation accepts.
///
/// Names are matched exactly. A value that is `null` counts as not given. The body is the
/// parameter the operation names for it (Swagger's `in: body` parameter, OpenAPI 3's
/// `x-codegen-request-body-name`, else `body`); when the workflow gives no parameter of that
/// name, the parameters that are none of the operation's form the body object.
struct OpenAPIRequestBuilder {
    /// The request, ready for the HTTP activity.
    struct Built: Sendable {
        var method: String
        var url: String
        var headers: OrderedDictionary<String, JSON> = [:]
        /// A JSON value sent as JSON, or a string sent as it is (with `headers["Content-Type"]`).
        var body: JSON?
    }

    let operation: OpenAPIOperation
    let operationID: String
    let task: String

    /// Headers that OpenAPI 3 says a parameter cannot set: the request's own machinery does.
    static let ignoredHeaders: Set<String> = ["accept", "content-type", "authorization"]

    func build(_ given: OrderedDictionary<String, JSON>) throws(WorkflowError) -> Built {
        var values = given.filter { !$0.value.isNull }
        var query: [String] = []
        var headers = OrderedDictionary<String, JSON>()
        var cookies: [String] = []
        var path = operation.path
        var formFields = OrderedDictionary<String, JSON>()

        for parameter in operation.parameters {
            guard let value = values.removeValue(forKey: parameter.name) else {
                if parameter.required { throw missing(parameter) }
                // A path parameter is always required; an optional one left out leaves its template empty.
                continue
            }
            switch parameter.location {
            case .path:
                let text = try pathText(parameter, value)
                path = path.replacingOccurrences(of: "{\(parameter.name)}", with: text)
            case .query:
                query += try queryPairs(parameter, value)
            case .header:
                guard !Self.ignoredHeaders.contains(parameter.name.lowercased()) else { continue }
                let text = simple(parameter, try shape(value, of: parameter), encode: false)
                // By bytes: "\r\n" is one Character, equal to neither "\r" nor "\n".
                guard !text.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else {
                    throw invalid("header parameter '\(parameter.name)' holds a line break")
                }
                headers[parameter.name] = .string(text)
            case .cookie:
                let shaped = try shape(value, of: parameter)
                cookies.append(parameter.name + "=" + simple(parameter, shaped, encode: true))
            case .formData:
                formFields[parameter.name] = value
            case .body:
                break
            }
        }
        if let unexpanded = path.range(of: #"\{[^}]*\}"#, options: .regularExpression) {
            throw WorkflowError(
                .validation, title: "Missing OpenAPI parameter",
                detail: "operation '\(operationID)' has \(path[unexpanded]) in its path '\(operation.path)', which neither "
                    + "its parameters nor with.parameters give",
                instance: task)
        }

        var built = Built(method: operation.method, url: operation.baseURL + (path.hasPrefix("/") ? path : "/" + path))
        if !query.isEmpty { built.url += "?" + query.joined(separator: "&") }
        built.headers = headers
        if !cookies.isEmpty { built.headers["Cookie"] = .string(cookies.joined(separator: "; ")) }
        if !operation.produces.isEmpty { built.headers["Accept"] = .string(operation.produces.prefix(8).joined(separator: ", ")) }

        if let body = operation.body {
            var content: JSON?
            if let name = body.name {
                content = values.removeValue(forKey: name)
                if content == nil, !values.isEmpty {
                    content = .object(values)
                    values = [:]
                }
            } else if !formFields.isEmpty {
                content = .object(formFields)
            }
            if let content {
                try encodeBody(content, as: body.mediaTypes, into: &built)
            } else if body.required {
                throw WorkflowError(
                    .validation, title: "Missing OpenAPI request body",
                    detail: "operation '\(operationID)' requires a request body; give it as with.parameters.\(body.name ?? "body")",
                    instance: task)
            }
        }
        if let stray = values.keys.first {
            let names = operation.parameters.map { "'\($0.name)'" } + (operation.body?.name.map { ["'\($0)' (the body)"] } ?? [])
            throw WorkflowError(
                .validation, title: "Unknown OpenAPI parameter",
                detail: "'\(stray)' is not a parameter of operation '\(operationID)'"
                    + (names.isEmpty ? ", which takes none" : "; it takes \(names.joined(separator: ", "))"),
                instance: task)
        }
        return built
    }

    // MARK: values

    /// A parameter's value broken into what a style lays out.
    enum Shape {
        case scalar(String)
        case list([String])
        case pairs([(String, String)])
    }

    /// Strings as they are, other scalars (and anything nested) as JSON text.
    static func text(_ value: JSON) -> String {
        if case .string(let text) = value { text } else { value.serialized() }
    }

    func shape(_ value: JSON, of parameter: OpenAPIParameter) throws(WorkflowError) -> Shape {
        if parameter.asJSON { return .scalar(value.serialized()) }
        switch value {
        case .array(let items): return .list(items.map(Self.text))
        case .object(let members): return .pairs(members.map { ($0.key, Self.text($0.value)) })
        default: return .scalar(Self.text(value))
        }
    }

    private func encoded(_ text: String, _ parameter: OpenAPIParameter) -> String {
        HTTPURITemplateExpansion.percentEncode(text, allowReserved: parameter.allowReserved)
    }

    /// `simple` style: `a,b,c`, `k,v,k2,v2` or, exploded, `k=v,k2=v2`.
    private func simple(_ parameter: OpenAPIParameter, _ shape: Shape, encode: Bool) -> String {
        let piece = { (text: String) in encode ? self.encoded(text, parameter) : text }
        switch shape {
        case .scalar(let text): return piece(text)
        case .list(let items): return items.map(piece).joined(separator: parameter.separator ?? ",")
        case .pairs(let pairs):
            return parameter.explode
                ? pairs.map { piece($0.0) + "=" + piece($0.1) }.joined(separator: ",")
                : pairs.flatMap { [piece($0.0), piece($0.1)] }.joined(separator: ",")
        }
    }

    private func pathText(_ parameter: OpenAPIParameter, _ value: JSON) throws(WorkflowError) -> String {
        let shaped = try shape(value, of: parameter)
        let piece = { (text: String) in self.encoded(text, parameter) }
        let name = piece(parameter.name)
        switch parameter.style {
        case "simple":
            return simple(parameter, shaped, encode: true)
        case "label":
            switch shaped {
            case .scalar(let text): return "." + piece(text)
            case .list(let items): return "." + items.map(piece).joined(separator: parameter.explode ? "." : ",")
            case .pairs(let pairs):
                return "."
                    + (parameter.explode
                        ? pairs.map { piece($0.0) + "=" + piece($0.1) }.joined(separator: ".")
                        : pairs.flatMap { [piece($0.0), piece($0.1)] }.joined(separator: ","))
            }
        case "matrix":
            switch shaped {
            case .scalar(let text): return ";" + name + "=" + piece(text)
            case .list(let items):
                return parameter.explode
                    ? items.map { ";" + name + "=" + piece($0) }.joined()
                    : ";" + name + "=" + items.map(piece).joined(separator: ",")
            case .pairs(let pairs):
                return parameter.explode
                    ? pairs.map { ";" + piece($0.0) + "=" + piece($0.1) }.joined()
                    : ";" + name + "=" + pairs.flatMap { [piece($0.0), piece($0.1)] }.joined(separator: ",")
            }
        default:
            throw invalid("path parameter '\(parameter.name)' has style '\(parameter.style)'; a path takes simple, label or matrix")
        }
    }

    private func queryPairs(_ parameter: OpenAPIParameter, _ value: JSON) throws(WorkflowError) -> [String] {
        let shaped = try shape(value, of: parameter)
        let piece = { (text: String) in self.encoded(text, parameter) }
        let name = piece(parameter.name)
        switch (parameter.style, shaped) {
        case (_, .scalar(let text)):
            return [name + "=" + piece(text)]
        case ("form", .list(let items)):
            return parameter.explode
                ? items.map { name + "=" + piece($0) }
                : [name + "=" + items.map(piece).joined(separator: parameter.separator.map(piece) ?? ",")]
        case ("form", .pairs(let pairs)):
            return parameter.explode
                ? pairs.map { piece($0.0) + "=" + piece($0.1) }
                : [name + "=" + pairs.flatMap { [piece($0.0), piece($0.1)] }.joined(separator: ",")]
        case ("spaceDelimited", .list(let items)), ("pipeDelimited", .list(let items)):
            if parameter.explode { return items.map { name + "=" + piece($0) } }
            return [name + "=" + items.map(piece).joined(separator: parameter.style == "spaceDelimited" ? "%20" : "%7C")]
        case ("spaceDelimited", .pairs(let pairs)), ("pipeDelimited", .pairs(let pairs)):
            return [name + "=" + pairs.flatMap { [piece($0.0), piece($0.1)] }.joined(separator: parameter.style == "spaceDelimited" ? "%20" : "%7C")]
        case ("deepObject", .pairs(let pairs)):
            return pairs.map { name + "%5B" + piece($0.0) + "%5D=" + piece($0.1) }
        default:
            throw invalid("query parameter '\(parameter.name)' has style '\(parameter.style)', which cannot lay out this value")
        }
    }

    // MARK: body

    /// Puts `content` in the body, in the first media type the operation accepts that Swirl
    /// can write, JSON first.
    private func encodeBody(_ content: JSON, as mediaTypes: [String], into built: inout Built) throws(WorkflowError) {
        let types = mediaTypes.map { $0.lowercased() }
        let isJSON = { (type: String) in
            let bare = type.split(separator: ";").first.map(String.init) ?? type
            return bare == "application/json" || bare.hasSuffix("+json") || bare == "*/*" || bare == "application/*"
        }
        if types.isEmpty || types.contains(where: isJSON) {
            let type = types.first(where: isJSON).map { $0 == "*/*" || $0 == "application/*" ? "application/json" : $0 } ?? "application/json"
            built.headers["Content-Type"] = .string(type)
            built.body = content.isString ? .string(content.serialized()) : content
        } else if types.contains("application/x-www-form-urlencoded") {
            let fields = try formFields(content)
            built.headers["Content-Type"] = .string("application/x-www-form-urlencoded")
            built.body = .string(
                fields.map {
                    HTTPURITemplateExpansion.percentEncode($0.0, allowReserved: false) + "="
                        + HTTPURITemplateExpansion.percentEncode($0.1, allowReserved: false)
                }.joined(separator: "&"))
        } else if types.contains("multipart/form-data") {
            let fields = try formFields(content)
            let boundary = "swirl-" + UUID().uuidString.lowercased()
            var text = ""
            for (name, value) in fields {
                let quoted = name.replacingOccurrences(of: "\"", with: "%22")
                text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(quoted)\"\r\n\r\n\(value)\r\n"
            }
            text += "--\(boundary)--\r\n"
            built.headers["Content-Type"] = .string("multipart/form-data; boundary=\(boundary)")
            built.body = .string(text)
        } else {
            // Text and anything else: a string as it is, another value as its JSON text.
            built.headers["Content-Type"] = .string(mediaTypes[0])
            built.body = .string(Self.text(content))
        }
    }

    private func formFields(_ content: JSON) throws(WorkflowError) -> [(String, String)] {
        guard case .object(let members) = content else {
            throw WorkflowError(
                .validation, title: "Invalid OpenAPI request body",
                detail: "operation '\(operationID)' takes a form; its body must be an object of fields, not \(content.typeName)",
                instance: task)
        }
        return members.filter { !$0.value.isNull }.map { ($0.key, Self.text($0.value)) }
    }

    // MARK: errors

    private func missing(_ parameter: OpenAPIParameter) -> WorkflowError {
        WorkflowError(
            .validation, title: "Missing OpenAPI parameter",
            detail: "operation '\(operationID)' requires the \(parameter.location.rawValue) parameter '\(parameter.name)', "
                + "which with.parameters does not give",
            instance: task)
    }

    private func invalid(_ detail: String) -> WorkflowError {
        WorkflowError(.configuration, title: "Invalid OpenAPI operation", detail: "operation '\(operationID)': \(detail)", instance: task)
    }
}

extension JSON {
    fileprivate var isString: Bool {
        if case .string = self { true } else { false }
    }
}
