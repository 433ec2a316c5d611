import SwirlCore
import SwirlSyntax
import Testing

/// `format` as an assertion, and ECMA-262 patterns run by ICU.
@Suite struct SchemaValidatorFormatTests {
    struct FormatCase: Sendable, CustomTestStringConvertible {
        var format: String
        var value: String
        var valid: Bool

        init(_ format: String, _ value: String, valid: Bool) {
            self.format = format
            self.value = value
            self.valid = valid
        }

        var testDescription: String { "\(format): \(JSON.quote(value))" }
    }

    /// Expectations follow the RFCs JSON Schema names (leap seconds, required time offsets);
    /// python-jsonschema agrees except on leap seconds, offset-less times and its one-rule email check.
    static let cases: [FormatCase] = [
        FormatCase("date-time", "2024-02-29T12:30:00Z", valid: true),
        FormatCase("date-time", "2024-02-29t12:30:00.123+02:00", valid: true),
        FormatCase("date-time", "1998-12-31T23:59:60Z", valid: true),
        FormatCase("date-time", "1998-12-31T15:59:60-08:00", valid: true),
        FormatCase("date-time", "1998-12-31T23:58:60Z", valid: false),
        FormatCase("date-time", "2023-02-29T12:30:00Z", valid: false),
        FormatCase("date-time", "2024-13-01T00:00:00Z", valid: false),
        FormatCase("date-time", "2024-01-01 00:00:00Z", valid: false),
        FormatCase("date-time", "2024-01-01T00:00:00", valid: false),
        FormatCase("date-time", "2024-01-01T24:00:00Z", valid: false),
        FormatCase("date", "2024-02-29", valid: true),
        FormatCase("date", "2000-02-29", valid: true),
        FormatCase("date", "1900-02-29", valid: false),
        FormatCase("date", "2024-04-31", valid: false),
        FormatCase("date", "2024-1-01", valid: false),
        FormatCase("date", "20240101", valid: false),
        FormatCase("time", "08:30:06Z", valid: true),
        FormatCase("time", "08:30:06.5+01:00", valid: true),
        FormatCase("time", "08:30:06", valid: false),
        FormatCase("time", "08:30:06+24:00", valid: false),
        FormatCase("time", "8:30:06Z", valid: false),
        FormatCase("duration", "P1Y2M3DT4H5M6S", valid: true),
        FormatCase("duration", "PT1H", valid: true),
        FormatCase("duration", "P2W", valid: true),
        FormatCase("duration", "PT0.5S", valid: true),
        FormatCase("duration", "PT1H30S", valid: true),
        FormatCase("duration", "P1D", valid: true),
        FormatCase("duration", "P1Y2X", valid: false),
        FormatCase("duration", "P", valid: false),
        FormatCase("duration", "PT", valid: false),
        FormatCase("duration", "P1DT", valid: false),
        FormatCase("duration", "P1W2D", valid: false),
        FormatCase("duration", "PT1S1M", valid: false),
        FormatCase("duration", "1D", valid: false),
        FormatCase("duration", "P1.5DT1H", valid: false),
        FormatCase("duration", "PT1M1M", valid: false),
        FormatCase("email", "joe.bloggs@example.com", valid: true),
        FormatCase("email", "a+b@sub.example.org", valid: true),
        FormatCase("email", "x@[127.0.0.1]", valid: true),
        FormatCase("email", "joe", valid: false),
        FormatCase("email", "@example.com", valid: false),
        FormatCase("email", "joe..bloggs@example.com", valid: false),
        FormatCase("email", ".joe@example.com", valid: false),
        FormatCase("email", "joe bloggs@example.com", valid: false),
        FormatCase("hostname", "example.com", valid: true),
        FormatCase("hostname", "a-b.c-d", valid: true),
        FormatCase("hostname", "localhost", valid: true),
        FormatCase("hostname", "-example.com", valid: false),
        FormatCase("hostname", "example-.com", valid: false),
        FormatCase("hostname", "ex_ample.com", valid: false),
        FormatCase("hostname", "a..b", valid: false),
        FormatCase("hostname", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", valid: false),
        FormatCase("hostname", "", valid: false),
        FormatCase("ipv4", "192.168.0.1", valid: true),
        FormatCase("ipv4", "0.0.0.0", valid: true),
        FormatCase("ipv4", "256.1.1.1", valid: false),
        FormatCase("ipv4", "01.1.1.1", valid: false),
        FormatCase("ipv4", "1.1.1", valid: false),
        FormatCase("ipv4", "1.1.1.1.1", valid: false),
        FormatCase("ipv6", "::1", valid: true),
        FormatCase("ipv6", "::", valid: true),
        FormatCase("ipv6", "2001:db8::8a2e:370:7334", valid: true),
        FormatCase("ipv6", "2001:0db8:0000:0000:0000:ff00:0042:8329", valid: true),
        FormatCase("ipv6", "::ffff:192.168.1.1", valid: true),
        FormatCase("ipv6", "1:2:3:4:5:6:1.2.3.4", valid: true),
        FormatCase("ipv6", "1::2::3", valid: false),
        FormatCase("ipv6", "12345::", valid: false),
        FormatCase("ipv6", "1:2:3:4:5:6:7:8:9", valid: false),
        FormatCase("ipv6", "1:2:3:4:5:6:7", valid: false),
        FormatCase("ipv6", "::ffff:999.1.1.1", valid: false),
        FormatCase("ipv6", "g::1", valid: false),
        FormatCase("ipv6", "fe80::1%eth0", valid: false),
        FormatCase("uri", "https://example.com/path?q=1#frag", valid: true),
        FormatCase("uri", "urn:isbn:0451450523", valid: true),
        FormatCase("uri", "mailto:joe@example.com", valid: true),
        FormatCase("uri", "https://[::1]:8080/", valid: true),
        FormatCase("uri", "http://a/%20b", valid: true),
        FormatCase("uri", "/relative/path", valid: false),
        FormatCase("uri", "https://exa mple.com", valid: false),
        FormatCase("uri", "https://example.com/%zz", valid: false),
        FormatCase("uri", "1http://x", valid: false),
        FormatCase("uri", "https://example.com/é", valid: false),
        FormatCase("uri", "http://a:port/", valid: false),
        FormatCase("uri-reference", "/relative/path", valid: true),
        FormatCase("uri-reference", "../up?x#y", valid: true),
        FormatCase("uri-reference", "", valid: true),
        FormatCase("uri-reference", "#fragment", valid: true),
        FormatCase("uri-reference", "https://example.com", valid: true),
        FormatCase("uri-reference", "\\\\windows\\path", valid: false),
        FormatCase("uri-reference", "a b", valid: false),
        FormatCase("uri-reference", "#a#b", valid: false),
        FormatCase("uri-template", "https://example.com/pets/{petId}", valid: true),
        FormatCase("uri-template", "/search{?q,lang}", valid: true),
        FormatCase("uri-template", "{+path}/here", valid: true),
        FormatCase("uri-template", "{var:3}{list*}", valid: true),
        FormatCase("uri-template", "plain", valid: true),
        FormatCase("uri-template", "/pets/{petId", valid: false),
        FormatCase("uri-template", "/pets/{}", valid: false),
        FormatCase("uri-template", "/pets/{pet id}", valid: false),
        FormatCase("uri-template", "/pets/}", valid: false),
        FormatCase("uri-template", "{var:0}", valid: false),
        FormatCase("uri-template", "{=reserved}", valid: false),
        FormatCase("regex", "^[a-z]+$", valid: true),
        FormatCase("regex", "(", valid: false),
        FormatCase("regex", "[", valid: false),
        FormatCase("uuid", "2eb8aa08-aa98-11ea-b4aa-73b441d16380", valid: true),
        FormatCase("uuid", "2EB8AA08-AA98-11EA-B4AA-73B441D16380", valid: true),
        FormatCase("uuid", "2eb8aa08aa9811eab4aa73b441d16380", valid: false),
        FormatCase("uuid", "2eb8aa08-aa98-11ea-b4aa-73b441d1638g", valid: false),
        FormatCase("json-pointer", "", valid: true),
        FormatCase("json-pointer", "/a/b~0c~1d", valid: true),
        FormatCase("json-pointer", "/", valid: true),
        FormatCase("json-pointer", "a/b", valid: false),
        FormatCase("json-pointer", "/a~2", valid: false),
        FormatCase("json-pointer", "/a~", valid: false),
    ]

    @Test("formats accept and reject", arguments: cases)
    func format(_ row: FormatCase) throws {
        let schema = try JSONSchema(["format": .string(row.format)])
        #expect(schema.isValid(.string(row.value)) == row.valid)
        let found = schema.validate(.string(row.value))
        #expect(found.isEmpty == row.valid)
        if !row.valid {
            #expect(found.first?.problem == .formatMismatch(row.value, format: row.format))
        }
    }

    @Test("format messages name the format as people know it")
    func messages() throws {
        #expect(
            try schemaMessages(#"{"format": "duration"}"#, #""P1Y2X""#) == [
                #""P1Y2X" is not a valid ISO 8601 duration"#
            ])
        #expect(
            try schemaMessages(#"{"format": "date-time"}"#, #""2024-13-01T00:00:00Z""#)
                == [#""2024-13-01T00:00:00Z" is not a valid RFC 3339 date-time"#])
        #expect(
            try schemaMessages(#"{"format": "uri-template"}"#, #""/pets/{id""#)
                == [#""/pets/{id" is not a valid URI template (RFC 6570)"#])
    }

    /// ECMA-262 semantics, as node's `RegExp` (with the `u` flag where the pattern is valid in
    /// Unicode mode) answers for each row.
    static let patterns: [SchemaCase] = [
        SchemaCase(#"{"pattern": "^[a-z]+$"}"#, #""abc\n""#, valid: false),
        SchemaCase(#"{"pattern": "^\\d+$"}"#, #""\u0663""#, valid: false),
        SchemaCase(#"{"pattern": "^\\w+$"}"#, #""\u00e9""#, valid: false),
        SchemaCase(#"{"pattern": "^[\\w-]+$"}"#, #""a-b""#, valid: true),
        SchemaCase(#"{"pattern": "^[\\d.]+$"}"#, #""1.2""#, valid: true),
        SchemaCase(#"{"pattern": "^[\\D]+$"}"#, #""\u0663""#, valid: true),
        SchemaCase(#"{"pattern": "^[^\\d]+$"}"#, #""abc""#, valid: true),
        SchemaCase(#"{"pattern": ""}"#, #""anything""#, valid: true),
        SchemaCase(#"{"pattern": "^a{2}$"}"#, #""aa""#, valid: true),
        SchemaCase(#"{"pattern": "^a{2,3}$"}"#, #""aaaa""#, valid: false),
        SchemaCase(#"{"pattern": "^[a-c]+?d*$"}"#, #""abcdd""#, valid: true),
        SchemaCase(#"{"pattern": "^\\$\\{.+\\}$"}"#, #""${x}""#, valid: true),
        SchemaCase(#"{"pattern": "^\\\\$"}"#, #""\\""#, valid: true),
        SchemaCase(#"{"pattern": "^a|b$"}"#, #""xb""#, valid: true),
        SchemaCase(#"{"pattern": "^(ab)+$"}"#, #""abab""#, valid: true),
        SchemaCase(#"{"pattern": "^x{$"}"#, #""x{""#, valid: true),
        SchemaCase(#"{"pattern": "^x}$"}"#, #""x}""#, valid: true),
        SchemaCase(#"{"pattern": "^[^]$"}"#, #""\n""#, valid: true),
        SchemaCase(#"{"pattern": "[]"}"#, #""a""#, valid: false),
        SchemaCase(#"{"pattern": "[[]"}"#, #""[""#, valid: true),
        SchemaCase(#"{"pattern": "^[a&&b]$"}"#, #""&""#, valid: true),
        SchemaCase(#"{"pattern": "^\\u{1F600}$"}"#, #""\ud83d\ude00""#, valid: true),
        SchemaCase(#"{"pattern": "^\\p{Lu}"}"#, #""\u00c9t\u00e9""#, valid: true),
        SchemaCase(#"{"pattern": "(?<=a)b"}"#, #""ab""#, valid: true),
        SchemaCase(#"{"pattern": "^.$"}"#, #""\u2028""#, valid: false),
        SchemaCase(#"{"pattern": "^\\s*\\$\\{[\\s\\S]+\\}\\s*$"}"#, #""${ .a }""#, valid: true),
    ]

    @Test("patterns follow ECMA-262 where it differs from ICU", arguments: patterns)
    func pattern(_ row: SchemaCase) throws {
        try row.check()
    }

    @Test("unbounded lookbehind, which ICU cannot run, is refused when compiling")
    func unboundedLookbehind() {
        #expect(throws: SchemaCompileError.self) { try compileSchema(#"{"pattern": "(?<=a+)b"}"#) }
    }
}
