import SwirlCore
import SwirlSyntax
import Testing

/// `$ref`, `$defs`, `$id`, `$anchor`, recursion, and the schemas that cannot be compiled.
@Suite struct SchemaValidatorReferenceTests {
    @Test("$ref to $defs, reporting the keyword where it is in the schema")
    func definitions() throws {
        let schema = #"""
            {
              "$defs": {"positive": {"type": "integer", "minimum": 1}},
              "properties": {"n": {"$ref": "#/$defs/positive"}}
            }
            """#
        try SchemaCase(schema, #"{"n": 1}"#, valid: true).check()
        try SchemaCase(schema, #"{"n": 0}"#, valid: false).check()
        let violation = try #require(schemaViolations(schema, #"{"n": 0}"#).first)
        #expect(violation.schemaPath == "/$defs/positive/minimum")
        #expect(violation.instancePath == "/n")
    }

    @Test("$ref by JSON Pointer, with ~1 and percent escapes")
    func pointers() throws {
        let schema = #"""
            {
              "$defs": {"a/b": {"type": "string"}, "c%d": {"type": "integer"}},
              "properties": {
                "a": {"type": "boolean"},
                "b": {"$ref": "#/properties/a"},
                "x": {"$ref": "#/$defs/a~1b"},
                "y": {"$ref": "#/$defs/c%25d"}
              }
            }
            """#
        try SchemaCase(schema, #"{"b": true, "x": "s", "y": 1}"#, valid: true).check()
        try SchemaCase(schema, #"{"b": 1}"#, valid: false).check()
        try SchemaCase(schema, #"{"x": 1}"#, valid: false).check()
        try SchemaCase(schema, #"{"y": "s"}"#, valid: false).check()
    }

    @Test("$ref to an $anchor")
    func anchors() throws {
        let schema = #"""
            {"$defs": {"name": {"$anchor": "name", "type": "string"}}, "properties": {"a": {"$ref": "#name"}}}
            """#
        try SchemaCase(schema, #"{"a": "x"}"#, valid: true).check()
        try SchemaCase(schema, #"{"a": 1}"#, valid: false).check()
    }

    @Test("$ref resolved against $id, relative and absolute")
    func identifiers() throws {
        let schema = #"""
            {
              "$id": "https://example.com/schemas/root.json",
              "$defs": {
                "item": {"$id": "item.json", "type": "integer"},
                "other": {"$id": "../other/schema.json", "$defs": {"x": {"$anchor": "x", "type": "string"}}}
              },
              "properties": {
                "relative": {"items": {"$ref": "item.json"}},
                "absolute": {"$ref": "https://example.com/schemas/item.json"},
                "anchored": {"$ref": "https://example.com/other/schema.json#x"},
                "pointer": {"$ref": "/other/schema.json#/$defs/x"}
              }
            }
            """#
        try SchemaCase(schema, #"{"relative": [1], "absolute": 2, "anchored": "a", "pointer": "b"}"#, valid: true)
            .check()
        try SchemaCase(schema, #"{"relative": ["x"]}"#, valid: false).check()
        try SchemaCase(schema, #"{"absolute": "x"}"#, valid: false).check()
        try SchemaCase(schema, #"{"anchored": 1}"#, valid: false).check()
        try SchemaCase(schema, #"{"pointer": 1}"#, valid: false).check()
    }

    @Test("a fragment-only $ref inside an embedded resource refers to that resource")
    func embeddedResourceBase() throws {
        let schema = #"""
            {
              "$id": "https://example.com/root",
              "$defs": {
                "b": {"$id": "b", "$ref": "#/$defs/x", "$defs": {"x": {"type": "string"}}},
                "x": {"type": "integer"}
              },
              "$ref": "b"
            }
            """#
        try SchemaCase(schema, #""s""#, valid: true).check()
        try SchemaCase(schema, "1", valid: false).check()
    }

    @Test("$ref applies together with its sibling keywords")
    func referenceSiblings() throws {
        let schema = ##"{"$defs": {"a": {"minimum": 1}}, "$ref": "#/$defs/a", "maximum": 5}"##
        try SchemaCase(schema, "3", valid: true).check()
        try SchemaCase(schema, "0", valid: false).check()
        try SchemaCase(schema, "6", valid: false).check()
    }

    static let tree = #"""
        {
          "$defs": {
            "node": {
              "type": "object",
              "properties": {
                "value": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}
              },
              "required": ["value"],
              "additionalProperties": false
            }
          },
          "$ref": "#/$defs/node"
        }
        """#

    @Test("a recursive schema validates a tree at any depth")
    func recursiveTree() throws {
        try SchemaCase(
            Self.tree, #"{"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": 4}]}]}"#,
            valid: true
        ).check()
        let found = try schemaViolations(
            Self.tree, #"{"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": "4"}]}]}"#)
        #expect(found.map(\.message) == ["expected an integer, found a string"])
        #expect(found.first?.instancePath == "/children/1/children/0/value")
        #expect(found.first?.schemaPath == "/$defs/node/properties/value/type")
    }

    @Test("a schema refers to its own root")
    func rootRecursion() throws {
        let schema = ##"{"type": "object", "properties": {"next": {"$ref": "#"}}, "required": ["id"]}"##
        try SchemaCase(schema, #"{"id": 1, "next": {"id": 2, "next": {"id": 3}}}"#, valid: true).check()
        let found = try schemaViolations(schema, #"{"id": 1, "next": {"id": 2, "next": {}}}"#)
        #expect(found.map(\.message) == [#"missing required property "id""#])
        #expect(found.first?.instancePath == "/next/next")
    }

    @Test("values nested deeper than the validator follows are reported, not followed")
    func nestingLimit() throws {
        let schema = try compileSchema(##"{"items": {"$ref": "#"}}"##)
        var value: JSON = []
        for _ in 0..<400 { value = .array([value]) }
        #expect(!schema.isValid(value))
        let found = schema.validate(value)
        #expect(found.count == 1)
        #expect(found.first?.problem == .nestingTooDeep(limit: 300))
    }

    // MARK: schemas that do not compile

    struct BadSchema: Sendable, CustomTestStringConvertible {
        var schema: String
        var kind: SchemaCompileError.Kind
        var path: JSONPointer
        var testDescription: String { schema }
    }

    static let badSchemas: [BadSchema] = [
        BadSchema(schema: ##"{"$ref": "#/$defs/missing"}"##, kind: .unresolvedReference, path: "/$ref"),
        BadSchema(schema: ##"{"$ref": "#nowhere"}"##, kind: .unresolvedReference, path: "/$ref"),
        BadSchema(
            schema: #"{"properties": {"a": {"$ref": "other.json"}}}"#, kind: .unsupportedReference,
            path: "/properties/a/$ref"),
        BadSchema(
            schema: #"{"$ref": "https://json-schema.org/draft/2020-12/schema"}"#, kind: .unsupportedReference,
            path: "/$ref"),
        BadSchema(
            schema: ##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##,
            kind: .referenceCycle, path: "/$defs/a"),
        BadSchema(schema: ##"{"allOf": [{"$ref": "#"}]}"##, kind: .referenceCycle, path: ""),
        BadSchema(schema: #"{"pattern": "("}"#, kind: .invalidPattern, path: "/pattern"),
        BadSchema(schema: #"{"patternProperties": {"[": {}}}"#, kind: .invalidPattern, path: "/patternProperties/["),
        BadSchema(schema: #"{"type": "str"}"#, kind: .invalidKeyword, path: "/type"),
        BadSchema(schema: #"{"minLength": -1}"#, kind: .invalidKeyword, path: "/minLength"),
        BadSchema(schema: #"{"required": "a"}"#, kind: .invalidKeyword, path: "/required"),
        BadSchema(schema: #"{"items": [{}]}"#, kind: .invalidKeyword, path: "/items"),
        BadSchema(schema: #"{"anyOf": []}"#, kind: .invalidKeyword, path: "/anyOf"),
        BadSchema(schema: #"{"multipleOf": 0}"#, kind: .invalidKeyword, path: "/multipleOf"),
        BadSchema(schema: #"{"properties": {"a": 5}}"#, kind: .notASchema, path: "/properties/a"),
        BadSchema(schema: #"{"$defs": {"unused": {"type": 1}}}"#, kind: .invalidKeyword, path: "/$defs/unused/type"),
        BadSchema(schema: "[]", kind: .notASchema, path: ""),
    ]

    @Test("schemas that cannot be compiled say why and where", arguments: badSchemas)
    func compileErrors(_ bad: BadSchema) throws {
        let error = try #require(throws: SchemaCompileError.self) { try compileSchema(bad.schema) }
        #expect(error.kind == bad.kind)
        #expect(error.schemaPath == bad.path)
    }

    @Test("compile errors read as sentences")
    func compileErrorText() throws {
        let unresolved = try #require(throws: SchemaCompileError.self) {
            try compileSchema(##"{"properties": {"a": {"$ref": "#/$defs/missing"}}}"##)
        }
        #expect(unresolved.description == ##"/properties/a/$ref: "#/$defs/missing" refers to nothing in this schema"##)
        let external = try #require(throws: SchemaCompileError.self) { try compileSchema(#"{"$ref": "other.json"}"#) }
        #expect(
            external.message
                == #""other.json" refers to another document (https://swirl.invalid/other.json); "#
                + "only references within the same schema document are supported")
        let keyword = try #require(throws: SchemaCompileError.self) { try compileSchema(#"{"minItems": "2"}"#) }
        #expect(keyword.description == #"/minItems: "minItems" must be a non-negative integer"#)
        let notSchema = try #require(throws: SchemaCompileError.self) { try compileSchema("null") }
        #expect(notSchema.description == "(schema root): a schema must be an object or a Boolean, not null")
    }
}
