import SwirlCore
@testable import SwirlExpressions
import Testing

/// The trees ``JQParser`` builds, written out as s-expressions so a test reads as the shape it
/// expects: `(index . "a")` is `.a`, `(pipe A B)` is `A | B`, and a trailing `?` marks an
/// optional index, slice or iteration.
@Suite struct JQASTTests {
    static func tree(_ expression: String, _ dialect: JQDialect = .jq171, variables: Set<String> = []) throws -> String {
        switch JQSyntax.parse(expression, variables: variables, dialect: dialect) {
        case .success(let node): return sketch(node)
        case .failure(let error): throw error
        }
    }

    static func sketch(_ node: JQNode) -> String {
        switch node {
        case .identity: return "."
        case .literal(let value): return value.serialized()
        case .interpolated(let format, let parts):
            let rendered = parts.map { part -> String in
                switch part {
                case .text(let text): JSON.string(text).serialized()
                case .expression(let node): sketch(node)
                }
            }
            return "(string @\(format) \(rendered.joined(separator: " ")))"
        case .format(let name): return "@\(name)"
        case .index(let base, let key, let optional):
            return "(index\(mark(optional)) \(sketch(base)) \(sketch(key)))"
        case .slice(let base, let from, let to, let optional):
            return "(slice\(mark(optional)) \(sketch(base)) \(from.map(sketch) ?? "_") \(to.map(sketch) ?? "_"))"
        case .iterate(let base, let optional): return "(each\(mark(optional)) \(sketch(base)))"
        case .pipe(let a, let b): return "(pipe \(sketch(a)) \(sketch(b)))"
        case .comma(let a, let b): return "(comma \(sketch(a)) \(sketch(b)))"
        case .negate(let a): return "(neg \(sketch(a)))"
        case .binary(let operation, let a, let b): return "(\(operation.rawValue) \(sketch(a)) \(sketch(b)))"
        case .and(let a, let b): return "(and \(sketch(a)) \(sketch(b)))"
        case .or(let a, let b): return "(or \(sketch(a)) \(sketch(b)))"
        case .alternative(let a, let b): return "(// \(sketch(a)) \(sketch(b)))"
        case .assign(let operation, let path, let value):
            let name: String
            switch operation {
            case .set: name = "="
            case .update: name = "|="
            case .arithmetic(let arithmetic): name = arithmetic.rawValue + "="
            case .alternative: name = "//="
            }
            return "(\(name) \(sketch(path)) \(sketch(value)))"
        case .array(let elements): return "[\(elements.map(sketch) ?? "")]"
        case .object(let entries):
            return "{" + entries.map { "\(sketch($0.key)): \(sketch($0.value))" }.joined(separator: ", ") + "}"
        case .conditional(let condition, let then, let otherwise):
            return "(if \(sketch(condition)) \(sketch(then)) \(otherwise.map(sketch) ?? "_"))"
        case .try(let body, let handler): return "(try \(sketch(body)) \(handler.map(sketch) ?? "_"))"
        case .optional(let body): return "(? \(sketch(body)))"
        case .reduce(let source, let patterns, let initial, let update):
            return "(reduce \(sketch(source)) \(patterns.map(sketch).joined(separator: " ?// ")) \(sketch(initial)) \(sketch(update)))"
        case .foreach(let source, let patterns, let initial, let update, let extract):
            return "(foreach \(sketch(source)) \(patterns.map(sketch).joined(separator: " ?// ")) \(sketch(initial)) "
                + "\(sketch(update)) \(extract.map(sketch) ?? "_"))"
        case .definition(let definition, let rest):
            let parameters = definition.parameters.map { ($0.isValue ? "$" : "") + $0.name }
            let signature = parameters.isEmpty ? definition.name : "\(definition.name)(\(parameters.joined(separator: "; ")))"
            return "(def \(signature) \(sketch(definition.body)) \(sketch(rest)))"
        case .call(let name, let arguments, _):
            if arguments.isEmpty { return name }
            return "(\(name) \(arguments.map(sketch).joined(separator: " ")))"
        case .variable(let name, _): return "$\(name)"
        case .location(let line): return "(loc \(line))"
        case .bind(let source, let patterns, let body):
            return "(as \(sketch(source)) \(patterns.map(sketch).joined(separator: " ?// ")) \(sketch(body)))"
        case .label(let name, let body): return "(label $\(name) \(sketch(body)))"
        case .break(let name, _): return "(break $\(name))"
        }
    }

    static func sketch(_ pattern: JQPattern) -> String {
        switch pattern {
        case .variable(let name): return "$\(name)"
        case .array(let elements): return "[" + elements.map(sketch).joined(separator: ", ") + "]"
        case .object(let entries):
            let rendered = entries.map { entry -> String in
                var text = entry.variable.map { "$\($0)" } ?? sketch(entry.key)
                if let pattern = entry.pattern { text += ": " + sketch(pattern) }
                return text
            }
            return "{" + rendered.joined(separator: ", ") + "}"
        }
    }

    private static func mark(_ optional: Bool) -> String {
        optional ? "?" : ""
    }

