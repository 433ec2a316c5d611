import SwirlCore

/// jq 1.7.1's JSON reader, as `fromjson` and `tonumber` use it.
///
/// It works byte by byte with an explicit stack, the way jq's reader does, because jq's error
/// messages name what that machine saw at the byte where it stopped (`Expected separator
/// between values at line 1, column 7`, `Unfinished JSON term at EOF at line 1, column 3`):
/// a recursive-descent parser would report different problems at different places. The stack
/// makes deep nesting cost memory, not native stack, and it is bounded as jq bounds it.
struct JQJSONReader {
    /// How many open arrays, objects and keys awaiting their value may be pending at once, as
    /// in jq 1.7.1: a key counts, so objects nest half as deep as arrays.
    static let maxDepth = 256

    /// Something the reader holds while it reads what goes inside it.
    private enum Frame {
        case array([JSON])
        case object(OrderedDictionary<String, JSON>)
        /// A key read before `:`, waiting for its value; the object is the frame below it.
        case key(String)
    }

    /// What one pass of the reader found.
    private enum Outcome {
        case value(JSON)
        /// The text ended without a value, and without an error.
        case nothing
        case failure(String)
    }

    /// Why the byte just read cannot continue the text.
    private struct Problem: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// Where the reader is inside the text.
    private enum Mode {
        case normal
        case string
        /// Inside a string, just after a backslash.
        case escape
    }

    private let bytes: [UInt8]
    private var position: Int
    private var stack: [Frame] = []
    /// The value read last, not yet placed into its array or object.
    private var pending: JSON?
    /// The bytes of the literal or string being read. Like jq's buffer it is reused and never
    /// cleared, so its old contents show through in one place: telling `n…` from `nu…`.
    private var token: [UInt8] = []
    private var tokenLength = 0
    private var mode = Mode.normal
    private var line = 1
    private var column = 0
    private var finished = false

    private init(bytes: [UInt8], start: Int) {
        self.bytes = bytes
        self.position = start
    }

    /// Reads `bytes` as exactly one JSON value.
    /// - Throws: ``JQEvalError/raised(_:)`` with jq's message, ending in
    ///   `(while parsing '…')` with the text up to its first NUL.
    static func parse(_ bytes: [UInt8]) throws(JQEvalError) -> JSON {
        let message: String
        switch byteOrderMark(bytes) {
        case nil:
            message = "Malformed BOM"
        case let start?:
            var reader = JQJSONReader(bytes: bytes, start: start)
            switch reader.next() {
            case .value(let value):
                switch reader.next() {
                case .nothing: return value
                case .value: message = "Unexpected extra JSON values"
                case .failure(let problem): message = problem
                }
            case .nothing: message = "Expected JSON value"
            case .failure(let problem): message = problem
            }
        }
        let shown = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        throw .raised(.string("\(message) (while parsing '\(shown)')"))
    }

    /// Where reading starts: after a UTF-8 byte-order mark, or at 0; `nil` when the text starts
    /// with part of a mark and then something else, which jq rejects.
    private static func byteOrderMark(_ bytes: [UInt8]) -> Int? {
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        var matched = 0
        while matched < mark.count && matched < bytes.count {
            if bytes[matched] == mark[matched] {
                matched += 1
            } else {
                return matched == 0 ? 0 : nil
            }
        }
        return matched
    }

