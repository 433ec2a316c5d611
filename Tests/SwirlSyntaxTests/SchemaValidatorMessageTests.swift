import SwirlCore
import SwirlSyntax
import Testing

/// What a person reads: full message texts, the place each points at (instance path, key or
/// value), and which alternative of an `anyOf`/`oneOf` is explained when none matches.
@Suite struct SchemaValidatorMessageTests {
    struct MessageCase: Sendable, CustomTestStringConvertible {
        var schema: String
        var instance: String
        var messages: [String]

        init(_ schema: String, _ instance: String, _ messages: String...) {
            self.schema = schema
            self.instance = instance
            self.messages = messages
        }

        var testDescription: String { messages.first ?? schema }
    }

    static let cases: [MessageCase] = [
        MessageCase(#"{"type": "string"}"#, "1", "expected a string, found a number"),
        MessageCase(#"{"type": "integer"}"#, "1.5", "expected an integer, found 1.5"),
        MessageCase(#"{"type": ["object", "string"]}"#, "3", "expected an object or a string, found a number"),
        MessageCase(
            #"{"type": ["array", "boolean", "null"]}"#, "{}", "expected an array, a boolean or null, found an object"),
        MessageCase(#"{"required": ["endpoint"]}"#, "{}", #"missing required property "endpoint""#),
        MessageCase(
            #"{"properties": {"method": {}, "endpoint": {}}, "additionalProperties": false}"#, #"{"methd": "get"}"#,
            #"unknown property "methd"; did you mean "method"?"#),
        MessageCase(
            #"{"properties": {"method": {}}, "additionalProperties": false}"#, #"{"zzz": 1}"#,
            #"unknown property "zzz""#),
        MessageCase(
            #"{"properties": {"a": false}}"#, #"{"a": 1}"#, #"property "a" is not allowed here"#),
        MessageCase(
            #"{"enum": ["get", "post", "put", "patch", "delete"]}"#, #""PATCHY""#,
            #""PATCHY" is not one of "get", "post", "put", "patch", "delete"; did you mean "patch"?"#),
        MessageCase(#"{"enum": ["get", "post"]}"#, #""fetch""#, #""fetch" is not one of "get", "post""#),
        MessageCase(#"{"enum": [1, 2, 3]}"#, "4", "4 is not one of 1, 2, 3"),
        MessageCase(
            #"{"enum": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"]}"#, #""z""#,
            #""z" is not one of "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", … (3 more)"#),
        MessageCase(#"{"const": "http"}"#, #""htp""#, #"expected "http", found "htp""#),
        MessageCase(#"{"const": {"a": 1}}"#, #"{"a": 2}"#, #"expected {"a":1}, found {"a":2}"#),
        MessageCase(#"{"pattern": "^[a-z]+$"}"#, #""abc1""#, #""abc1" does not match the pattern ^[a-z]+$"#),
        MessageCase(
            #"{"pattern": "^x$"}"#, #""\#(String(repeating: "y", count: 70))""#,
            #""\#(String(repeating: "y", count: 58))…" does not match the pattern ^x$"#),
        MessageCase(#"{"format": "duration"}"#, #""P1Y2X""#, #""P1Y2X" is not a valid ISO 8601 duration"#),
        MessageCase(#"{"minimum": 1}"#, "0", "expected a number of at least 1, found 0"),
        MessageCase(#"{"exclusiveMinimum": 0}"#, "0", "expected a number greater than 0, found 0"),
        MessageCase(#"{"maximum": 65535}"#, "70000", "expected a number of at most 65535, found 70000"),
        MessageCase(#"{"exclusiveMaximum": 1.5}"#, "2", "expected a number less than 1.5, found 2"),
        MessageCase(#"{"multipleOf": 5}"#, "12", "expected a multiple of 5, found 12"),
        MessageCase(#"{"minLength": 3}"#, #""ab""#, #""ab" is too short: expected at least 3 characters, found 2"#),
        MessageCase(#"{"maxLength": 1}"#, #""ab""#, #""ab" is too long: expected at most 1 character, found 2"#),
        MessageCase(#"{"minItems": 1}"#, "[]", "expected at least 1 item, found 0"),
        MessageCase(#"{"maxItems": 2}"#, "[1, 2, 3]", "expected at most 2 items, found 3"),
        MessageCase(#"{"prefixItems": [{}], "items": false}"#, "[1, 2]", "expected at most 1 item, found 2"),
        MessageCase(#"{"minProperties": 1}"#, "{}", "expected at least 1 property, found 0"),
        MessageCase(#"{"maxProperties": 1}"#, #"{"a": 1, "b": 2}"#, "expected at most 1 property, found 2"),
        MessageCase(
            #"{"contains": {"type": "integer"}}"#, #"["a"]"#,
            #"expected at least 1 item matching the "contains" schema, found 0"#),
        MessageCase(
            #"{"contains": {"type": "integer"}, "maxContains": 1}"#, "[1, 2]",
            #"expected at most 1 item matching the "contains" schema, found 2"#),
        MessageCase(#"{"uniqueItems": true}"#, "[1, 2, 1]", "items 0 and 2 are equal; the items must be unique"),
        MessageCase(
            #"{"dependentRequired": {"card": ["billing"]}}"#, #"{"card": 1}"#,
            #"missing property "billing", which is required when "card" is present"#),
        MessageCase(
            #"{"not": {"type": "null"}}"#, "null",
            #"the value is not allowed here: it matches the schema under "not""#),
        MessageCase("false", "1", "no value is allowed here"),
        MessageCase(
            #"{"propertyNames": {"pattern": "^[a-z]+$"}}"#, #"{"Bad": 1}"#,
            #"property name "Bad" does not match the pattern ^[a-z]+$"#),
        MessageCase(
            #"{"propertyNames": {"enum": ["a", "b"]}}"#, #"{"c": 1}"#, #"property name "c" is not one of "a", "b""#),
        // A wrong type is the one root cause: nothing about the properties it lacks.
        MessageCase(
            #"{"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string"}}}"#, "[]",
            "expected an object, found an array"),
        // The same requirement reached through $ref and directly is reported once.
        MessageCase(
            ##"{"$defs": {"named": {"required": ["name"]}}, "$ref": "#/$defs/named", "required": ["name"]}"##, "{}",
            #"missing required property "name""#),
        // A typo explains the missing property; the suggestion says so, once.
        MessageCase(
            #"{"properties": {"method": {}}, "required": ["method"], "additionalProperties": false}"#,
            #"{"mehtod": "get"}"#, #"unknown property "mehtod"; did you mean "method"?"#),
    ]

    @Test("messages say what was expected and what was found", arguments: cases)
    func message(_ row: MessageCase) throws {
        #expect(try schemaMessages(row.schema, row.instance) == row.messages)
    }

    // MARK: suggestions

    @Test("suggestions come from every schema that applies at the place: allOf, $ref, if/then")
    func suggestionsThroughApplicators() throws {
        let schema = #"""
            {
              "$defs": {"base": {"properties": {"timeout": {}, "metadata": {}}}},
              "allOf": [{"$ref": "#/$defs/base"}],
              "if": {"required": ["call"]},
              "then": {"properties": {"call": {}, "with": {}}},
              "unevaluatedProperties": false
            }
            """#
        #expect(
            try schemaMessages(schema, #"{"call": "x", "wiht": {}}"#)
                == [#"unknown property "wiht"; did you mean "with"?"#])
        #expect(
            try schemaMessages(schema, #"{"timout": 1}"#) == [#"unknown property "timout"; did you mean "timeout"?"#]
        )
        #expect(
            try schemaMessages(schema, #"{"metdata": 1}"#) == [
                #"unknown property "metdata"; did you mean "metadata"?"#
            ])
        // No suggestion for a name that is already there, or for one too far from any.
        #expect(try schemaMessages(schema, #"{"timeout": 1, "Timeout": 2}"#) == [#"unknown property "Timeout""#])
        #expect(try schemaMessages(schema, #"{"banana": 1}"#) == [#"unknown property "banana""#])
    }

    // MARK: alternatives

    static let callUnion = #"""
        {
          "$defs": {
            "http": {
              "title": "HTTP call",
              "type": "object",
              "properties": {
                "call": {"const": "http"},
                "with": {
                  "type": "object",
                  "properties": {
                    "method": {"enum": ["get", "post", "put", "patch", "delete"]},
                    "endpoint": {"type": "string"}
                  },
                  "required": ["method", "endpoint"],
                  "additionalProperties": false
                }
              },
              "required": ["call", "with"]
            },
            "grpc": {
              "title": "gRPC call",
              "type": "object",
              "properties": {
                "call": {"const": "grpc"},
                "with": {
                  "type": "object",
                  "properties": {
                    "proto": {"type": "string"}, "service": {"type": "object"}, "method": {"type": "string"}
                  },
                  "required": ["proto", "service", "method"],
                  "additionalProperties": false
                }
              },
              "required": ["call", "with"]
            },
            "function": {
              "type": "object",
              "properties": {"call": {"type": "string", "not": {"enum": ["http", "grpc"]}}, "with": {"type": "object"}},
              "required": ["call"]
            },
            "task": {
              "type": "object",
              "oneOf": [{"$ref": "#/$defs/http"}, {"$ref": "#/$defs/grpc"}, {"$ref": "#/$defs/function"}],
              "unevaluatedProperties": false
            }
          },
          "type": "object",
          "properties": {"do": {"type": "array", "items": {"$ref": "#/$defs/task"}}}
        }
        """#

    @Test("in a union, the branch the document means is explained: a misspelt field in an HTTP call")
    func meantBranch() throws {
        let found = try schemaViolations(
            Self.callUnion,
            #"""
            {"do": [
              {"call": "http", "with": {"method": "get", "endpoint": "x"}},
              {"call": "http", "with": {"methd": "get", "endpoint": "x"}}
            ]}
            """#
        )
        #expect(found.map(\.message) == [#"unknown property "methd"; did you mean "method"?"#])
        let violation = try #require(found.first)
        #expect(violation.instancePath == "/do/1/with/methd")
        #expect(violation.part == .key)
        #expect(violation.keyword == "additionalProperties")
        #expect(violation.schemaPath == "/$defs/http/properties/with/additionalProperties")
        #expect(violation.problem == .unknownProperty("methd", suggestion: "method"))
    }

    @Test("in a union, errors deep inside the meant branch are reported, not the other branches'")
    func meantBranchDeepErrors() throws {
        #expect(
            try schemaMessages(
                Self.callUnion, #"{"do": [{"call": "http", "with": {"method": "PATCHY", "endpoint": 1}}]}"#)
                == [
                    #""PATCHY" is not one of "get", "post", "put", "patch", "delete"; did you mean "patch"?"#,
                    "expected a string, found a number",
                ])
        #expect(
            try schemaMessages(Self.callUnion, #"{"do": [{"call": "grpc", "with": {"proto": "p", "method": "m"}}]}"#)
                == [#"missing required property "service""#])
        #expect(
            try schemaMessages(Self.callUnion, #"{"do": [{"call": 5}]}"#) == ["expected a string, found a number"])
        // An unknown member beside the union's properties is one problem, not one per branch.
        let extra = try schemaViolations(
            Self.callUnion, #"{"do": [{"call": "http", "with": {"method": "get", "endpoint": "x"}, "then": "end"}]}"#)
        #expect(extra.map(\.message) == [#"unknown property "then""#])
        #expect(extra.first?.instancePath == "/do/0/then")
    }

    @Test("when every branch rejects the type, the types are listed")
    func unionTypes() throws {
        let schema = #"{"anyOf": [{"type": "object", "required": ["uri"]}, {"type": "string", "format": "uri"}]}"#
        #expect(try schemaMessages(schema, "5") == ["expected an object or a string, found a number"])
        let found = try schemaViolations(schema, "5")
        #expect(found.first?.problem == .typeMismatch(expected: ["object", "string"], found: 5))
        #expect(found.first?.keyword == "anyOf")
        // The right type picks the branch.
        #expect(try schemaMessages(schema, #""not a uri""#) == [#""not a uri" is not a valid URI"#])
        #expect(try schemaMessages(schema, "{}") == [#"missing required property "uri""#])
    }

    @Test("string-or-object: a typo in the object form is explained in that form")
    func stringOrObject() throws {
        let schema = #"""
            {
              "oneOf": [
                {"type": "string", "format": "uri-template"},
                {"type": "object", "properties": {"uri": {"type": "string"}, "authentication": {}},
                 "required": ["uri"], "additionalProperties": false}
              ]
            }
            """#
        let found = try schemaViolations(schema, #"{"url": "https://example.com"}"#)
        #expect(found.map(\.message) == [#"unknown property "url"; did you mean "uri"?"#])
        #expect(found.first?.instancePath == "/url")
    }

    @Test("values and types of failed alternatives are summarised together")
    func unionValues() throws {
        #expect(
            try schemaMessages(#"{"oneOf": [{"const": "a"}, {"const": "b"}]}"#, #""c""#)
                == [#""c" is not one of "a", "b""#])
        #expect(
            try schemaMessages(#"{"anyOf": [{"type": "integer"}, {"enum": ["auto"]}]}"#, #""x""#)
                == [#"expected an integer or "auto", found "x""#])
        #expect(
            try schemaMessages(#"{"anyOf": [{"type": "integer"}, {"enum": ["auto"]}]}"#, #""x""#).count == 1)
    }

    @Test("required-only alternatives: which key is missing, or which keys clash")
    func exactlyOneKey() throws {
        let schema = #"""
            {
              "properties": {"code": {}, "source": {}, "language": {}},
              "oneOf": [{"required": ["code"]}, {"required": ["source"]}]
            }
            """#
        #expect(
            try schemaMessages(schema, #"{"language": "js"}"#) == [
                #"missing one of the properties "code", "source""#
            ])
        #expect(
            try schemaMessages(schema, #"{"code": "x", "source": "y"}"#)
                == [#"only one of "code" and "source" may be present"#])
        let typo = try schemaViolations(schema, #"{"sorce": "y"}"#)
        #expect(
            typo.map(\.message) == [
                #"missing one of the properties "code", "source"; did you mean "source" instead of "sorce"?"#
            ])
        #expect(typo.first?.instancePath == "/sorce")
        #expect(typo.first?.part == .key)
    }

    @Test("oneOf matching twice names the branches by title, or by position")
    func severalMatches() throws {
        let titled = #"{"oneOf": [{"title": "small", "maximum": 10}, {"title": "even", "multipleOf": 2}]}"#
        #expect(
            try schemaMessages(titled, "4")
                == [#"the value matches more than one alternative ("small" and "even"); it must match exactly one"#])
        let found = try schemaViolations(titled, "4")
        #expect(
            found.first?.problem
                == .multipleAlternativesMatched([
                    SchemaViolation.Alternative(index: 0, title: "small"),
                    SchemaViolation.Alternative(index: 1, title: "even"),
                ]))
        #expect(
            try schemaMessages(#"{"oneOf": [{"maximum": 10}, {"type": "integer"}, {"multipleOf": 2}]}"#, "4")
                == ["the value matches more than one alternative (alternatives 1, 2 and 3); it must match exactly one"])
    }

    @Test("among object branches, the one whose errors are deepest is meant")
    func deepestBranch() throws {
        let schema = #"""
            {
              "anyOf": [
                {"properties": {"name": {"type": "string"}, "age": {"type": "integer"}}, "additionalProperties": false},
                {
                  "properties": {"title": {"type": "string"}, "pages": {"type": "integer"}},
                  "additionalProperties": false
                }
              ]
            }
            """#
        let found = try schemaViolations(schema, #"{"name": "x", "age": "ten"}"#)
        #expect(found.map(\.message) == ["expected an integer, found a string"])
        #expect(found.first?.instancePath == "/age")
    }

    // MARK: places and diagnostics

    @Test("instance paths escape / and ~ in member names and count array positions")
    func paths() throws {
        let found = try schemaViolations(
            #"{"properties": {"a/b": {"items": {"properties": {"c~d": {"type": "string"}}}}}}"#,
            #"{"a/b": [{"c~d": "x"}, {"c~d": 1}]}"#)
        #expect(found.first?.instancePath.description == "/a~1b/1/c~0d")
        #expect(found.first?.instancePath.tokens == ["a/b", "1", "c~d"])
    }

    @Test("diagnostics carry one code per kind of problem, the path and the part")
    func diagnostics() throws {
        let schema = try compileSchema(
            #"""
            {
              "type": "object",
              "properties": {
                "name": {"type": "string", "pattern": "^[a-z]+$", "description": "A lower-case name."},
                "count": {"type": "integer", "minimum": 1},
                "kind": {"type": "string"}
              },
              "required": ["id", "name", "kind"],
              "additionalProperties": false
            }
            """#)
        let found = schema.diagnostics(for: ["name": "Bad", "count": 0, "kidn": "x"], at: "/input")
        #expect(found.map(\.code.rawValue) == ["SWL2002", "SWL2005", "SWL2007", "SWL2003"])
        #expect(found.allSatisfy { $0.severity == .error })
        #expect(found.map(\.path) == ["/input", "/input/name", "/input/count", "/input/kidn"])
        #expect(found.map(\.part) == [.key, .value, .value, .key])
        #expect(found[1].notes == [Diagnostic.Note("the schema says: A lower-case name.")])
        #expect(found[3].message == #"unknown property "kidn"; did you mean "kind"?"#)
    }

    @Test("every category has its own code")
    func codes() {
        let codes = SchemaViolation.Category.allCases.map { SchemaDiagnostics.code(for: $0) }
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { $0.rawValue.hasPrefix("SWL20") })
        #expect(SchemaDiagnostics.code(for: .typeMismatch) == SchemaDiagnostics.typeMismatchCode)
    }

    @Test("an invalid user schema becomes a diagnostic at the schema's place")
    func invalidSchemaDiagnostic() throws {
        let error = try #require(throws: SchemaCompileError.self) {
            try compileSchema(#"{"properties": {"a": {"type": "text"}}}"#)
        }
        let diagnostic = SchemaDiagnostics.invalidSchema(error, at: "/input/schema/document")
        #expect(diagnostic.code == SchemaDiagnostics.invalidSchemaCode)
        #expect(diagnostic.path == "/input/schema/document/properties/a/type")
        #expect(
            diagnostic.message
                == #"invalid JSON Schema at /properties/a/type: "type" must be one of "null", "boolean", "#
                + #""object", "array", "number", "string", "integer""#
        )
    }
}
