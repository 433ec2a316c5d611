import SwirlCore

extension JQNativeFunction {
    /// The string and text builtins, with jq 1.7.1's results and error messages.
    ///
    /// Most are C builtins in jq 1.7.1. `ascii_downcase` and `ascii_upcase` are jq definitions
    /// there, built on `explode`, so they fail as `explode` does. `trim`, `ltrim` and `rtrim`
    /// are not in jq 1.7.1 (they arrived in jq 1.8); Swirl offers them with jq 1.8's meaning:
    /// Unicode white space removed from the ends of a string.
    static let textFunctions: [JQNativeFunction] = [
        JQNativeFunction("tojson") { input throws(JQEvalError) in .string(try JQText.toJSON(input)) },
        JQNativeFunction("tostring") { input throws(JQEvalError) in .string(try JQText.toString(input)) },
        JQNativeFunction("fromjson") { input throws(JQEvalError) in
            guard case .string(let text) = input else { throw JQValue.failure(input, "only strings can be parsed") }
            return try JQText.fromJSON(text)
        },
        JQNativeFunction("tonumber") { input throws(JQEvalError) in try JQText.toNumber(input) },
        JQNativeFunction("startswith") { input, prefix throws(JQEvalError) in
            guard case .string(let text) = input, case .string(let start) = prefix else {
                throw .raised("startswith() requires string inputs")
            }
            return .bool(text.utf8.starts(with: start.utf8))
        },
        JQNativeFunction("endswith") { input, suffix throws(JQEvalError) in
            guard case .string(let text) = input, case .string(let end) = suffix else {
                throw .raised("endswith() requires string inputs")
            }
            return .bool(text.utf8.reversed().starts(with: end.utf8.reversed()))
        },
        // Anything but a string with the string as its start (or end) is returned unchanged.
        JQNativeFunction("ltrimstr") { input, prefix in
            guard case .string(let text) = input, case .string(let start) = prefix, text.utf8.starts(with: start.utf8) else {
                return input
            }
            return .string(String(decoding: text.utf8.dropFirst(start.utf8.count), as: UTF8.self))
        },
        JQNativeFunction("rtrimstr") { input, suffix in
            guard case .string(let text) = input, case .string(let end) = suffix,
                text.utf8.reversed().starts(with: end.utf8.reversed())
            else { return input }
            return .string(String(decoding: text.utf8.dropLast(end.utf8.count), as: UTF8.self))
        },
        JQNativeFunction("trim") { input throws(JQEvalError) in try trimmed(input, start: true, end: true) },
        JQNativeFunction("ltrim") { input throws(JQEvalError) in try trimmed(input, start: true, end: false) },
        JQNativeFunction("rtrim") { input throws(JQEvalError) in try trimmed(input, start: false, end: true) },
        JQNativeFunction("explode") { input throws(JQEvalError) in
            guard case .string(let text) = input else { throw .raised("explode input must be a string") }
            return .array(text.unicodeScalars.map { .number(Double($0.value)) })
        },
        JQNativeFunction("implode") { input throws(JQEvalError) in try imploded(input) },
        JQNativeFunction("_strindices") { input, needle throws(JQEvalError) in
            // jq 1.7.1 stops on an assertion here; `indices` only calls it with strings.
            guard case .string(let text) = input, case .string(let part) = needle else {
                throw .raised("_strindices() requires string inputs")
            }
            return .array(byteOffsets(of: part, in: text).map { .number(Double($0)) })
        },
        JQNativeFunction("utf8bytelength") { input throws(JQEvalError) in
            guard case .string(let text) = input else { throw JQValue.failure(input, "only strings have UTF-8 byte length") }
            return .number(Double(text.utf8.count))
        },
        JQNativeFunction("ascii_downcase") { input throws(JQEvalError) in try asciiCase(input, from: 0x41, to: 0x5A, by: 0x20) },
        JQNativeFunction("ascii_upcase") { input throws(JQEvalError) in try asciiCase(input, from: 0x61, to: 0x7A, by: -0x20) },
        JQNativeFunction("format") { input, name throws(JQEvalError) in
            guard case .string(let format) = name else { throw JQValue.failure(name, "is not a valid format") }
            return .string(try JQFormat.apply(format, to: input))
        },
        JQNativeFunction("split") { input, separator throws(JQEvalError) in
            guard case .string(let text) = input, case .string(let by) = separator else {
                throw .raised("split input and separator must be strings")
            }
            return .array(JQValue.split(text, by: by).map(JSON.string))
        },
    ]

    /// `implode`: the string of an array of code points. Each number counts by its integer part;
    /// one outside U+0000–U+10FFFF or in the surrogate range becomes U+FFFD, as in jq 1.7.1.
    private static func imploded(_ input: JSON) throws(JQEvalError) -> JSON {
        guard case .array(let codes) = input else { throw .raised("implode input must be an array") }
        var scalars = String.UnicodeScalarView()
        for code in codes {
            guard case .number(let number) = code, !number.isNaN else {
                throw JQValue.failure(code, "can't be imploded, unicode codepoint needs to be numeric")
            }
            let whole = number.rounded(.towardZero)
            let scalar = whole >= 0 && whole <= 0x10FFFF ? Unicode.Scalar(UInt32(whole)) : nil
            scalars.append(scalar ?? "\u{FFFD}")
        }
        return .string(String(scalars))
    }

    /// The byte offsets at which `part` occurs in `text`, overlapping occurrences included; none
    /// for an empty `part`. jq 1.7.1 counts bytes here, not characters.
    private static func byteOffsets(of part: String, in text: String) -> [Int] {
        let haystack = Array(text.utf8)
        let needle = Array(part.utf8)
        guard !needle.isEmpty, needle.count <= haystack.count else { return [] }
        var offsets: [Int] = []
        for start in 0...(haystack.count - needle.count)
        where haystack[start] == needle[0] && haystack[start..<(start + needle.count)].elementsEqual(needle) {
            offsets.append(start)
        }
        return offsets
    }

    /// The string with each ASCII letter between `from` and `to` moved by `by`; ASCII bytes never
    /// occur inside a multi-byte character, so working on bytes is safe.
    private static func asciiCase(_ input: JSON, from: UInt8, to: UInt8, by: Int) throws(JQEvalError) -> JSON {
        guard case .string(let text) = input else { throw .raised("explode input must be a string") }
        let bytes = text.utf8.map { $0 >= from && $0 <= to ? UInt8(Int($0) + by) : $0 }
        return .string(String(decoding: bytes, as: UTF8.self))
    }

    /// The white space `trim` removes: the characters Unicode gives the White_Space property.
    private static func isWhiteSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// `input` without white space at its start, its end, or both.
    private static func trimmed(_ input: JSON, start: Bool, end: Bool) throws(JQEvalError) -> JSON {
        guard case .string(let text) = input else { throw .raised("trim input must be a string") }
        var scalars = Substring(text).unicodeScalars
        if start {
            while let first = scalars.first, isWhiteSpace(first) { scalars.removeFirst() }
        }
        if end {
            while let last = scalars.last, isWhiteSpace(last) { scalars.removeLast() }
        }
        return .string(String(Substring(scalars)))
    }
}
