import SwirlCore
import SwirlSyntax
import Testing

/// `unevaluatedProperties` and `unevaluatedItems`: what counts as evaluated through `allOf`,
/// `anyOf`, `oneOf`, `if`/`then`/`else`, `$ref`, `dependentSchemas`, `not` and `contains`.
/// Written for this suite (not copied from the JSON-Schema-Test-Suite); every expectation agrees
/// with python-jsonschema 4.26.
@Suite struct SchemaValidatorUnevaluatedTests {
    /// One schema with the instances it accepts and those it rejects.
    struct Group: Sendable, CustomTestStringConvertible {
        var name: String
        var schema: String
        var valid: [String]
        var invalid: [String]

        var testDescription: String { name }
    }

    static let groups: [Group] = [
        Group(
            name: "allOf: properties of a subschema count",
            schema: #"{"allOf": [{"properties": {"a": {}}}], "unevaluatedProperties": false}"#,
            valid: [#"{"a": 1}"#], invalid: [#"{"a": 1, "b": 1}"#]),
        Group(
            name: "a subschema's unevaluatedProperties cannot see its parent's properties",
            schema: #"""
                {"allOf": [{"properties": {"a": {}}, "unevaluatedProperties": false}], "properties": {"b": {}}}
                """#,
            valid: [#"{"a": 1}"#], invalid: [#"{"a": 1, "b": 1}"#]),
        Group(
            name: "a parent sees what a subschema's unevaluatedProperties evaluated",
            schema: #"{"allOf": [{"unevaluatedProperties": true}], "unevaluatedProperties": false}"#,
            valid: [#"{"x": 1}"#], invalid: []),
        Group(
            name: "allOf nested in allOf",
            schema: #"{"allOf": [{"allOf": [{"properties": {"deep": {}}}]}], "unevaluatedProperties": false}"#,
            valid: [#"{"deep": 1}"#], invalid: [#"{"deep": 1, "shallow": 1}"#]),
        Group(
            name: "if/then/else: the branch taken counts, and a failed if counts for nothing",
            schema: #"""
                {
                  "if": {"properties": {"kind": {"const": "a"}}, "required": ["kind"]},
                  "then": {"properties": {"a": {}}},
                  "else": {"properties": {"b": {}}},
                  "unevaluatedProperties": false
                }
                """#,
            valid: [#"{"kind": "a", "a": 1}"#, #"{"b": 1}"#],
            invalid: [#"{"kind": "a", "b": 1}"#, #"{"kind": "x", "b": 1}"#]),
        Group(
            name: "oneOf: only the matching branch counts",
            schema: #"""
                {
                  "oneOf": [
                    {"properties": {"a": {"type": "integer"}}, "required": ["a"]},
                    {"properties": {"b": {"type": "integer"}}, "required": ["b"]}
                  ],
                  "unevaluatedProperties": false
                }
                """#,
            valid: [#"{"a": 1}"#, #"{"b": 1}"#],
            invalid: [#"{"a": 1, "c": 1}"#, #"{"a": 1, "b": "x"}"#]),
        Group(
            name: "anyOf: every matching branch counts, not only the first",
            schema: #"""
                {
                  "anyOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}, "required": ["b"]}],
                  "unevaluatedProperties": false
                }
                """#,
            valid: [#"{"a": 1, "b": 1}"#, #"{"a": 1}"#], invalid: [#"{"a": 1, "c": 1}"#]),
        Group(
            name: "$ref and its sibling keywords",
            schema: #"""
                {
                  "$defs": {"base": {"properties": {"a": {}}}},
                  "$ref": "#/$defs/base",
                  "properties": {"b": {}},
                  "unevaluatedProperties": false
                }
                """#,
            valid: [#"{"a": 1, "b": 1}"#], invalid: [#"{"c": 1}"#]),
        Group(
            name: "dependentSchemas counts when its property is present",
            schema: #"""
                {
                  "dependentSchemas": {"a": {"properties": {"b": {}}}},
                  "properties": {"a": {}},
                  "unevaluatedProperties": false
                }
                """#,
            valid: [#"{"a": 1, "b": 1}"#], invalid: [#"{"b": 1}"#]),
        Group(
            name: "not never contributes",
            schema: #"{"not": {"not": {"properties": {"a": {}}}}, "unevaluatedProperties": false}"#,
            valid: [#"{}"#], invalid: [#"{"a": 1}"#]),
        Group(
            name: "only the object at the same place is concerned",
            schema: #"{"properties": {"x": {"properties": {"a": {}}}}, "unevaluatedProperties": false}"#,
            valid: [#"{"x": {"b": 1}}"#], invalid: [#"{"x": {}, "y": 1}"#]),
        Group(
            name: "additionalProperties and patternProperties count",
            schema: #"{"patternProperties": {"^a": {}}, "unevaluatedProperties": false}"#,
            valid: [#"{"ab": 1}"#], invalid: [#"{"b": 1}"#]),
        Group(
            name: "additionalProperties evaluates everything",
            schema: #"{"additionalProperties": true, "unevaluatedProperties": false}"#,
            valid: [#"{"x": 1}"#], invalid: []),
        Group(
            name: "a schema for the unevaluated properties",
            schema: #"{"unevaluatedProperties": {"type": "integer"}, "properties": {"s": {"type": "string"}}}"#,
            valid: [#"{"s": "x", "n": 1}"#], invalid: [#"{"s": "x", "n": "y"}"#]),
        Group(
            name: "a recursive schema closed with unevaluatedProperties",
            schema: #"""
                {
                  "$defs": {
                    "node": {
                      "properties": {
                        "name": {"type": "string"},
                        "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}
                      },
                      "unevaluatedProperties": false
                    }
                  },
                  "$ref": "#/$defs/node"
                }
                """#,
            valid: [#"{"name": "a", "children": [{"name": "b", "children": []}]}"#],
            invalid: [#"{"name": "a", "children": [{"name": "b", "extra": 1}]}"#]),
        Group(
            name: "items: prefixItems in allOf count",
            schema: #"{"prefixItems": [{}], "allOf": [{"prefixItems": [{}, {}]}], "unevaluatedItems": false}"#,
            valid: ["[1, 2]"], invalid: ["[1, 2, 3]"]),
        Group(
            name: "items: contains evaluates the elements it matches",
            schema: #"{"contains": {"type": "string"}, "unevaluatedItems": {"type": "integer"}}"#,
            valid: [#"["a", 1]"#], invalid: [#"["a", true]"#]),
        Group(
            name: "items: items in allOf evaluates every element",
            schema: #"{"allOf": [{"items": {}}], "unevaluatedItems": false}"#,
            valid: ["[1, 2]", "[]"], invalid: []),
        Group(
            name: "items: if/then",
            schema: #"""
                {
                  "if": {"prefixItems": [{"const": 1}]},
                  "then": {"prefixItems": [{}, {"const": 2}]},
                  "unevaluatedItems": false
                }
                """#,
            valid: ["[1, 2]"], invalid: ["[1, 2, 3]", "[3]"]),
        Group(
            name: "items: anyOf",
            schema: #"""
                {
                  "anyOf": [{"prefixItems": [{"const": 1}]}, {"prefixItems": [{}, {"const": 2}]}],
                  "unevaluatedItems": false
                }
                """#,
            valid: ["[1, 2]"], invalid: ["[1, 3]"]),
        Group(
            name: "items: nested arrays are another place",
            schema: #"{"prefixItems": [{"items": {}}], "unevaluatedItems": false}"#,
            valid: ["[[1, 2]]", "[]"], invalid: ["[[1], 2]"]),
    ]

    @Test("annotations flow through applicators", arguments: groups)
    func unevaluated(_ group: Group) throws {
        for instance in group.valid {
            try SchemaCase(group.schema, instance, valid: true).check()
        }
        for instance in group.invalid {
            try SchemaCase(group.schema, instance, valid: false).check()
        }
    }

    @Test("unknown properties found by unevaluatedProperties point at their keys")
    func unknownPropertyPlace() throws {
        let found = try schemaViolations(
            #"{"properties": {"x": {"allOf": [{"properties": {"a": {}}}], "unevaluatedProperties": false}}}"#,
            #"{"x": {"a": 1, "b": 2}}"#)
        #expect(found.count == 1)
        let violation = try #require(found.first)
        #expect(violation.instancePath == "/x/b")
        #expect(violation.part == .key)
        #expect(violation.keyword == "unevaluatedProperties")
        #expect(violation.schemaPath == "/properties/x/unevaluatedProperties")
        #expect(violation.problem == .unknownProperty("b", suggestion: nil))
    }

    @Test("an object with more than 64 members is tracked beyond the first word of bits")
    func manyMembers() throws {
        var properties: [String] = []
        var members: [String] = []
        for index in 0..<100 {
            properties.append("\"p\(index)\": {}")
            members.append("\"p\(index)\": \(index)")
        }
        let schema =
            #"{"allOf": [{"properties": {"# + properties.joined(separator: ", ")
            + #"}}], "unevaluatedProperties": false}"#
        try SchemaCase(schema, "{" + members.joined(separator: ", ") + "}", valid: true).check()
        try SchemaCase(schema, "{" + members.joined(separator: ", ") + #", "p100": 0}"#, valid: false).check()
    }
}
