import Foundation
import SwirlCore
@testable import SwirlExpressions
import Testing

/// Swirl's jq engine against the `jq` program (Debian's 1.6) on programs where 1.6 and 1.7.1
/// agree, and by hand where 1.7.1, which Swirl follows, differs.
///
/// Each case runs as `[try (PROGRAM) catch {error: .}]`, so outputs, their order, and the message
/// of an error after some outputs are all compared.
@Suite struct JQCompiledProgramTests {
    /// Programs and the input each runs on.
    static let cases: [(program: String, input: JSON)] = [
        (".", ["a": 1]),
        (".a", ["a": 1]),
        (".a.b", ["a": ["b": [1, 2]]]),
        (".a?", 1),
        (".[0]", [1, 2]),
        (".[-1]", [1, 2]),
        (".[5]", [1, 2]),
        (".[1:]", [1, 2, 3]),
        (".[:-1]", [1, 2, 3]),
        (".[1:2]", "héllo"),
        (".[-10:10]", [1, 2, 3]),
        (".[1.2:2.5]", [1, 2, 3, 4]),
        (".[\"a\"]", ["a": 1]),
        (".a", .null),
        (".[0]", .null),
        (".[1:]", .null),
        (".a", [1]),
        (".[0]", ["a": 1]),
        (".a", "x"),
        (".[]", [1, [2], ["a": 3]]),
        (".[]", ["a": 1, "b": 2]),
        (".[]", 1),
        (".[]?", 1),
        (".. ", [1, [2, ["a": 3]]]),
        ("[.[] | . * 2]", [1, 2, 3]),
        ("1, 2 | . + 10", .null),
        ("[(1,2) + (10,20)]", .null),
        ("[(1,2) * (3,4)]", .null),
        ("1 + \"a\"", .null),
        ("{} - 1", .null),
        ("-(1, 2)", .null),
        ("- \"a\"", .null),
        ("[1, 2] == [1, 2], 1 < 2, \"a\" > \"b\", [] >= {}, null <= false", .null),
        ("[true, false, null, 1] | map(. and true), map(. or false)", .null),
        ("[(true, false) and (true, false)]", .null),
        ("[(true, false) or (true, false)]", .null),
        ("[.[] // \"d\"]", [.null, false, 1]),
        ("[.a // .b // 3]", ["b": false]),
        ("[(1, null, 2) // 3]", .null),
        ("[(null, false) // (3, 4)]", .null),
        ("[error(\"x\") // 1]", .null),
        ("[.[] | if . then \"t\" elif . == false then \"f\" else \"n\" end]", [true, false, .null]),
        ("[if (true, false) then 1 else 2 end]", .null),
        ("try error(\"boom\") catch .", .null),
        ("try error({a: 1}) catch .a", .null),
        ("[.[] | try if . > 1 then error(\"big\") else . end catch \"caught\"]", [1, 2, 3]),
        ("[.[] | (1 / .)?]", [1, 0, 2]),
        ("try (1, error(\"x\"), 3) catch .", .null),
        ("error(\"uncaught\")", .null),
        ("error", ["an": "object"]),
        ("[.[] as $x | $x * 2]", [1, 2]),
        (". as [$a, $b] | $a + $b", [1, 2]),
        (". as {a: $x, $b} | [$x, $b]", ["a": 1, "b": 2]),
        (". as {\"a\": [$first]} | $first", ["a": [7]]),
        (". as {a: {b: $deep}} | $deep", ["a": ["b": "x"]]),
        (". as [$a, [$b]] | {$a, $b}", [1, [2]]),
        (". as {$a: [$b]} | [$a, $b]", ["a": [3]]),
        ("[.[] as [$a] ?// $a | $a]", [[1], 2]),
        ("[.[] as {a: $x} ?// [$x] | $x]", [["a": 1], [2]]),
        ("reduce .[] as $x (0; . + $x)", [1, 2, 3]),
        ("reduce .[] as [$k, $v] ({}; .[$k] = $v)", [["a", 1], ["b", 2]]),
        ("reduce empty as $x (0; . + 1)", .null),
        ("[foreach .[] as $x (0; . + $x)]", [1, 2, 3]),
        ("[foreach .[] as $x (0; . + $x; [$x, .])]", [1, 2, 3]),
        ("[foreach range(5) as $x (0; . + 1; select(. % 2 == 0))]", .null),
        ("[range(5)]", .null),
        ("[range(2; 5)]", .null),
        ("[range(0; 10; 3)]", .null),
        ("[range(5; 0; -2)]", .null),
        ("[range(0, 1; 3, 4)]", .null),
        ("[limit(3; range(10))]", .null),
        ("[limit(-1; 1, 2)]", .null),
        ("[first(range(10; 20))]", .null),
        ("first(empty)", .null),
        ("isempty(empty), isempty(1, error(\"x\"))", .null),
        ("[label $out | 1, 2, break $out, 3]", .null),
        ("[label $a | label $b | 1, break $b, 2] , [label $a | (label $b | 1, break $a, 2), 3]", .null),
        ("def f: . + 1; map(f)", [1, 2]),
        ("def f(g): [g, g]; f(.a)", ["a": 1]),
        ("def f($x): $x + .; f(10)", 1),
        ("def f($a; $b): [$a, $b]; [f(1, 2; 3, 4)]", .null),
        ("def f(a; $b): [a, $b, b]; f(.x; .y)", ["x": 1, "y": 2]),
        ("def fact: if . <= 1 then 1 else . * (. - 1 | fact) end; [.[] | fact]", [1, 5, 10]),
        ("def f: def g: 3; g * 2; f", .null),
        ("def f(x): x | x; 2 | f(. * .)", .null),
        ("def g: 1; def f: g; def g: 2; f", .null),
        ("[recurse(if . < 3 then . + 1 else empty end)]", 0),
        ("[recurse(.children[]?) | .name]", ["name": "a", "children": [["name": "b"], ["name": "c", "children": [["name": "d"]]]]]),
        ("[paths]", ["a": [1, ["b": 2]]]),
        ("[paths(type == \"number\")]", ["a": [1, ["b": 2]]]),
        ("path(.a[0].b)", .null),
        ("[path(..)]", [[1]]),
        ("path(.a | select(.b == 1))", ["a": ["b": 1]]),
        ("[path(.[] | select(. > 1))]", [1, 2, 3]),
        ("path(1)", .null),
        ("try path(1) catch .", .null),
        ("path(first(.a, .b))", .null),
        ("path(.a // .b)", ["b": 1]),
        ("path(getpath([\"a\", \"b\"]))", .null),
        ("[paths] | length", ["a": ["b": ["c": 1]]]),
        (".a = 1", .null),
        (".a.b = 1", ["a": ["c": 2]]),
        (".[2] = 1", [0]),
        (".[] = 1", [0, 0]),
        (".a = (1, 2)", .null),
        (".a |= . + 1", ["a": 1]),
        (".[] |= . * 2", [1, 2, 3]),
        (".[1:] = [\"x\"]", [1, 2, 3]),
        (".[1:2] |= map(. * 10)", [1, 2, 3]),
        (".a += 1", ["a": 1]),
        (".a -= 1, .a *= 2, .a /= 2, .a %= 2", ["a": 5]),
        (".[] += 1", [1, 2]),
        (".a += (1, 2)", ["a": 0]),
        (".a //= 3", ["a": .null]),
        (".[] //= 0", [.null, 1, false]),
        (".a.b |= 3", [:]),
        ("(.a, .b) = 9", [:]),
        (".[-1] = 9", [1, 2]),
        ("try (.[-5] = 1) catch .", [1]),
        ("to_entries", ["a": 1, "b": 2]),
        ("from_entries", [["key": "a", "value": 1], ["name": "b", "value": 2], ["Name": "c", "Value": 3]]),
        ("with_entries(.value += 1)", ["a": 1, "b": 2]),
        ("del(.a)", ["a": 1, "b": 2]),
        ("del(.[1, 2])", [0, 1, 2, 3]),
        ("del(.[] | select(. > 1))", [1, 2, 3, 1]),
        ("del(.a.b, .c)", ["a": ["b": 1, "x": 2], "c": 3]),
        ("delpaths([[\"a\", 0], [\"b\"]])", ["a": [1, 2], "b": 1]),
        ("getpath([\"a\", \"b\"])", ["a": ["b": 5]]),
        ("getpath([\"a\", \"b\"])", .null),
        ("try getpath([\"a\", \"b\"]) catch .", ["a": 1]),
        ("setpath([\"a\", 1]; 5)", .null),
        ("setpath([]; 5)", [1]),
        ("[.[] | length]", [[1, 2], "héllo", ["a": 1], .null, -3]),
        ("try (true | length) catch .", .null),
        ("[.[] | type]", [1, "a", .null, true, [], [:]]),
        ("keys, keys_unsorted", ["b": 1, "a": 2]),
        ("keys", [5, 6]),
        ("try (1 | keys) catch .", .null),
        ("[has(\"a\"), has(\"z\")]", ["a": 1]),
        ("[has(0), has(5)]", [1]),
        ("try has(0) catch .", ["a": 1]),
        ("[contains(\"bar\"), contains(\"baz\")]", "foobar"),
        ("contains([\"b\", \"a\"])", ["a", "b", "c"]),
        ("contains({a: [1]})", ["a": [1, 2], "b": 3]),
        ("try contains(1) catch .", "a"),
        ("add", [1, 2, 3]),
        ("add", ["a", "b"]),
        ("add", [[1], [2]]),
        ("add", []),
        ("add", ["a": 1, "b": 2]),
        ("sort", [3, 1, "a", .null, [1], ["a": 1], true, false]),
        ("sort_by(.a)", [["a": 2, "i": 0], ["a": 1, "i": 1], ["a": 2, "i": 2]]),
        ("sort_by(.a, .b)", [["a": 1, "b": 2], ["a": 1, "b": 1]]),
        ("group_by(. % 2)", [1, 2, 3, 4, 5]),
        ("unique", [3, 1, 3, 2, 1]),
        ("unique_by(length)", ["a", "bb", "c", "dd"]),
        ("min, max", [3, 1, 2]),
        ("min, max", []),
        ("min_by(.a), max_by(.a)", [["a": 1, "i": 0], ["a": 3, "i": 1], ["a": 1, "i": 2], ["a": 3, "i": 3]]),
        ("reverse", [1, 2, 3]),
        ("flatten, flatten(1)", [1, [2, [3, [4]]]]),
        ("try flatten(-1) catch .", [1]),
        ("map_values(. + 1)", ["a": 1, "b": 2]),
        ("[.[] | select(. > 1)]", [1, 2, 3]),
        ("[.[] | numbers], [.[] | strings], [.[] | nulls], [.[] | values], [.[] | scalars]", [1, "a", .null, [1]]),
        ("any, all", [true, false]),
        ("any, all", []),
        ("any(. > 2), all(. > 0)", [1, 2, 3]),
        ("[.[] | in({a: 1})]", ["a", "b"]),
        ("[.[] | inside(\"foobar\")]", ["foo", "baz"]),
        ("[.[] | IN(2, 3)]", [1, 2, 3]),
        ("[range(5)] | [while(length > 0; .[1:])]", .null),
        ("[1 | until(. > 100; . * 2)]", .null),
        ("[limit(5; repeat(. * 2))]", 1),
        // Path expressions: a value that is no path fails where it is used as one; one that is
        // the input itself keeps the input's path.
        ("try path(1 | .a) catch ., try path(reverse | .[]) catch ., try path([1] | .[0]) catch .", [1]),
        ("[path(tostring)], [path(. as $x | $x)], [path(if true then . else 1 end)], [path(null)]", "a"),
        ("try ((try error(\"x\") catch .a) |= 1) catch .", ["a": 1]),
        ("try path(first(1, .a)) catch ., [paths(type == \"number\")]", ["a": [1, ["b": 2]]]),
        // `?` after a suffix keeps only the suffix's own error from escaping: the term before it
        // and the index expression fail as they would without it.
        ("[.a.b[0]?]", ["a": 5]),
        ("[.a.b.c?]", ["a": 5]),
        ("[.a[.b.c]?], [.a[]?], [.a.b?], [1 as $x | .a[$x]?]", ["a": 5]),
        ("[(.a | error)[0]?]", ["a": 5]),
        ("[.a[0:(error(\"k\"))]?]", ["a": 5]),
        ("[(error(\"t\"))[]?]", ["a": 5]),
        ("[.[error(\"x\")]?]", ["a": 5]),
        ("[.[\"a\" * [1]]?]", ["a": 5]),
        ("[.a?.b?], [.a?[0]?], [..?]", ["a": 5]),
        // Streaming, joins, and the functions jq's parser calls for operators.
        ("[tostream]", [1, [2, ["a": [3, []], "b": [:]]], .null]),
        ("[tostream], [[]|tostream], [[[]]|tostream], [{}|tostream]", 5),
        ("[fromstream(tostream)]", ["a": [1, ["b": .null]], "c": [[], [:]]]),
        ("[fromstream(([[0], 1], [[1, 0], 2], [[1, 0]], [[1]]), ([[], 3]), ([[\"a\"], 1], [[\"a\"]]))]", .null),
        ("[1 | truncate_stream([[0], 1], [[1, 0], 2], [[1, 0]], [[1]])]", .null),
        ("[leaf_paths], [.. | scalars_or_empty], [recurse_down | numbers]", ["a": [1, [], ["b": 2]], "c": [:]]),
        ("bsearch(2), bsearch(0), bsearch(4), bsearch(2.5)", [1, 2, 3]),
        ("INDEX(.id) as $idx | JOIN($idx; .[] | .ref; tostring) , [JOIN($idx; tostring)], [JOIN($idx; .[].ref; tostring; add)]", [["id": 1, "ref": 2], ["id": 2, "ref": 1]]),
        ("[_plus(1; 2), _minus(5; 3), _multiply(2; 3), _divide(1; 4), _mod(7; 3), _equal(1; 1), _notequal(1; 2), _less(1; 2), _lesseq(2; 2), _greater(1; 2), _greatereq(3; 2)], (5 | _negate)", .null),
        ("_assign(.a, .b; 1), _modify(.a; . + 1)", ["a": 1]),
        // The loops: trees of outputs, errors after outputs, paths, and more iterations than
        // calls may nest.
        ("[limit(5; 1 | repeat(. + 1, . + 10))]", .null),
        ("[0 | while(. < 3; . + 1, . + 2)]", .null),
        ("[0 | until(. >= 3; . + 1, . + 2)]", .null),
        ("[while(. < 3, . < 2; . + 1)]", 0),
        ("[limit(4; 0 | while(true; . + 1, . + 10))]", .null),
        ("[recurse(.[]?; . != 2)]", [1, [2, [3]]]),
        ("[path(0 | while(. < 2; . + 1))]", .null),
        ("0 | while(. < 3; . + 1, error(\"x\"))", .null),
        ("0 | until(. > 2; error(\"late\"), . + 1)", .null),
        ("0 | until(. > 2; . + 1, error(\"late\"))", .null),
        ("0 | recurse(. + 1, error(\"e\"); . < 3)", .null),
        ("label $out | 0 | while(true; if . == 3 then break $out else . + 1 end)", .null),
        ("label $out | 0 | while(. < 5; (. + 1 | select(. < 3)), break $out)", .null),
        ("[limit(3; path(repeat(.a)))], [path(..)]", ["a": ["a": 1]]),
        ("[path(recurse(.[]?; type == \"array\"))]", [[1], [[2]]]),
        ("[limit(3; repeat(1))], first(repeat(1, 2))", .null),
        ("[.[] | [while(. < 3; . + 1)]]", [0, 2, 5]),
        ("last(0 | while(. < 100000; . + 1)), (0 | until(. == 100000; . + 1)), last(range(0; 100000; 1))", .null),
        ("[0 | recurse(if . < 50000 then . + 1 else empty end)] | length, add", .null),
        ("def f: def g: if . < 3 then ., (. + 1 | g) else empty end; [g]; 0 | f", .null),
        ("[last(range(5))], [nth(2; range(5))]", .null),
        ("first, last, nth(1)", [1, 2, 3]),
        ("walk(if type == \"number\" then . + 1 else . end)", [1, ["a": 2]]),
        ("transpose", [[1, 2], [3]]),
        ("[combinations]", [[1, 2], [3, 4]]),
        ("[combinations(2)]", [0, 1]),
        ("{a: 1, b: .x}", ["x": 2]),
        ("{(.k): .v}", ["k": "key", "v": 1]),
        ("[{a: (1, 2), b: (3, 4)}]", .null),
        ("{a, b}", ["a": 1, "b": 2, "c": 3]),
        ("{\"a b\": 1, \"c\\(1 + 1)\": 2}", .null),
        ("{if: 1, then: 2, reduce: 3}", .null),
        ("[.[] | {name, n: (.n // 0)}]", [["name": "a"], ["name": "b", "n": 2]]),
        ("\"x\\(.a)y\\(.b)\"", ["a": 1, "b": "s"]),
        ("[\"\\(1, 2)-\\(3, 4)\"]", .null),
        ("\"\\([1, {a: null}])\"", .null),
        ("\"\\u00e9\\t\\\"\"", .null),
        ("[.[] | tojson?]", .null),
        ("[.[] | tostring]", [1, "a", [1.5, .null], ["k": true]]),
        ("map(tojson) | map(fromjson)", [1e100, 0.1, "é\n"]),
        ("\"\\(1e100) \\(0.1 + 0.2) \\([1, 2])\"", .null),
        ("@base64, @uri, @csv, @html, @sh", ["a,b", "<&>", 1]),
        ("@json \"v=\\(.)\"", ["x": 1]),
        ("join(\", \")", ["a", 1, .null, true]),
        ("[.[] | ascii_downcase, ltrimstr(\"a\"), startswith(\"A\")]", ["Abc", "abc"]),
        ("indices(\", \"), indices(1), index(\",\"), rindex(\",\")", "a, b, c"),
        ("indices([1, 2])", [0, 1, 2, 1, 2]),
        ("[.[] | floor, sqrt, pow(.; 2), log]", [4, 2.25]),
        ("split(\", \")", "a, b, c"),
        ("explode | implode", "héllo"),
        ("todate", 1425599621),
        ("INDEX(.id)", [["id": 1], ["id": "x"]]),
        ("[test(\"a.c\"), test(\"A\"; \"i\"), test([\"B\", \"x\"])]", "abc"),
        ("[match(\"b+\"; \"g\") | [.offset, .length, .string]]", "abbcb"),
        ("capture(\"(?<year>\\\\d+)-(?<month>\\\\d+)\")", "2024-05"),
        ("[scan(\"\\\\d\")], [scan(\"(a)(b)\")]", "a1b2ab"),
        ("sub(\"a\"; \"X\"), gsub(\"a\"; \"X\"), gsub(\"(?<d>\\\\d)\"; \"<\\(.d)>\")", "a1a2"),
        ("split(\", *\"; null), [splits(\"a\")]", "b, c,d"),
        ("$__loc__", .null),
        ("[.[] | [.]]", [1, 2]),
        ("[[]]", .null),
        ("[.[]?]", ["a": 1]),
        ("..|numbers", [1, [2]]),
        ("[..] | length", [[[[]]]]),
        ("(.a, .b) |= empty", ["a": 1, "b": 2, "c": 3]),
        ("try (try error(\"inner\") catch error(\"outer: \" + .)) catch .", .null),
        ("(try error(\"x\") catch .) | . + \"!\"", .null),
        ("[.[] | (try (if . == 2 then error(\"two\") else . end) catch \"c\") ]", [1, 2, 3]),
        ("[(1, 2) | try (if . == 1 then . else error(\"e\") end)]", .null),
        ("def e: error(\"down\"); [try (1, 2) catch \"never\"] | map(. + 1)", .null),
    ]

