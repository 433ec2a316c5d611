public import SwirlCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why evaluating a jq expression stopped short of its outputs.
public enum JQEvalError: Error, Sendable, Equatable {
    /// An error jq programs can catch: the value `error/1` raised, or the message of a failed
    /// built-in operation as a string (`"number (1) and string (\"a\") cannot be added"`).
    case raised(JSON)
    /// A `break $label` on its way to its label (the number tells the label's activation).
    case `break`(Int)
    /// The evaluation went past one of its ``JQLimits``: no jq program can catch it.
    case limitExceeded(String)
    /// `halt` (no value) or `halt_error` (its input and exit code) ended the program: no jq
    /// program can catch it.
    case halted(JSON?, exitCode: Int)
    /// The evaluation's deadline (``JQLimits/deadline``) passed: no jq program can catch it.
    case timedOut
    /// A stop request (``JQLimits/stop``) ended the evaluation: no jq program can catch it.
    case interrupted
    /// The engine found itself in a state its compiler rules out.
    case internalFailure(String)

    /// Whether the error is part of the program's own flow (an error it may catch, a `break`,
    /// a halt), which the program's outputs before it precede, rather than a limit or a stop
    /// that ends the evaluation at once.
    var isProgramFlow: Bool {
        switch self {
        case .raised, .break, .halted: true
        case .limitExceeded, .timedOut, .interrupted, .internalFailure: false
        }
    }
}

/// jq's view of Swirl's ``JSON`` values: the order `sort` and `<` use, equality, truth, the
/// arithmetic operators, and the way error messages quote a value.
///
/// The semantics are jq 1.7.1's. Strings compare by their UTF-8 bytes; objects first by their
/// sorted keys, then by the values under those keys; values of different types by the type
/// order `null < false < true < numbers < strings < arrays < objects`; NaN sorts below every
/// number and equals nothing.
public enum JQValue {
    /// jq's name for the value's type, as `type` returns it.
    public static func typeName(_ value: JSON) -> String {
        value.typeName
    }

    /// Whether jq treats `value` as true: everything but `null` and `false`.
    @inline(__always)
    public static func isTruthy(_ value: JSON) -> Bool {
        switch value {
        case .null, .bool(false): false
        default: true
        }
    }

    /// The value's place in jq's order of types.
    static func rank(_ value: JSON) -> Int {
        switch value {
        case .null: 0
        case .bool(let flag): flag ? 2 : 1
        case .number: 3
        case .string: 4
        case .array: 5
        case .object: 6
        }
    }

