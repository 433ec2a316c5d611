import SwirlCore

/// The formats of string interpolation and `@name`. For now only `@text` and `@json`, printed
/// with Swirl's own JSON printer (not yet jq's number format); the other formats fail.
enum JQFormat {
    static func apply(_ name: String, to value: JSON) throws(JQEvalError) -> String {
        switch name {
        case "text": if case .string(let text) = value { return text } else { return value.serialized() }
        case "json": return value.serialized()
        default: throw .raised(.string("\(name) is not a valid format"))
        }
    }
}
