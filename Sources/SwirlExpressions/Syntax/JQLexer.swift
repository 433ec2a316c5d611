import SwirlCore

/// Splits a jq expression into tokens exactly as jq 1.6's flex lexer (`src/lexer.l`) does.
///
/// The rules that decide whether libjq accepts a program are reproduced byte for byte:
/// - flex takes the longest match and breaks ties by rule order, so `.e3` is a (bad) number and
///   not the field `.e3x`'s prefix, `..5` is a (bad) number, `?//` wins over `?` then `//`, and
///   `if` is a keyword while `iff` and `if::x` are names;
/// - only space, tab and newline separate tokens (`\r` is an invalid character), and `#` comments
///   run to the end of the line;
/// - a stack of open brackets decides what a closer means: the `)` that closes `\(` ends the
///   interpolation, and a closer that does not match the innermost opener is an invalid
///   character;
/// - numbers and runs of string escapes go through jq's JSON parser, which is what rejects
///   `1.2.3`, `"\q"`, `"\u12"` and an unpaired `"\uD800"`; such a token still comes back, and
///   ``literalFailure`` says why it is bad (libjq reports it and keeps parsing).
///
/// It reads UTF-8 bytes and allocates nothing but the bracket stack.
struct JQLexer {
    /// What an open bracket or quote on the stack is, mirroring the lexer's start conditions.
    private enum Mode: UInt8 {
        case paren, bracket, brace, interpolation, string
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset = 0
    private var modes: [Mode] = []
    /// Why the token just returned is a literal libjq rejects; `nil` for every other token.
    private(set) var literalFailure: JQSyntaxFailure?

    /// Whether a number that starts with `.` needs a digit after it, as in jq 1.7 (`.e0` is a
    /// field there); jq 1.6 reads `[0-9.]+` and rejects `.e0` as a number.
    private let numbersNeedDigitAfterDot: Bool

    init(bytes: UnsafeBufferPointer<UInt8>, dialect: JQDialect = .jq16) {
        self.bytes = bytes
        numbersNeedDigitAfterDot = dialect == .jq171
    }

    /// The next token; `.end` at the end of the text, and again on every later call.
    mutating func next() -> JQToken {
        literalFailure = nil
        if modes.last == .string {
            return nextInString()
        }
        skipTrivia()
        let start = offset
        guard start < bytes.count else { return JQToken(kind: .end, start: start, end: start) }
        let byte = bytes[start]
        switch byte {
        case UInt8(ascii: "."):
            return dotToken(at: start)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return numberToken(at: start)
        case UInt8(ascii: "\""):
            modes.append(.string)
            return token(.stringStart, start, length: 1)
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            return identifierToken(at: start)
        case UInt8(ascii: "@"):
            var end = start + 1
            while end < bytes.count, Self.isAlphanumeric(bytes[end]) || bytes[end] == UInt8(ascii: "_") {
                end += 1
            }
            return token(end > start + 1 ? .format : .invalid, start, length: max(end - start, 1))
        case UInt8(ascii: "("):
            modes.append(.paren)
            return token(.leftParen, start, length: 1)
        case UInt8(ascii: "["):
            modes.append(.bracket)
            return token(.leftBracket, start, length: 1)
        case UInt8(ascii: "{"):
            modes.append(.brace)
            return token(.leftBrace, start, length: 1)
        case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
            return closerToken(byte, at: start)
        case UInt8(ascii: "!"):
            return follows("=", at: start) ? token(.notEqual, start, length: 2) : token(.invalid, start, length: 1)
        case UInt8(ascii: "="):
            return follows("=", at: start) ? token(.equal, start, length: 2) : token(.assign, start, length: 1)
        case UInt8(ascii: "|"):
            return follows("=", at: start) ? token(.updatePipe, start, length: 2) : token(.pipe, start, length: 1)
        case UInt8(ascii: "+"):
            return follows("=", at: start) ? token(.updatePlus, start, length: 2) : token(.plus, start, length: 1)
        case UInt8(ascii: "-"):
            return follows("=", at: start) ? token(.updateMinus, start, length: 2) : token(.minus, start, length: 1)
        case UInt8(ascii: "*"):
            return follows("=", at: start) ? token(.updateStar, start, length: 2) : token(.star, start, length: 1)
        case UInt8(ascii: "%"):
            return follows("=", at: start)
                ? token(.updatePercent, start, length: 2) : token(.percent, start, length: 1)
        case UInt8(ascii: "<"):
            return follows("=", at: start) ? token(.lessEqual, start, length: 2) : token(.less, start, length: 1)
        case UInt8(ascii: ">"):
            return follows("=", at: start)
                ? token(.greaterEqual, start, length: 2) : token(.greater, start, length: 1)
        case UInt8(ascii: "/"):
            if follows("/", at: start) {
                return follows("=", at: start + 1)
                    ? token(.updateAlternative, start, length: 3) : token(.alternative, start, length: 2)
            }
            return follows("=", at: start) ? token(.updateSlash, start, length: 2) : token(.slash, start, length: 1)
        case UInt8(ascii: "?"):
            let isAlternative = follows("/", at: start) && follows("/", at: start + 1)
            return isAlternative
                ? token(.destructuringAlternative, start, length: 3) : token(.question, start, length: 1)
        case UInt8(ascii: ";"):
            return token(.semicolon, start, length: 1)
        case UInt8(ascii: ","):
            return token(.comma, start, length: 1)
        case UInt8(ascii: ":"):
            return token(.colon, start, length: 1)
        case UInt8(ascii: "$"):
            return token(.dollar, start, length: 1)
        default:
            // flex's catch-all rule: one byte, even in the middle of a multi-byte character.
            return token(.invalid, start, length: 1)
        }
    }

