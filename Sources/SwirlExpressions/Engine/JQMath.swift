import SwirlCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The math builtins of Swirl's jq engine: every C math function jq 1.7.1 offers, plus the
/// number tests (`isnan`, `isinfinite`, `isnormal`), the constants `nan` and `infinite`, and
/// `abs`.
///
/// jq 1.7.1 calls the C library for these, so Swirl does too (the same `libm`, hence the same
/// last bits). The shapes follow jq: a one-argument function works on its input (`2 | sqrt`);
/// one with arguments ignores its input and takes the numbers from its arguments in order
/// (`pow(2; 10)` is 2¹⁰ whatever the input). A value that is not a number fails with jq's
/// message, `string ("a") number required`, the first bad argument reported.
enum JQMath {
    /// Every math builtin, registered under its jq name and arity.
    static let mathFunctions: [JQNativeFunction] =
        unaryFunctions.map { unary($0.name, $0.apply) }
        + binaryFunctions.map { binary($0.name, $0.apply) }
        + [
            JQNativeFunction("fma") { (_: JSON, a: JSON, b: JSON, c: JSON) throws(JQEvalError) -> JSON in
                let x = try number(a)
                let y = try number(b)
                return .number(fma(x, y, try number(c)))
            },
            JQNativeFunction("frexp") { (input: JSON) throws(JQEvalError) -> JSON in
                var exponent: Int32 = 0
                let fraction = frexp(try number(input), &exponent)
                return [.number(fraction), .number(Double(exponent))]
            },
            JQNativeFunction("modf") { (input: JSON) throws(JQEvalError) -> JSON in
                var integral = 0.0
                let fraction = modf(try number(input), &integral)
                return [.number(fraction), .number(integral)]
            },
            JQNativeFunction("lgamma_r") { (input: JSON) throws(JQEvalError) -> JSON in
                var sign: Int32 = 0
                let value = lgamma_r(try number(input), &sign)
                return [.number(value), .number(Double(sign))]
            },
            JQNativeFunction("infinite") { (_: JSON) -> JSON in .number(.infinity) },
            JQNativeFunction("nan") { (_: JSON) -> JSON in .number(.nan) },
            JQNativeFunction("isinfinite") { (input: JSON) -> JSON in
                if case .number(let x) = input { .bool(x.isInfinite) } else { false }
            },
            JQNativeFunction("isnan") { (input: JSON) -> JSON in
                if case .number(let x) = input { .bool(x.isNaN) } else { false }
            },
            JQNativeFunction("isnormal") { (input: JSON) -> JSON in
                if case .number(let x) = input { .bool(x.isNormal) } else { false }
            },
            JQNativeFunction("abs", absolute),
            // The C library no longer has pow10, so jq 1.7.1 built on it defines the name to fail.
            JQNativeFunction("pow10") { (_: JSON) throws(JQEvalError) -> JSON in
                throw .raised("Error: pow10/0 not found at build time")
            },
        ]

    /// The functions of one number, each applied to the input.
    static let unaryFunctions: [(name: String, apply: @Sendable (Double) -> Double)] = [
        ("acos", { acos($0) }), ("acosh", { acosh($0) }), ("asin", { asin($0) }), ("asinh", { asinh($0) }),
        ("atan", { atan($0) }), ("atanh", { atanh($0) }), ("cbrt", { cbrt($0) }), ("ceil", { ceil($0) }),
        ("cos", { cos($0) }), ("cosh", { cosh($0) }), ("erf", { erf($0) }), ("erfc", { erfc($0) }),
        ("exp", { exp($0) }), ("exp10", exp10), ("exp2", { exp2($0) }), ("expm1", { expm1($0) }),
        ("fabs", { fabs($0) }), ("floor", { floor($0) }), ("gamma", logGamma), ("j0", { j0($0) }),
        ("j1", { j1($0) }), ("lgamma", logGamma), ("log", { log($0) }), ("log10", { log10($0) }),
        ("log1p", { log1p($0) }), ("log2", { log2($0) }), ("logb", { logb($0) }),
        ("nearbyint", { nearbyint($0) }), ("rint", { rint($0) }), ("round", { round($0) }),
        ("significand", { significand($0) }), ("sin", { sin($0) }), ("sinh", { sinh($0) }),
        ("sqrt", { sqrt($0) }), ("tan", { tan($0) }), ("tanh", { tanh($0) }), ("tgamma", { tgamma($0) }),
        ("trunc", { trunc($0) }), ("y0", { y0($0) }), ("y1", { y1($0) }),
    ]