    /// Negative, zero or positive as `a` sorts before, with or after `b`.
    public static func compare(_ a: JSON, _ b: JSON) -> Int {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            // NaN sorts as if it were null: below every number, NaN included.
            if x.isNaN { return -1 }
            if y.isNaN { return 1 }
            return x < y ? -1 : (x == y ? 0 : 1)
        case (.string(let x), .string(let y)):
            return compareBytes(x, y)
        case (.array(let x), .array(let y)):
            for (left, right) in zip(x, y) {
                let order = compare(left, right)
                if order != 0 { return order }
            }
            return x.count < y.count ? -1 : (x.count == y.count ? 0 : 1)
        case (.object(let x), .object(let y)):
            let xKeys = sortedKeys(x)
            let yKeys = sortedKeys(y)
            for (left, right) in zip(xKeys, yKeys) {
                let order = compareBytes(left, right)
                if order != 0 { return order }
            }
            if xKeys.count != yKeys.count { return xKeys.count < yKeys.count ? -1 : 1 }
            for key in xKeys {
                let order = compare(x[key]!, y[key]!)
                if order != 0 { return order }
            }
            return 0
        default:
            return rank(a) - rank(b)
        }
    }

    /// Whether `a` equals `b` as jq's `==` decides: same type, and numbers equal as doubles,
    /// strings byte for byte, arrays element by element, objects with the same keys whatever
    /// their order and equal values.
    public static func equal(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x.utf8.elementsEqual(y.utf8)
        case (.array(let x), .array(let y)): x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            x.count == y.count && x.allSatisfy { key, value in y[key].map { equal(value, $0) } ?? false }
        default: false
        }
    }

    /// An object's keys in jq's order (by UTF-8 bytes), as `keys` lists them.
    public static func sortedKeys(_ members: OrderedDictionary<String, JSON>) -> [String] {
        members.keys.sorted { compareBytes($0, $1) < 0 }
    }

    /// Negative, zero or positive as `a`'s UTF-8 bytes sort before, with or after `b`'s.
    static func compareBytes(_ a: String, _ b: String) -> Int {
        var left = a
        var right = b
        return left.withUTF8 { x in
            right.withUTF8 { y in
                let common = min(x.count, y.count)
                if common > 0, let xBase = x.baseAddress, let yBase = y.baseAddress {
                    let order = memcmp(xBase, yBase, common)
                    if order != 0 { return Int(order) }
                }
                return x.count - y.count
            }
        }
    }

    /// Whether `value` nests more than `room` arrays and objects deep, calling `visit` for each
    /// array and object it looks into (to count the walk, or stop it).
    static func nests(_ value: JSON, deeperThan room: Int, visit: () throws(JQEvalError) -> Void) throws(JQEvalError) -> Bool {
        switch value {
        case .array(let elements):
            if room <= 0 { return true }
            try visit()
            for element in elements {
                switch element {
                case .array, .object: if try nests(element, deeperThan: room - 1, visit: visit) { return true }
                default: continue
                }
            }
            return false
        case .object(let members):
            if room <= 0 { return true }
            try visit()
            for member in members.values {
                switch member {
                case .array, .object: if try nests(member, deeperThan: room - 1, visit: visit) { return true }
                default: continue
                }
            }
            return false
        default:
            return false
        }
    }

    // MARK: error messages

    /// How a value appears inside jq's error messages: its type and its compact text, cut to 11
    /// bytes and `...` when the text is longer than 14 (`string ("abcdefghij...)`), numbers
    /// printed as jq prints them (see ``JQText/quoted(_:)``).
    public static func quoted(_ value: JSON) -> String {
        JQText.quoted(value)
    }

    /// The error `a` and `b` raise together: `number (1) and string ("a") cannot be added`.
    static func failure(_ a: JSON, _ b: JSON, _ problem: String) -> JQEvalError {
        .raised(.string("\(quoted(a)) and \(quoted(b)) \(problem)"))
    }

    /// The error one value raises: `string ("a") cannot be negated`.
    static func failure(_ value: JSON, _ problem: String) -> JQEvalError {
        .raised(.string("\(quoted(value)) \(problem)"))
    }

    // MARK: arithmetic

    /// `a + b`: `null` adds nothing; numbers add, strings and arrays concatenate, objects merge
    /// with `b`'s members replacing `a`'s.
    public static func add(_ a: JSON, _ b: JSON) throws(JQEvalError) -> JSON {
        switch (a, b) {
        case (.null, _): return b
        case (_, .null): return a
        case (.number(let x), .number(let y)): return .number(x + y)
        case (.string(let x), .string(let y)):
            guard x.utf8.count + y.utf8.count <= maxStringBytes else {
                throw .raised(.string("String result too long: strings are limited to \(maxStringBytes) bytes"))
            }
            return .string(x + y)
        case (.array(let x), .array(let y)):
            guard x.count + y.count <= JQPath.maximumArrayLength else {
                throw .raised(.string("Array result too long: arrays are limited to \(JQPath.maximumArrayLength) elements"))
            }
            return .array(x + y)
        case (.object(var x), .object(let y)):
            x.merge(y) { _, new in new }
            return .object(x)
        default: throw failure(a, b, "cannot be added")
        }
    }

    /// `a - b`: numbers subtract; for arrays, `a` without every element equal to one of `b`'s.
    public static func subtract(_ a: JSON, _ b: JSON) throws(JQEvalError) -> JSON {
        switch (a, b) {
        case (.number(let x), .number(let y)): return .number(x - y)
        case (.array(let x), .array(let y)):
            return .array(x.filter { element in !y.contains { equal(element, $0) } })
        default: throw failure(a, b, "cannot be subtracted")
        }
    }

    /// `a * b`: numbers multiply; a string times a number repeats it (the number's integer part
    /// times, `null` for a negative number or NaN); objects merge recursively.
    public static func multiply(_ a: JSON, _ b: JSON) throws(JQEvalError) -> JSON {
        switch (a, b) {
        case (.number(let x), .number(let y)): return .number(x * y)
        case (.string(let text), .number(let count)), (.number(let count), .string(let text)):
            if count < 0 || count.isNaN { return .null }
            // jq counts copies in a C int; more, or a result past the size limit, is an error.
            guard count < 0x1p31, text.utf8.count <= JQValue.maxStringBytes / max(1, Int(count)) else {
                throw .raised(.string("Repeat string result too long"))
            }
            return .string(String(repeating: text, count: Int(count)))
        case (.object(let x), .object(let y)): return .object(mergeDeeply(x, y))
        default: throw failure(a, b, "cannot be multiplied")
        }
    }

    /// The longest string ``multiply(_:_:)`` builds by repetition and ``add(_:_:)`` by
    /// concatenation.
    public static let maxStringBytes = 1 << 28

    /// `x` with `y`'s members, objects under the same key merged in turn.
    static func mergeDeeply(_ x: OrderedDictionary<String, JSON>, _ y: OrderedDictionary<String, JSON>) -> OrderedDictionary<
        String, JSON
    > {
        var merged = x
        for (key, value) in y {
            if case .object(let inner)? = merged[key], case .object(let other) = value {
                merged[key] = .object(mergeDeeply(inner, other))
            } else {
                merged[key] = value
            }
        }
        return merged
    }

    /// `a / b`: numbers divide (not by zero); a string divided by a string is split on it.
    public static func divide(_ a: JSON, _ b: JSON) throws(JQEvalError) -> JSON {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            if y == 0 { throw failure(a, b, "cannot be divided because the divisor is zero") }
            return .number(x / y)
        case (.string(let text), .string(let separator)):
            return .array(split(text, by: separator).map(JSON.string))
        default: throw failure(a, b, "cannot be divided")
        }
    }

    /// `a % b`: the remainder of the integer parts (truncated, each clamped to the 64-bit range),
    /// with the sign of `a`; NaN when either is NaN.
    public static func modulo(_ a: JSON, _ b: JSON) throws(JQEvalError) -> JSON {
        guard case .number(let x) = a, case .number(let y) = b else { throw failure(a, b, "cannot be divided (remainder)") }
        if x.isNaN || y.isNaN { return .number(.nan) }
        let divisor = clampedInteger(y)
        if divisor == 0 { throw failure(a, b, "cannot be divided (remainder) because the divisor is zero") }
        // Int.min % -1 overflows; the remainder is 0 for any dividend.
        return .number(divisor == -1 ? 0 : Double(clampedInteger(x) % divisor))
    }

    /// `-a`, for a number.
    public static func negate(_ a: JSON) throws(JQEvalError) -> JSON {
        guard case .number(let x) = a else { throw failure(a, "cannot be negated") }
        return .number(-x)
    }

    /// The integer part of `number`, clamped to the range of `Int`.
    static func clampedInteger(_ number: Double) -> Int {
        if number <= -0x1p63 { return .min }
        if number >= 0x1p63 { return .max }
        return Int(number)
    }

    /// `text` split at every occurrence of `separator` (by UTF-8 bytes); an empty separator
    /// splits it into its characters, as jq does, and an empty text gives no parts.
    public static func split(_ text: String, by separator: String) -> [String] {
        if text.isEmpty { return [] }
        if separator.isEmpty { return text.unicodeScalars.map { String($0) } }
        let bytes = Array(text.utf8)
        let needle = Array(separator.utf8)
        var parts: [String] = []
        var start = 0
        var index = 0
        while index + needle.count <= bytes.count {
            if bytes[index] == needle[0] && bytes[index..<(index + needle.count)].elementsEqual(needle) {
                parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
                index += needle.count
                start = index
            } else {
                index += 1
            }
        }
        parts.append(String(decoding: bytes[start...], as: UTF8.self))
        return parts
    }
}
