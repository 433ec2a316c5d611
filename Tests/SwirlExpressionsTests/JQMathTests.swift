import Foundation
import SwirlCore
@testable import SwirlExpressions
import Testing

/// Runs `program` with `/usr/bin/jq` (1.6) over `input`, one compact output per line, in the C locale.
func runJQ(_ program: String, input: JSON) throws -> [JSON] {
    try ReferenceJQ.run(program, input: input.serialized(), environment: ["LC_ALL": "C"]).outputs
}

/// jq definitions that carry NaN, infinities and -0 through JSON: `dec` turns `{"special": …}`
/// into the number, `enc` turns every number of a result into its text (`tostring` round-trips).
let specialsPrelude = """
    def dec: if type == "object" and has("special") then (.special | if . == "nan" then nan \
    elif . == "inf" then infinite elif . == "-inf" then (infinite | -.) else (0 | -.) end) else . end;
    def enc: if type == "number" then (if isnan then "nan" elif isinfinite then (if . > 0 then "inf" else "-inf" end) \
    else {n: tostring} end) elif type == "array" then map(enc) else . end;
    """

/// A number as the JSON `dec` reads.
func encodeInput(_ x: Double) -> JSON {
    if x.isNaN { return ["special": "nan"] }
    if x.isInfinite { return ["special": x > 0 ? "inf" : "-inf"] }
    if x == 0 && x.sign == .minus { return ["special": "-0"] }
    return .number(x)
}

/// A result with every number in the form `enc` gives, parsed back to exact bits.
func canonical(_ value: JSON) -> JSON {
    switch value {
    case .number(let x):
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return .string("bits \(x.bitPattern)")
    case .object(let members) where members.count == 1:
        if case .string(let text)? = members["n"], let x = Double(text) { return canonical(.number(x)) }
        return .object(members.mapValues(canonical))
    case .object(let members): return .object(members.mapValues(canonical))
    case .array(let elements): return .array(elements.map(canonical))
    default: return value
    }
}

/// What a native builtin gives, as `{"ok": canonical result}` or `{"error": message}`.
func outcome(_ body: () throws(JQEvalError) -> JSON) -> JSON {
    do throws(JQEvalError) {
        return ["ok": canonical(try body())]
    } catch {
        switch error {
        case .raised(let message): return ["error": message]
        default: return ["unexpected": .string("\(error)")]
        }
    }
}

func function(_ name: String, in list: [JQNativeFunction], arity: Int) throws -> JQNativeFunction {
    try #require(list.first { $0.name == name && $0.arity == arity })
}

/// The math builtins, checked bit for bit against jq over generated numbers (the same C library
/// computes them) and by hand where jq 1.6 is not what Swirl follows.
@Suite struct JQMathTests {
    /// Numbers reaching the edges: signed zeros, infinities, NaN, subnormals, huge values,
    /// halves (rounding), integers and fractions, plus pseudo-random values over many magnitudes.
    static let numbers: [Double] = {
        var values: [Double] = [
            0, -0.0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3, 10, 100, 0.1, 0x1p-1030, -0x1p-1030, .leastNonzeroMagnitude,
            .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e300, -1e300,
            .infinity, -.infinity, .nan, .pi, 710, -745, 1e16, 4503599627370497, 0.9999999999999999,
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<40 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let mantissa = Double(state >> 11) / 0x1p53
            let exponent = Int((state >> 3) % 40) - 20
            values.append((state & 1 == 0 ? 1 : -1) * mantissa * pow(10, Double(exponent)))
        }
        return values
    }()

    /// Non-numbers, for the type errors.
    static let others: [JSON] = [.null, true, "a", "a long string here", [1], ["a": 1]]

    @Test("one-argument functions match jq bit for bit, errors included")
    func unary() throws {
        let inputs = Self.numbers.map(encodeInput) + Self.others
        let names = JQMath.unaryFunctions.map(\.name) + ["frexp", "modf", "lgamma_r", "isinfinite", "isnan", "isnormal", "infinite", "nan"]
        var checked = 0
        for name in names {
            let native = try function(name, in: JQMath.mathFunctions, arity: 0)
            guard case .arity0(let body) = native.body else { continue }
            let program = specialsPrelude + " .[] | dec | try {ok: (\(name) | enc)} catch {error: .}"
            let expected = try runJQ(program, input: .array(inputs)).map { canonical($0) }
            let decoded: [JSON] = Self.numbers.map { .number($0) } + Self.others
            let actual = decoded.map { value in outcome { () throws(JQEvalError) in try body(value) } }
            #expect(actual.count == expected.count)
            for (index, pair) in zip(actual, expected).enumerated() where !JQValue.equal(pair.0, pair.1) {
                Issue.record("\(name) of \(decoded[index].serialized()): Swirl \(pair.0.serialized()), jq \(pair.1.serialized())")
            }
            checked += actual.count
        }
        #expect(checked > 2000)
    }

