/// A JSON Pointer (RFC 6901): the address of one value inside a document, such as `/do/0/greet`.
///
/// Every stage names the place a problem comes from with a pointer; the ``SourceMap`` turns it
/// into a line and column. The root is the empty pointer, printed as `""`.
public struct JSONPointer: Hashable, Sendable {
    /// The reference tokens, unescaped: `/a~1b/0` has the tokens `["a/b", "0"]`.
    public private(set) var tokens: [String]

    /// The pointer to the whole document.
    public static let root = JSONPointer(tokens: [])

    /// A pointer made of the given (unescaped) tokens.
    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Why a string is not a JSON Pointer.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "'\(text)' is not a JSON Pointer: \(reason)" }
    }

    /// Parses the string form (`""`, `"/a/0"`, `"/a~1b"`).
    /// - Throws: ``ParseError`` when a non-empty pointer does not start with `/`, or a `~` is not
    ///   followed by `0` or `1`.
    public init(parsing text: String) throws(ParseError) {
        guard !text.isEmpty else {
            self = .root
            return
        }
        guard text.hasPrefix("/") else {
            throw ParseError(text: text, reason: "it must be empty or start with '/'")
        }
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let token = Self.unescape(raw) else {
                throw ParseError(text: text, reason: "'~' must be followed by '0' or '1'")
            }
            tokens.append(token)
        }
        self.tokens = tokens
    }

    /// Whether this is the root pointer.
    public var isRoot: Bool { tokens.isEmpty }

    /// The last token, or `nil` at the root.
    public var lastToken: String? { tokens.last }

    /// The pointer one level up, or `nil` at the root.
    public var parent: JSONPointer? {
        isRoot ? nil : JSONPointer(tokens: Array(tokens.dropLast()))
    }

    /// This pointer extended by one member name.
    public func appending(_ token: String) -> JSONPointer {
        // Room for exactly one more token: appending to a copy would double the storage, and
        // pointers are made by the hundred thousand and kept.
        var extended: [String] = []
        extended.reserveCapacity(tokens.count + 1)
        extended += tokens
        extended.append(token)
        return JSONPointer(tokens: extended)
    }

    /// This pointer extended by one array index.
    public func appending(_ index: Int) -> JSONPointer {
        appending(String(index))
    }

    /// This pointer extended by an array index and then a member name (`/do` to `/do/3/greet`,
    /// the place of a task in its list), with one allocation.
    public func appending(_ index: Int, _ name: String) -> JSONPointer {
        var extended: [String] = []
        extended.reserveCapacity(tokens.count + 2)
        extended += tokens
        extended.append(String(index))
        extended.append(name)
        return JSONPointer(tokens: extended)
    }

    /// Whether `self` is `other` or lies inside it.
    public func hasPrefix(_ other: JSONPointer) -> Bool {
        tokens.starts(with: other.tokens)
    }

    /// The value this pointer addresses in `document`, or `nil` when there is none.
    ///
    /// Array indices must be decimal without leading zeros; `-` (one past the end) addresses
    /// nothing.
    public func resolve(in document: JSON) -> JSON? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let members):
                guard let member = members[token] else { return nil }
                current = member
            case .array(let elements):
                guard let index = Self.arrayIndex(token), index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// The index a token names in an array, by RFC 6901's rule: `0` or digits without a leading zero.
    public static func arrayIndex(_ token: String) -> Int? {
        let utf8 = token.utf8
        guard let first = utf8.first, utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if first == 0x30 && utf8.count > 1 { return nil }
        return Int(token)
    }

    /// A token in its escaped form: `~` becomes `~0` and `/` becomes `~1`.
    public static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        return token.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    private static func unescape(_ raw: Substring) -> String? {
        guard raw.contains("~") else { return String(raw) }
        var result = ""
        var iterator = raw.makeIterator()
        while let character = iterator.next() {
            guard character == "~" else {
                result.append(character)
                continue
            }
            switch iterator.next() {
            case "0": result.append("~")
            case "1": result.append("/")
            default: return nil
            }
        }
        return result
    }
}

extension JSONPointer: CustomStringConvertible {
    /// The string form, tokens escaped: `/do/0/a~1b`.
    public var description: String {
        var text = ""
        text.reserveCapacity(tokens.reduce(0) { $0 + 1 + $1.utf8.count })
        for token in tokens {
            text.append("/")
            text.append(Self.escape(token))
        }
        return text
    }
}

extension JSONPointer: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension JSONPointer: ExpressibleByStringLiteral {
    /// A pointer from a literal; the literal must be a valid pointer.
    public init(stringLiteral value: String) {
        do {
            try self.init(parsing: value)
        } catch {
            preconditionFailure(error.description)
        }
    }
}
