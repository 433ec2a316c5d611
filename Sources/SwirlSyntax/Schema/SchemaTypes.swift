import SwirlCore

/// The set of JSON types a `type` keyword allows, as bits so the check is one AND.
struct SchemaTypes: OptionSet, Sendable, Hashable {
    let rawValue: UInt8

    static let null = SchemaTypes(rawValue: 1 << 0)
    static let boolean = SchemaTypes(rawValue: 1 << 1)
    static let object = SchemaTypes(rawValue: 1 << 2)
    static let array = SchemaTypes(rawValue: 1 << 3)
    static let number = SchemaTypes(rawValue: 1 << 4)
    static let string = SchemaTypes(rawValue: 1 << 5)
    /// A number with no fractional part (`1.0` counts, as JSON Schema says).
    static let integer = SchemaTypes(rawValue: 1 << 6)

    /// The type named `name` in a schema, or `nil` for a name JSON Schema does not define.
    init?(name: String) {
        switch name {
        case "null": self = .null
        case "boolean": self = .boolean
        case "object": self = .object
        case "array": self = .array
        case "number": self = .number
        case "string": self = .string
        case "integer": self = .integer
        default: return nil
        }
    }

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Whether `instance` has one of these types.
    func matches(_ instance: JSON) -> Bool {
        switch instance {
        case .null: contains(.null)
        case .bool: contains(.boolean)
        case .object: contains(.object)
        case .array: contains(.array)
        case .string: contains(.string)
        case .number(let value): contains(.number) || (contains(.integer) && Self.isInteger(value))
        }
    }

    static func isInteger(_ value: Double) -> Bool {
        value.isFinite && value.rounded(.towardZero) == value
    }
}
