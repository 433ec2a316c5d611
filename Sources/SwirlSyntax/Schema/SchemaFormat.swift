/// The `format` values this validator asserts; any other format name is an annotation only.
///
/// Every checker is a hand-written scanner over the string's UTF-8 or Unicode scalars: formats
/// are checked on every matching string of every document, so they must not allocate or build
/// regular expressions.
enum SchemaFormat: String, Sendable, CaseIterable {
    case uri
    case uriReference = "uri-reference"
    case uriTemplate = "uri-template"
    case dateTime = "date-time"
    case date
    case time
    case duration
    case email
    case hostname
    case ipv4
    case ipv6
    case regex
    case uuid
    case jsonPointer = "json-pointer"

    /// What a matching string is, for messages: `"x" is not a valid <name>`.
    var displayName: String {
        switch self {
        case .uri: "URI"
        case .uriReference: "URI reference"
        case .uriTemplate: "URI template (RFC 6570)"
        case .dateTime: "RFC 3339 date-time"
        case .date: "RFC 3339 date"
        case .time: "RFC 3339 time"
        case .duration: "ISO 8601 duration"
        case .email: "email address"
        case .hostname: "hostname"
        case .ipv4: "IPv4 address"
        case .ipv6: "IPv6 address"
        case .regex: "regular expression"
        case .uuid: "UUID"
        case .jsonPointer: "JSON Pointer"
        }
    }

    /// Whether `string` is in this format.
    func matches(_ string: String) -> Bool {
        switch self {
        case .uri: SchemaFormats.uri(string, requireScheme: true)
        case .uriReference: SchemaFormats.uri(string, requireScheme: false)
        case .uriTemplate: SchemaFormats.uriTemplate(string)
        case .dateTime: SchemaFormats.dateTime(Array(string.utf8))
        case .date: SchemaFormats.date(Array(string.utf8))
        case .time: SchemaFormats.time(Array(string.utf8))
        case .duration: SchemaFormats.duration(string)
        case .email: SchemaFormats.email(string)
        case .hostname: SchemaFormats.hostname(Substring(string))
        case .ipv4: SchemaFormats.ipv4(Substring(string))
        case .ipv6: SchemaFormats.ipv6(string)
        case .regex: SchemaPattern.isValid(string)
        case .uuid: SchemaFormats.uuid(string)
        case .jsonPointer: SchemaFormats.jsonPointer(string)
        }
    }
}
