import SwirlCore
import SwirlSyntax
import Testing

/// The validator's public surface: compile once, validate many times, from many tasks at once.
@Suite struct SchemaValidatorTests {
    static let schema = #"""
        {
          "title": "Order",
          "type": "object",
          "properties": {
            "id": {"type": "string", "format": "uuid"},
            "lines": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/line"}},
            "note": {"type": ["string", "null"]}
          },
          "required": ["id", "lines"],
          "additionalProperties": false,
          "$defs": {
            "line": {
              "type": "object",
              "properties": {
                "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
                "quantity": {"type": "integer", "minimum": 1}
              },
              "required": ["sku", "quantity"],
              "additionalProperties": false
            }
          }
        }
        """#

    static let validOrder: JSON = [
        "id": "2eb8aa08-aa98-11ea-b4aa-73b441d16380",
        "lines": [["sku": "ABC-1234", "quantity": 2], ["sku": "XYZ-0001", "quantity": 1]],
        "note": nil,
    ]

    @Test("a valid instance has no violations and isValid agrees")
    func valid() throws {
        let schema = try compileSchema(Self.schema)
        #expect(schema.isValid(Self.validOrder))
        #expect(schema.validate(Self.validOrder).isEmpty)
        #expect(schema.diagnostics(for: Self.validOrder).isEmpty)
    }

    @Test("validate reports every independent problem, each at its place")
    func everyProblem() throws {
        let schema = try compileSchema(Self.schema)
        let order: JSON = [
            "id": "not-a-uuid",
            "lines": [["sku": "abc", "quantity": 0], ["sku": "ABC-1234", "quantiy": 1]],
            "notes": "x",
        ]
        #expect(!schema.isValid(order))
        let found = schema.validate(order)
        #expect(
            found.map(\.message) == [
                #""not-a-uuid" is not a valid UUID"#,
                #""abc" does not match the pattern ^[A-Z]{3}-[0-9]{4}$"#,
                "expected a number of at least 1, found 0",
                #"unknown property "quantiy"; did you mean "quantity"?"#,
                #"unknown property "notes"; did you mean "note"?"#,
            ])
        #expect(
            found.map(\.instancePath) == ["/id", "/lines/0/sku", "/lines/0/quantity", "/lines/1/quantiy", "/notes"])
        #expect(found.map(\.part) == [.value, .value, .value, .key, .key])
        #expect(
            found.map(\.category) == [
                .formatMismatch, .patternMismatch, .outOfRange, .unknownProperty, .unknownProperty,
            ])
    }

    @Test("boolean schemas")
    func booleanSchemas() throws {
        #expect(try JSONSchema(true).isValid(["anything": [1, 2]]))
        #expect(try !JSONSchema(false).isValid(nil))
        #expect(try JSONSchema(false).validate(1).map(\.problem) == [.falseSchema])
    }

    @Test("one compiled schema validates from many tasks at once with the same answers")
    func concurrentUse() async throws {
        let schema = try compileSchema(Self.schema)
        let invalid: JSON = ["id": "x", "lines": []]
        let expected = schema.validate(invalid)
        let agreed = await withTaskGroup(of: Bool.self) { group in
            for task in 0..<16 {
                group.addTask {
                    for _ in 0..<50 {
                        if task.isMultiple(of: 2) {
                            guard schema.isValid(Self.validOrder) else { return false }
                        } else {
                            guard schema.validate(invalid) == expected else { return false }
                        }
                    }
                    return true
                }
            }
            return await group.allSatisfy { $0 }
        }
        #expect(agreed)
    }

    @Test("violations are values: equal when they say the same thing")
    func violationsAreValues() throws {
        let schema = try compileSchema(#"{"required": ["a"]}"#)
        #expect(schema.validate([:]) == schema.validate([:]))
        let violation = try #require(schema.validate([:]).first)
        #expect(violation.keyword == "required")
        #expect(violation.schemaPath == "/required")
        #expect(violation.instancePath == .root)
        #expect(violation.problem == .missingProperty("a"))
        #expect(violation.category == .missingProperty)
    }
}
