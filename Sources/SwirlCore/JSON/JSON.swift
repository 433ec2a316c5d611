// Every module that handles JSON objects needs OrderedDictionary, so SwirlCore re-exports it.
@_exported public import OrderedCollections

/// A JSON value: the data every stage of Swirl works on.
///
/// Objects keep their keys in insertion order, so a workflow printed back reads as it was
/// written. Equality and hashing ignore that order, as JSON itself does: `{"a":1,"b":2}` equals
/// `{"b":2,"a":1}`. Numbers are IEEE doubles, the same model jq uses, so a value survives a trip
/// through an expression unchanged.
public enum JSON: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object(OrderedDictionary<String, JSON>)
}

extension JSON {
    /// The name of the value's type, as JSON Schema and jq spell it.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The number, if this is a number.
    public var numberValue: Double? {
        if case .number(let value) = self { value } else { nil }
    }

    /// The Boolean, if this is a Boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSON]? {
        if case .array(let value) = self { value } else { nil }
    }

    /// The members, if this is an object.
    public var objectValue: OrderedDictionary<String, JSON>? {
        if case .object(let value) = self { value } else { nil }
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { true } else { false }
    }

    /// The member named `key` of an object; `nil` for a missing key or a value that is not an object.
    public subscript(key: String) -> JSON? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    /// The element at `index` of an array; `nil` when out of range or not an array.
    public subscript(index: Int) -> JSON? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}

extension JSON: Equatable {
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return JSON.sameCodePoints(a, b)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            // Member order carries no meaning in JSON, so compare as unordered maps.
            guard a.count == b.count else { return false }
            for (key, value) in a {
                // The dictionary finds keys by Swift's canonical equivalence; JSON names are equal
                // only when their code points are.
                guard let index = b.index(forKey: key), JSON.sameCodePoints(b.keys[index], key),
                    b.values[index] == value
                else { return false }
            }
            return true
        default: return false
        }
    }
}

extension JSON: Hashable {
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0 as UInt8)
        case .bool(let value):
            hasher.combine(1 as UInt8)
            hasher.combine(value)
        case .number(let value):
            hasher.combine(2 as UInt8)
            hasher.combine(value)
        case .string(let value):
            hasher.combine(3 as UInt8)
            JSON.hashCodePoints(value, into: &hasher)
        case .array(let elements):
            hasher.combine(4 as UInt8)
            hasher.combine(elements)
        case .object(let members):
            // Equality ignores member order, so the hash must too: combine the members'
            // hashes with a commutative operation.
            hasher.combine(5 as UInt8)
            hasher.combine(members.count)
            var combined = 0
            for (key, value) in members {
                var memberHasher = Hasher()
                JSON.hashCodePoints(key, into: &memberHasher)
                memberHasher.combine(value)
                combined ^= memberHasher.finalize()
            }
            hasher.combine(combined)
        }
    }
}

extension JSON {
    /// Whether two JSON strings are equal as JSON defines it: the same sequence of code points.
    ///
    /// Swift's `String ==` compares by canonical equivalence, so `"é"` written precomposed
    /// (U+00E9) equals `"e\u{301}"` there; in JSON, JSON Schema (`const`, `enum`,
    /// `uniqueItems`) and jq they are different strings. Equal code points mean equal UTF-8.
    public static func sameCodePoints(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }

    /// Hashes a string by its code points, consistently with ``sameCodePoints(_:_:)``.
    public static func hashCodePoints(_ value: String, into hasher: inout Hasher) {
        let done: Void? = value.utf8.withContiguousStorageIfAvailable { bytes in
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
        if done == nil {
            for byte in value.utf8 { hasher.combine(byte) }
        }
        hasher.combine(value.utf8.count)
    }
}
