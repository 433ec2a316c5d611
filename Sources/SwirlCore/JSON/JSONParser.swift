import OrderedCollections

/// Why JSON text could not be read, and where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The text is not JSON (RFC 8259).
        case syntax
        /// Arrays and objects nest deeper than the parser's limit.
        case tooDeep
    }

    public var kind: Kind
    public var message: String
    /// Where the problem is, 1-based.
    public var position: SourcePosition

    public var description: String { "\(position.line):\(position.column): \(message)" }
}

/// Reads JSON text (RFC 8259) into ``JSON``, optionally recording where every key and value
/// starts, for diagnostics that point into a `.json` workflow file.
public struct JSONParser {
    /// What the parser produced besides the value.
    public struct Output: Sendable {
        public var value: JSON
        /// Positions of keys and values, when asked for.
        public var sourceMap: SourceMap?
        /// Members whose name was already used in the same object; the later value wins.
        public var duplicateKeys: [DuplicateKey]
    }

    /// A member name used twice in one object.
    public struct DuplicateKey: Sendable, Equatable {
        public var pointer: JSONPointer
        public var position: SourcePosition
        public var firstPosition: SourcePosition
    }

    /// The default limit on nesting, deep enough for any real document and shallow enough to
    /// keep the recursive parser well inside its stack.
    public static let defaultMaxDepth = 256

    /// Parses `bytes` as one JSON value surrounded by optional whitespace.
    /// - Parameters:
    ///   - bytes: UTF-8 text; a leading byte-order mark is skipped.
    ///   - file: when given, positions are recorded into a ``SourceMap`` for this file.
    ///   - maxDepth: the deepest nesting of arrays and objects accepted.
    /// - Throws: ``JSONParseError`` at the first syntax error or when nesting exceeds `maxDepth`.
    public static func parse(
        _ bytes: some Collection<UInt8>,
        recordingPositionsFor file: String? = nil,
        maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> Output {
        let array = Array(bytes)
        var state = ParserState(bytes: array, file: file, maxDepth: maxDepth)
        let value = try state.parseDocument()
        return Output(value: value, sourceMap: state.sourceMap, duplicateKeys: state.duplicateKeys)
    }
}

extension JSON {
    /// Parses JSON text; a name repeated in one object keeps its last value.
    /// - Throws: ``JSONParseError`` when the text is not one JSON value.
    public init(parsing text: String) throws(JSONParseError) {
        self = try JSONParser.parse(text.utf8).value
    }
}

private struct ParserState {
    let bytes: [UInt8]
    let maxDepth: Int
    var sourceMap: SourceMap?
    var duplicateKeys: [JSONParser.DuplicateKey] = []
    /// The tokens from the root to the value being read, for naming a duplicate key's place
    /// without building a pointer for every value.
    var path: [PathToken] = []

    enum PathToken {
        case name(String)
        case index(Int)
    }

    /// The pointer of the member `key` of the object being read.
    func memberPointer(_ key: String) -> JSONPointer {
        var tokens = path.map { token in
            switch token {
            case .name(let name): name
            case .index(let index): String(index)
            }
        }
        tokens.append(key)
        return JSONPointer(tokens: tokens)
    }

    var index = 0
    // Line tracking. Columns are counted lazily from the last position asked for, which only
    // moves forward, so recording every position costs O(n) over the whole text.
    var line = 1
    var lineStart = 0
    var columnMarkOffset = 0
    var columnMarkColumn = 1

    init(bytes: [UInt8], file: String?, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.sourceMap = file.map(SourceMap.init(file:))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            index = 3
            lineStart = 3
            columnMarkOffset = 3
        }
    }

    mutating func parseDocument() throws(JSONParseError) -> JSON {
        skipWhitespace()
        guard index < bytes.count else { throw error("the text is empty; expected a JSON value") }
        let value = try parseValue(at: SourceMap.root, depth: 0)
        skipWhitespace()
        if index < bytes.count {
            throw error("unexpected \(describeCurrent()) after the JSON value")
        }
        return value
    }

    // MARK: values