    /// Reads on to the end of the next value.
    private mutating func next() -> Outcome {
        if finished { return .nothing }
        var output: JSON?
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            do throws(Problem) {
                if try scan(byte, into: &output), let value = output { return .value(value) }
            } catch {
                finished = true
                return .failure("\(error.message) at line \(line), column \(column)")
            }
        }
        finished = true
        if mode != .normal { return .failure("Unfinished string at EOF at line \(line), column \(column)") }
        do throws(Problem) {
            try checkLiteral()
        } catch {
            return .failure("\(error.message) at EOF at line \(line), column \(column)")
        }
        if !stack.isEmpty { return .failure("Unfinished JSON term at EOF at line \(line), column \(column)") }
        defer { pending = nil }
        return pending.map(Outcome.value) ?? .nothing
    }

    /// Takes one byte; true when it completed a top-level value, now in `output`.
    private mutating func scan(_ byte: UInt8, into output: inout JSON?) throws(Problem) -> Bool {
        column += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 0
        }
        var completed = false
        switch mode {
        case .normal:
            let isLiteral: Bool
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: "\""),
                UInt8(ascii: "["), UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: ":"),
                UInt8(ascii: "}"):
                isLiteral = false
            default:
                isLiteral = true
            }
            if !isLiteral {
                try checkLiteral()
                if takeCompleted(&output) { completed = true }
            }
            switch byte {
            case _ where isLiteral: addToken(byte)
            case UInt8(ascii: "\""): mode = .string
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): break
            default: try structure(byte)
            }
            if takeCompleted(&output) { completed = true }
        case .string where byte == UInt8(ascii: "\""):
            try finishString()
            mode = .normal
            if takeCompleted(&output) { completed = true }
        case .string, .escape:
            addToken(byte)
            mode = byte == UInt8(ascii: "\\") && mode == .string ? .escape : .string
        }
        return completed
    }

    /// Moves a finished top-level value into `output`.
    private mutating func takeCompleted(_ output: inout JSON?) -> Bool {
        guard stack.isEmpty, let value = pending else { return false }
        output = value
        pending = nil
        return true
    }

    private mutating func addToken(_ byte: UInt8) {
        if tokenLength < token.count {
            token[tokenLength] = byte
        } else {
            token.append(byte)
        }
        tokenLength += 1
    }

    /// Records a value just read; two values in a row need a separator between them.
    private mutating func found(_ value: JSON) throws(Problem) {
        if pending != nil { throw Problem("Expected separator between values") }
        pending = value
    }

    /// Acts on one of `[ { : , ] }`.
    private mutating func structure(_ byte: UInt8) throws(Problem) {
        switch byte {
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            if stack.count >= Self.maxDepth { throw Problem("Exceeds depth limit for parsing") }
            if pending != nil { throw Problem("Expected separator between values") }
            stack.append(byte == UInt8(ascii: "[") ? .array([]) : .object([:]))
        case UInt8(ascii: ":"):
            guard let value = pending else { throw Problem("Expected string key before ':'") }
            guard case .object? = stack.last else { throw Problem("':' not as part of an object") }
            guard case .string(let key) = value else { throw Problem("Object keys must be strings") }
            stack.append(.key(key))
            pending = nil
        case UInt8(ascii: ","):
            guard let value = pending else { throw Problem("Expected value before ','") }
            guard let top = stack.last else { throw Problem("',' not as part of an object or array") }
            switch top {
            case .array: appendToArray(value)
            case .key: try storeMember(value)
            case .object: throw Problem("Objects must consist of key:value pairs")
            }
            pending = nil
        case UInt8(ascii: "]"):
            guard case .array(let elements)? = stack.last else { throw Problem("Unmatched ']'") }
            if let value = pending {
                appendToArray(value)
            } else if !elements.isEmpty {
                throw Problem("Expected another array element")
            }
            pending = popValue()
        default:
            guard let top = stack.last else { throw Problem("Unmatched '}'") }
            if let value = pending {
                guard case .key = top else { throw Problem("Objects must consist of key:value pairs") }
                try storeMember(value)
            } else {
                guard case .object(let members) = top else { throw Problem("Unmatched '}'") }
                if !members.isEmpty { throw Problem("Expected another key-value pair") }
            }
            pending = popValue()
        }
    }

    /// Appends to the array on top of the stack.
    private mutating func appendToArray(_ value: JSON) {
        guard case .array(var elements)? = stack.popLast() else { return }
        elements.append(value)
        stack.append(.array(elements))
    }

    /// Stores `value` under the key on top of the stack into the object below it.
    private mutating func storeMember(_ value: JSON) throws(Problem) {
        guard case .key(let key)? = stack.popLast(), case .object(var members)? = stack.popLast() else {
            throw Problem("Objects must consist of key:value pairs")
        }
        members[key] = value
        stack.append(.object(members))
    }

    /// Removes the finished array or object from the stack, as a value.
    private mutating func popValue() -> JSON? {
        switch stack.popLast() {
        case .array(let elements)?: .array(elements)
        case .object(let members)?: .object(members)
        case .key(let key)?: .string(key)
        case nil: nil
        }
    }

    /// Turns the literal collected so far, if any, into `true`, `false`, `null` or a number.
    private mutating func checkLiteral() throws(Problem) {
        guard tokenLength > 0 else { return }
        let pattern: (text: String, value: JSON)?
        switch token[0] {
        case UInt8(ascii: "t"): pattern = ("true", .bool(true))
        case UInt8(ascii: "f"): pattern = ("false", .bool(false))
        // `nan` is a number; only a second letter `u` makes `n…` a try at `null`.
        case UInt8(ascii: "n") where token.count > 1 && token[1] == UInt8(ascii: "u"): pattern = ("null", .null)
        default: pattern = nil
        }
        if let pattern {
            guard token[0..<tokenLength].elementsEqual(pattern.text.utf8) else { throw Problem("Invalid literal") }
            try found(pattern.value)
        } else {
            // jq reads the literal as a C string: a NUL ends it.
            let literal = token[0..<tokenLength].prefix { $0 != 0 }
            if tokenLength < token.count { token[tokenLength] = 0 } else { token.append(0) }
            guard let number = JQText.decimal(literal) else { throw Problem("Invalid numeric literal") }
            try found(.number(number))
        }
        tokenLength = 0
    }

    /// Decodes the string collected so far (its escapes, in place in the buffer as jq does)
    /// and records it.
    private mutating func finishString() throws(Problem) {
        var input = 0
        var output = 0
        let end = tokenLength
        while input < end {
            let byte = token[input]
            input += 1
            guard byte == UInt8(ascii: "\\") else {
                if byte < 0x20 {
                    throw Problem("Invalid string: control characters from U+0000 through U+001F must be escaped")
                }
                token[output] = byte
                output += 1
                continue
            }
            guard input < end else { throw Problem("Expected escape character at end of string") }
            let escaped = token[input]
            input += 1
            let replacement: UInt8
            switch escaped {
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "/"): replacement = escaped
            case UInt8(ascii: "b"): replacement = 0x08
            case UInt8(ascii: "f"): replacement = 0x0C
            case UInt8(ascii: "t"): replacement = 0x09
            case UInt8(ascii: "n"): replacement = 0x0A
            case UInt8(ascii: "r"): replacement = 0x0D
            case UInt8(ascii: "u"):
                guard input + 4 <= end else { throw Problem("Invalid \\uXXXX escape") }
                guard var codePoint = hex4(at: input) else { throw Problem("Invalid characters in \\uXXXX escape") }
                input += 4
                if (0xD800...0xDBFF).contains(codePoint) {
                    guard input + 6 <= end, token[input] == UInt8(ascii: "\\"), token[input + 1] == UInt8(ascii: "u"),
                        let low = hex4(at: input + 2), (0xDC00...0xDFFF).contains(low)
                    else { throw Problem("Invalid \\uXXXX\\uXXXX surrogate pair escape") }
                    input += 6
                    codePoint = 0x10000 + ((codePoint - 0xD800) << 10 | (low - 0xDC00))
                }
                // A lone low surrogate is not a character; jq stores U+FFFD in its place.
                let scalar = Unicode.Scalar(codePoint) ?? "\u{FFFD}"
                for unit in String(scalar).utf8 {
                    token[output] = unit
                    output += 1
                }
                continue
            default:
                throw Problem("Invalid escape")
            }
            token[output] = replacement
            output += 1
        }
        try found(.string(String(decoding: token[0..<output], as: UTF8.self)))
        tokenLength = 0
    }

    /// The four hexadecimal digits at `index` of the buffer, or `nil`.
    private func hex4(at index: Int) -> UInt32? {
        var value: UInt32 = 0
        for byte in token[index..<(index + 4)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
