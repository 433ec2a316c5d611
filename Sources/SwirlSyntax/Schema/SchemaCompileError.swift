public import SwirlCore

/// Why a JSON value could not be compiled into a ``JSONSchema``.
///
/// Compiling throws at the first problem: a schema that cannot be read has no meaning to
/// validate against. The factories below are the only places that word these messages.
public struct SchemaCompileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Kind: String, Sendable, Hashable {
        /// A keyword has a value of the wrong shape (`"minLength": "3"`).
        case invalidKeyword
        /// A `pattern` or `patternProperties` name is not a regular expression this validator runs.
        case invalidPattern
        /// A `$ref` points at nothing in the document.
        case unresolvedReference
        /// A `$ref` points into another document; only references within the schema are supported.
        case unsupportedReference
        /// Schemas refer to each other in a loop that never descends into the instance, so
        /// validation would never end.
        case referenceCycle
        /// The value is not a schema at all (neither an object nor a Boolean).
        case notASchema
    }

    /// What kind of problem it is.
    public var kind: Kind
    /// Where in the schema document the problem is.
    public var schemaPath: JSONPointer
    /// What is wrong, as a sentence without the place.
    public var message: String

    /// The message with its place: `/properties/a/minLength: …`.
    public var description: String {
        "\(schemaPath.isRoot ? "(schema root)" : schemaPath.description): \(message)"
    }

    static func invalidKeyword(_ keyword: String, at path: JSONPointer, expected: String) -> SchemaCompileError {
        SchemaCompileError(
            kind: .invalidKeyword, schemaPath: path, message: "\"\(keyword)\" must be \(expected)")
    }

    static func invalidPattern(_ pattern: String, at path: JSONPointer, reason: String) -> SchemaCompileError {
        SchemaCompileError(
            kind: .invalidPattern, schemaPath: path,
            message: "\(JSON.quote(pattern)) is not a supported regular expression: \(reason)")
    }

    static func unresolvedReference(_ reference: String, at path: JSONPointer) -> SchemaCompileError {
        SchemaCompileError(
            kind: .unresolvedReference, schemaPath: path,
            message: "\(JSON.quote(reference)) refers to nothing in this schema")
    }

    static func unsupportedReference(
        _ reference: String, resolved: String, at path: JSONPointer
    )
        -> SchemaCompileError
    {
        SchemaCompileError(
            kind: .unsupportedReference, schemaPath: path,
            message: "\(JSON.quote(reference)) refers to another document (\(resolved)); "
                + "only references within the same schema document are supported")
    }

    static func referenceCycle(through locations: [JSONPointer]) -> SchemaCompileError {
        let chain = locations.map { $0.isRoot ? "#" : "#\($0)" }.joined(separator: " → ")
        return SchemaCompileError(
            kind: .referenceCycle, schemaPath: locations.first ?? .root,
            message: "schemas apply each other in a loop without descending into the value (\(chain))")
    }

    static func notASchema(_ value: JSON, at path: JSONPointer) -> SchemaCompileError {
        SchemaCompileError(
            kind: .notASchema, schemaPath: path,
            message: "a schema must be an object or a Boolean, not \(SchemaDiagnostics.typePhrase(value.typeName))")
    }
}
