/// Recognises runtime expressions in workflow strings.
///
/// In strict mode (the DSL's default) a string is an expression only when all of it, apart from
/// surrounding whitespace, is `${ … }`; any other string is a literal, even one that contains
/// `${` somewhere inside (the DSL has no partial interpolation in strict mode).
public enum RuntimeExpression {
    /// The jq text of a whole-string `${ … }` expression, or `nil` when `text` is a literal.
    /// - Returns: the text between `${` and `}`, and its offset in UTF-8 bytes from the start of
    ///   `text`, so errors inside the expression can point at the right column.
    public static func unwrap(_ text: String) -> (body: String, offset: Int)? {
        guard let body = bodyRange(text) else { return nil }
        let bytes = text.utf8
        return (String(decoding: bytes[body], as: UTF8.self), bytes.distance(from: bytes.startIndex, to: body.lowerBound))
    }

    /// Where the body of a whole-string `${ … }` is in `text`, or `nil` when `text` is none:
    /// ``unwrap(_:)`` without copying the body.
    private static func bodyRange(_ text: String) -> Range<String.UTF8View.Index>? {
        let bytes = text.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isSpace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        guard bytes.distance(from: start, to: end) >= 3, bytes[start] == UInt8(ascii: "$"),
            bytes[bytes.index(after: start)] == UInt8(ascii: "{"), bytes[bytes.index(before: end)] == UInt8(ascii: "}")
        else { return nil }
        let body = bytes.index(start, offsetBy: 2)..<bytes.index(before: end)
        guard bytes[body].contains(where: { !isSpace($0) }) else { return nil }
        return body
    }

    /// The jq text of a field that is always an expression (`if`, `when`, `for.in`, …): the body
    /// of a `${ … }` wrapper when there is one, otherwise the whole text.
    public static func expressionField(_ text: String) -> (body: String, offset: Int) {
        unwrap(text) ?? (text, 0)
    }

    /// Whether `text` looks like an attempt at interpolation (`"Hello ${ .name }"`): it contains
    /// `${` … `}` but is not a whole-string expression, so strict mode reads it as a literal.
    public static func isPartialInterpolation(_ text: String) -> Bool {
        // Most strings have no `${` at all: find that first, without copying the text.
        var afterOpen: String.UTF8View.Index?
        var previous: UInt8 = 0
        let bytes = text.utf8
        for index in bytes.indices {
            let byte = bytes[index]
            if previous == UInt8(ascii: "$") && byte == UInt8(ascii: "{") {
                afterOpen = bytes.index(after: index)
                break
            }
            previous = byte
        }
        guard let afterOpen, bytes[afterOpen...].contains(UInt8(ascii: "}")) else { return false }
        return bodyRange(text) == nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
