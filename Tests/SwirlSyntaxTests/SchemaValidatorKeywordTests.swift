import SwirlCore
import SwirlSyntax
import Testing

/// Every keyword accepting and rejecting. Each row's expectation agrees with python-jsonschema
/// 4.26 (checked while writing the table), except where a test below says otherwise.
@Suite struct SchemaValidatorKeywordTests {
    static let cases: [SchemaCase] = [
        SchemaCase(#"{"type":"string"}"#, #""a""#, valid: true),
        SchemaCase(#"{"type":"string"}"#, #"1"#, valid: false),
        SchemaCase(#"{"type":"integer"}"#, #"1"#, valid: true),
        SchemaCase(#"{"type":"integer"}"#, #"1.0"#, valid: true),
        SchemaCase(#"{"type":"integer"}"#, #"1.5"#, valid: false),
        SchemaCase(#"{"type":"integer"}"#, #""1""#, valid: false),
        SchemaCase(#"{"type":"number"}"#, #"1.5"#, valid: true),
        SchemaCase(#"{"type":"number"}"#, #"true"#, valid: false),
        SchemaCase(#"{"type":["string","null"]}"#, #"null"#, valid: true),
        SchemaCase(#"{"type":["string","null"]}"#, #"0"#, valid: false),
        SchemaCase(#"{"type":"boolean"}"#, #"false"#, valid: true),
        SchemaCase(#"{"type":"boolean"}"#, #"0"#, valid: false),
        SchemaCase(#"{"type":"array"}"#, #"[]"#, valid: true),
        SchemaCase(#"{"type":"array"}"#, #"{}"#, valid: false),
        SchemaCase(#"{"type":"object"}"#, #"{}"#, valid: true),
        SchemaCase(#"{"type":"object"}"#, #"[]"#, valid: false),
        SchemaCase(#"{"type":"null"}"#, #"null"#, valid: true),
        SchemaCase(#"{"type":"null"}"#, #"false"#, valid: false),
        SchemaCase(#"{"enum":[1,"a",null,{"x":[1]}]}"#, #""a""#, valid: true),
        SchemaCase(#"{"enum":[1,"a",null,{"x":[1]}]}"#, #"{"x":[1.0]}"#, valid: true),
        SchemaCase(#"{"enum":[1,"a",null,{"x":[1]}]}"#, #""b""#, valid: false),
        SchemaCase(#"{"enum":[1,"a",null,{"x":[1]}]}"#, #"true"#, valid: false),
        SchemaCase(#"{"const":{"a":1,"b":2}}"#, #"{"b":2,"a":1}"#, valid: true),
        SchemaCase(#"{"const":{"a":1,"b":2}}"#, #"{"a":1}"#, valid: false),
        SchemaCase(#"{"const":null}"#, #"null"#, valid: true),
        // Code points, not canonical equivalence: precomposed and decomposed "é" differ.
        SchemaCase(#"{"const":"caf\u00e9"}"#, #""cafe\u0301""#, valid: false),
        SchemaCase(#"{"const":"caf\u00e9"}"#, #""caf\u00e9""#, valid: true),
        SchemaCase(#"{"enum":["caf\u00e9"]}"#, #""cafe\u0301""#, valid: false),
        SchemaCase(#"{"uniqueItems":true}"#, #"["caf\u00e9","cafe\u0301"]"#, valid: true),
        SchemaCase(#"{"const":null}"#, #"0"#, valid: false),
        SchemaCase(#"{"const":false}"#, #"0"#, valid: false),
        SchemaCase(#"{"properties":{"a":{"type":"string"}}}"#, #"{"a":"x"}"#, valid: true),
        SchemaCase(#"{"properties":{"a":{"type":"string"}}}"#, #"{"a":1}"#, valid: false),
        SchemaCase(#"{"properties":{"a":{"type":"string"}}}"#, #"{"b":1}"#, valid: true),
        SchemaCase(#"{"properties":{"a":{"type":"string"}}}"#, #""not an object""#, valid: true),
        SchemaCase(#"{"required":["a","b"]}"#, #"{"a":1,"b":2}"#, valid: true),
        SchemaCase(#"{"required":["a","b"]}"#, #"{"a":1}"#, valid: false),
        SchemaCase(#"{"required":["a","b"]}"#, #"[]"#, valid: true),
        SchemaCase(#"{"properties":{"a":{}},"additionalProperties":false}"#, #"{"a":1}"#, valid: true),
        SchemaCase(#"{"properties":{"a":{}},"additionalProperties":false}"#, #"{"a":1,"b":2}"#, valid: false),
        SchemaCase(#"{"additionalProperties":{"type":"integer"}}"#, #"{"x":1}"#, valid: true),
        SchemaCase(#"{"additionalProperties":{"type":"integer"}}"#, #"{"x":"y"}"#, valid: false),
        SchemaCase(#"{"patternProperties":{"^x-":{}},"additionalProperties":false}"#, #"{"x-a":1}"#, valid: true),
        SchemaCase(#"{"patternProperties":{"^x-":{}},"additionalProperties":false}"#, #"{"y":1}"#, valid: false),
        SchemaCase(#"{"patternProperties":{"^[0-9]+$":{"type":"integer"}}}"#, #"{"12":3}"#, valid: true),
        SchemaCase(#"{"patternProperties":{"^[0-9]+$":{"type":"integer"}}}"#, #"{"12":"3"}"#, valid: false),
        SchemaCase(#"{"patternProperties":{"^[0-9]+$":{"type":"integer"}}}"#, #"{"a":"3"}"#, valid: true),
        SchemaCase(
            #"{"properties":{"a1":{"type":"integer"}},"patternProperties":{"1$":{"minimum":5}}}"#, #"{"a1":3}"#,
            valid: false),
        SchemaCase(#"{"propertyNames":{"pattern":"^[a-z]+$"}}"#, #"{"abc":1}"#, valid: true),
        SchemaCase(#"{"propertyNames":{"pattern":"^[a-z]+$"}}"#, #"{"aBc":1}"#, valid: false),
        SchemaCase(#"{"propertyNames":{"maxLength":3}}"#, #"{"abcd":1}"#, valid: false),
        SchemaCase(#"{"propertyNames":false}"#, #"{}"#, valid: true),
        SchemaCase(#"{"propertyNames":false}"#, #"{"a":1}"#, valid: false),
        SchemaCase(#"{"items":{"type":"integer"}}"#, #"[1,2]"#, valid: true),
        SchemaCase(#"{"items":{"type":"integer"}}"#, #"[1,"a"]"#, valid: false),
        SchemaCase(#"{"items":{"type":"integer"}}"#, #"{"0":"a"}"#, valid: true),
        SchemaCase(#"{"prefixItems":[{"type":"string"},{"type":"integer"}]}"#, #"["a",1]"#, valid: true),
        SchemaCase(#"{"prefixItems":[{"type":"string"},{"type":"integer"}]}"#, #"["a"]"#, valid: true),
        SchemaCase(#"{"prefixItems":[{"type":"string"},{"type":"integer"}]}"#, #"[1,"a"]"#, valid: false),
        SchemaCase(#"{"prefixItems":[{"type":"string"},{"type":"integer"}]}"#, #"["a",1,"extra"]"#, valid: true),
        SchemaCase(#"{"prefixItems":[{"type":"string"}],"items":false}"#, #"["a"]"#, valid: true),
        SchemaCase(#"{"prefixItems":[{"type":"string"}],"items":false}"#, #"["a",1]"#, valid: false),
        SchemaCase(#"{"prefixItems":[{}],"items":{"type":"integer"}}"#, #"["a",1,2]"#, valid: true),
        SchemaCase(#"{"prefixItems":[{}],"items":{"type":"integer"}}"#, #"["a",1,"b"]"#, valid: false),
        SchemaCase(#"{"contains":{"type":"integer"}}"#, #"["a",1]"#, valid: true),
        SchemaCase(#"{"contains":{"type":"integer"}}"#, #"["a"]"#, valid: false),
        SchemaCase(#"{"contains":{"type":"integer"}}"#, #"[]"#, valid: false),
        SchemaCase(#"{"contains":{"const":1},"minContains":2}"#, #"[1,1]"#, valid: true),
        SchemaCase(#"{"contains":{"const":1},"minContains":2}"#, #"[1,2]"#, valid: false),
        SchemaCase(#"{"contains":{"const":1},"minContains":0}"#, #"[]"#, valid: true),
        SchemaCase(#"{"contains":{"const":1},"maxContains":1}"#, #"[1,2]"#, valid: true),
        SchemaCase(#"{"contains":{"const":1},"maxContains":1}"#, #"[1,1]"#, valid: false),
        SchemaCase(#"{"minItems":1}"#, #"[]"#, valid: false),
        SchemaCase(#"{"minItems":1}"#, #"[1]"#, valid: true),
        SchemaCase(#"{"maxItems":1}"#, #"[1,2]"#, valid: false),
        SchemaCase(#"{"maxItems":1}"#, #"[1]"#, valid: true),
        SchemaCase(#"{"uniqueItems":true}"#, #"[1,2]"#, valid: true),
        SchemaCase(#"{"uniqueItems":true}"#, #"[1,1.0]"#, valid: false),
        SchemaCase(#"{"uniqueItems":true}"#, #"[{"a":1,"b":2},{"b":2,"a":1}]"#, valid: false),
        SchemaCase(#"{"uniqueItems":true}"#, #"[[1],[2]]"#, valid: true),
        SchemaCase(#"{"uniqueItems":true}"#, #"[0,false]"#, valid: true),
        SchemaCase(
            #"{"uniqueItems":true}"#, #"[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]"#,
            valid: true),
        SchemaCase(
            #"{"uniqueItems":true}"#, #"[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 7]"#,
            valid: false),
        SchemaCase(#"{"uniqueItems":false}"#, #"[1,1]"#, valid: true),
        SchemaCase(#"{"minLength":2}"#, #""ab""#, valid: true),
        SchemaCase(#"{"minLength":2}"#, #""a""#, valid: false),
        SchemaCase(#"{"minLength":2}"#, #""\ud83d\ude00\ud83d\ude00""#, valid: true),
        SchemaCase(#"{"maxLength":2}"#, #""abc""#, valid: false),
        SchemaCase(#"{"maxLength":2}"#, #""\ud83d\ude00\ud83d\ude00""#, valid: true),
        SchemaCase(#"{"maxLength":1}"#, #""e\u0301""#, valid: false),
        SchemaCase(#"{"minLength":5}"#, #"12"#, valid: true),
        SchemaCase(#"{"pattern":"^[a-z]+$"}"#, #""abc""#, valid: true),
        SchemaCase(#"{"pattern":"^[a-z]+$"}"#, #""abc1""#, valid: false),
        SchemaCase(#"{"pattern":"b"}"#, #""abc""#, valid: true),
        SchemaCase(#"{"pattern":"^\\d+$"}"#, #""123""#, valid: true),
        SchemaCase(#"{"minimum":1}"#, #"1"#, valid: true),
        SchemaCase(#"{"minimum":1}"#, #"0.5"#, valid: false),
        SchemaCase(#"{"maximum":1}"#, #"1"#, valid: true),
        SchemaCase(#"{"maximum":1}"#, #"1.5"#, valid: false),
        SchemaCase(#"{"exclusiveMinimum":1}"#, #"1"#, valid: false),
        SchemaCase(#"{"exclusiveMinimum":1}"#, #"1.1"#, valid: true),
        SchemaCase(#"{"exclusiveMaximum":1}"#, #"1"#, valid: false),
        SchemaCase(#"{"exclusiveMaximum":1}"#, #"0.9"#, valid: true),
        SchemaCase(#"{"minimum":1}"#, #""a""#, valid: true),
        SchemaCase(#"{"multipleOf":3}"#, #"9"#, valid: true),
        SchemaCase(#"{"multipleOf":3}"#, #"10"#, valid: false),
        SchemaCase(#"{"multipleOf":0.1}"#, #"0.35"#, valid: false),
        SchemaCase(#"{"type":"integer","multipleOf":0.123456789}"#, #"1e308"#, valid: false),
        SchemaCase(#"{"minProperties":1}"#, #"{}"#, valid: false),
        SchemaCase(#"{"minProperties":1}"#, #"{"a":1}"#, valid: true),
        SchemaCase(#"{"maxProperties":1}"#, #"{"a":1,"b":2}"#, valid: false),
        SchemaCase(#"{"maxProperties":1}"#, #"{"a":1}"#, valid: true),
        SchemaCase(#"{"dependentRequired":{"a":["b"]}}"#, #"{"a":1,"b":2}"#, valid: true),
        SchemaCase(#"{"dependentRequired":{"a":["b"]}}"#, #"{"a":1}"#, valid: false),
        SchemaCase(#"{"dependentRequired":{"a":["b"]}}"#, #"{"b":1}"#, valid: true),
        SchemaCase(#"{"dependentSchemas":{"a":{"required":["b"]}}}"#, #"{"a":1}"#, valid: false),
        SchemaCase(#"{"dependentSchemas":{"a":{"required":["b"]}}}"#, #"{"a":1,"b":1}"#, valid: true),
        SchemaCase(#"{"dependentSchemas":{"a":{"required":["b"]}}}"#, #"{}"#, valid: true),
        SchemaCase(#"{"allOf":[{"type":"integer"},{"minimum":2}]}"#, #"3"#, valid: true),
        SchemaCase(#"{"allOf":[{"type":"integer"},{"minimum":2}]}"#, #"1"#, valid: false),
        SchemaCase(#"{"allOf":[{"type":"integer"},{"minimum":2}]}"#, #""a""#, valid: false),
        SchemaCase(#"{"anyOf":[{"type":"string"},{"minimum":2}]}"#, #""a""#, valid: true),
        SchemaCase(#"{"anyOf":[{"type":"string"},{"minimum":2}]}"#, #"3"#, valid: true),
        SchemaCase(#"{"anyOf":[{"type":"string"},{"minimum":2}]}"#, #"1"#, valid: false),
        SchemaCase(#"{"oneOf":[{"type":"integer"},{"minimum":2}]}"#, #"1"#, valid: true),
        SchemaCase(#"{"oneOf":[{"type":"integer"},{"minimum":2}]}"#, #"2.5"#, valid: true),
        SchemaCase(#"{"oneOf":[{"type":"integer"},{"minimum":2}]}"#, #"3"#, valid: false),
        SchemaCase(#"{"oneOf":[{"type":"integer"},{"minimum":2}]}"#, #"1.5"#, valid: false),
        SchemaCase(#"{"not":{"type":"string"}}"#, #"1"#, valid: true),
        SchemaCase(#"{"not":{"type":"string"}}"#, #""a""#, valid: false),
        SchemaCase(#"{"if":{"type":"integer"},"then":{"minimum":0},"else":{"type":"string"}}"#, #"1"#, valid: true),
        SchemaCase(#"{"if":{"type":"integer"},"then":{"minimum":0},"else":{"type":"string"}}"#, #"-1"#, valid: false),
        SchemaCase(#"{"if":{"type":"integer"},"then":{"minimum":0},"else":{"type":"string"}}"#, #""a""#, valid: true),
        SchemaCase(#"{"if":{"type":"integer"},"then":{"minimum":0},"else":{"type":"string"}}"#, #"true"#, valid: false),
        SchemaCase(#"{"if":false}"#, #"1"#, valid: true),
        SchemaCase(#"{"then":false}"#, #"1"#, valid: true),
        SchemaCase(#"{"else":false}"#, #"1"#, valid: true),
        SchemaCase(#"true"#, #"1"#, valid: true),
        SchemaCase(#"false"#, #"1"#, valid: false),
        SchemaCase(#"{}"#, #"{"any":[1]}"#, valid: true),
        SchemaCase(#"{"properties":{"a":false}}"#, #"{"a":1}"#, valid: false),
        SchemaCase(#"{"properties":{"a":false}}"#, #"{}"#, valid: true),
        SchemaCase(
            #"{"title":"x","description":"y","default":1,"examples":[1],"deprecated":true,"readOnly":true,"#
                + #""writeOnly":false,"$comment":"z","x-extension":{}}"#,
            #"1"#, valid: true),
        SchemaCase(#"{"format":"made-up"}"#, #""x""#, valid: true),
        SchemaCase(#"{"format":"email"}"#, #"1"#, valid: true),
    ]

    @Test("each keyword accepts and rejects", arguments: cases)
    func keyword(_ row: SchemaCase) throws {
        try row.check()
    }

    @Test("multipleOf tolerates binary rounding: 0.3 is a multiple of 0.1, 19.99 of 0.01")
    func multipleOfRounding() throws {
        // Exact floating-point division says no (0.3 / 0.1 is 2.9999999999999996), which no
        // author of `multipleOf: 0.01` for amounts of money means.
        try SchemaCase(#"{"multipleOf":0.1}"#, "0.3", valid: true).check()
        try SchemaCase(#"{"multipleOf":0.01}"#, "19.99", valid: true).check()
        try SchemaCase(#"{"multipleOf":0.01}"#, "19.995", valid: false).check()
    }

    @Test("integer-valued keywords accept 2.0 but refuse 2.5 and negative counts")
    func countsMustBeNonNegativeIntegers() throws {
        try SchemaCase(#"{"minItems":2.0}"#, "[1]", valid: false).check()
        #expect(throws: SchemaCompileError.self) { try compileSchema(#"{"minItems":2.5}"#) }
        #expect(throws: SchemaCompileError.self) { try compileSchema(#"{"maxLength":-1}"#) }
    }
}
