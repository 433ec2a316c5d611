public import SwirlCore

/// Gives plain YAML scalars their types by the YAML 1.2 core schema.
///
/// Unlike YAML 1.1, the core schema has no `yes`/`no`/`on`/`off` booleans and no sexagesimal
/// numbers, so `on:` (the key of `schedule.on`) stays the string `"on"`. Quoted and block
/// scalars are always strings; only plain ones are resolved here.
public enum ScalarResolver {
    /// The value of a plain scalar: null, a Boolean, a number, or else the text itself.
    public static func resolve(plain text: String) -> JSON {
        // The first byte decides which kinds the text can be: a null (empty, `~`, `null`, `Null`,
        // `NULL`), a Boolean, or a number (a digit, a sign or the `.` of `.5`, `.inf`, `.nan`).
        // Most plain scalars are words, and are strings at once.
        guard let first = text.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"):
            return null(text) ?? .string(text)
        case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"):
            return bool(text).map(JSON.bool) ?? .string(text)
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return (integer(text) ?? float(text)).map(JSON.number) ?? .string(text)
        default:
            return .string(text)
        }
    }

    /// `null` for `""`, `~`, `null`, `Null`, `NULL`.
    public static func null(_ text: String) -> JSON? {
        switch text {
        case "", "~", "null", "Null", "NULL": .null
        default: nil
        }
    }

    /// The Boolean for `true`/`True`/`TRUE`/`false`/`False`/`FALSE`.
    public static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    /// The value of a decimal (`[-+]?[0-9]+`), octal (`0o[0-7]+`) or hexadecimal (`0x[0-9a-fA-F]+`) integer.
    public static func integer(_ text: String) -> Double? {
        let utf8 = Array(text.utf8)
        if utf8.count > 2, utf8[0] == UInt8(ascii: "0") {
            if utf8[1] == UInt8(ascii: "o") { return digits(utf8.dropFirst(2), radix: 8) }
            if utf8[1] == UInt8(ascii: "x") { return digits(utf8.dropFirst(2), radix: 16) }
        }
        var body = utf8[...]
        var negative = false
        if let sign = body.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        guard let value = digits(body, radix: 10) else { return nil }
        return negative ? -value : value
    }

    /// The value of a float: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`,
    /// `[-+]?.inf` (any of the three casings) or `.nan`.
    public static func float(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        guard matchesFloatSyntax(Array(text.utf8)) else { return nil }
        // The grammar allows "1." and ".5"; give the number parser a form it always accepts.
        var canonical = text
        if canonical.hasPrefix(".") || canonical.hasPrefix("-.") || canonical.hasPrefix("+.") {
            canonical = canonical.replacing(".", with: "0.", maxReplacements: 1)
        }
        canonical = canonical.replacing(".e", with: ".0e").replacing(".E", with: ".0E")
        if canonical.hasSuffix(".") { canonical += "0" }
        return Double(canonical)
    }

    private static func matchesFloatSyntax(_ bytes: [UInt8]) -> Bool {
        var index = 0
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
        var mantissaDigits = 0
        while isDigit(index) {
            index += 1
            mantissaDigits += 1
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var fractionDigits = 0
            while isDigit(index) {
                index += 1
                fractionDigits += 1
            }
            // ".5" needs its fraction digits; "1." does not.
            if mantissaDigits == 0 && fractionDigits == 0 { return false }
        } else if mantissaDigits == 0 {
            return false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                index += 1
            }
            guard isDigit(index) else { return false }
            while isDigit(index) { index += 1 }
        }
        return index == bytes.count
    }

    private static func digits(_ bytes: ArraySlice<UInt8>, radix: Int) -> Double? {
        guard !bytes.isEmpty else { return nil }
        if radix == 10, bytes.count > 15 {
            // Past 2^53 digit-by-digit accumulation rounds at every step; let the parser round once.
            guard bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Double(String(decoding: bytes, as: UTF8.self))
        }
        var value = 0.0
        for byte in bytes {
            guard let digitValue = byte.hexDigitValue, Int(digitValue) < radix else { return nil }
            let digit = Int(digitValue)
            value = value * Double(radix) + Double(digit)
        }
        return value
    }
}
