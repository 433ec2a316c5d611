public import SwirlCore

/// A JSON Schema (draft 2020-12), compiled once and then used to validate any number of values,
/// from any number of threads.
///
/// ```swift
/// let schema = try JSONSchema(["type": "object", "required": ["name"]])
/// schema.isValid(["name": "x"])            // true
/// schema.validate([:]).first?.message     // missing required property "name"
/// ```
///
/// Supported: every assertion and applicator keyword of the 2020-12 core and validation
/// vocabularies (`type` … `unevaluatedItems`), boolean schemas, `$ref` within the document (to
/// `$defs`, JSON Pointers, `$id`-relative URIs and `$anchor`s), and `format` as an assertion for
/// uri, uri-reference, uri-template, date-time, date, time, duration, email, hostname, ipv4, ipv6,
/// regex, uuid and json-pointer (other formats are ignored). Annotation keywords are ignored.
///
/// Gaps: `$ref` to another document is refused when compiling; `$dynamicRef` is resolved
/// statically, like `$ref` (right unless a schema overrides a `$dynamicAnchor`, which only
/// meta-schemas do); `$schema` is not read (every schema is 2020-12) and `$vocabulary` is
/// ignored; patterns are ECMA-262 run by ICU, with the differences listed on ``SchemaPattern``.
public struct JSONSchema: Sendable {
    private let nodes: [SchemaNode]
    private let root: Int

    /// Compiles a schema: resolves every `$ref`, compiles every pattern, checks keyword values.
    /// - Parameter schema: the schema document, an object or a Boolean.
    /// - Throws: ``SchemaCompileError`` when a keyword's value is malformed, a pattern does not
    ///   compile, a `$ref` points nowhere or into another document, or references loop without
    ///   descending into the instance.
    public init(_ schema: JSON) throws(SchemaCompileError) {
        var compiler = SchemaCompiler(document: schema)
        (nodes, root) = try compiler.compile()
    }

    /// Whether `instance` is valid; stops at the first failure.
    public func isValid(_ instance: JSON) -> Bool {
        var validator = SchemaValidator(nodes: nodes, collecting: false)
        var evaluated = SchemaEvaluated()
        return validator.validate(root, instance, &evaluated, track: false)
    }

    /// Every way `instance` fails the schema, each root cause once; empty when it is valid.
    ///
    /// A valid instance costs the same as ``isValid(_:)``: the violations are only gathered, in a
    /// second pass, when the first finds a failure.
    public func validate(_ instance: JSON) -> [SchemaViolation] {
        if isValid(instance) { return [] }
        var validator = SchemaValidator(nodes: nodes, collecting: true)
        var evaluated = SchemaEvaluated()
        _ = validator.validate(root, instance, &evaluated, track: false)
        let violations = SchemaViolationFilter.simplified(validator.violations)
        guard violations.isEmpty else { return violations }
        // Both passes run the same code, so this cannot happen; never answer "valid" for an
        // invalid value if it somehow does.
        return [
            SchemaViolation(
                instancePath: .root, keyword: "", schemaPath: .root,
                problem: .noAlternativeMatched(found: instance, alternatives: 1, types: [], values: []))
        ]
    }

    /// Diagnostics for every way `instance` fails the schema; see ``validate(_:)`` and
    /// ``SchemaDiagnostics/diagnostics(for:at:)``.
    /// - Parameters:
    ///   - instance: the value to validate.
    ///   - base: where `instance` sits in the document the diagnostics are about.
    public func diagnostics(for instance: JSON, at base: JSONPointer = .root) -> [Diagnostic] {
        SchemaDiagnostics.diagnostics(for: validate(instance), at: base)
    }
}
