/// SplitMix64: a tiny seeded generator, so every generated expression is the same on every run.
struct JQSyntaxRandom {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound`.
    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// True with probability `percent` in 100.
    mutating func chance(_ percent: Int) -> Bool {
        below(100) < percent
    }

    mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }
}

/// Writes random jq 1.6 programs from the grammar, mostly valid, and breaks them on purpose.
///
/// Programs are built as token lists that track what is in scope (variables, labels, functions
/// and their arities), so most of them compile; operators are sometimes chained without
/// parentheses and object values sometimes use operators, so precedence corners come up too.
/// ``mutate(_:)`` then deletes, repeats, swaps and inserts tokens, truncates, renames functions
/// and unbinds variables. Which results are valid is for libjq to say, not the generator.
struct JQSyntaxGenerator {
    private var random: JQSyntaxRandom
    private var variables: [String] = []
    private var labels: [String] = []
    private var functions: [(name: String, arity: Int)] = []
    private var nextName = 0

    /// Builtins the generator calls, with their arities in jq 1.6.
    private static let builtins: [(name: String, arity: Int)] = [
        ("length", 0), ("keys", 0), ("map", 1), ("select", 1), ("tostring", 0), ("tojson", 0), ("add", 0),
        ("has", 1), ("contains", 1), ("range", 1), ("range", 2), ("test", 1), ("sub", 2), ("split", 1),
        ("join", 1), ("ascii_downcase", 0), ("to_entries", 0), ("from_entries", 0), ("with_entries", 1),
        ("paths", 0), ("getpath", 1), ("limit", 2), ("first", 1), ("last", 0), ("empty", 0), ("error", 1),
        ("not", 0), ("type", 0), ("env", 0), ("input_line_number", 0), ("splits", 1), ("ltrimstr", 1),
        ("min_by", 1), ("unique", 0), ("flatten", 0), ("any", 0), ("all", 1), ("recurse", 0), ("recurse", 1),
        ("path", 1), ("del", 1), ("tostream", 0), ("isempty", 1), ("IN", 1), ("INDEX", 1), ("now", 0),
        ("todate", 0), ("values", 0), ("nulls", 0), ("tonumber", 0), ("floor", 0), ("sqrt", 0), ("pow", 2),
        ("until", 2), ("while", 2), ("repeat", 1), ("walk", 1), ("transpose", 0), ("splits", 2), ("gsub", 2),
        ("capture", 1), ("scan", 1), ("ascii", 0), ("trim", 0), ("abs", 0), ("pick", 1), ("getpath", 0),
    ]

    private static let formats = ["@text", "@json", "@html", "@uri", "@csv", "@tsv", "@sh", "@base64", "@base64d"]
    private static let numbers = ["0", "1", "2", "10", "1.5", ".5", "1.", "1e3", "2E-2", "1.5e+3", "00", "3"]
    private static let keys = ["a", "b", "name", "if", "then", "end", "as", "reduce", "and", "__loc__", "true"]
    private static let strings = [
        #""a""#, #""""#, #""x y""#, #""\n""#, #""\u00e9""#, #""\"q\"""#, #""\\""#, #""\t\r""#, #""é""#,
        #""\uD83D\uDE00""#, #""a/b""#, #""\/""#,
    ]

    init(seed: UInt64, variables: [String]) {
        random = JQSyntaxRandom(seed: seed)
        self.variables = variables
    }

    /// A whole program as tokens.
    mutating func program() -> [String] {
        let saved = (variables, labels, functions)
        defer { (variables, labels, functions) = saved }
        var tokens: [String] = []
        if random.chance(15) {
            tokens += definition(depth: 2)
            if random.chance(10) { return tokens }
        }
        return tokens + expression(depth: 3 + random.below(2))
    }

    /// Joins tokens into text: mostly single spaces, sometimes newlines, comments or nothing.
    mutating func render(_ tokens: [String]) -> String {
        var text = ""
        for (index, token) in tokens.enumerated() {
            if index > 0 {
                switch random.below(40) {
                case 0: text += "\n"
                case 1: text += " # note\n"
                case 2: text += "\t"
                case 3, 4: break
                default: text += " "
                }
            }
            text += token
        }
        return text
    }

    // MARK: - Expressions

    private mutating func expression(depth: Int) -> [String] {
        guard depth > 0 else { return term(depth: 0) }
        switch random.below(24) {
        case 0, 1, 2: return expression(depth: depth - 1) + ["|"] + expression(depth: depth - 1)
        case 3: return expression(depth: depth - 1) + [","] + expression(depth: depth - 1)
        case 4, 5: return binary(depth: depth)
        case 6: return binding(depth: depth)
        case 7: return reduction(depth: depth)
        case 8: return conditional(depth: depth)
        case 9:
            var tokens = ["try"] + operand(depth: depth - 1)
            if random.chance(50) { tokens += ["catch"] + operand(depth: depth - 1) }
            return tokens
        case 10: return operand(depth: depth - 1) + ["?"]
        case 11: return ["-"] + operand(depth: depth - 1)
        case 12:
            let saved = functions
            defer { functions = saved }
            return definition(depth: depth - 1) + expression(depth: depth - 1)
        case 13: return label(depth: depth)
        case 14:
            let update = random.pick(["=", "|=", "+=", "-=", "*=", "/=", "%=", "//="])
            return path(depth: depth) + [update] + operand(depth: depth - 1)
        default: return term(depth: depth - 1)
        }
    }

    /// An operand: a term, or a parenthesised expression so precedence does not matter.
    private mutating func operand(depth: Int) -> [String] {
        random.chance(70) ? term(depth: depth) : ["("] + expression(depth: depth) + [")"]
    }

    private mutating func binary(depth: Int) -> [String] {
        let operators = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or", "//"]
        var tokens = operand(depth: depth - 1)
        for _ in 0...random.below(3) {
            tokens += [random.pick(operators)] + operand(depth: depth - 1)
        }
        return tokens
    }

    private mutating func binding(depth: Int) -> [String] {
        let source = term(depth: depth - 1)
        let (pattern, bound) = patterns(depth: depth - 1)
        variables += bound
        defer { variables.removeLast(bound.count) }
        return source + ["as"] + pattern + ["|"] + expression(depth: depth - 1)
    }

    private mutating func reduction(depth: Int) -> [String] {
        let isForeach = random.chance(40)
        let source = term(depth: depth - 1)
        let (pattern, bound) = patterns(depth: depth - 1)
        var tokens = [isForeach ? "foreach" : "reduce"] + source + ["as"] + pattern + ["("]
        tokens += expression(depth: depth - 1) + [";"]
        variables += bound
        defer { variables.removeLast(bound.count) }
        tokens += expression(depth: depth - 1)
        if isForeach && random.chance(50) {
            tokens += [";"] + expression(depth: depth - 1)
        }
        return tokens + [")"]
    }

    private mutating func conditional(depth: Int) -> [String] {
        var tokens = ["if"] + expression(depth: depth - 1) + ["then"] + expression(depth: depth - 1)
        for _ in 0..<random.below(2) {
            tokens += ["elif"] + expression(depth: depth - 1) + ["then"] + expression(depth: depth - 1)
        }
        return tokens + ["else"] + expression(depth: depth - 1) + ["end"]
    }

    private mutating func label(depth: Int) -> [String] {
        let name = fresh("out")
        labels.append(name)
        defer { labels.removeLast() }
        return ["label", "$" + name, "|"] + expression(depth: depth - 1)
    }

    /// `def name: body;` or `def name(params): body;`; the name stays in scope afterwards.
    private mutating func definition(depth: Int) -> [String] {
        let name = fresh("f")
        var parameters: [String] = []
        for _ in 0..<random.below(3) {
            parameters.append((random.chance(40) ? "$" : "") + fresh("p"))
        }
        var tokens = ["def", name]
        if !parameters.isEmpty {
            tokens.append("(")
            for (index, parameter) in parameters.enumerated() {
                if index > 0 { tokens.append(";") }
                tokens.append(parameter)
            }
            tokens.append(")")
        }
        tokens.append(":")
        let savedVariables = variables
        let savedFunctions = functions
        for parameter in parameters {
            if parameter.hasPrefix("$") {
                variables.append(String(parameter.dropFirst()))
                functions.append((String(parameter.dropFirst()), 0))
            } else {
                functions.append((parameter, 0))
            }
        }
        functions.append((name, parameters.count))
        tokens += expression(depth: depth)
        tokens.append(";")
        variables = savedVariables
        functions = savedFunctions
        functions.append((name, parameters.count))
        return tokens
    }

    // MARK: - Terms

    private mutating func term(depth: Int) -> [String] {
        var tokens: [String]
        switch random.below(depth > 0 ? 22 : 12) {
        case 0: tokens = ["."]
        case 1: tokens = [random.pick([".a", ".b", ".name", ".items", ".if", ".end"])]
        case 2: tokens = [random.pick(Self.numbers)]
        case 3: tokens = [random.pick(Self.strings)]
        case 4: tokens = variables.isEmpty ? ["$__loc__"] : ["$" + random.pick(variables)]
        case 5: tokens = [random.pick(["true", "false", "null", "$__loc__", "$ENV", "..", "empty"])]
        case 6: tokens = call(depth: 0)
        case 7: tokens = [random.pick(Self.formats)]
        case 8: tokens = ["[", "]"]
        case 9: tokens = ["{", "}"]
        case 10: tokens = labels.isEmpty ? ["."] : ["break", "$" + random.pick(labels)]
        case 11: tokens = [".", "[", "]"]
        case 12, 13: tokens = call(depth: depth - 1)
        case 14: tokens = ["("] + expression(depth: depth - 1) + [")"]
        case 15: tokens = ["["] + expression(depth: depth - 1) + ["]"]
        case 16, 17: tokens = object(depth: depth - 1)
        case 18: tokens = [interpolatedString(depth: depth - 1)]
        case 19: tokens = [random.pick(Self.formats), interpolatedString(depth: depth - 1)]
        default: tokens = path(depth: depth)
        }
        // Suffixes: fields, indexes, slices, iteration, each possibly optional.
        while random.chance(depth > 0 ? 30 : 10) {
            switch random.below(6) {
            case 0: tokens.append(random.pick([".a", ".b", ".x"]))
            case 1: tokens += ["[", random.pick(Self.numbers + ["-1", #""k""#]), "]"]
            case 2: tokens += ["[", "]"]
            case 3: tokens += ["[", random.pick(["0", "1"]), ":", random.pick(["2", "-1"]), "]"]
            case 4: tokens += random.chance(50) ? ["[", ":", "2", "]"] : ["[", "1", ":", "]"]
            default: tokens += [".", random.pick([#""k""#, #""a b""#])]
            }
            if random.chance(30) { tokens.append("?") }
        }
        return tokens
    }

    private mutating func path(depth: Int) -> [String] {
        var tokens = [random.pick([".a", ".b", "."])]
        if tokens == ["."] { tokens += ["[", random.pick(["0", #""k""#]), "]"] }
        for _ in 0..<random.below(3) {
            tokens.append(random.pick([".c", ".d"]))
            if random.chance(20) { tokens.append("?") }
        }
        return tokens
    }

    private mutating func call(depth: Int) -> [String] {
        if !functions.isEmpty && random.chance(40) {
            let function = random.pick(functions)
            return [function.name] + arguments(function.arity, depth: depth)
        }
        let builtin = random.pick(Self.builtins)
        return [builtin.name] + arguments(builtin.arity, depth: depth)
    }

    private mutating func arguments(_ count: Int, depth: Int) -> [String] {
        guard count > 0 else { return [] }
        var tokens = ["("]
        for index in 0..<count {
            if index > 0 { tokens.append(";") }
            tokens += depth > 0 ? expression(depth: depth) : term(depth: 0)
        }
        return tokens + [")"]
    }

    private mutating func object(depth: Int) -> [String] {
        var tokens = ["{"]
        let count = 1 + random.below(3)
        for index in 0..<count {
            if index > 0 { tokens.append(",") }
            switch random.below(7) {
            case 0: tokens.append(random.pick(Self.keys))
            case 1: tokens.append(variables.isEmpty ? "$__loc__" : "$" + random.pick(variables))
            case 2: tokens += [random.pick(Self.strings)]
            case 3: tokens += ["(", random.pick([".k", #""k""#, "1", "[]", ".k | tostring"]), ")", ":"] + value(depth)
            case 4: tokens += [random.pick(Self.strings), ":"] + value(depth)
            default: tokens += [random.pick(Self.keys), ":"] + value(depth)
            }
        }
        if random.chance(10) { tokens.append(",") }
        return tokens + ["}"]
    }

    /// An object value: a term, terms joined by `|`, or (sometimes) an operator jq 1.6 rejects there.
    private mutating func value(_ depth: Int) -> [String] {
        switch random.below(10) {
        case 0: return term(depth: depth) + ["|"] + term(depth: depth)
        case 1: return ["-"] + term(depth: depth)
        case 2: return term(depth: depth) + [random.pick(["+", "?", "//", "and"])] + term(depth: depth)
        case 3: return ["("] + expression(depth: depth) + [")"]
        default: return term(depth: depth)
        }
    }

    private mutating func interpolatedString(depth: Int) -> String {
        var text = "\""
        for _ in 0...random.below(3) {
            switch random.below(4) {
            case 0: text += random.pick(["a", " ", "\\n", "\\u0041", "é", "\\\\", "\\\"", "\\/"])
            default: text += "\\(" + render(expression(depth: depth)) + ")"
            }
        }
        return text + "\""
    }

    // MARK: - Patterns

    private mutating func patterns(depth: Int) -> (tokens: [String], bound: [String]) {
        var (tokens, bound) = pattern(depth: depth)
        while random.chance(15) {
            let (more, moreBound) = pattern(depth: depth)
            tokens += ["?//"] + more
            bound += moreBound
        }
        return (tokens, bound)
    }

    private mutating func pattern(depth: Int) -> (tokens: [String], bound: [String]) {
        switch depth > 0 ? random.below(4) : 0 {
        case 1:
            var tokens = ["["]
            var bound: [String] = []
            for index in 0...random.below(2) {
                if index > 0 { tokens.append(",") }
                let (inner, innerBound) = pattern(depth: depth - 1)
                tokens += inner
                bound += innerBound
            }
            return (tokens + ["]"], bound)
        case 2:
            var tokens = ["{"]
            var bound: [String] = []
            for index in 0...random.below(2) {
                if index > 0 { tokens.append(",") }
                switch random.below(4) {
                case 0:
                    let name = fresh("v")
                    tokens.append("$" + name)
                    bound.append(name)
                case 1:
                    tokens += ["(", random.pick([#""a""#, ".k"]), ")", ":"]
                    let (inner, innerBound) = pattern(depth: depth - 1)
                    tokens += inner
                    bound += innerBound
                default:
                    tokens += [random.pick(Self.keys + [#""s""#]), ":"]
                    let (inner, innerBound) = pattern(depth: depth - 1)
                    tokens += inner
                    bound += innerBound
                }
            }
            return (tokens + ["}"], bound)
        default:
            let name = fresh("v")
            return (["$" + name], [name])
        }
    }

    private mutating func fresh(_ prefix: String) -> String {
        nextName += 1
        return prefix + String(nextName)
    }

    // MARK: - Mutations

    /// Tokens that mutations insert.
    private static let stray = [
        "|", ",", "(", ")", "[", "]", "{", "}", ":", ";", ".", "..", "?", "?//", "//", "=", "==", "<", "+", "-",
        "as", "if", "then", "else", "elif", "end", "def", "reduce", "foreach", "try", "catch", "label", "break",
        "$", "$x", "$__loc__", "__loc__", "and", "or", "\"", "@base64", "1", ".e3", "1.2.3", "..5", "\r", "é",
        "#", "\\", "import", "\"\\q\"", "1/0", "{(1):2}", "length", "lenght", "f(1)", "\"\\(\"",
    ]

    /// A copy of `tokens` with one to three random changes.
    mutating func mutate(_ tokens: [String]) -> [String] {
        var tokens = tokens
        for _ in 0...random.below(3) where !tokens.isEmpty {
            let index = random.below(tokens.count)
            switch random.below(9) {
            case 0: tokens.remove(at: index)
            case 1: tokens.insert(tokens[index], at: index)
            case 2:
                if index + 1 < tokens.count { tokens.swapAt(index, index + 1) }
            case 3: tokens.insert(random.pick(Self.stray), at: index)
            case 4: tokens = Array(tokens.prefix(index))
            case 5:
                // A typo in a name, or the wrong number of arguments.
                let names = tokens.indices.filter { tokens[$0].first?.isLetter == true }
                if let at = names.randomElement(using: &random) {
                    tokens[at] = random.chance(50) ? String(tokens[at].reversed()) : tokens[at] + "s"
                }
            case 6:
                let variables = tokens.indices.filter { tokens[$0].hasPrefix("$") }
                if let at = variables.randomElement(using: &random) {
                    tokens[at] += "x"
                }
            case 7:
                if let at = tokens.firstIndex(of: ";") ?? tokens.firstIndex(of: "(") {
                    tokens.remove(at: at)
                }
            default:
                tokens[index] = random.pick(Self.stray)
            }
        }
        return tokens
    }
}

extension JQSyntaxRandom: RandomNumberGenerator {}