    /// Pairs whose exponent or order is past the C `int` range or NaN: jq casts those with
    /// undefined behaviour, so they are checked by hand below instead.
    static func castOutOfRange(_ name: String, _ x: Double, _ y: Double) -> Bool {
        let cast = name == "ldexp" || name == "scalbln" ? y : (name == "jn" || name == "yn" ? x : 0)
        return cast.isNaN || abs(cast) >= 0x1p31
    }

    @Test("two-argument functions match jq bit for bit over pairs of numbers, input ignored")
    func binary() throws {
        let sample = Array(Self.numbers.prefix(34)) + [7, -3]
        var pairs: [(Double, Double)] = []
        for x in sample { for y in sample { pairs.append((x, y)) } }
        var checked = 0
        for (name, _) in JQMath.binaryFunctions {
            let native = try function(name, in: JQMath.mathFunctions, arity: 2)
            guard case .arity2(let body) = native.body else { continue }
            let kept = pairs.filter { !Self.castOutOfRange(name, $0.0, $0.1) }
            let input: JSON = .array(kept.map { [encodeInput($0.0), encodeInput($0.1)] })
            let program = specialsPrelude + " .[] | map(dec) as [$a, $b] | \"ignored\" | try {ok: (\(name)($a; $b) | enc)} catch {error: .}"
            let expected = try runJQ(program, input: input).map { canonical($0) }
            let actual = kept.map { pair in outcome { () throws(JQEvalError) in try body("ignored", .number(pair.0), .number(pair.1)) } }
            #expect(actual.count == expected.count)
            for (index, pair) in zip(actual, expected).enumerated() where !JQValue.equal(pair.0, pair.1) {
                Issue.record("\(name)(\(kept[index])): Swirl \(pair.0.serialized()), jq \(pair.1.serialized())")
            }
            checked += actual.count
        }
        #expect(checked > 15000)
    }

    @Test("fma matches jq and reports the first non-number argument")
    func ternary() throws {
        let native = try function("fma", in: JQMath.mathFunctions, arity: 3)
        guard case .arity3(let body) = native.body else { Issue.record("fma has the wrong shape"); return }
        let triples: [[JSON]] = [[2, 3, 4], [0.1, 10, -1], [1e308, 10, -1e308], ["a", 1, 1], [1, "b", true], [1, 2, [3]], [.null, "x", 1]]
        let program = specialsPrelude + " .[] | . as [$a, $b, $c] | try {ok: (fma($a; $b; $c) | enc)} catch {error: .}"
        let expected = try runJQ(program, input: .array(triples.map(JSON.array))).map { canonical($0) }
        let actual = triples.map { t in outcome { () throws(JQEvalError) in try body(.null, t[0], t[1], t[2]) } }
        #expect(actual == expected)
    }

    @Test("hand-checked behaviour of jq 1.7.1 where jq 1.6 is no guide or the C cast is undefined")
    func handChecked() throws {
        func call(_ name: String, _ a: JSON, _ b: JSON) throws -> JSON {
            let native = try function(name, in: JQMath.mathFunctions, arity: 2)
            guard case .arity2(let body) = native.body else { return .null }
            return outcome { () throws(JQEvalError) in try body(.null, a, b) }
        }
        // Saturated C int arguments (1.7.1 on x86-64 would pass the most negative int).
        #expect(try call("ldexp", 1, 1e10) == ["ok": "inf"])
        #expect(try call("ldexp", 1, -1e10) == ["ok": canonical(0)])
        #expect(try call("ldexp", 1, 2.7) == ["ok": canonical(4)])
        #expect(try call("scalbln", 1, 1e300) == ["ok": "inf"])
        #expect(try call("ldexp", 1, .number(.nan)) == ["ok": "nan"])
        #expect(try call("pow", "a", 1) == ["error": "string (\"a\") number required"])
        #expect(try call("pow", 1, ["a": "bcdefghijklmnop"]) == ["error": "object ({\"a\":\"bcdef...) number required"])
        // abs is jq 1.7.1's naive definition (PyPI's jq, version 1.8.2, has the same one).
        let abs = try function("abs", in: JQMath.mathFunctions, arity: 0)
        guard case .arity0(let absBody) = abs.body else { return }
        #expect(outcome { () throws(JQEvalError) in try absBody("abc") } == ["ok": "abc"])
        #expect(outcome { () throws(JQEvalError) in try absBody(.null) } == ["error": "null (null) cannot be negated"])
        #expect(outcome { () throws(JQEvalError) in try absBody(-2.5) } == ["ok": canonical(2.5)])
        #expect(outcome { () throws(JQEvalError) in try absBody(.number(-0.0)) } == ["ok": canonical(.number(-0.0))])
        let pow10 = try function("pow10", in: JQMath.mathFunctions, arity: 0)
        guard case .arity0(let pow10Body) = pow10.body else { return }
        #expect(outcome { () throws(JQEvalError) in try pow10Body(2) } == ["error": "Error: pow10/0 not found at build time"])
    }
}
