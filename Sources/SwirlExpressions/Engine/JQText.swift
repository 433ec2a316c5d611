public import SwirlCore

/// jq's conversions between values and JSON text: the compact serialisation behind `tojson`,
/// `tostring` and string interpolation, the reader behind `fromjson` and `tonumber`, and the
/// text of a number.
///
/// The output and the error messages are jq 1.7.1's, so a workflow expression that prints or
/// parses JSON gives what it gave under jq. Swirl's numbers are doubles, so a number prints as
/// jq 1.7.1 prints a computed double: the shortest digits that read back as the same double
/// (`1.5`, `1e+100`, `1e-05`, `-0`), never the literal text a decimal number library keeps.
public enum JQText {
    /// The longest text ``toJSON(_:)`` builds. A value whose arrays share one element many times
    /// is small in memory yet can print to an enormous text; past this many bytes printing stops
    /// with an error instead of exhausting memory.
    public static let maxTextBytes = JQValue.maxStringBytes

    /// How deep values nest before jq 1.7.1 prints `<skipped: too deep>` in their place.
    static let maxPrintDepth = 256

    /// The compact JSON text of `value`, as `tojson` gives it.
    ///
    /// Object members print in their stored order; strings escape `"` `\` and the control
    /// characters (DEL as `\u007f`) and keep every other character as UTF-8; NaN prints as
    /// `null` and the infinities as the largest finite doubles. Like jq 1.7.1, a value nested
    /// more than 256 levels deep prints as `<skipped: too deep>`, so the text is then not JSON.
    /// - Parameter value: any value.
    /// - Returns: the text, without a trailing newline.
    /// - Throws: ``JQEvalError/raised(_:)`` when the text would exceed ``maxTextBytes``.
    public static func toJSON(_ value: JSON) throws(JQEvalError) -> String {
        try toJSON(value, limit: maxTextBytes)
    }

