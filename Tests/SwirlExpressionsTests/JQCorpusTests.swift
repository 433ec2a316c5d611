import Foundation
import SwirlCore
@testable import SwirlExpressions
import Testing

/// Random programs that end quickly, built from jq 1.6's grammar and builtins, over one document
/// that has a value of every kind.
struct JQProgramGenerator {
    private var random: JQSyntaxRandom

    init(seed: UInt64) {
        random = JQSyntaxRandom(seed: seed)
    }

    static let input: JSON = [
        "a": 1, "b": "Text, with, commas", "c": ["d": [1, 2, 3], "e": .null], "f": [3, 1, 2, 1],
        "g": [["k": "x", "v": 1], ["k": "y", "v": 2], ["k": "x", "v": 3]], "h": true, "i": -2.5, "s": "a1b22c",
        "u": "héllo ☃", "n": .null, "z": [],
    ]

    private static let paths = [
        ".", ".a", ".b", ".c", ".c.d", ".c.d[0]", ".c.e", ".f", ".f[1:]", ".f[-1]", ".g", ".g[0]", ".g[].k", ".h", ".i",
        ".s", ".u", ".n", ".z", ".[]?", ".missing", ".c[\"d\"]", ".f[:2]", ".g[1].v",
    ]
    private static let literals = [
        "0", "1", "2", "-1", "1.5", "100", "\"a\"", "\"\"", "\"x\"", "\",\"", "\"1\"", "null", "true", "false", "[]", "{}",
        "[1, 2]", "{\"k\": 1}",
    ]
    private static let operators = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or", "//"]
    /// Builtins without arguments whose result does not depend on the machine or the time.
    private static let builtins0 = [
        "length", "utf8bytelength", "not", "keys", "keys_unsorted", "values", "type", "tostring", "tojson", "ascii_downcase",
        "ascii_upcase", "add", "any", "all", "flatten", "floor", "sqrt", "tonumber", "sort", "unique", "reverse", "min",
        "max", "to_entries", "from_entries", "[paths]", "[leaf_paths]", "[tostream]", "first", "last", "explode", "arrays",
        "objects", "iterables", "booleans", "numbers", "strings", "nulls", "scalars", "transpose", "@base64", "@base64d",
        "@csv", "@tsv", "@html", "@uri", "@sh", "@json", "@text", "fabs", "round", "ceil", "isnan", "isinfinite",
        "isnormal", "infinite", "nan | isnan", "length > 1", "[.[]?]", "[..]", "tojson | fromjson", "ltrimstr(\"a\")",
        "rtrimstr(\"c\")", "splits(\", \")", "test(\"a\")", "[match(\"[0-9]+\"; \"g\") | .string]", "sub(\"[0-9]\"; \"#\")",
        "gsub(\"[aeiou]\"; \"_\")", "ascii", "[combinations]", "todate", "gmtime", "@base32",
    ]
    /// Builtins that take a filter or a value.
    private static let builtins1 = [
        // Not `ltrimstr` and `rtrimstr` of any value: jq 1.8 made a non-string argument an error.
        "map", "select", "has", "contains", "inside", "startswith", "endswith", "split", "index",
        "rindex", "indices", "sort_by", "group_by", "unique_by", "min_by", "max_by", "with_entries", "map_values", "join",
        "[paths]", "any", "all", "isempty", "first", "last", "[limit(2; .[]?)] | map", "error", "flatten", "tostring | test",
        "getpath", "del", "to_entries | map", "[recurse(.[]?)] | map", "walk", "IN", "INDEX", "splits", "ascii_downcase | split",
        "[.[]?] | indices", "[range(3)] | map",
    ]

    /// A program of about `depth` levels.
    mutating func program(depth: Int = 3) -> String {
        expression(depth)
    }

