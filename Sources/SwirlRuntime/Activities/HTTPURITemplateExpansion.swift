import SwirlCore
import SwirlExpressions

/// Expands an endpoint's RFC 6570 URI template with the task's input (DSL-NOTES §1.6).
///
/// A variable `{name}` reads the top-level property `name` of the input, literally (`{a.b}` reads
/// the key `"a.b"`). A missing or null property is undefined: the simple form gives the empty
/// string, the other operators leave it out as RFC 6570 says. Only scalars expand; an array or an
/// object is an `expression` error (400), since the DSL only promises simple expansion and a list
/// spliced into a URL is more likely a mistake than a wish. Prefix modifiers (`{var:3}`) are not
/// applied: the parser keeps only the names.
enum HTTPURITemplateExpansion {
    /// The template's text with every expression replaced.
    /// - Throws: `expression` (400) for a template that does not parse or a non-scalar value.
    static func expand(_ text: String, input: JSON, task: String) throws(WorkflowError) -> String {
        do {
            _ = try URITemplate(parsing: text)
        } catch {
            throw WorkflowError(.expression, title: "Invalid endpoint", detail: error.description, instance: task)
        }
        // The parser has validated the text, so each `{` has its `}` and no nested braces.
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let close = rest[open...].firstIndex(of: "}")!
            result += try expandExpression(rest[rest.index(after: open)..<close], input: input, task: task)
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return result
    }

    /// One row of RFC 6570's appendix A table.
    private struct Style {
        var first: String
        var separator: String
        var named: Bool
        var ifEmpty: String
        var allowReserved: Bool
    }

    private static func style(for op: Character?) -> Style {
        switch op {
        case "+": Style(first: "", separator: ",", named: false, ifEmpty: "", allowReserved: true)
        case "#": Style(first: "#", separator: ",", named: false, ifEmpty: "", allowReserved: true)
        case ".": Style(first: ".", separator: ".", named: false, ifEmpty: "", allowReserved: false)
        case "/": Style(first: "/", separator: "/", named: false, ifEmpty: "", allowReserved: false)
        case ";": Style(first: ";", separator: ";", named: true, ifEmpty: "", allowReserved: false)
        case "?": Style(first: "?", separator: "&", named: true, ifEmpty: "=", allowReserved: false)
        case "&": Style(first: "&", separator: "&", named: true, ifEmpty: "=", allowReserved: false)
        default: Style(first: "", separator: ",", named: false, ifEmpty: "", allowReserved: false)
        }
    }

    private static func expandExpression(_ body: Substring, input: JSON, task: String) throws(WorkflowError) -> String {
        var specs = body
        var op: Character?
        if let first = specs.first, "+#./;?&".contains(first) {
            op = first
            specs = specs.dropFirst()
        }
        let style = style(for: op)
        var parts: [String] = []
        for spec in specs.split(separator: ",") {
            var name = spec
            if let colon = name.firstIndex(of: ":") { name = name[..<colon] }
            if name.last == "*" { name = name.dropLast() }
            let key = String(name)
            guard let text = try scalarText(input[key], name: key, task: task) else {
                // Undefined: the simple form keeps the DSL's "missing becomes empty" rule.
                if op == nil { parts.append("") }
                continue
            }
            let encoded = percentEncode(text, allowReserved: style.allowReserved)
            if style.named {
                parts.append(encoded.isEmpty ? key + style.ifEmpty : key + "=" + encoded)
            } else {
                parts.append(encoded)
            }
        }
        guard !parts.isEmpty else { return "" }
        return style.first + parts.joined(separator: style.separator)
    }

    /// The text of a scalar; `nil` when the value is undefined (missing or null).
    private static func scalarText(_ value: JSON?, name: String, task: String) throws(WorkflowError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .number(let number)?: return JSON.format(number: number)
        case .bool(let flag)?: return flag ? "true" : "false"
        case .array?, .object?:
            throw WorkflowError(
                .expression, title: "Invalid URI template value",
                detail: "variable '\(name)' is \(value!.typeName == "array" ? "an array" : "an object"); "
                    + "endpoint templates expand only strings, numbers and booleans",
                instance: task)
        }
    }

    /// `text` as UTF-8 with everything outside the unreserved set (and, when `allowReserved`,
    /// the reserved set and existing `%XX` triplets) percent-encoded.
    static func percentEncode(_ text: String, allowReserved: Bool) -> String {
        let bytes = Array(text.utf8)
        var result = ""
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if isUnreserved(byte) || (allowReserved && isReserved(byte)) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else if allowReserved, byte == UInt8(ascii: "%"), index + 2 < bytes.count, isHexDigit(bytes[index + 1]),
                isHexDigit(bytes[index + 2])
            {
                // An existing triplet passes through `+` and `#` expansions untouched (RFC 6570 §3.2.3).
                result += String(decoding: bytes[index...(index + 2)], as: UTF8.self)
                index += 3
                continue
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
            index += 1
        }
        return result
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }

    private static func isReserved(_ byte: UInt8) -> Bool {
        ":/?#[]@!$&'()*+,;=".utf8.contains(byte)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "F"),
            UInt8(ascii: "a")...UInt8(ascii: "f"):
            true
        default: false
        }
    }
}

extension String {
    /// The string with leading zeros up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