    /// ``toJSON(_:)`` with another size limit, so tests can reach it cheaply.
    static func toJSON(_ value: JSON, limit: Int) throws(JQEvalError) -> String {
        var writer = JQTextWriter(limit: limit)
        try writer.write(value, depth: 0)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// How a value appears inside jq's error messages: its type and its compact text, cut to 11
    /// bytes and `...` when the text is longer than 14 (`number (1e+16)`, `string ("abcdefghij...)`).
    ///
    /// It prints numbers as jq does (`1e+16`, not `10000000000000000`), and prints only the
    /// start of a large value.
    public static func quoted(_ value: JSON) -> String {
        var writer = JQTextWriter(limit: 64)
        try? writer.write(value, depth: 0)
        let text = writer.bytes
        let shown = text.count > 14 ? String(decoding: text.prefix(11), as: UTF8.self) + "..." : String(decoding: text, as: UTF8.self)
        return "\(value.typeName) (\(shown))"
    }

    /// The text of `value` as `tostring` gives it: a string as it is, anything else as
    /// ``toJSON(_:)`` prints it.
    /// - Throws: ``JQEvalError/raised(_:)`` when the text would exceed ``maxTextBytes``.
    public static func toString(_ value: JSON) throws(JQEvalError) -> String {
        if case .string(let text) = value { return text }
        return try toJSON(value)
    }

    /// The text jq 1.7.1 prints for the double `number`.
    ///
    /// The digits are the shortest that read back as the same double; the layout follows jq:
    /// plain digits while the decimal exponent lies between -4 and 15 digits past the last
    /// significant digit (`100000000000000000000` is not among them: it prints `1e+20`, while
    /// `123456789012345680` does print in full), otherwise one digit, a fraction if any, and a
    /// signed exponent of at least two digits (`1e-05`, `1.5e+300`). Negative zero keeps its
    /// sign; NaN prints as `null`; the infinities as `±1.7976931348623157e+308`.
    public static func number(_ number: Double) -> String {
        if number.isNaN { return "null" }
        var value = number
        if value.isInfinite { value = value < 0 ? -Double.greatestFiniteMagnitude : Double.greatestFiniteMagnitude }
        let (digits, point) = shortestDigits(value.magnitude)
        var text: [UInt8] = []
        text.reserveCapacity(digits.count + 8)
        if value.sign == .minus { text.append(UInt8(ascii: "-")) }
        if point <= -4 || point > digits.count + 15 {
            text.append(digits[0])
            if digits.count > 1 {
                text.append(UInt8(ascii: "."))
                text.append(contentsOf: digits[1...])
            }
            let exponent = point - 1
            text.append(UInt8(ascii: "e"))
            text.append(UInt8(ascii: exponent < 0 ? "-" : "+"))
            let magnitude = String(exponent.magnitude)
            if magnitude.utf8.count < 2 { text.append(UInt8(ascii: "0")) }
            text.append(contentsOf: magnitude.utf8)
        } else if point <= 0 {
            text.append(contentsOf: "0.".utf8)
            text.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -point))
            text.append(contentsOf: digits)
        } else {
            for (index, digit) in digits.enumerated() {
                if index == point { text.append(UInt8(ascii: ".")) }
                text.append(digit)
            }
            if point > digits.count { text.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: point - digits.count)) }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The shortest decimal digits that identify the finite, non-negative `magnitude`, without
    /// leading or trailing zeros, and where the decimal point goes: the value is
    /// `0.d₁d₂… × 10^point`. Zero is the digit `0` with the point after it.
    ///
    /// Swift's own description of a double already holds the shortest round-trip digits; only
    /// its layout differs from jq's, so the digits are taken from it.
    static func shortestDigits(_ magnitude: Double) -> (digits: [UInt8], point: Int) {
        let text = Array(magnitude.description.utf8)
        var digits: [UInt8] = []
        var pointIndex: Int?
        var exponent = 0
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                pointIndex = digits.count
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                exponent = Int(String(decoding: text[(index + 1)...], as: UTF8.self)) ?? 0
                break
            } else {
                digits.append(byte)
            }
            index += 1
        }
        var point = (pointIndex ?? digits.count) + exponent
        var leading = 0
        while leading < digits.count - 1 && digits[leading] == UInt8(ascii: "0") { leading += 1 }
        digits.removeFirst(leading)
        point -= leading
        while digits.count > 1 && digits.last == UInt8(ascii: "0") { digits.removeLast() }
        if digits == [UInt8(ascii: "0")] { point = 1 }
        return (digits, point)
    }

    /// Reads `text` as one JSON value, as `fromjson` does.
    ///
    /// jq 1.7.1's reader is more lenient than JSON in places and Swirl follows it: numbers are
    /// read as decimal literals (`+1`, `.5`, `1.`, `01`, `nan`, `NaN`, `-Infinity`, `inf` are
    /// numbers) and rounded to 17 significant digits before becoming doubles; a leading
    /// byte-order mark is skipped; a repeated key keeps its first place and its last value.
    /// Nesting is limited to 256 open arrays, objects and pending keys, as in jq.
    /// - Throws: ``JQEvalError/raised(_:)`` with jq's message, such as
    ///   `Unfinished JSON term at EOF at line 1, column 3 (while parsing '[1,')`.
    public static func fromJSON(_ text: String) throws(JQEvalError) -> JSON {
        try JQJSONReader.parse(Array(text.utf8))
    }

    /// `tonumber`: a number as it is; a string read as JSON text that must be a number.
    ///
    /// jq 1.7.1 reads the string with its JSON reader, so surrounding spaces are accepted, a
    /// syntax error reports the reader's message (`Invalid numeric literal at EOF at line 1,
    /// column 3 (while parsing 'abc')`), and the text ends at its first NUL character.
    /// - Throws: ``JQEvalError/raised(_:)`` for a value that is neither, text that is not JSON,
    ///   or JSON that is not a number (`string ("[1]") cannot be parsed as a number`).
    public static func toNumber(_ value: JSON) throws(JQEvalError) -> JSON {
        switch value {
        case .number:
            return value
        case .string(let text):
            let bytes = Array(text.utf8.prefix { $0 != 0 })
            let parsed = try JQJSONReader.parse(bytes)
            if case .number = parsed { return parsed }
            throw JQValue.failure(value, "cannot be parsed as a number")
        default:
            throw JQValue.failure(value, "cannot be parsed as a number")
        }
    }

    /// The decimal literal `literal` as a double, or `nil` when it is not one.
    ///
    /// The grammar is the one jq 1.7.1's decimal numbers accept: an optional sign, digits with
    /// at most one point (either side of it may be empty, not both), an optional exponent; or,
    /// after an optional sign and in any case, `inf`, `infinity`, `nan` or `snan` (the last two
    /// optionally followed by digits). The value is rounded to 17 significant digits, half to
    /// even, before it becomes the nearest double, as jq converts its decimals.
    static func decimal(_ literal: some Collection<UInt8>) -> Double? {
        let bytes = Array(literal)
        var index = 0
        var negative = false
        var digits: [UInt8] = []
        var sawDigit = false
        var sawPoint = false
        var fractionDigits = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                sawDigit = true
                if sawPoint { fractionDigits += 1 }
                if !(digits.isEmpty && byte == UInt8(ascii: "0")) { digits.append(byte) }
            } else if byte == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else if index == 0 && (byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")) {
                negative = byte == UInt8(ascii: "-")
            } else {
                break
            }
            index += 1
        }
        if !sawDigit {
            if sawPoint || index == bytes.count { return nil }
            return special(bytes[index...], negative: negative)
        }
        var exponent = 0
        if index < bytes.count {
            guard bytes[index] | 0x20 == UInt8(ascii: "e") else { return nil }
            index += 1
            var negativeExponent = false
            if index < bytes.count && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) {
                negativeExponent = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard index < bytes.count else { return nil }
            while index < bytes.count {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                // Past a billion the value is zero or infinite whatever the digits.
                exponent = min(exponent * 10 + Int(byte - UInt8(ascii: "0")), 1_000_000_000)
                index += 1
            }
            if negativeExponent { exponent = -exponent }
        }
        if digits.isEmpty { return negative ? -0.0 : 0.0 }
        exponent -= fractionDigits
        if digits.count > 17 {
            exponent += digits.count - 17
            digits = roundedToSeventeen(digits)
            if digits.count > 17 {
                digits.removeLast()
                exponent += 1
            }
        }
        // Far outside the range of doubles the result no longer depends on the digits.
        let magnitude: Double
        if exponent + digits.count > 400 {
            magnitude = .infinity
        } else if exponent + digits.count < -400 {
            magnitude = 0
        } else {
            guard let parsed = Double(String(decoding: digits, as: UTF8.self) + "e" + String(exponent)) else { return nil }
            magnitude = parsed
        }
        return negative ? -magnitude : magnitude
    }

    /// `digits` (more than 17 of them) cut to 17, rounded half to even; 18 digits when
    /// rounding up carried past the first.
    private static func roundedToSeventeen(_ digits: [UInt8]) -> [UInt8] {
        var kept = Array(digits.prefix(17))
        let first = digits[17]
        let restNonZero = digits[18...].contains { $0 != UInt8(ascii: "0") }
        let lastOdd = (kept[16] - UInt8(ascii: "0")) % 2 == 1
        let roundUp = first > UInt8(ascii: "5") || (first == UInt8(ascii: "5") && (restNonZero || lastOdd))
        guard roundUp else { return kept }
        var position = 16
        while position >= 0 {
            if kept[position] == UInt8(ascii: "9") {
                kept[position] = UInt8(ascii: "0")
                position -= 1
            } else {
                kept[position] += 1
                return kept
            }
        }
        return [UInt8(ascii: "1")] + kept
    }

    /// The infinities and NaNs a decimal literal may spell, in any case: `inf`, `infinity`,
    /// `nan` and `snan`, the NaNs optionally followed by digits.
    private static func special(_ rest: ArraySlice<UInt8>, negative: Bool) -> Double? {
        let lower = rest.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
        if lower.elementsEqual("inf".utf8) || lower.elementsEqual("infinity".utf8) {
            return negative ? -.infinity : .infinity
        }
        var body = lower[...]
        if body.first == UInt8(ascii: "s") { body = body.dropFirst() }
        guard body.starts(with: "nan".utf8) else { return nil }
        let payload = body.dropFirst(3)
        guard payload.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return .nan
    }

    /// `bytes` as a string, each ill-formed sequence replaced by one U+FFFD the way jq 1.7.1
    /// replaces it: a lead byte and the continuation bytes that follow it, up to the length the
    /// lead byte announces, count as one sequence even when overlong, a surrogate, or past
    /// U+10FFFF. `@base64d` can produce any bytes, so its output goes through this.
    static func decodeReplacingInvalid(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            let first = bytes[index]
            if first < 0x80 {
                scalars.append(Unicode.Scalar(first))
                index += 1
                continue
            }
            let length: Int
            switch first {
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: length = 0
            }
            guard length > 0 else {
                scalars.append("\u{FFFD}")
                index += 1
                continue
            }
            guard index + length <= bytes.count else {
                scalars.append("\u{FFFD}")
                index = bytes.count
                continue
            }
            var codePoint = UInt32(first) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
            var consumed = length
            var valid = true
            for offset in 1..<length {
                let byte = bytes[index + offset]
                guard byte & 0xC0 == 0x80 else {
                    valid = false
                    consumed = offset
                    break
                }
                codePoint = codePoint << 6 | UInt32(byte & 0x3F)
            }
            let smallest: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
            if valid && codePoint >= smallest, let scalar = Unicode.Scalar(codePoint) {
                scalars.append(scalar)
            } else {
                scalars.append("\u{FFFD}")
            }
            index += consumed
        }
        return String(scalars)
    }
}

