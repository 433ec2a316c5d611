import SwirlCore
import SwirlSyntax
import Testing

/// One row of a validity table: a schema, an instance (both JSON text) and whether it is valid.
struct SchemaCase: Sendable, CustomTestStringConvertible {
    var schema: String
    var instance: String
    var valid: Bool

    init(_ schema: String, _ instance: String, valid: Bool) {
        self.schema = schema
        self.instance = instance
        self.valid = valid
    }

    var testDescription: String { "\(schema) ← \(instance)" }

    /// Checks both entry points: the fast `isValid` and the collecting `validate` must agree with
    /// the table and with each other.
    func check(sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let compiled = try JSONSchema(JSON(parsing: schema))
        let value = try JSON(parsing: instance)
        #expect(compiled.isValid(value) == valid, sourceLocation: sourceLocation)
        let violations = compiled.validate(value)
        #expect(violations.isEmpty == valid, "\(violations.map(\.message))", sourceLocation: sourceLocation)
    }
}

/// Compiles schema text.
func compileSchema(_ text: String) throws -> JSONSchema {
    try JSONSchema(JSON(parsing: text))
}

/// The messages of the violations of `instance` (JSON text) against `schema` (JSON text).
func schemaMessages(_ schema: String, _ instance: String) throws -> [String] {
    try compileSchema(schema).validate(JSON(parsing: instance)).map(\.message)
}

/// The violations of `instance` against `schema`, both JSON text.
func schemaViolations(_ schema: String, _ instance: String) throws -> [SchemaViolation] {
    try compileSchema(schema).validate(JSON(parsing: instance))
}
