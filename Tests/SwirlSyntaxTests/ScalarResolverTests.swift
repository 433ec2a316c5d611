import SwirlCore
import SwirlSyntax
import Testing

@Suite struct ScalarResolverTests {
    @Test(
        "resolves plain scalars by the YAML 1.2 core schema",
        arguments: [
            ("", nil), ("~", nil), ("null", nil), ("Null", nil), ("NULL", nil),
            ("true", true), ("True", true), ("TRUE", true), ("false", false), ("FALSE", false),
            ("0", 0), ("-17", -17), ("+42", 42), ("007", 7), ("0o17", 15), ("0x1F", 31), ("0xff", 255),
            ("1.5", 1.5), ("-2.5e3", -2500), (".5", 0.5), ("1.", 1), ("1e3", 1000), ("+1.0E-2", 0.01),
            ("12345678901234567890", 12_345_678_901_234_567_890.0),
        ] as [(String, JSON)])
    func resolves(text: String, expected: JSON) {
        #expect(ScalarResolver.resolve(plain: text) == expected)
    }

    @Test(
        "keeps YAML 1.1 booleans and other look-alikes as strings",
        arguments: [
            "yes", "no", "on", "off", "Yes", "ON", "y", "n", "nul", "tRue", "0o8", "0xG", "0b101", "1_000", "1:30",
            "1.0.3", "e3", ".", "-", "+", ".e3", "0x", "0o", "1e", "infinity", "nan",
        ])
    func keepsStrings(text: String) {
        #expect(ScalarResolver.resolve(plain: text) == .string(text))
    }

    @Test("reads infinities and NaN")
    func specialFloats() throws {
        #expect(ScalarResolver.resolve(plain: ".inf") == .number(.infinity))
        #expect(ScalarResolver.resolve(plain: "-.INF") == .number(-.infinity))
        #expect(ScalarResolver.resolve(plain: "+.Inf") == .number(.infinity))
        let nan = try #require(ScalarResolver.resolve(plain: ".NaN").numberValue)
        #expect(nan.isNaN)
    }
}