/// Builds the compact JSON text of a value the way jq 1.7.1 prints it, stopping with an error
/// once the text passes a size limit.
struct JQTextWriter {
    /// The bytes written so far.
    private(set) var bytes: [UInt8] = []
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Appends `value`, which sits `depth` levels inside the value being printed.
    mutating func write(_ value: JSON, depth: Int) throws(JQEvalError) {
        if depth > JQText.maxPrintDepth {
            append("<skipped: too deep>")
            return
        }
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .number(let number): append(JQText.number(number))
        case .string(let text): writeString(text)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                try write(element, depth: depth + 1)
                try checkLimit()
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in members {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                try write(member, depth: depth + 1)
                try checkLimit()
            }
            bytes.append(UInt8(ascii: "}"))
        }
        try checkLimit()
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    private func checkLimit() throws(JQEvalError) {
        if bytes.count > limit { throw .raised(.string("tojson result too long")) }
    }

    /// Appends `text` as a string literal: `"` and `\` escaped, the control characters and DEL
    /// as `\b \t \n \f \r` or `\u00XX`, everything else as it is.
    private mutating func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x08: append("\\b")
            case 0x09: append("\\t")
            case 0x0A: append("\\n")
            case 0x0C: append("\\f")
            case 0x0D: append("\\r")
            case 0..<0x20, 0x7F:
                append("\\u00")
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
