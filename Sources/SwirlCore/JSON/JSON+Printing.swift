extension JSON {
    /// How ``JSON/serialized(_:)`` lays out its text.
    public enum Layout: Sendable {
        /// One line, no spaces: `{"a":[1,2]}`.
        case compact
        /// Two-space indentation, one member or element per line, `": "` after keys.
        case pretty
    }

    /// The value as JSON text (RFC 8259), keys in their order.
    ///
    /// Integral numbers print without a fraction (`3`, not `3.0`); NaN, which JSON cannot
    /// express, prints as `null` and infinities as the largest finite doubles, as jq does.
    /// - Parameter layout: compact (the default) or pretty.
    /// - Returns: the JSON text, with no trailing newline.
    public func serialized(_ layout: Layout = .compact) -> String {
        var writer = JSONWriter(pretty: layout == .pretty)
        writer.write(self, depth: 0)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The text of a number as ``serialized(_:)`` prints it.
    public static func format(number: Double) -> String {
        if number.isNaN { return "null" }
        if number.isInfinite { return number > 0 ? "1.7976931348623157e+308" : "-1.7976931348623157e+308" }
        if number == number.rounded(.towardZero), abs(number) < 1e17 {
            return String(Int64(number))
        }
        return number.description
    }

    /// A string as a JSON string literal, quotes included.
    public static func quote(_ string: String) -> String {
        var writer = JSONWriter(pretty: false)
        writer.writeString(string)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension JSON: CustomStringConvertible {
    /// The compact JSON text.
    public var description: String { serialized() }
}

/// Appends JSON text to a byte buffer; one pass, no intermediate strings.
///
/// Package-wide so that writers of other JSON documents (a run's saved state) escape strings
/// and print values exactly as ``JSON/serialized(_:)`` does.
package struct JSONWriter {
    let pretty: Bool
    package var bytes: [UInt8] = []

    package init(pretty: Bool) {
        self.pretty = pretty
        bytes.reserveCapacity(256)
    }

    package mutating func write(_ value: JSON, depth: Int) {
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .number(let number): append(JSON.format(number: number))
        case .string(let string): writeString(string)
        case .array(let elements):
            if elements.isEmpty {
                append("[]")
                return
            }
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                write(element, depth: depth + 1)
            }
            newline(depth)
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty {
                append("{}")
                return
            }
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in members {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                newline(depth + 1)
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                if pretty { bytes.append(UInt8(ascii: " ")) }
                write(member, depth: depth + 1)
            }
            newline(depth)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func newline(_ depth: Int) {
        guard pretty else { return }
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
    }

    /// Appends `text` as it is: for punctuation and numbers the caller has formatted.
    package mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Appends `string` as a JSON string literal, quotes included.
    package mutating func writeString(_ string: String) {
        var string = string
        string.withUTF8 { writeString(utf8: $0) }
    }

    /// Appends the UTF-8 text `utf8` as a JSON string literal, quotes included.
    package mutating func writeString(utf8 text: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        // Runs of bytes that need no escape are copied at once.
        var runStart = 0
        for index in 0..<text.count {
            let byte = text[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<index])) }
            runStart = index + 1
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            default:
                append("\\u00")
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            }
        }
        if runStart < text.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart...])) }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
