/// Values in PostgreSQL's text format, to and from Swift: the format every parameter and result of
/// ``PGConnection`` uses.
enum PGText {
    /// A `text[]` literal: `{"a","b\"c",NULL}`. (Also a literal of any other array type: PostgreSQL reads a
    /// quoted element as that type's text.)
    static func array(_ values: some Sequence<String?>) -> String {
        var literal = ArrayLiteral()
        for value in values {
            literal.append(value)
        }
        return literal.text
    }

    /// An array literal built one element at a time (see ``array(_:)-(Sequence<String?>)``).
    struct ArrayLiteral {
        private var bytes: [UInt8] = [UInt8(ascii: "{")]

        mutating func append(_ value: String?) {
            if self.bytes.count > 1 {
                self.bytes.append(UInt8(ascii: ","))
            }
            guard var value else {
                self.bytes.append(contentsOf: "NULL".utf8)
                return
            }
            self.bytes.append(UInt8(ascii: "\""))
            value.withUTF8 { utf8 in
                var start = 0
                for index in utf8.indices where utf8[index] == UInt8(ascii: "\"") || utf8[index] == UInt8(ascii: "\\") {
                    self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                    self.bytes.append(UInt8(ascii: "\\"))
                    start = index
                }
                self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
            }
            self.bytes.append(UInt8(ascii: "\""))
        }

        var text: String {
            var bytes = self.bytes
            bytes.append(UInt8(ascii: "}"))
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// An integer array literal (`bigint[]`, `int[]`): `{1,NULL}`.
    static func array<Integer: BinaryInteger>(_ values: [Integer?]) -> String {
        Self.numbers(values.map { $0.map { String($0) } })
    }

    private static func numbers(_ texts: [String?]) -> String {
        var literal = "{"
        for (index, text) in texts.enumerated() {
            if index > 0 {
                literal += ","
            }
            literal += text ?? "NULL"
        }
        return literal + "}"
    }

    /// `name` as a quoted SQL identifier (`"my ""odd"" schema"`). Identifiers cannot be statement parameters,
    /// so the few statements that name a schema quote it; everything else travels as a parameter.
    static func identifier(_ name: String) -> String {
        var quoted = "\""
        for character in name {
            quoted += character == "\"" ? "\"\"" : String(character)
        }
        return quoted + "\""
    }

    /// A `boolean` parameter.
    static func bool(_ value: Bool) -> String {
        value ? "true" : "false"
    }

    /// A `boolean` result (`t` or `f`).
    static func bool(_ text: String?) -> Bool {
        text == "t" || text == "true"
    }

    /// A `float8` result, or `nil` for `NULL`.
    static func double(_ text: String?) -> Double? {
        text.flatMap(Double.init)
    }

    /// The elements of a one-dimensional array result whose elements need no quoting (hex digests).
    static func simpleArray(_ text: String?) -> [String] {
        guard let text, text.count >= 2 else {
            return []
        }
        let inner = text.dropFirst().dropLast()
        if inner.isEmpty {
            return []
        }
        return inner.split(separator: ",").map { element in
            var element = Substring(element)
            if element.hasPrefix("\""), element.hasSuffix("\""), element.count >= 2 {
                element = element.dropFirst().dropLast()
            }
            return String(element)
        }
    }
}
