public import SwirlCore

/// The secrets a run may read as `$secrets` (and `$secret`): resolved when the run starts, held
/// in memory only, never saved with the run's state.
///
/// A workflow names the secrets it needs in `use.secrets`; each is looked up in the provided
/// values (a `--secrets` file), then in the environment as `SWIRL_SECRET_<NAME>` (the name in
/// capitals, every character other than a letter or digit turned into `_`).
public struct Secrets: Sendable {
    /// The values by name.
    public let values: OrderedDictionary<String, JSON>

    /// Every secret string worth hiding (three characters or more; shorter ones would blot out
    /// ordinary text), each also in the forms a URL carries it (``urlForms(of:)``), longest first
    /// so a secret containing another is hidden whole. Computed once, from ``values``.
    let hiddenTexts: [String]

    public init(_ values: OrderedDictionary<String, JSON> = [:]) {
        self.values = values
        self.hiddenTexts = Self.hiddenTexts(values)
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

    private static func hiddenTexts(_ values: OrderedDictionary<String, JSON>) -> [String] {
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
        var seen = Set<String>()
        return (texts + texts.flatMap(Self.urlForms)).filter { seen.insert($0).inserted }.sorted { $0.count > $1.count }
    }

    /// The ways a URL may carry `text`: percent-encoded as a query value, a path or a form
    /// (space as `+`) would encode it, with upper- or lower-case hex digits.
    static func urlForms(of text: String) -> [String] {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        // What query values and paths may leave unencoded (RFC 3986 §3.3, §3.4), besides the unreserved.
        let query = unreserved.union("!$'()*,;:@/?".utf8)
        let path = unreserved.union("!$&'()*+,;=:@/".utf8)
        var forms: [String] = []
        for allowed in [unreserved, query, path] {
            for uppercase in [true, false] {
                for spaceAsPlus in [false, true] {
                    var encoded = ""
                    for byte in text.utf8 {
                        if allowed.contains(byte) {
                            encoded.unicodeScalars.append(Unicode.Scalar(byte))
                        } else if spaceAsPlus, byte == UInt8(ascii: " ") {
                            encoded += "+"
                        } else {
                            let hex = String(byte, radix: 16, uppercase: uppercase)
                            encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
                        }
                    }
                    if encoded != text { forms.append(encoded) }
                }
            }
        }
        return forms
    }

    /// `text` with every secret value (and its URL-encoded forms) replaced by `***`.
    public func redact(_ text: String) -> String {
        guard !values.isEmpty else { return text }
        var result = text
        for secret in hiddenTexts where result.contains(secret) {
            result = result.replacing(secret, with: "***")
        }
        return result
    }

    /// `value` with every string and every object key inside it redacted. Two keys that become
    /// the same text keep the later member.
    public func redact(_ value: JSON) -> JSON {
        guard !values.isEmpty else { return value }
        switch value {
        case .string(let text): return .string(redact(text))
        case .array(let elements): return .array(elements.map(redact))
        case .object(let members):
            var redacted = OrderedDictionary<String, JSON>()
            for (key, member) in members { redacted[redact(key)] = redact(member) }
            return .object(redacted)
        default: return value
        }
    }

    /// An error with every text field (type, title, detail, instance) redacted.
    public func redact(_ error: WorkflowError) -> WorkflowError {
        guard !values.isEmpty else { return error }
        var redacted = error
        redacted.type = redact(error.type)
        redacted.title = error.title.map(redact)
        redacted.detail = error.detail.map(redact)
        redacted.instance = error.instance.map(redact)
        return redacted
    }
}