    /// The case wrapper both engines run.
    static func wrapped(_ program: String) -> String {
        "[try (\(program)) catch {error: .}]"
    }

    /// Runs every case through the `jq` program at once: case `i` is a branch of one program, fed
    /// `[i, input]`.
    static func jq(_ cases: [(program: String, input: JSON)]) throws -> [JSON] {
        let branches = cases.enumerated().map { index, item in
            "if $i == \(index) then (.[1] | \(wrapped(item.program)))"
        }
        let program = ".[0] as $i | " + branches.joined(separator: " el") + " else null end"
        let lines = cases.enumerated().map { index, item in JSON.array([.number(Double(index)), item.input]).serialized() }
        let result = try ReferenceJQ.run(program, input: lines.joined(separator: "\n") + "\n")
        #expect(result.status == 0)
        return result.outputs
    }

    /// Whether two values are the same, object keys in the same order.
    static func identical(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { identical($0, $1) }
        case (.object(let x), .object(let y)):
            return x.keys.elementsEqual(y.keys) && zip(x.values, y.values).allSatisfy { identical($0, $1) }
        default: return a == b
        }
    }

    static func swirl(_ program: String, _ input: JSON) -> JSON {
        do {
            let compiled = try JQCompiledProgram(wrapped(program), variables: [])
            let outputs = try compiled.run(input)
            return outputs.count == 1 ? outputs[0] : ["unexpected outputs": .array(outputs)]
        } catch {
            return ["failed": .string("\(error)")]
        }
    }

    @Test("every case gives what jq gives: outputs, order and error messages")
    func differential() throws {
        let expected = try Self.jq(Self.cases)
        #expect(expected.count == Self.cases.count)
        for (index, item) in Self.cases.enumerated() where index < expected.count {
            let actual = Self.swirl(item.program, item.input)
            #expect(Self.identical(actual, expected[index]), "\(item.program) on \(item.input.serialized())")
        }
    }

    /// Where jq 1.7.1 is not jq 1.6.
    @Test(arguments: [
        // 1.7.1 lets `if` go without `else`.
        ("[.[] | if . > 1 then \"big\" end]", [1, 2] as JSON, [[1, "big"]] as JSON),
        // 1.7.1 reads `.a.[0]`.
        (".a.[0]", ["a": [5]], [5]),
        // `|= empty` deletes the paths, all at the end.
        ("[.[] |= empty]", [1, 2, 3], [[[]]]),
        (".[] |= select(. > 1)", [1, 2, 3], [[2, 3]]),
        // `limit` with a count that cannot count down.
        ("try [limit(\"a\"; 1, 2)] catch .", .null, ["string (\"a\") and number (1) cannot be subtracted"]),
        ("[limit(null; 1, 2)]", .null, [[1, 2]]),
        // 1.7.1 catches only the body's own errors.
        ("[.[] | try . catch \"no\"] | map(error(.))?", [1], []),
        ("$__loc__", .null, [["file": "<top-level>", "line": 1]]),
        ("{$__loc__}", .null, [["__loc__": ["file": "<top-level>", "line": 1]]]),
        ("try (1 / 0) catch .", .null, ["number (1) and number (0) cannot be divided because the divisor is zero"]),
        ("abs", "a", ["a"]),
        // A fractional index is truncated (1.6 gives null).
        (".[1.7], .[-0.5]", [1, 2, 3], [2, 1]),
        ("[limit(0; 1, 2)]", .null, [[]]),
        // `from_entries` knows `key`, `Key`, `name`, `Name` (1.6 also `k` and `v`).
        ("try from_entries catch .", [["k": "c", "v": 3]], ["Cannot use null (null) as object key"]),
        // `error(null)` can be caught (1.6 cannot).
        ("[.[] | try error catch .]", [1, "x", .null], [[1, "x", .null]]),
        ("abs", -5, [5]),
        ("pick(.a, .b.c)", ["a": 1, "b": ["c": 2, "d": 3], "e": 4], [["a": 1, "b": ["c": 2]]]),
        ("pick(.[1])", [1, 2, 3], [[.null, 2]]),
        // jq 1.7's names: a keyword touching its `$` is a variable or label, a bare keyword is an
        // object shorthand, `{$k: v}` a computed key, and `.e0` a field.
        ("1 as $if | [$if, {$if}]", .null, [[1, ["if": 1]]]),
        ("[label $then | 1, break $then, 2]", .null, [[1]]),
        ("{if, as, a: 1}", ["if": 2, "as": 3], [["if": 2, "as": 3, "a": 1]]),
        ("\"k\" as $k | {$k: 1}", .null, [["k": 1]]),
        ("try (1 as $k | {$k: 1}) catch .", .null, ["Cannot use number (1) as object key"]),
        (".e0, .E1", ["e0": 3, "E1": 4], [3, 4]),
        // A value that is no path leaves the try's body before it is found out: jq 1.6's try
        // caught that too.
        ("try ((try {} catch .b) |= 1) catch .", ["a": 1], ["Invalid path expression with result {}"]),
        // Where 1.6 gives wrong answers for several targets at once.
        ("[bsearch(2, 0, 4)]", [1, 2, 3], [[1, -1, -4]]),
        ("try bsearch(1) catch .", "a", [#"string ("a") cannot be searched from"#]),
        ("[.[] | toarray]", [1, [2], .null], [[[1], [2], [.null]]]),
        ("have_decnum, have_literal_numbers", .null, [false, false]),
        ("builtins | length > 200, (map(select(startswith(\"_\"))) | length), (index(\"trim/0\") != null)", .null, [true, 0, true]),
    ] as [(String, JSON, JSON)])
    func jq171(program: String, input: JSON, expected: JSON) throws {
        let outputs = try JQCompiledProgram(program, variables: []).run(input)
        #expect(Self.identical(.array(outputs), expected), "\(program)")
    }

    @Test func variablesAreBoundInOrder() throws {
        let program = try JQCompiledProgram("[$a, $b, $a + $b]", variables: ["a", "b"])
        #expect(try program.run(.null, variables: [1, 2]) == [[1, 2, 3]])
    }

    @Test func unknownNamesFailToCompile() {
        #expect(throws: JQCompiledProgramError.self) { try JQCompiledProgram("nosuch(1)", variables: []) }
        #expect(throws: JQCompiledProgramError.self) { try JQCompiledProgram("$nope", variables: []) }
    }

    /// Each limit stops the program it is for, with its own message.
    @Test func limitsStopRunawayPrograms() throws {
        func failure(_ source: String, _ limits: JQLimits = JQLimits()) throws -> String {
            let program = try JQCompiledProgram(source, variables: [])
            do throws(JQEvalError) {
                _ = try program.run(.null, limits: limits)
                return "no error"
            } catch {
                switch error {
                case .limitExceeded(let message), .internalFailure(let message): return message
                case .raised(let value): return value.stringValue ?? value.serialized()
                case .break: return "break"
                case .timedOut: return "timed out"
                case .interrupted: return "interrupted"
                case .halted: return "halted"
                }
            }
        }
        #expect(try failure("def f: f; f").contains("nested"))
        #expect(try failure("def f: f; f", JQLimits(depth: 100)).contains("nested more than 100 deep"))
        #expect(try failure("reduce range(1e9) as $x (0; .)", JQLimits(steps: 100_000)).contains("more than 100000 steps"))
        #expect(try failure("[range(1e9)]", JQLimits(collection: 1_000)).contains("past 1000 values"))
        #expect(try failure(".[100000000] = 1").contains("too large"))
        #expect(try failure("try (def f: f; f) catch \"caught\"").contains("deep"))
        // Doubling a value forty times would need a terabyte.
        #expect(try failure("reduce range(40) as $i (\"x\"; . + .)").contains("String result too long"))
        #expect(try failure("reduce range(40) as $i ([1]; . + .)").contains("Array result too long"))
        // Recursion goes as deep as the depth limit, whatever the stack of the thread evaluating:
        // past its floor, calls go on on a thread of their own.
        #expect(try failure("def f: if . < 9000 then . + 1 | f else . end; 0 | f") == "no error")
        #expect(try failure("def f: f; f") == "calls nested more than 10000 deep")
        // A value nested a million deep would overflow the stack of the thread that releases it.
        for program in [
            "reduce range(1e6) as $i (0; [.]) | 1", "reduce range(1e6) as $i (0; {a: .}) | 1",
            "reduce range(1e6) as $i ({}; .a = .) | 1", "reduce range(1e6) as $i (0; . as $x | {} | .a |= $x) | 1",
            "reduce range(1e6) as $i ([0]; group_by(.)) | 1", "reduce range(1e6) as $i ([]; setpath([0]; .)) | 1",
        ] {
            #expect(try failure(program) == "a value nests deeper than 512 levels", "\(program)")
        }
        #expect(try failure("setpath([range(1e5) | 0]; 1)").contains("a path of 100000 keys"))
        let flattened = try failure("reduce range(500) as $i (0; [.]) | flatten")
        #expect(flattened == "no error", "\(flattened)")
        // Parts shared over and over make a value whose walk is long: time and steps bound it.
        #expect(try failure("reduce range(60) as $i (0; [., .])", JQLimits(steps: 1_000_000)).contains("more than 1000000 steps"))
        // The loops are loops: a million iterations need no nesting.
        #expect(try failure("last(0 | while(. < 1e6; . + 1)), last(0 | recurse(if . < 1e6 then . + 1 else empty end))") == "no error")
    }
}

@Suite struct JQEngineBuiltinsTests {
    /// jq 1.7.1's builtins beyond 1.6's, as `jq -n 'builtins'` lists them.
    static let since16 = [
        "abs/0", "debug/1", "getpath/1", "have_decnum/0", "have_literal_numbers/0", "ltrim/0", "pick/1", "rtrim/0",
        "scan/2", "significand/0", "splits/2", "toarray/0", "trim/0",
    ]

    @Test("the engine has every builtin of jq 1.6 and of 1.7.1")
    func everyBuiltin() {
        let engine = JQPrelude.shared.signatures
        // jq's module system, which workflow expressions cannot use (`import` and `include` are
        // refused too).
        let modules: Set = ["get_jq_origin/0", "get_prog_origin/0", "get_search_list/0", "modulemeta/0"]
        let missing = (JQBuiltins.signatures + Self.since16).filter { !engine.contains($0) && !modules.contains($0) }
        #expect(missing == [], "\(missing)")
        #expect(modules.allSatisfy { !engine.contains($0) })
    }
}