    private mutating func expression(_ depth: Int) -> String {
        if depth <= 0 || random.chance(25) { return atom() }
        let next = depth - 1
        switch random.below(16) {
        case 0, 1: return "\(expression(next)) \(random.pick(Self.operators)) \(expression(next))"
        case 2: return "\(expression(next)) | \(expression(next))"
        case 3: return "[\(expression(next)), \(expression(next))]"
        case 4: return "{\"k\": \(expression(next)), (\(expression(next)) | tostring): 1}"
        case 5: return "if \(expression(next)) then \(expression(next)) else \(expression(next)) end"
        case 6: return "try \(expression(next)) catch \(random.chance(50) ? "." : expression(next))"
        case 7: return "reduce (\(expression(next))) as $x (\(atom()); . + [$x])"
        case 8: return "\(random.pick(Self.builtins1))(\(expression(next)))"
        case 9: return "\(expression(next)) | \(random.pick(Self.builtins0))"
        case 10: return "(\(expression(next))) as $v | \(expression(next)) | [., $v]"
        case 11: return "\"<\\(\(expression(next)))>\""
        case 12: return "[\(expression(next))?]"
        case 13: return "\(random.pick(Self.paths)) |= \(expression(next))"
        case 14: return ".[\(expression(next))]?"
        default: return "[foreach (\(expression(next))) as $x (0; . + 1; [., $x])]"
        }
    }

    private mutating func atom() -> String {
        switch random.below(4) {
        case 0: return random.pick(Self.literals)
        case 1: return random.pick(Self.builtins0)
        default: return random.pick(Self.paths)
        }
    }
}

/// Swirl's jq engine against jq on thousands of generated programs: each must give what jq 1.6
/// gives (outputs, their order, and error messages), or, where jq 1.6 and the newer libjq from PyPI
/// disagree, what the newer one gives. Program `i` of a seed is always the same, so a
/// disagreement can be replayed; `SWIRL_JQ_CORPUS` sets how many programs (2,000 by default).
@Suite struct JQCorpusTests {
    static let count = ProcessInfo.processInfo.environment["SWIRL_JQ_CORPUS"].flatMap { Int($0) } ?? 2_000

    static func programs(seed: UInt64, count: Int) -> [String] {
        var generator = JQProgramGenerator(seed: seed)
        var seen = Set<String>()
        var programs: [String] = []
        while programs.count < count {
            let program = generator.program()
            // Only programs jq 1.6 compiles: one that does not would fail the whole batch.
            guard seen.insert(program).inserted, JQSyntax.check(program, variables: [], dialect: .jq16) == nil else { continue }
            programs.append(program)
        }
        return programs
    }

    @Test("generated programs give what jq gives")
    func corpus() throws {
        let programs = Self.programs(seed: 0xC0_FFEE, count: Self.count)
        let cases = programs.map { (program: $0, input: JQProgramGenerator.input) }
        // In batches: jq 1.6 refuses a program that compiles to more than 256 KiB.
        var old: [JSON] = []
        for start in stride(from: 0, to: cases.count, by: 100) {
            old += try JQCompiledProgramTests.jq(Array(cases[start..<min(start + 100, cases.count)]))
        }
        try #require(old.count == cases.count)
        let newer = try Self.pypi(cases)
        try #require(newer.count == cases.count)
        var disagreements: [String] = []
        var versionDifferences = 0
        var unverifiable = 0
        var reworded = 0
        var known: [String] = []
        for (index, program) in programs.enumerated() {
            // As jq prints it: infinities become the largest double.
            let mine = (try? JSON(parsing: Self.evaluate(program).serialized())) ?? .null
            if JQCompiledProgramTests.identical(mine, old[index]) { continue }
            if JQCompiledProgramTests.identical(Self.loose(mine), Self.loose(old[index])) {
                reworded += 1
                continue
            }
            if let reason = Self.knownDifferences[program] {
                known.append(reason)
                continue
            }
            if newer[index]["newer jq failed"] != nil && old[index] != newer[index] {
                // jq 1.8 reads some programs differently from 1.6 and 1.7.1 (`try (…) as $v | …`):
                // nothing to compare with but 1.6.
                unverifiable += 1
                continue
            }
            if JQCompiledProgramTests.identical(Self.canonical(mine), Self.canonical(newer[index]))
                && !JQCompiledProgramTests.identical(old[index], newer[index])
            {
                versionDifferences += 1
                continue
            }
            func shown(_ value: JSON) -> String { String(value.serialized().prefix(300)) }
            disagreements.append(
                "#\(index) \(program)\n  swirl:  \(shown(mine))\n  jq 1.6: \(shown(old[index]))\n  newer:  \(shown(newer[index]))")
        }
        print(
            "jq corpus: \(programs.count) programs, \(versionDifferences) follow the newer jq where 1.6 differs, "
                + "\(unverifiable) only 1.6 reads, \(reworded) differ in the wording of a path or regex error, "
                + "\(known.count) known differences, \(disagreements.count) disagree")
        #expect(disagreements.isEmpty, Comment(rawValue: disagreements.prefix(30).joined(separator: "\n")))
    }

