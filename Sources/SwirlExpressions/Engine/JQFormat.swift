public import SwirlCore

/// jq's string formats, `@name` in a program or `format("name")`: the ways a value is turned
/// into text for HTML, URIs, CSV and TSV rows, shell words and base64.
///
/// The formats are jq 1.7.1's, with its escaping byte for byte, including its habit of writing
/// a NUL character as the two characters `\0` wherever a format escapes characters, and its
/// error messages. jq 1.7.1 has no `@base32` or `@base32d` (its manual lists formats it does not
/// implement), so Swirl rejects those names as jq does: `base32 is not a valid format`.
public enum JQFormat {
    /// The names `apply(_:to:)` accepts.
    public static let names: [String] = ["text", "json", "html", "uri", "csv", "tsv", "sh", "base64", "base64d"]

    /// Formats `value` as the format `name` says.
    ///
    /// - `text`: `tostring`; `json`: `tojson`.
    /// - `html`: `tostring`, then `&amp; &lt; &gt; &apos; &quot;` for `& < > ' "`.
    /// - `uri`: `tostring`, then every byte but `A–Z a–z 0–9 - _ . ~` as `%XX`.
    /// - `csv`, `tsv`: an array as one row; strings quoted and `"` doubled (CSV) or tab, CR,
    ///   LF and backslash written `\t \r \n \\` (TSV); numbers as `tojson` prints them, NaN and
    ///   `null` as nothing, booleans as `true`/`false`; arrays and objects are errors.
    /// - `sh`: a value, or each element of an array, as a shell word: strings single-quoted
    ///   with `'` written `'\''`, other scalars as JSON; arrays and objects are errors.
    /// - `base64`: the UTF-8 of `tostring`, padded. `base64d`: the reverse, reading up to the
    ///   first `=`; bytes that are not UTF-8 become U+FFFD.
    /// - Parameters:
    ///   - name: the format's name without `@`. Like jq, only the text before a NUL counts.
    ///   - value: the input.
    /// - Returns: the formatted text.
    /// - Throws: ``JQEvalError/raised(_:)`` with jq's message: `xyz is not a valid format`,
    ///   `object ({}) cannot be csv-formatted, only array`, `array ([1]) is not valid in a csv
    ///   row`, `object ({}) can not be escaped for shell`, `string ("a") trailing base64 byte
    ///   found`, `string ("!") is not valid base64 data`.
    public static func apply(_ name: String, to value: JSON) throws(JQEvalError) -> String {
        switch String(decoding: name.utf8.prefix { $0 != 0 }, as: UTF8.self) {
        case "json": return try JQText.toJSON(value)
        case "text": return try JQText.toString(value)
        case "csv": return try row(value, format: "csv", separator: ",") { "\"" + escape($0, [UInt8(ascii: "\""): "\"\""]) + "\"" }
        case "tsv": return try row(value, format: "tsv", separator: "\t") { escape($0, tabEscapes) }
        case "html": return escape(try JQText.toString(value), htmlEscapes)
        case "uri": return uri(try JQText.toString(value))
        case "sh": return try shell(value)
        case "base64": return base64(try JQText.toString(value))
        case "base64d": return try base64Decoded(try JQText.toString(value))
        default: throw .raised(.string(name + " is not a valid format"))
        }
    }

    private static let tabEscapes: [UInt8: String] = [0x09: "\\t", 0x0D: "\\r", 0x0A: "\\n", UInt8(ascii: "\\"): "\\\\"]
    private static let htmlEscapes: [UInt8: String] = [
        UInt8(ascii: "&"): "&amp;", UInt8(ascii: "<"): "&lt;", UInt8(ascii: ">"): "&gt;", UInt8(ascii: "'"): "&apos;",
        UInt8(ascii: "\""): "&quot;",
    ]

    /// `text` with each ASCII byte in `escapes` replaced, and NUL written `\0` as jq writes it
    /// in every escaping format.
    static func escape(_ text: String, _ escapes: [UInt8: String]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if let replacement = escapes[byte] {
                bytes.append(contentsOf: replacement.utf8)
            } else if byte == 0 {
                bytes.append(contentsOf: "\\0".utf8)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A CSV or TSV row of the array `value`, each string written by `quote`.
    private static func row(
        _ value: JSON,
        format: String,
        separator: String,
        quote: (String) -> String
    ) throws(JQEvalError) -> String {
        guard case .array(let fields) = value else { throw JQValue.failure(value, "cannot be \(format)-formatted, only array") }
        var line = ""
        for (index, field) in fields.enumerated() {
            if index > 0 { line += separator }
            switch field {
            case .null: break
            case .bool(let flag): line += flag ? "true" : "false"
            case .number(let number): if !number.isNaN { line += JQText.number(number) }
            case .string(let text): line += quote(text)
            case .array, .object: throw JQValue.failure(field, "is not valid in a csv row")
            }
        }
        return line
    }

    /// The bytes a URI keeps as they are.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// `text` percent-encoded byte by byte, upper-case hexadecimal.
    private static func uri(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(upperHex[Int(byte >> 4)])
                bytes.append(upperHex[Int(byte & 0xF)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Shell words for `value` or for each element of an array, separated by spaces.
    private static func shell(_ value: JSON) throws(JQEvalError) -> String {
        let words: [JSON]
        if case .array(let elements) = value { words = elements } else { words = [value] }
        var line = ""
        for (index, word) in words.enumerated() {
            if index > 0 { line += " " }
            switch word {
            case .null, .bool, .number: line += try JQText.toJSON(word)
            case .string(let text): line += "'" + escape(text, [UInt8(ascii: "'"): "'\\''"]) + "'"
            case .array, .object: throw JQValue.failure(word, "can not be escaped for shell")
            }
        }
        return line
    }

    private static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The UTF-8 of `text` in base64, padded with `=`.
    private static func base64(_ text: String) -> String {
        let data = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity((data.count + 2) / 3 * 4)
        var index = 0
        while index < data.count {
            let count = min(3, data.count - index)
            var group: UInt32 = 0
            for offset in 0..<3 {
                group = group << 8 | (offset < count ? UInt32(data[index + offset]) : 0)
            }
            for offset in 0..<4 {
                output.append(offset <= count ? base64Alphabet[Int((group >> (18 - 6 * UInt32(offset))) & 0x3F)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The value of one base64 character, or `nil` for a byte outside the alphabet.
    private static func base64Value(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(byte - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }

    /// Decodes base64 as jq 1.7.1 does: characters up to the first `=` (whatever follows it is
    /// ignored), no white space allowed, a final group of two or three characters giving one or
    /// two bytes, and a single leftover character an error.
    private static func base64Decoded(_ text: String) throws(JQEvalError) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count / 4 * 3 + 2)
        var group: UInt32 = 0
        var count = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") { break }
            guard let value = base64Value(byte) else { throw JQValue.failure(.string(text), "is not valid base64 data") }
            group = group << 6 | value
            count += 1
            if count == 4 {
                output.append(UInt8(group >> 16 & 0xFF))
                output.append(UInt8(group >> 8 & 0xFF))
                output.append(UInt8(group & 0xFF))
                group = 0
                count = 0
            }
        }
        switch count {
        case 3:
            output.append(UInt8(group >> 10 & 0xFF))
            output.append(UInt8(group >> 2 & 0xFF))
        case 2:
            output.append(UInt8(group >> 4 & 0xFF))
        case 1:
            throw JQValue.failure(.string(text), "trailing base64 byte found")
        default:
            break
        }
        return JQText.decodeReplacingInvalid(output)
    }
}
