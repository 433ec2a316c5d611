import Foundation
import SwirlCore
@testable import SwirlExpressions
import Testing

/// The date builtins, checked against jq over generated times, broken-down times, formats and
/// date strings in the process's time zone (run the suite with `TZ=UTC` and with another zone),
/// and by hand where jq 1.7.1 differs from 1.6.
@Suite struct JQTimeTests {
    /// Whether the process runs in UTC, where jq 1.6's `mktime` (which goes through local time) agrees with 1.7.1's.
    static let inUTC = ["UTC", "UTC0", "GMT", nil].contains(ProcessInfo.processInfo.environment["TZ"])

    /// Seconds since the epoch: whole, fractional, negative (before 1970), far future and past.
    static let times: [Double] = {
        var values: [Double] = [0, 1, -1, 1425599621, 1425599621.123, -1.5, -0.25, 86399.999, 951782400, 4102444800, -2208988800,
                                -62135596800, 253402300799, 1e12, -1e12, 1e15, 1699999999.5, 1711846800, 1730613600]
        var state: UInt64 = 42
        for _ in 0..<120 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Double(Int64(bitPattern: state) % 8_000_000_000) + Double(state & 0xFF) / 256)
        }
        return values
    }()

    static func body0(_ name: String) throws -> @Sendable (JSON) throws(JQEvalError) -> JSON {
        let native = try function(name, in: JQTime.timeFunctions, arity: 0)
        guard case .arity0(let body) = native.body else { throw JQEvalError.raised("wrong shape") }
        return body
    }

    static func body1(_ name: String) throws -> @Sendable (JSON, JSON) throws(JQEvalError) -> JSON {
        let native = try function(name, in: JQTime.timeFunctions, arity: 1)
        guard case .arity1(let body) = native.body else { throw JQEvalError.raised("wrong shape") }
        return body
    }

    /// Compares Swirl with jq for `program` over `inputs`, where `swirl` computes one input's outcome.
    static func compare(_ label: String, _ program: String, _ inputs: [JSON], _ swirl: (JSON) -> JSON) throws -> Int {
        let expected = try runJQ(".[] | try {ok: (\(program))} catch {error: .}", input: .array(inputs)).map(canonical)
        let actual = inputs.map(swirl)
        #expect(actual.count == expected.count, "\(label)")
        for (index, pair) in zip(actual, expected).enumerated() where !JQValue.equal(pair.0, pair.1) {
            Issue.record("\(label) of \(inputs[index].serialized()): Swirl \(pair.0.serialized()), jq \(pair.1.serialized())")
        }
        return actual.count
    }

    @Test("gmtime, localtime, mktime, strftime and strflocaltime match jq")
    func conversions() throws {
        let gmtime = try Self.body0("gmtime")
        let localtime = try Self.body0("localtime")
        let mktime = try Self.body0("mktime")
        let strftime = try Self.body1("strftime")
        let strflocaltime = try Self.body1("strflocaltime")
        let inputs = Self.times.map { JSON.number($0) } + [.null, "x", [1]]
        var checked = 0
        checked += try Self.compare("gmtime", "gmtime", inputs) { v in outcome { () throws(JQEvalError) in try gmtime(v) } }
        checked += try Self.compare("localtime", "localtime", inputs) { v in outcome { () throws(JQEvalError) in try localtime(v) } }
        // Broken-down times, including fields past their range that mktime carries over, and bad shapes.
        var arrays: [JSON] = []
        for time in Self.times.prefix(60) {
            guard case .array(let fields) = try gmtime(.number(time)) else { continue }
            arrays.append(.array(fields))
            var shifted = fields
            shifted[1] = .number(Double(Int(time) % 30 - 10))
            shifted[2] = .number(Double(Int(time) % 70 - 20))
            shifted[5] = .number(Double(Int(time) % 200) + 0.75)
            arrays.append(.array(shifted))
        }
        arrays += [[2015, 2, 5, 23, 51, 47], [2015, 2, 5, 23, 51, 47, 4], [2015, 2, 5, 23, 51, 47, 4, 63, "extra"],
                   [2015, "2", 5, 23, 51, 47, 4, 63], [], "2015", .null, [1969, 11, 31, 23, 59, 59, 0, 0]]
        if Self.inUTC {
            checked += try Self.compare("mktime", "mktime", arrays) { v in outcome { () throws(JQEvalError) in try mktime(v) } }
        }
        let formats = ["%Y-%m-%dT%H:%M:%SZ", "%A, %B %d, %Y", "%j %U %W %u %w %a %b", "%c | %x | %X", "%e %k %l %p %I",
                       "%G-W%V-%u", "%Z %z", "%%literal %n%t", "%C %y %D %F %R %T %h", "ünïcødé %Y"]
        let formatted = arrays.filter { if case .array(let a) = $0 { a.count >= 8 } else { false } }
            + Self.times.prefix(40).map { JSON.number($0) } + [.null, "x"]
        for format in formats {
            let quotedFormat = JSON.string(format).serialized()
            checked += try Self.compare("strftime \(format)", "strftime(\(quotedFormat))", formatted) { v in
                outcome { () throws(JQEvalError) in try strftime(v, .string(format)) }
            }
            checked += try Self.compare("strflocaltime \(format)", "strflocaltime(\(quotedFormat))", formatted) { v in
                outcome { () throws(JQEvalError) in try strflocaltime(v, .string(format)) }
            }
        }
        checked += try Self.compare("strftime non-string", "strftime(1)", [[2015, 2, 5, 23, 51, 47, 4, 63]]) { v in
            outcome { () throws(JQEvalError) in try strftime(v, 1) }
        }
        #expect(checked > 1000)
    }

    @Test("strptime matches jq over dates and formats, trailing space and mismatches included")
    func parsing() throws {
        let strptime = try Self.body1("strptime")
        let cases: [(String, String)] = [
            ("2015-03-05T23:51:47Z", "%Y-%m-%dT%H:%M:%SZ"), ("2015-03-05T23:51:47Z  ", "%Y-%m-%dT%H:%M:%SZ"),
            ("2015-03-05T23:51:47Z x", "%Y-%m-%dT%H:%M:%SZ"), ("2015-03-05", "%Y-%m-%dT%H:%M:%SZ"),
            ("10:30", "%H:%M"), ("Thursday, March 05, 2015", "%A, %B %d, %Y"), ("2000-02-29", "%Y-%m-%d"),
            ("1900-01-01", "%Y-%m-%d"), ("2100-02-28", "%Y-%m-%d"), ("65 2021", "%j %Y"), ("12/31/99", "%D"),
            ("5 Mar 2015 11 PM", "%d %b %Y %I %p"), ("2015-03-05 +0100", "%Y-%m-%d %z"), ("x", "%Y"), ("", ""),
            ("  2015", "%Y"), ("1425599621", "%s"), ("2024-13-01", "%Y-%m-%d"), ("é", "é"),
        ]
        let inputs: [JSON] = cases.map { [.string($0.0), .string($0.1)] } + [[1, "%Y"], ["2015", 2]]
        let count = try Self.compare("strptime", ". as [$s, $f] | $s | strptime($f)", inputs) { v in
            guard case .array(let pair) = v else { return .null }
            return outcome { () throws(JQEvalError) in try strptime(pair[0], pair[1]) }
        }
        #expect(count == inputs.count)
    }

    @Test("hand-checked jq 1.7.1 behaviour: messages 1.6 misspells, undefined casts, limits, now")
    func handChecked() throws {
        let gmtime = try Self.body0("gmtime")
        let strftime = try Self.body1("strftime")
        let strflocaltime = try Self.body1("strflocaltime")
        let failure: JSON = ["error": "error converting number of seconds since epoch to datetime"]
        // 1.6 spells this "errror"; 1.7.1 fixed it. Past the 64-bit range and NaN the C cast is undefined: Swirl fails.
        for huge in [1e20, -1e20, Double.nan, .infinity, 1e17] {
            #expect(outcome { () throws(JQEvalError) in try gmtime(.number(huge)) } == failure)
            #expect(outcome { () throws(JQEvalError) in try strftime(.number(huge), "%Y") } == failure)
        }
        let fractional = 1425599621.123
        #expect(outcome { () throws(JQEvalError) in try gmtime(.number(fractional)) } == ["ok": canonical([2015, 2, 5, 23, 53, .number(41 + (fractional - floor(fractional))), 4, 63])])
        #expect(outcome { () throws(JQEvalError) in try gmtime(-1.5) } == ["ok": canonical([1969, 11, 31, 23, 59, 59.5, 3, 364])])
        // A number with a non-string format: 1.7.1 crashes on an assertion; Swirl reports the format.
        #expect(outcome { () throws(JQEvalError) in try strftime(0, 1) } == ["error": "strftime/1 requires a string format"])
        #expect(outcome { () throws(JQEvalError) in try strflocaltime(0, .null) } == ["error": "strflocaltime/1 requires a string format"])
        // The output may be at most 100 bytes longer than the format; an empty output fails.
        #expect(outcome { () throws(JQEvalError) in try strftime(0, "%1000Y") } == ["error": "strftime/1: unknown system failure"])
        #expect(outcome { () throws(JQEvalError) in try strftime(0, "") } == ["error": "strftime/1: unknown system failure"])
        // NaN fields are refused; huge ones saturate instead of wrapping.
        #expect(outcome { () throws(JQEvalError) in try strftime([2015, .number(.nan), 5, 0, 0, 0, 0, 0], "%Y") } == ["error": "strftime/1 requires parsed datetime inputs"])
        #expect(outcome { () throws(JQEvalError) in try strftime([1e300, 0, 1, 0, 0, 0, 0, 0], "%Y") } == ["ok": "2147483647"])
        #expect(outcome { () throws(JQEvalError) in try strftime([-1e300, 0, 1, 0, 0, 0, 0, 0], "%Y") } == ["ok": "-2147481748"])
        // mktime reads the array as UTC whatever the zone (jq 1.6 goes through local time and is off in summer).
        let mktime = try Self.body0("mktime")
        #expect(outcome { () throws(JQEvalError) in try mktime([2015, 6, 1, 12, 0, 0, 0, 0]) } == ["ok": canonical(1435752000)])
        let now = try Self.body0("now")
        guard case .number(let seconds) = try now(.null) else { Issue.record("now is not a number"); return }
        #expect(abs(seconds - Date().timeIntervalSince1970) < 5)
    }
}