    /// Error messages as they compare between jq 1.7.1, which Swirl follows, and the newer jq:
    /// a value quoted in a message is cut at 11 bytes by one and about 30 by the other, and the
    /// newer one quotes the key it could not index with; a regex's compile error is worded by its
    /// own engine. The messages are compared without the quoted values.
    static func canonical(_ value: JSON) -> JSON {
        switch loose(value) {
        case .string(let text):
            var text = text
            // `Cannot index object with boolean (false)`, `... with string ("k")`: the key goes.
            text = text.replacing(Self.indexKey) { " with \($0.output[1].substring ?? "")" }
            // Quoted values, cut or whole: `string ("Text, with...)`.
            text = text.replacing(Self.quotedValue) { _ in " (…)" }
            return .string(text)
        case .array(let elements): return .array(elements.map(canonical))
        case .object(let members): return .object(members.mapValues(canonical))
        default: return value
        }
    }

    /// Messages whose wording Swirl does not follow: the compile errors of a regex (Swift's
    /// engine words them, not Oniguruma), and where in a path expression a value that is no path
    /// was noticed (Swirl notices it when it leaves the expression, jq when it is indexed).
    static func loose(_ value: JSON) -> JSON {
        switch value {
        case .string(let text) where text.hasPrefix("Regex failure"): return "Regex failure"
        case .string(let text) where text.hasPrefix("Invalid path expression"): return "Invalid path expression"
        case .array(let elements): return .array(elements.map(loose))
        case .object(let members): return .object(members.mapValues(loose))
        default: return value
        }
    }

    /// Programs of the default corpus where no reference gives what jq 1.7.1 gives, each with why.
    static let knownDifferences: [String: String] = [
        #""<\(try false catch . - (.g[].k) as $v | .g[0] | [., $v])>""#:
            "jq 1.6's try also catches errors raised after its body's output; jq 1.8 reads `A - T as $v | B` differently",
        #"all(.["<\(tonumber)>"]?)"#:
            "jq 1.6's `?` hides the key's error; jq 1.8 words tonumber's error anew",
        #"join(try "<\(@json)>" catch .g[0])"#:
            "jq 1.6's try also catches errors raised after its body's output; jq 1.8 quotes values longer",
    ]

    nonisolated(unsafe) static let indexKey = try! Regex(#" with (string|number|boolean|null|array|object)(?: \(.*\)| ".*")?$"#)
    nonisolated(unsafe) static let quotedValue = try! Regex(#" \((?:[^()"]|"(?:[^"\\]|\\.)*(?:"|\.\.\.))*\)"#)

    /// A program's outputs on the document, wrapped as the reference runs it.
    static func evaluate(_ program: String) -> JSON {
        do {
            let compiled = try JQCompiledProgram(JQCompiledProgramTests.wrapped(program), variables: [])
            return try compiled.run(JQProgramGenerator.input).first ?? .null
        } catch {
            return ["swirl failed": .string("\(error)")]
        }
    }

    /// Each case run by PyPI's jq module, in one Python process: its outputs, as an array.
    static func pypi(_ cases: [(program: String, input: JSON)]) throws -> [JSON] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swirl-corpus-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let list = JSON.array(cases.map { [.string(JQCompiledProgramTests.wrapped($0.program)), $0.input] })
        try list.serialized().write(to: file, atomically: true, encoding: .utf8)
        let script = """
            import jq, json, sys
            results = []
            for program, data in json.load(open(sys.argv[1], encoding="utf-8")):
                try:
                    results.append(jq.compile(program).input_value(data).first())
                except Exception as error:
                    results.append({"newer jq failed": str(error)})
            print(json.dumps(results, ensure_ascii=False))
            """
        guard case .array(let results) = try JQRegexTests.run(ReferenceJQ.python, ["-c", script, file.path]) else { return [] }
        return results
    }
}
