/// An RFC 6570 URI template such as `https://petstore.example/pets/{petId}{?limit}`.
///
/// Endpoints in the DSL are URI templates whose variables come from the task's input. This
/// type checks the syntax and lists the variables; expansion comes with the HTTP activity.
public struct URITemplate: Hashable, Sendable {
    /// One `{…}` expression: its operator (`+`, `#`, `.`, `/`, `;`, `?`, `&`, or none) and variables.
    public struct Expression: Hashable, Sendable {
        public var `operator`: Character?
        public var variables: [String]
    }

    public let text: String
    public let expressions: [Expression]

    /// Why a text is not a URI template.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var text: String
        public var reason: String
        /// 0-based offset in Unicode scalars of the problem.
        public var offset: Int
        public var description: String { "\(text) is not a valid URI template: \(reason)" }
    }

    /// Parses `text` by RFC 6570 (levels 1 to 4).
    /// - Throws: ``ParseError`` at the first character that breaks the syntax.
    public init(parsing text: String) throws(ParseError) {
        self.text = text
        let scalars = Array(text.unicodeScalars)
        func fail(_ reason: String, _ offset: Int) -> ParseError {
            ParseError(text: text, reason: reason, offset: offset)
        }
        var expressions: [Expression] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "{":
                guard let close = scalars[index...].firstIndex(of: "}") else {
                    throw fail("'{' at \(index + 1) is never closed", index)
                }
                expressions.append(try Self.parseExpression(scalars[(index + 1)..<close], at: index + 1, fail: fail))
                index = close + 1
            case "}":
                throw fail("'}' at \(index + 1) has no matching '{'", index)
            case "%":
                guard index + 2 < scalars.count, scalars[index + 1].properties.isASCIIHexDigit,
                    scalars[index + 2].properties.isASCIIHexDigit
                else { throw fail("'%' at \(index + 1) must start a percent-encoding such as %20", index) }
                index += 3
            case " ", "\"", "'", "<", ">", "\\", "^", "`", "|":
                throw fail("'\(scalar)' at \(index + 1) is not allowed in a URI; percent-encode it", index)
            default:
                guard scalar.value >= 0x20, scalar.value != 0x7F else {
                    throw fail("control character at \(index + 1) is not allowed", index)
                }
                index += 1
            }
        }
        self.expressions = expressions
    }

    /// Every variable name the template uses, in order of appearance.
    public var variableNames: [String] { expressions.flatMap(\.variables) }

    private static let operators: Set<Character> = ["+", "#", ".", "/", ";", "?", "&"]
    private static let reservedOperators: Set<Character> = ["=", ",", "!", "@", "|"]

    private static func parseExpression(
        _ body: ArraySlice<Unicode.Scalar>, at start: Int, fail: (String, Int) -> ParseError
    ) throws(ParseError) -> Expression {
        var scalars = body[...]
        guard let first = scalars.first else { throw fail("empty expression '{}'", start - 1) }
        var op: Character?
        if operators.contains(Character(first)) {
            op = Character(first)
            scalars = scalars.dropFirst()
        } else if reservedOperators.contains(Character(first)) {
            throw fail("operator '\(first)' is reserved for future extensions", start)
        }
        var variables: [String] = []
        for spec in scalars.split(separator: ",", omittingEmptySubsequences: false) {
            let offset = spec.startIndex
            guard !spec.isEmpty else { throw fail("empty variable name", offset) }
            var name = spec[...]
            if let colon = spec.firstIndex(of: ":") {
                name = spec[..<colon]
                let digits = spec[(colon + 1)...]
                guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0.properties.numericType != nil && $0.isASCII }),
                    digits.first != "0"
                else { throw fail("a prefix modifier must be ':' and 1 to 4 digits (1-9999)", colon) }
            } else if spec.last == "*" {
                name = spec.dropLast()
            }
            try checkVariableName(name, fail: fail)
            variables.append(String(String.UnicodeScalarView(name)))
        }
        return Expression(operator: op, variables: variables)
    }

    private static func checkVariableName(_ name: ArraySlice<Unicode.Scalar>, fail: (String, Int) -> ParseError)
        throws(ParseError)
    {
        guard !name.isEmpty else { throw fail("empty variable name", name.startIndex) }
        var index = name.startIndex
        var previousWasDot = true
        while index < name.endIndex {
            let scalar = name[index]
            if scalar == "." {
                guard !previousWasDot else { throw fail("misplaced '.' in a variable name", index) }
                previousWasDot = true
                index += 1
                continue
            }
            previousWasDot = false
            if scalar == "%" {
                guard index + 2 < name.endIndex, name[index + 1].properties.isASCIIHexDigit,
                    name[index + 2].properties.isASCIIHexDigit
                else { throw fail("'%' in a variable name must start a percent-encoding", index) }
                index += 3
                continue
            }
            guard scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" else {
                throw fail("'\(scalar)' is not allowed in a variable name", index)
            }
            index += 1
        }
        if previousWasDot { throw fail("a variable name cannot end with '.'", name.endIndex - 1) }
    }
}