    @Test(arguments: [
        (".", "."),
        ("", "."),
        ("..", "recurse"),
        (".a", #"(index . "a")"#),
        (".a?", #"(index? . "a")"#),
        (#"."a b""#, #"(index . "a b")"#),
        (".a.b[0]", #"(index (index (index . "a") "b") 0)"#),
        (".a?.b", #"(index (index? . "a") "b")"#),
        (".a??", #"(? (index? . "a"))"#),
        (".[]?", "(each? .)"),
        (".[1:]", "(slice . 1 _)"),
        (".[:2]", "(slice . _ 2)"),
        (".[1:2]?", "(slice? . 1 2)"),
        (".a.[0]", #"(index (index . "a") 0)"#),
        ("(1, 2) | . + 1", "(pipe (comma 1 2) (+ . 1))"),
        ("1, 2, 3", "(comma (comma 1 2) 3)"),
        ("not | length | empty", "(pipe not (pipe length empty))"),
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("-.a + 1", #"(+ (neg (index . "a")) 1)"#),
        ("1 // 2 // 3", "(// 1 (// 2 3))"),
        ("1 and 2 or 3", "(or (and 1 2) 3)"),
        (".a = 1", #"(= (index . "a") 1)"#),
        (".a |= . + 1", #"(|= (index . "a") (+ . 1))"#),
        (".a += 2", #"(+= (index . "a") 2)"#),
        (".a //= 3", #"(//= (index . "a") 3)"#),
        ("1 == 2", "(== 1 2)"),
        ("[]", "[]"),
        ("[1, 2]", "[(comma 1 2)]"),
        ("{a: 1, \"b\": 2, (\"c\"): 3}", #"{"a": 1, "b": 2, "c": 3}"#),
        ("{a, $x, \"b\"}", #"{"a": (index . "a"), "x": $x, "b": (index . "b")}"#),
        ("{if: 1}", #"{"if": 1}"#),
        ("{a: 1 | 2}", #"{"a": (pipe 1 2)}"#),
        ("{$__loc__}", #"{"__loc__": (loc 1)}"#),
        ("\n\n$__loc__", "(loc 3)"),
        (#""a\(1)b\n""#, #"(string @text "a" 1 "b\n")"#),
        (#"@base64 "x\(.)""#, #"(string @base64 "x" .)"#),
        (#"@base64 "plain""#, #""plain""#),
        (#""\u00e9\ud83d\ude00\/""#, #""é😀/""#),
        ("@csv", "@csv"),
        (#".@text "k""#, #"(index . "k")"#),
        ("if . then 1 end", "(if . 1 _)"),
        ("if .a then 1 elif .b then 2 else 3 end", #"(if (index . "a") 1 (if (index . "b") 2 3))"#),
        ("try error catch .", "(try error .)"),
        ("try error", "(try error _)"),
        ("error?", "(? error)"),
        ("reduce .[] as $x (0; . + $x)", "(reduce (each .) $x 0 (+ . $x))"),
        ("foreach .[] as [$a, $b] (0; 1; 2)", "(foreach (each .) [$a, $b] 0 1 2)"),
        ("foreach .[] as $x (0; 1)", "(foreach (each .) $x 0 1 _)"),
        (". as {a: $x, $y, \"c\": [$z]} | 1", #"(as . {"a": $x, $y, "c": [$z]} 1)"#),
        (". as [$a] ?// $a | $a", "(as . [$a] ?// $a $a)"),
        ("def f(g; $x): g + $x; f(.; 1)", "(def f(g; $x) (+ g $x) (f . 1))"),
        ("def f: 1; def g: f; g", "(def f 1 (def g f g))"),
        ("label $out | 1, break $out", "(label $out (comma 1 (break $out)))"),
        ("null, true, false", "(comma (comma null true) false)"),
        ("path(..)", "(path recurse)"),
        ("$x", "$x"),
    ])
    func shape(expression: String, expected: String) throws {
        #expect(try Self.tree(expression, variables: ["x"]) == expected)
    }

    @Test func variablesKeepTheirOffsets() throws {
        guard case .pipe(.variable("x", let offset), .call("length", let arguments, let callOffset)) = try JQSyntax.parse(
            "  $x | length", variables: ["x"], dialect: .jq171
        ).get() else {
            Issue.record("unexpected tree")
            return
        }
        #expect(arguments.isEmpty)
        #expect(offset == 2)
        #expect(callOffset == 7)
    }

    @Test func jq16RejectsWhat171Accepts() {
        for expression in ["if . then 1 end", ".a.[0]", "{$__loc__}"] {
            #expect(throws: JQSyntaxError.self) { try Self.tree(expression, .jq16) }
            #expect(throws: Never.self) { try Self.tree(expression, .jq171) }
        }
    }

    @Test func constantDivisionByZeroIsLeftToRunTimeIn171() throws {
        #expect(throws: JQSyntaxError.self) { try Self.tree("1 / 0", .jq16) }
        #expect(try Self.tree("1 / 0") == "(/ 1 0)")
    }
}