    // MARK: - Outside strings

    private mutating func skipTrivia() {
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"):
                offset += 1
            case UInt8(ascii: "#"):
                // A comment stops before `\r` too, which then is an invalid character.
                offset += 1
                while offset < bytes.count, bytes[offset] != UInt8(ascii: "\n"), bytes[offset] != UInt8(ascii: "\r") {
                    offset += 1
                }
            default:
                return
            }
        }
    }

    /// A token starting with `.`: flex weighs `.`, `..`, a number such as `.5` and a field such
    /// as `.foo`, takes the longest, and on a tie prefers the earlier rule (`..`, then `.`, then
    /// the number, then the field).
    private mutating func dotToken(at start: Int) -> JQToken {
        let numberEnd = numberEnd(from: start)
        var numberLength = numberEnd - start
        if numbersNeedDigitAfterDot, !(start + 1 < bytes.count && Self.isDigit(bytes[start + 1])) {
            numberLength = 0
        }
        let recurseLength = follows(".", at: start) ? 2 : 0
        var fieldLength = 0
        if start + 1 < bytes.count, Self.isIdentifierStart(bytes[start + 1]) {
            var end = start + 2
            while end < bytes.count, Self.isIdentifierContinuation(bytes[end]) {
                end += 1
            }
            fieldLength = end - start
        }
        let longest = max(numberLength, recurseLength, fieldLength, 1)
        if recurseLength == longest {
            return token(.recurse, start, length: 2)
        }
        if longest == 1 {
            return token(.dot, start, length: 1)
        }
        if numberLength == longest {
            return numberToken(at: start)
        }
        return token(.field, start, length: fieldLength)
    }

    /// Where flex's number rule `[0-9.]+([eE][+-]?[0-9]+)?` stops when it starts at `start`.
    private func numberEnd(from start: Int) -> Int {
        var end = start
        while end < bytes.count, Self.isDigit(bytes[end]) || bytes[end] == UInt8(ascii: ".") {
            end += 1
        }
        guard end < bytes.count, bytes[end] | 0x20 == UInt8(ascii: "e") else { return end }
        var exponent = end + 1
        if exponent < bytes.count, bytes[exponent] == UInt8(ascii: "+") || bytes[exponent] == UInt8(ascii: "-") {
            exponent += 1
        }
        guard exponent < bytes.count, Self.isDigit(bytes[exponent]) else { return end }
        while exponent < bytes.count, Self.isDigit(bytes[exponent]) {
            exponent += 1
        }
        return exponent
    }

    /// A number token; jq hands its text to strtod, which wants at least one digit and at most
    /// one `.` before the exponent.
    private mutating func numberToken(at start: Int) -> JQToken {
        let end = numberEnd(from: start)
        var digits = 0
        var dots = 0
        for index in start..<end {
            let byte = bytes[index]
            if byte | 0x20 == UInt8(ascii: "e") { break }
            if byte == UInt8(ascii: ".") { dots += 1 } else { digits += 1 }
        }
        let token = token(.number, start, length: end - start)
        if digits == 0 || dots > 1 {
            literalFailure = .invalidNumber(text(token.start, token.end), start: token.start, end: token.end)
        }
        return token
    }

    /// The value of a number token the lexer accepted; infinity when it overflows, as in jq.
    func numberValue(_ token: JQToken) -> Double {
        Double(text(token.start, token.end)) ?? .nan
    }

    private mutating func identifierToken(at start: Int) -> JQToken {
        var end = start + 1
        while end < bytes.count, Self.isIdentifierContinuation(bytes[end]) {
            end += 1
        }
        var qualified = false
        // `a::b`: each `::` must be followed by another name, or it is not part of this one.
        while end + 2 < bytes.count, bytes[end] == UInt8(ascii: ":"), bytes[end + 1] == UInt8(ascii: ":"),
            Self.isIdentifierStart(bytes[end + 2])
        {
            end += 3
            while end < bytes.count, Self.isIdentifierContinuation(bytes[end]) {
                end += 1
            }
            qualified = true
        }
        let kind = qualified ? .identifier : keyword(start, end) ?? .identifier
        return token(kind, start, length: end - start)
    }

    private func keyword(_ start: Int, _ end: Int) -> JQToken.Kind? {
        switch end - start {
        case 2:
            if matches("as", start) { return .kwAs }
            if matches("if", start) { return .kwIf }
            if matches("or", start) { return .kwOr }
        case 3:
            if matches("def", start) { return .kwDef }
            if matches("end", start) { return .kwEnd }
            if matches("and", start) { return .kwAnd }
            if matches("try", start) { return .kwTry }
        case 4:
            if matches("then", start) { return .kwThen }
            if matches("else", start) { return .kwElse }
            if matches("elif", start) { return .kwElif }
        case 5:
            if matches("label", start) { return .kwLabel }
            if matches("break", start) { return .kwBreak }
            if matches("catch", start) { return .kwCatch }
        case 6:
            if matches("module", start) { return .kwModule }
            if matches("import", start) { return .kwImport }
            if matches("reduce", start) { return .kwReduce }
        case 7:
            if matches("include", start) { return .kwInclude }
            if matches("foreach", start) { return .kwForeach }
            if matches("__loc__", start) { return .kwLoc }
        default:
            break
        }
        return nil
    }

    private mutating func closerToken(_ byte: UInt8, at start: Int) -> JQToken {
        guard let mode = modes.last else { return token(.invalid, start, length: 1) }
        let kind: JQToken.Kind
        switch (mode, byte) {
        case (.paren, UInt8(ascii: ")")): kind = .rightParen
        case (.bracket, UInt8(ascii: "]")): kind = .rightBracket
        case (.brace, UInt8(ascii: "}")): kind = .rightBrace
        case (.interpolation, UInt8(ascii: ")")): kind = .interpolationEnd
        default:
            // libjq's lexer does not pop on a mismatch either; the parser fails on it at once.
            return token(.invalid, start, length: 1)
        }
        modes.removeLast()
        return token(kind, start, length: 1)
    }

    // MARK: - Inside strings

    private mutating func nextInString() -> JQToken {
        let start = offset
        guard start < bytes.count else { return JQToken(kind: .end, start: start, end: start) }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            modes.removeLast()
            return token(.stringEnd, start, length: 1)
        case UInt8(ascii: "\\"):
            if follows("(", at: start) {
                modes.append(.interpolation)
                return token(.interpolationStart, start, length: 2)
            }
            // flex's rule `(\\[^u(]|\\u[a-zA-Z0-9]{0,4})+`: a run of escapes, one token.
            var end = start
            while end + 1 < bytes.count, bytes[end] == UInt8(ascii: "\\"), bytes[end + 1] != UInt8(ascii: "(") {
                if bytes[end + 1] == UInt8(ascii: "u") {
                    end += 2
                    var digits = 0
                    while digits < 4, end < bytes.count, Self.isAlphanumeric(bytes[end]) {
                        end += 1
                        digits += 1
                    }
                } else {
                    end += 2
                }
            }
            guard end > start else {
                // A backslash that ends the text matches only flex's catch-all rule.
                return token(.invalid, start, length: 1)
            }
            let token = token(.stringText, start, length: end - start)
            literalFailure = escapeFailure(start, end)
            return token
        default:
            var end = start + 1
            while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") {
                end += 1
            }
            // Plain text goes to jv_string_sized unchecked: raw newlines and tabs are fine.
            return token(.stringText, start, length: end - start)
        }
    }

    /// What jq's JSON parser (`found_string` in `src/jv_parse.c`) says about a run of escapes,
    /// replicated step for step, including where it reads past one escape into the next.
    private func escapeFailure(_ start: Int, _ end: Int) -> JQSyntaxFailure? {
        var index = start
        while index < end {
            let byte = bytes[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                if byte > 0 && byte < 0x1F {
                    return .controlCharacterInString(start: index - 1, end: index)
                }
                continue
            }
            let escapeStart = index - 1
            let escaped = bytes[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "t"), UInt8(ascii: "n"), UInt8(ascii: "r"):
                continue
            case UInt8(ascii: "u"):
                guard index + 4 <= end else {
                    return .shortUnicodeEscape(start: escapeStart, end: end)
                }
                guard let codeUnit = hexValue(index) else {
                    return .badUnicodeEscape(text(escapeStart, index + 4), start: escapeStart, end: index + 4)
                }
                index += 4
                guard (0xD800...0xDBFF).contains(codeUnit) else { continue }
                guard index + 6 <= end, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                    let low = hexValue(index + 2), (0xDC00...0xDFFF).contains(low)
                else {
                    return .unpairedSurrogate(text(escapeStart, index), start: escapeStart, end: index)
                }
                index += 6
            default:
                let scalarEnd = min(scalarEnd(from: index - 1), end)
                return .invalidEscape(text(escapeStart, scalarEnd), start: escapeStart, end: scalarEnd)
            }
        }
        return nil
    }

    /// Appends the text a string token stands for: plain text as it is (invalid UTF-8 replaced,
    /// as jq does), a run of escapes decoded. Only for tokens ``literalFailure`` passed.
    func appendText(of token: JQToken, to text: inout String) {
        guard bytes[token.start] == UInt8(ascii: "\\") else {
            text += self.text(token.start, token.end)
            return
        }
        var index = token.start
        while index < token.end {
            let escaped = bytes[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "b"): text.unicodeScalars.append("\u{08}")
            case UInt8(ascii: "f"): text.unicodeScalars.append("\u{0C}")
            case UInt8(ascii: "t"): text.unicodeScalars.append("\t")
            case UInt8(ascii: "n"): text.unicodeScalars.append("\n")
            case UInt8(ascii: "r"): text.unicodeScalars.append("\r")
            case UInt8(ascii: "u"):
                var scalar = hexValue(index) ?? 0xFFFD
                index += 4
                if (0xD800...0xDBFF).contains(scalar), index + 6 <= token.end, let low = hexValue(index + 2) {
                    scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
                    index += 6
                }
                text.unicodeScalars.append(Unicode.Scalar(UInt32(scalar)) ?? "\u{FFFD}")
            default:
                // `\\`, `\"` and `\/` stand for themselves.
                text.unicodeScalars.append(Unicode.Scalar(escaped))
            }
        }
    }

    private func hexValue(_ start: Int) -> Int? {
        var value = 0
        for index in start..<start + 4 {
            guard let digit = bytes[index].hexDigitValue else { return nil }
            value = value << 4 | Int(digit)
        }
        return value
    }

    // MARK: - Helpers

    @inline(__always)
    private mutating func token(_ kind: JQToken.Kind, _ start: Int, length: Int) -> JQToken {
        offset = start + length
        return JQToken(kind: kind, start: start, end: start + length)
    }

    /// Whether the byte after `index` is `character`.
    @inline(__always)
    private func follows(_ character: Unicode.Scalar, at index: Int) -> Bool {
        index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: character)
    }

    private func matches(_ word: StaticString, _ start: Int) -> Bool {
        let count = word.utf8CodeUnitCount
        guard start + count <= bytes.count else { return false }
        let pointer = word.utf8Start
        for index in 0..<count where bytes[start + index] != pointer[index] {
            return false
        }
        return true
    }

    /// The end of the UTF-8 sequence that starts at `start` (at least one byte).
    private func scalarEnd(from start: Int) -> Int {
        var end = start + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 {
            end += 1
        }
        return end
    }

    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    @inline(__always)
    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20) &- UInt8(ascii: "a") < 26
    }

    @inline(__always)
    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- UInt8(ascii: "a") < 26 || byte == UInt8(ascii: "_")
    }

    @inline(__always)
    static func isIdentifierContinuation(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "_")
    }
}