    /// Parses the value whose source-map node is `node` (the root when there is no map).
    mutating func parseValue(at node: SourceMap.Node, depth: Int) throws(JSONParseError) -> JSON {
        if sourceMap != nil {
            let position = currentPosition()
            sourceMap?.recordValue(of: node, position)
        }
        guard index < bytes.count else { throw error("unexpected end of text; expected a value") }
        let value: JSON
        switch bytes[index] {
        case UInt8(ascii: "{"): value = try parseObject(at: node, depth: depth + 1)
        case UInt8(ascii: "["): value = try parseArray(at: node, depth: depth + 1)
        case UInt8(ascii: "\""): value = .string(try parseString())
        case UInt8(ascii: "t"): value = try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): value = try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): value = try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): value = try parseNumber()
        default: throw error("unexpected \(describeCurrent()); expected a value")
        }
        if sourceMap != nil {
            let end = currentPosition()
            sourceMap?.recordValueEnd(of: node, end)
        }
        return value
    }

    mutating func parseObject(at node: SourceMap.Node, depth: Int) throws(JSONParseError) -> JSON {
        try checkDepth(depth)
        index += 1  // {
        var members = OrderedDictionary<String, JSON>()
        var keyPositions: [String: SourcePosition] = [:]
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeCurrent()); expected a member name in double quotes")
            }
            let keyPosition = currentPosition()
            let key = try parseString()
            let member = sourceMap == nil ? SourceMap.root : sourceMap!.addMember(key, to: node, keyAt: keyPosition, keyEnd: currentPosition())
            if let existing = keyPositions.index(forKey: key) {
                // Swift strings compare by canonical equivalence: two names in different Unicode
                // forms would become one member, and one value would be lost without a word.
                let earlier = keyPositions[existing].key
                guard JSON.sameCodePoints(earlier, key) else {
                    throw JSONParseError(
                        kind: .syntax,
                        message: "member names \(JSON.quote(earlier)) and \(JSON.quote(key)) are the same text in different Unicode forms; Swirl keeps object keys as one name and cannot hold both",
                        position: keyPosition)
                }
                duplicateKeys.append(.init(pointer: memberPointer(key), position: keyPosition, firstPosition: keyPositions[existing].value))
            } else {
                keyPositions[key] = keyPosition
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else {
                throw error("unexpected \(describeCurrent()); expected ':' after the member name")
            }
            index += 1
            skipWhitespace()
            path.append(.name(key))
            members[key] = try parseValue(at: member, depth: depth)
            path.removeLast()
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(members)
            default:
                throw error("unexpected \(describeCurrent()); expected ',' or '}' after an object member")
            }
        }
    }

    mutating func parseArray(at node: SourceMap.Node, depth: Int) throws(JSONParseError) -> JSON {
        try checkDepth(depth)
        index += 1  // [
        var elements: [JSON] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            let element = sourceMap?.addElement(to: node) ?? SourceMap.root
            path.append(.index(elements.count))
            elements.append(try parseValue(at: element, depth: depth))
            path.removeLast()
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default:
                throw error("unexpected \(describeCurrent()); expected ',' or ']' after an array element")
            }
        }
    }

    mutating func parseLiteral(_ word: StaticString, _ value: JSON) throws(JSONParseError) -> JSON {
        let length = word.utf8CodeUnitCount
        let matches = word.withUTF8Buffer { expected in
            index + length <= bytes.count && bytes[index..<index + length].elementsEqual(expected)
        }
        guard matches else { throw error("unexpected \(describeCurrent()); expected a value") }
        index += length
        return value
    }

    mutating func parseNumber() throws(JSONParseError) -> JSON {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else { throw error("invalid number: expected a digit after '-'") }
        if first == UInt8(ascii: "0") {
            index += 1
            if let next = peek(), isDigit(next) { throw error("invalid number: leading zeros are not allowed") }
        } else {
            while let digit = peek(), isDigit(digit) { index += 1 }
        }
        var integral = true
        if peek() == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard let digit = peek(), isDigit(digit) else { throw error("invalid number: expected a digit after '.'") }
            while let digit = peek(), isDigit(digit) { index += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            integral = false
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek(), isDigit(digit) else {
                throw error("invalid number: expected a digit in the exponent")
            }
            while let digit = peek(), isDigit(digit) { index += 1 }
        }
        // Short integers, the common case, need no text conversion.
        if integral && index - start <= 15 {
            var value = 0
            var negative = false
            for byte in bytes[start..<index] {
                if byte == UInt8(ascii: "-") { negative = true } else { value = value * 10 + Int(byte - 0x30) }
            }
            return .number(Double(negative ? -value : value))
        }
        guard let value = Double(String(decoding: bytes[start..<index], as: UTF8.self)) else {
            throw error("invalid number")
        }
        return .number(value)
    }

    mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw controlCharacterError(byte) }
            index += 1
        }
        var scalars: [UInt8] = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &scalars)
            case 0..<0x20:
                throw controlCharacterError(byte)
            default:
                scalars.append(byte)
                index += 1
            }
        }
        throw error("unterminated string: expected a closing '\"'")
    }

    mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONParseError) {
        index += 1  // backslash
        guard let escape = peek() else { throw error("unterminated string: expected a closing '\"'") }
        let simple: UInt8? =
            switch escape {
            case UInt8(ascii: "\""): UInt8(ascii: "\"")
            case UInt8(ascii: "\\"): UInt8(ascii: "\\")
            case UInt8(ascii: "/"): UInt8(ascii: "/")
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
        if let simple {
            buffer.append(simple)
            index += 1
            return
        }
        guard escape == UInt8(ascii: "u") else {
            throw error("invalid escape sequence '\\\(String(decoding: [escape], as: UTF8.self))' in a string")
        }
        index += 1
        var code = try parseHex4()
        if (0xD800..<0xDC00).contains(code),
            peek() == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
        {
            let save = index
            index += 2
            let low = try parseHex4()
            if (0xDC00..<0xE000).contains(low) {
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else {
                index = save
            }
        }
        // A lone surrogate cannot be a Unicode scalar; it becomes U+FFFD, as jq does.
        let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
        buffer.append(contentsOf: String(Character(scalar)).utf8)
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("invalid \\u escape: expected four hexadecimal digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = bytes[index].hexDigitValue else {
                throw error("invalid \\u escape: expected four hexadecimal digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    // MARK: helpers

    func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                index += 1
            case UInt8(ascii: "\n"):
                index += 1
                startLine()
            case UInt8(ascii: "\r"):
                index += 1
                if peek() == UInt8(ascii: "\n") { index += 1 }
                startLine()
            default:
                return
            }
        }
    }

    mutating func startLine() {
        line += 1
        lineStart = index
        columnMarkOffset = index
        columnMarkColumn = 1
    }

    /// The position of `index`, its column counted in Unicode scalars (UTF-8 lead bytes).
    mutating func currentPosition() -> SourcePosition {
        if columnMarkOffset > index {
            columnMarkOffset = lineStart
            columnMarkColumn = 1
        }
        var column = columnMarkColumn
        var offset = columnMarkOffset
        while offset < index {
            if bytes[offset] & 0xC0 != 0x80 { column += 1 }
            offset += 1
        }
        columnMarkOffset = index
        columnMarkColumn = column
        return SourcePosition(line: line, column: column)
    }

    func describeCurrent() -> String {
        guard let byte = peek() else { return "end of text" }
        if byte >= 0x20 && byte < 0x7F { return "character '\(String(decoding: [byte], as: UTF8.self))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    mutating func checkDepth(_ depth: Int) throws(JSONParseError) {
        if depth > maxDepth {
            var failure = error("arrays and objects nest deeper than \(maxDepth) levels")
            failure.kind = .tooDeep
            throw failure
        }
    }

    mutating func controlCharacterError(_ byte: UInt8) -> JSONParseError {
        let hex = String(byte, radix: 16, uppercase: true)
        return error("control character U+\(String(repeating: "0", count: 4 - hex.count) + hex) must be escaped in a string")
    }

    mutating func error(_ message: String) -> JSONParseError {
        JSONParseError(kind: .syntax, message: message, position: currentPosition())
    }
}
