import Foundation
import SwirlCore
@testable import SwirlExpressions
import Testing

/// ``JQValue``'s order, equality and arithmetic, checked against the `jq` program (Debian's 1.6)
/// on every pair of a set of values chosen to reach each rule, and by hand where jq 1.7.1, which
/// Swirl follows, differs from 1.6.
@Suite struct JQValueTests {
    /// Values of every type, with the edges the rules have: empty and multi-byte strings, nested
    /// and reordered objects, negative and fractional numbers.
    static let values: [JSON] = [
        .null, false, true, 0, 1, -1.5, 2.5, 7, -7, 3, 1e300,
        "", "a", "abc", "ab,c,", ",", "é", "b",
        [], [1, 2], [1, [2]], [1, 2, 1], [2],
        [:], ["a": 1], ["b": 1, "a": 2], ["a": ["b": 1, "c": 2], "d": 3], ["a": ["b": 5, "e": 1]], ["c": 0],
    ]

    /// The pairs where jq 1.6 and 1.7.1 disagree, which the hand-written tests below check.
    static func differsFrom16(_ operation: String, _ a: JSON, _ b: JSON) -> Bool {
        // A string times a number below 1: 1.6 gives null for 0 and the string for fractions; 1.7.1 the empty string.
        if operation == "*" {
            switch (a, b) {
            case (.string, .number(let count)), (.number(let count), .string): return count >= 0 && count < 1
            default: return false
            }
        }
        // A remainder of numbers past the 64-bit range: 1.6 converts them with undefined behaviour.
        if operation == "%", case .number(let x) = a, case .number(let y) = b { return abs(x) >= 0x1p63 || abs(y) >= 0x1p63 }
        return false
    }

    /// Runs `program` with jq over `input`, one compact output per line.
    static func jq(_ program: String, input: JSON) throws -> [JSON] {
        let result = try ReferenceJQ.run(program, input: input.serialized())
        #expect(result.status == 0)
        return result.outputs
    }

    /// What one operation gives in Swirl, written as the jq program in ``arithmetic()`` writes it.
    static func outcome(_ operation: @Sendable (JSON, JSON) throws(JQEvalError) -> JSON, _ a: JSON, _ b: JSON) -> JSON {
        do throws(JQEvalError) {
            return ["ok": try operation(a, b)]
        } catch {
            switch error {
            case .raised(let message): return ["error": message]
            default: return ["unexpected": .string("\(error)")]
            }
        }
    }

    static let operations: [(symbol: String, apply: @Sendable (JSON, JSON) throws(JQEvalError) -> JSON)] = [
        ("+", JQValue.add), ("-", JQValue.subtract), ("*", JQValue.multiply), ("/", JQValue.divide), ("%", JQValue.modulo),
    ]

    @Test("+ - * / % give jq's results, and its error messages, for every pair of values")
    func arithmetic() throws {
        // Each case is [a, b, the operation's index]; those where 1.6 is not what Swirl follows are left out (1.6
        // even crashes on some).
        var cases: [JSON] = []
        for a in Self.values {
            for b in Self.values {
                for (index, operation) in Self.operations.enumerated() where !Self.differsFrom16(operation.symbol, a, b) {
                    cases.append([a, b, .number(Double(index))])
                }
            }
        }
        let branches = Self.operations.enumerated().map { index, operation in
            "if $op == \(index) then (try {ok: ($a \(operation.symbol) $b)} catch {error: .})"
        }
        let program = ".[] | . as [$a, $b, $op] | " + branches.joined(separator: " el") + " else null end"
        let expected = try Self.jq(program, input: .array(cases))
        #expect(expected.count == cases.count)
        for (index, item) in zip(cases.indices, cases) where index < expected.count {
            guard let a = item[0], let b = item[1], let operation = item[2]?.numberValue.map({ Self.operations[Int($0)] }) else { continue }
            // Compared as printed and read back, as jq's output is: an infinity prints as the largest double.
            let mine = try JSON(parsing: Self.outcome(operation.apply, a, b).serialized())
            #expect(mine == expected[index], "\(a) \(operation.symbol) \(b)")
        }
        #expect(cases.count > 4_000)
    }

    @Test("sort, < and == order and compare values as jq does")
    func order() throws {
        let sorted = try Self.jq("sort", input: .array(Self.values))
        let mine = Self.values.sorted { JQValue.compare($0, $1) < 0 }
        #expect(sorted == [.array(mine)])

        let pairs = JSON.array(Self.values.flatMap { a in Self.values.map { b in JSON.array([a, b]) } })
        let expected = try Self.jq(".[] | [.[0] < .[1], .[0] == .[1], .[0] >= .[1]]", input: pairs)
        var index = 0
        for a in Self.values {
            for b in Self.values {
                let order = JQValue.compare(a, b)
                let mine: JSON = [.bool(order < 0), .bool(JQValue.equal(a, b)), .bool(order >= 0)]
                #expect(mine == expected[index], "\(a) vs \(b)")
                index += 1
            }
        }
    }

    @Test("strings compare by their UTF-8 bytes, not as Swift compares them")
    func stringOrder() {
        // U+00E9 precomposed and e + U+0301 are equal Swift strings, and different jq strings.
        #expect(!JQValue.equal("\u{E9}", "e\u{301}"))
        #expect(JQValue.compare("\u{E9}", "e\u{301}") > 0)
        #expect(JQValue.compare("Z", "a") < 0)
        #expect(JQValue.compare("\u{FFFF}", "\u{10000}") < 0)
    }

    @Test("NaN sorts below every number and equals nothing")
    func notANumber() throws {
        #expect(JQValue.compare(.number(.nan), .number(-1e300)) < 0)
        #expect(JQValue.compare(.number(.nan), .number(.nan)) < 0)
        #expect(JQValue.compare(.number(.nan), .null) > 0)
        #expect(!JQValue.equal(.number(.nan), .number(.nan)))
        #expect(try JQValue.modulo(.number(.nan), 2).numberValue?.isNaN == true)
    }

    @Test("where jq 1.7.1 differs from 1.6: repeating a string fewer than once, remainders of huge numbers")
    func differencesFrom16() throws {
        #expect(try JQValue.multiply("abc", 0) == "")
        #expect(try JQValue.multiply(0.5, "abc") == "")
        #expect(try JQValue.multiply("abc", 1.5) == "abc")
        #expect(try JQValue.multiply("abc", -1) == .null)
        #expect(try JQValue.modulo(1e30, 7) == .number(Double(Int.max % 7)))
        #expect(try JQValue.modulo(-1e30, -1) == 0)
    }

    @Test("a repeated string past the size limit is an error, not an allocation")
    func repetitionLimit() throws {
        #expect(throws: JQEvalError.raised("Repeat string result too long")) { try JQValue.multiply("ab", 1e18) }
        #expect(throws: JQEvalError.raised("Repeat string result too long")) { try JQValue.multiply("", 1e18) }
        #expect(try JQValue.multiply("", 3) == "")
    }

    @Test("error messages quote a value by its type and at most 11 bytes of its text")
    func quoting() {
        #expect(JQValue.quoted("abcdefghijklmnopqrstuvwxyz") == #"string ("abcdefghij...)"#)
        #expect(JQValue.quoted(["a": 1]) == #"object ({"a":1})"#)
        #expect(JQValue.quoted("0123456789ab") == #"string ("0123456789ab")"#)
    }
}