    /// The functions of two numbers, taken from the two arguments in order.
    static let binaryFunctions: [(name: String, apply: @Sendable (Double, Double) -> Double)] = [
        ("atan2", { atan2($0, $1) }), ("copysign", { copysign($0, $1) }), ("drem", { drem($0, $1) }),
        ("fdim", { fdim($0, $1) }), ("fmax", { fmax($0, $1) }), ("fmin", { fmin($0, $1) }),
        ("fmod", { fmod($0, $1) }), ("hypot", { hypot($0, $1) }),
        ("jn", { order, x in integerArgument(order).map { jn($0, x) } ?? .nan }),
        ("ldexp", { x, exponent in integerArgument(exponent).map { scalbn(x, Int($0)) } ?? .nan }),
        // A double widened to the C `long double` of nexttoward is exact, so nextafter gives the same.
        ("nextafter", { nextafter($0, $1) }), ("nexttoward", { nextafter($0, $1) }),
        ("pow", { pow($0, $1) }), ("remainder", { remainder($0, $1) }), ("scalb", { scalb($0, $1) }),
        ("scalbln", { x, exponent in exponent.isNaN ? .nan : scalbln(x, clampedInteger(exponent)) }),
        ("yn", { order, x in integerArgument(order).map { yn($0, x) } ?? .nan }),
    ]

    /// The number `value` holds, or jq's error for a value of another type.
    static func number(_ value: JSON) throws(JQEvalError) -> Double {
        guard case .number(let x) = value else { throw JQValue.failure(value, "number required") }
        return x
    }

    /// A builtin applying `apply` to its input.
    static func unary(_ name: String, _ apply: @escaping @Sendable (Double) -> Double) -> JQNativeFunction {
        JQNativeFunction(name) { (input: JSON) throws(JQEvalError) -> JSON in .number(apply(try number(input))) }
    }

    /// A builtin applying `apply` to its two arguments, ignoring its input as jq does.
    static func binary(_ name: String, _ apply: @escaping @Sendable (Double, Double) -> Double) -> JQNativeFunction {
        JQNativeFunction(name) { (_: JSON, a: JSON, b: JSON) throws(JQEvalError) -> JSON in
            let x = try number(a)
            return .number(apply(x, try number(b)))
        }
    }

    /// jq 1.7.1's `abs`, defined in jq as `if . < 0 then - . else . end`: numbers lose their
    /// sign (NaN stays NaN, `-0` stays `-0`), values that sort after numbers come back as they
    /// are, and `null` and booleans, which sort before every number, fail to be negated.
    static func absolute(_ input: JSON) throws(JQEvalError) -> JSON {
        JQValue.compare(input, .number(0)) < 0 ? try JQValue.negate(input) : input
    }

    /// log |Γ(x)|, as C's `lgamma` and `gamma` compute it, but through the reentrant variant so
    /// that no process-wide sign variable is written from several threads.
    @Sendable static func logGamma(_ x: Double) -> Double {
        var sign: Int32 = 0
        return lgamma_r(x, &sign)
    }

    /// 10ˣ from the C library's `exp10`, which the platform's headers do not always declare.
    @Sendable static func exp10(_ x: Double) -> Double {
        exp10Address.map { unsafeBitCast($0, to: (@convention(c) (Double) -> Double).self)(x) } ?? pow(10, x)
    }

    /// Where the C library's `exp10` is, looked up once; nil where there is none.
    static let exp10Address: UInt? = {
        guard let library = dlopen(nil, RTLD_NOW), let symbol = dlsym(library, "exp10") else { return nil }
        return UInt(bitPattern: symbol)
    }()

    /// A C `int` argument given as a double (a Bessel order, an exponent): its integer part,
    /// saturated to the `Int32` range, or nil for NaN.
    ///
    /// jq 1.7.1 converts the double with a C cast, which is undefined past the range (x86-64
    /// gives the most negative int); saturating keeps the result's meaning instead.
    static func integerArgument(_ value: Double) -> Int32? {
        if value.isNaN { return nil }
        return value <= -0x1p31 ? .min : (value >= 0x1p31 ? .max : Int32(value))
    }

    /// A C `long` argument given as a double, saturated to the `Int` range (not NaN).
    static func clampedInteger(_ value: Double) -> Int {
        value <= -0x1p63 ? .min : (value >= 0x1p63 ? .max : Int(value))
    }
}
