public import SwirlCore

/// The secrets a run may read as `$secrets` (and `$secret`): resolved when the run starts, held
/// in memory only, never saved with the run's state.
///
/// A workflow names the secrets it needs in `use.secrets`; each is looked up in the provided
/// values (a `--secrets` file), then in the environment as `SWIRL_SECRET_<NAME>` (the name in
/// capitals, every character other than a letter or digit turned into `_`).
public struct Secrets: Sendable {
    /// The values by name.
    public private(set) var values: OrderedDictionary<String, JSON>

    public init(_ values: OrderedDictionary<String, JSON> = [:]) {
        self.values = values
    }

    /// The environment variable a secret is read from.
    public static func environmentName(for name: String) -> String {
        "SWIRL_SECRET_" + String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// The secrets `names` from `provided` values or the environment.
    /// - Throws: an `authorization` error (403) naming the first secret found in neither.
    public static func resolve(
        _ names: [String], provided: OrderedDictionary<String, JSON>, environment: [String: String]
    ) throws(WorkflowError) -> Secrets {
        var values = OrderedDictionary<String, JSON>()
        for name in names {
            if let value = provided[name] {
                values[name] = value
            } else if let value = environment[environmentName(for: name)] {
                values[name] = .string(value)
            } else {
                throw WorkflowError(
                    .authorization, title: "Secret not available",
                    detail: "secret '\(name)' is not in the secrets file nor in \(environmentName(for: name))",
                    instance: "/use/secrets")
            }
        }
        return Secrets(values)
    }

    /// The secrets as `$secrets` sees them.
    public var json: JSON { .object(values) }

    /// Every secret string worth hiding (three characters or more; shorter ones would blot out
    /// ordinary text), longest first so a secret containing another is hidden whole.
    var hiddenTexts: [String] {
        var texts: [String] = []
        func collect(_ value: JSON) {
            switch value {
            case .string(let text) where text.count >= 3: texts.append(text)
            case .number(let number) where JSON.format(number: number).count >= 3: texts.append(JSON.format(number: number))
            case .array(let elements): elements.forEach(collect)
            case .object(let members): members.values.forEach(collect)
            default: break
            }
        }
        values.values.forEach(collect)
        return texts.sorted { $0.count > $1.count }
    }

    /// `text` with every secret value replaced by `***`.
    public func redact(_ text: String) -> String {
        var result = text
        for secret in hiddenTexts where result.contains(secret) {
            result = result.replacing(secret, with: "***")
        }
        return result
    }

    /// `value` with every string inside it redacted.
    public func redact(_ value: JSON) -> JSON {
        guard !values.isEmpty else { return value }
        switch value {
        case .string(let text): return .string(redact(text))
        case .array(let elements): return .array(elements.map(redact))
        case .object(let members): return .object(members.mapValues(redact))
        default: return value
        }
    }

    /// An error with its texts redacted.
    public func redact(_ error: WorkflowError) -> WorkflowError {
        guard !values.isEmpty else { return error }
        var redacted = error
        redacted.title = error.title.map(redact)
        redacted.detail = error.detail.map(redact)
        return redacted
    }
}
