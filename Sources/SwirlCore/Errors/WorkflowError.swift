/// A Serverless Workflow error (RFC 7807 style): what a faulted task or run reports, and what
/// `try`/`catch` matches.
public struct WorkflowError: Error, Hashable, Sendable, Codable {
    /// A URI naming the kind of error.
    public var type: String
    /// An HTTP-like status code.
    public var status: Int
    public var title: String?
    public var detail: String?
    /// The JSON Pointer of the task that raised it.
    public var instance: String?

    public init(type: String, status: Int, title: String? = nil, detail: String? = nil, instance: String? = nil) {
        self.type = type
        self.status = status
        self.title = title
        self.detail = detail
        self.instance = instance
    }

    /// The error kinds the DSL defines, with their default statuses.
    public enum Kind: String, Sendable, CaseIterable {
        case configuration
        case validation
        case expression
        case authentication
        case authorization
        case timeout
        case communication
        case runtime

        public var defaultStatus: Int {
            switch self {
            case .configuration, .validation, .expression: 400
            case .authentication: 401
            case .authorization: 403
            case .timeout: 408
            case .communication, .runtime: 500
            }
        }

        /// The standard type URI, such as `https://serverlessworkflow.io/spec/1.0.0/errors/timeout`.
        public var type: String { WorkflowError.standardPrefix + rawValue }
    }

    public static let standardPrefix = "https://serverlessworkflow.io/spec/1.0.0/errors/"

    /// An error of a standard kind.
    public init(_ kind: Kind, status: Int? = nil, title: String, detail: String? = nil, instance: String? = nil) {
        self.init(type: kind.type, status: status ?? kind.defaultStatus, title: title, detail: detail, instance: instance)
    }

    /// The error as the JSON object workflows see (`$error`, a run's `error`).
    public var json: JSON {
        var object: OrderedDictionary<String, JSON> = ["type": .string(type), "status": .number(Double(status))]
        if let title { object["title"] = .string(title) }
        if let detail { object["detail"] = .string(detail) }
        if let instance { object["instance"] = .string(instance) }
        return .object(object)
    }

    /// Reads an error object; `nil` when `type` or `status` is missing or of the wrong type.
    public init?(json: JSON) {
        guard let type = json["type"]?.stringValue, let status = json["status"]?.numberValue else { return nil }
        self.init(
            type: type, status: Int(status), title: json["title"]?.stringValue, detail: json["detail"]?.stringValue,
            instance: json["instance"]?.stringValue)
    }

    /// Whether two error types name the same kind: equal, or the same standard kind under any of
    /// the prefixes the DSL has used (DSL-NOTES §2 #20).
    public static func typesMatch(_ lhs: String, _ rhs: String) -> Bool {
        if JSON.sameCodePoints(lhs, rhs) { return true }
        guard let left = standardKind(lhs), let right = standardKind(rhs) else { return false }
        return left == right
    }

    /// The standard kind a type URI names, whichever host and path the DSL version used.
    public static func standardKind(_ type: String) -> String? {
        let hosts = ["https://serverlessworkflow.io/", "https://open-workflow-specification.org/"]
        let paths = ["spec/1.0.0/errors/", "dsl/errors/types/"]
        for host in hosts where type.hasPrefix(host) {
            let rest = type.dropFirst(host.count)
            for path in paths where rest.hasPrefix(path) {
                return String(rest.dropFirst(path.count))
            }
        }
        return nil
    }
}

extension WorkflowError: CustomStringConvertible {
    public var description: String {
        var text = "\(title ?? type) (status \(status))"
        if let detail { text += ": \(detail)" }
        if let instance { text += " at \(instance)" }
        return text
    }
}
