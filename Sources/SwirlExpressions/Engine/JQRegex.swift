import SwirlCore
import Synchronization

extension JQNativeFunction {
    /// The regular-expression builtin: `_match_impl/3`, on which jq 1.7.1's own definitions of
    /// `match`, `test`, `capture`, `scan`, `split/2`, `splits`, `sub` and `gsub` are built.
    ///
    /// Its arguments are the regex, the modifier string (or `null`) and whether only a Boolean
    /// answer is wanted (`true`; anything else asks for the match objects).
    static let regexFunctions: [JQNativeFunction] = [
        // Watched: Swift's matching cannot be interrupted, so it runs on a helper while the
        // evaluation's deadline and stop signal are watched for it.
        JQNativeFunction("_match_impl") { input, regex, modifiers, testOnly throws(JQEvalError) in
            try JQRegex.match(input, regex: regex, modifiers: modifiers, testOnly: testOnly)
        }.runningWatched()
    ]
}

/// Swirl's jq regular expressions: jq 1.7.1's matching, with its regex dialect, carried out by
/// Swift's `Regex`.
///
/// Swift's syntax is close to the one jq uses; ``translate(_:flags:)`` rewrites the constructs
/// that mean something else there, so that a pattern written for jq finds what it finds in jq.
/// Matching runs on Unicode scalars, as jq's does on code points: `.` is one code point, and
/// offsets and lengths count code points. Compiled regexes are kept in a small shared cache,
/// since workflows apply the same few patterns to many values.
///
/// Swift's matching backtracks and cannot be interrupted: a pattern such as `(a+)+$` takes time
/// exponential in the length of a string it fails on (seconds for 18 `a`s and a `!`). So each
/// call runs on a ``JQWatchedWork`` helper, and the evaluation's deadline and stop signal end
/// the call on time; the limits below bound memory.
enum JQRegex {
    /// The longest pattern accepted, in UTF-8 bytes; longer ones are refused before compiling.
    static let maxPatternBytes = 1 << 16
    /// The longest string a regex is applied to, in UTF-8 bytes.
    static let maxInputBytes = 1 << 24
    /// The most match objects one call collects before it fails instead.
    static let maxMatches = 100_000
    /// How many compiled regexes the cache keeps.
    static let cacheCapacity = 64

    /// What a modifier string asks for. Only the letters that change how the pattern compiles
    /// are part of the cache key: ``ignoreCase``, ``extended`` and ``dotAll``.
    struct Flags: Hashable, Sendable {
        /// `g`: every match, not just the first.
        var global = false
        /// `i`: letters match either case.
        var ignoreCase = false
        /// `x`: white space and `#` comments in the pattern are ignored.
        var extended = false
        /// `m` or `p`: `.` matches a newline too. (`s` asks jq for `^` and `$` to anchor at the
        /// string's ends only, which they already do there, so it changes nothing.)
        var dotAll = false
        /// `l`: the longest match rather than the first.
        var longest = false
        /// `n`: empty matches are skipped.
        var notEmpty = false

        /// The modifiers of a jq regex call: a string of letters or `null`.
        ///
        /// - Throws: ``JQEvalError`` with jq 1.7.1's message for a value that is neither, or for
        ///   a string with a letter jq does not know (the message quotes the whole string).
        init(_ modifiers: JSON) throws(JQEvalError) {
            switch modifiers {
            case .null:
                return
            case .string(let letters):
                for letter in letters.unicodeScalars {
                    switch letter {
                    case "g": global = true
                    case "i": ignoreCase = true
                    case "x": extended = true
                    case "s": break
                    case "m", "p": dotAll = true
                    case "l": longest = true
                    case "n": notEmpty = true
                    default: throw .raised(.string(letters + " is not a valid modifier string"))
                    }
                }
            default:
                throw .raised(.string(JQValue.quoted(modifiers) + " is not a string"))
            }
        }
    }

    // MARK: matching

    /// jq's `_match_impl`: `input` searched for `regex` with `modifiers`.
    ///
    /// - Returns: with `testOnly` `true`, whether there is a match; otherwise an array of match
    ///   objects (one, or all with `g`), each `{offset, length, string, captures}` counted in code
    ///   points, every capture `{offset, length, string, name}`. A group that took no part in a
    ///   match has offset -1 and string `null`. In an empty match, as in jq 1.7.1, every capture
    ///   is reported empty at the match's offset, whether its group took part or not.
    /// - Throws: ``JQEvalError`` when `input`, `regex` or `modifiers` is of the wrong type, the
    ///   modifiers or the pattern are not valid, or a limit is passed.
    static func match(_ input: JSON, regex: JSON, modifiers: JSON, testOnly: JSON) throws(JQEvalError) -> JSON {
        guard case .string(let text) = input else {
            throw .raised(.string(JQValue.quoted(input) + " cannot be matched, as it is not a string"))
        }
        guard case .string(let pattern) = regex else {
            throw .raised(.string(JQValue.quoted(regex) + " is not a string"))
        }
        let flags = try Flags(modifiers)
        let compiled = try Self.compiled(pattern, flags)
        guard text.utf8.count <= maxInputBytes else {
            throw .raised(.string("Regex failure: the string is too long to match (more than \(maxInputBytes) bytes)"))
        }
        // jq 1.7.1 compares the flag with `true`: any other value asks for match objects.
        if case .bool(true) = testOnly {
            return .bool(text.matches(of: compiled).contains { !(flags.notEmpty && $0.range.isEmpty) })
        }
        let matches = try search(text, compiled, flags)
        var offsets = ScalarOffsets(text)
        return .array(matches.map { matchObject($0, in: text, offsets: &offsets) })
    }

    /// The matches jq 1.7.1 reports for `flags`, in order.
    ///
    /// After a match, the search resumes at its end, or one code point further for an empty
    /// match, which is where Swift's `matches(of:)` resumes too. With `l`, each reported match
    /// is the longest of those that follow the previous one (the first of equally long ones),
    /// measured in UTF-8 bytes as jq 1.7.1 measures it: `é` is longer than `e`.
    static func search(_ text: String, _ compiled: Regex<AnyRegexOutput>, _ flags: Flags) throws(JQEvalError) -> [Regex<AnyRegexOutput>.Match] {
        var found: [Regex<AnyRegexOutput>.Match] = []
        for match in text.matches(of: compiled) where !(flags.notEmpty && match.range.isEmpty) {
            guard found.count < maxMatches else {
                throw .raised(.string("Regex failure: more than \(maxMatches) matches"))
            }
            found.append(match)
            if !flags.global && !flags.longest { break }
        }
        guard flags.longest, !found.isEmpty else { return found }
        var chosen: [Regex<AnyRegexOutput>.Match] = []
        var next = 0
        while next < found.count {
            var best = next
            var bestLength = text.utf8.distance(from: found[next].range.lowerBound, to: found[next].range.upperBound)
            for candidate in (next + 1)..<found.count {
                let length = text.utf8.distance(from: found[candidate].range.lowerBound, to: found[candidate].range.upperBound)
                if length > bestLength {
                    best = candidate
                    bestLength = length
                }
            }
            chosen.append(found[best])
            if !flags.global { break }
            next = best + 1
        }
        return chosen
    }

    /// One match as jq 1.7.1 describes it, keys in jq's order.
    static func matchObject(_ match: Regex<AnyRegexOutput>.Match, in text: String, offsets: inout ScalarOffsets) -> JSON {
        let offset = offsets.offset(of: match.range.lowerBound)
        let length = offsets.offset(of: match.range.upperBound) - offset
        let groups = match.output.dropFirst()
        var captures: [JSON] = []
        captures.reserveCapacity(groups.count)
        for group in groups {
            let name: JSON = group.name.map(JSON.string) ?? .null
            if match.range.isEmpty {
                captures.append(["offset": .number(Double(offset)), "string": "", "length": 0, "name": name])
            } else if let range = group.range {
                let start = offsets.offset(of: range.lowerBound)
                let end = offsets.offset(of: range.upperBound)
                let part = String(text.unicodeScalars[range])
                if range.isEmpty {
                    captures.append(["offset": .number(Double(start)), "string": "", "length": 0, "name": name])
                } else {
                    captures.append([
                        "offset": .number(Double(start)), "length": .number(Double(end - start)), "string": .string(part), "name": name,
                    ])
                }
            } else {
                captures.append(["offset": -1, "string": .null, "length": 0, "name": name])
            }
        }
        return [
            "offset": .number(Double(offset)), "length": .number(Double(length)),
            "string": .string(String(text.unicodeScalars[match.range])), "captures": .array(captures),
        ]
    }

    /// Code-point offsets of indices in one string, found by counting on from the previous
    /// index asked about: matches come in order, so the whole search counts each code point
    /// about once instead of once per match.
    struct ScalarOffsets {
        /// The string the indices belong to.
        let text: String
        /// The index asked about last, and the number of code points before it.
        var index: String.Index
        var offset = 0

        init(_ text: String) {
            self.text = text
            index = text.startIndex
        }

        /// The number of code points before `position`.
        mutating func offset(of position: String.Index) -> Int {
            if position < index {
                index = text.startIndex
                offset = 0
            }
            offset += text.unicodeScalars.distance(from: index, to: position)
            index = position
            return offset
        }
    }

    // MARK: compiling

    /// A cache key: a pattern, compared by its code points (Swift's `==` on strings would let
    /// two different patterns share an entry), and the flags it was compiled with.
    struct CacheKey: Hashable, Sendable {
        let pattern: String
        let ignoreCase: Bool
        let extended: Bool
        let dotAll: Bool

        /// Equal patterns by code points, and equal flags.
        static func == (a: CacheKey, b: CacheKey) -> Bool {
            JSON.sameCodePoints(a.pattern, b.pattern) && a.ignoreCase == b.ignoreCase && a.extended == b.extended && a.dotAll == b.dotAll
        }

        /// A hash consistent with ``==(_:_:)``: over the pattern's code points.
        func hash(into hasher: inout Hasher) {
            JSON.hashCodePoints(pattern, into: &hasher)
            hasher.combine(ignoreCase)
            hasher.combine(extended)
            hasher.combine(dotAll)
        }
    }

    /// The cache's contents: compiled regexes and when each was last used, so that the least
    /// recently used one makes room when the cache is full.
    struct CacheState: Sendable {
        var entries: [CacheKey: (regex: SharedRegex, lastUse: UInt64)] = [:]
        var clock: UInt64 = 0
    }

    /// A compiled regex handed to any thread that asks the cache for it.
    ///
    /// `@unchecked` because the standard library declares no `Sendable` for `Regex` (its output
    /// type could hold anything), yet a `Regex` is immutable once built: matching only reads
    /// it, and the matching program it compiles on first use is published with an atomic
    /// store, so concurrent first uses are safe. Only ``compiled(_:_:)`` builds one.
    struct SharedRegex: @unchecked Sendable {
        let regex: Regex<AnyRegexOutput>
    }

    /// The compiled regexes every evaluation shares, bounded by ``cacheCapacity``.
    static let cache = Mutex(CacheState())

    /// `pattern` compiled for `flags`, from the cache when it is there.
    ///
    /// Compiling happens outside the lock: two tasks compiling the same new pattern at once
    /// both do the work, and one result is kept.
    /// - Throws: ``JQEvalError`` for a pattern over ``maxPatternBytes`` or one Swift cannot
    ///   compile, with the reason and the pattern: `Regex failure: <reason> (in "<pattern>")`.
    static func compiled(_ pattern: String, _ flags: Flags) throws(JQEvalError) -> Regex<AnyRegexOutput> {
        guard pattern.utf8.count <= maxPatternBytes else {
            throw .raised(.string("Regex failure: the regex is too long (more than \(maxPatternBytes) bytes)"))
        }
        let key = CacheKey(pattern: pattern, ignoreCase: flags.ignoreCase, extended: flags.extended, dotAll: flags.dotAll)
        let cached = cache.withLock { state -> SharedRegex? in
            guard let entry = state.entries[key] else { return nil }
            state.clock += 1
            state.entries[key] = (entry.regex, state.clock)
            return entry.regex
        }
        if let cached { return cached.regex }
        var regex: Regex<AnyRegexOutput>
        do {
            regex = try Regex(translate(pattern, flags: flags))
        } catch {
            throw .raised(.string("Regex failure: \(error) (in \(JSON.string(pattern).serialized()))"))
        }
        regex = regex.matchingSemantics(.unicodeScalar)
        if flags.ignoreCase { regex = regex.ignoresCase() }
        if flags.dotAll { regex = regex.dotMatchesNewlines() }
        let made = SharedRegex(regex: regex)
        cache.withLock { state in
            state.clock += 1
            if state.entries[key] == nil, state.entries.count >= cacheCapacity,
                let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
            {
                state.entries[oldest] = nil
            }
            state.entries[key] = (made, state.clock)
        }
        return regex
    }

    // MARK: translating

    /// `pattern`, written for jq, rewritten in Swift's regex syntax with the same meaning.
    ///
    /// Where the two differ on what a workflow author is likely to write:
    /// - `.` matches anything but `\n` in jq (also `\r` and U+2028); Swift's excludes every line
    ///   ending, so it becomes `[^\n]` (unless `.` is to match newlines, by flag or inline `s`).
    /// - `$` also matches before a final newline in jq; Swift's only at the very end.
    /// - `\d` is a decimal digit (`\p{Nd}`) in jq, where Swift also takes `²`; `\w` is a letter,
    ///   mark, number or connector (`_`), where Swift leaves out marks and some numbers (inside
    ///   a bracket jq's `\w` takes decimal digits only among numbers).
    /// - `\h` and `\v` are the letters `h` and `v` in jq's syntax; Swift reads them as kinds of
    ///   white space.
    /// - `\p{^L}` negates a property in jq; Swift writes it `\P{L}`.
    /// - `[]a]` and `[^]a]`: a `]` first in a bracket is literal in jq; Swift rejects it.
    /// - `[[:punct:]]` is punctuation and symbols in jq (`$`, `+`, emoji), punctuation only in
    ///   Swift; `[[:alnum:]]` and `[[:digit:]]` take decimal digits only among numbers; under
    ///   the `i` flag, `[[:upper:]]` and `[[:lower:]]` take letters of either case.
    /// - `{,n}` is literal text in jq's syntax, a quantifier in Swift's.
    /// - `a**` is `(a*)*`, that is `a*`, in jq; Swift rejects a quantifier on a quantifier.
    /// - with `x`, white space and `#` comments go, but white space inside a bracket stays, as
    ///   in jq (Swift's own `(?x)` would drop it), so it is done here rather than by Swift.
    /// Text between `\Q` and `\E` is copied as it is.
    static func translate(_ pattern: String, flags: Flags) -> String {
        let source = Array(pattern.unicodeScalars)
        let replaceDot = !flags.dotAll && !hasInlineDotAll(source)
        var out = String.UnicodeScalarView()
        var classDepth = 0
        var index = 0
        func emit(_ text: String) { out.append(contentsOf: text.unicodeScalars) }
        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < source.count ? source[index + offset] : nil
        }
        while index < source.count {
            let scalar = source[index]
            if scalar == "\\" {
                guard let escaped = peek(1) else {
                    emit("\\")
                    break
                }
                switch escaped {
                case "Q":
                    // Quoted text: copied up to (and with) the closing `\E`, or to the end.
                    emit("\\Q")
                    index += 2
                    while index < source.count, !(source[index] == "\\" && peek(1) == "E") {
                        out.append(source[index])
                        index += 1
                    }
                    if index < source.count { emit("\\E") }
                    index += 2
                    continue
                case "h", "v", "H", "V":
                    out.append(escaped)
                case "d": emit("\\p{Nd}")
                case "D": emit("\\P{Nd}")
                case "w": emit(classDepth > 0 ? wordMembersInBracket : "[" + wordMembers + "]")
                case "W": emit("[^" + wordMembers + "]")
                case "p" where peek(2) == "{" && peek(3) == "^":
                    emit("\\P{")
                    index += 4
                    continue
                case "P" where peek(2) == "{" && peek(3) == "^":
                    emit("\\p{")
                    index += 4
                    continue
                default:
                    out.append("\\")
                    out.append(escaped)
                }
                index += 2
                continue
            }
            if classDepth > 0 {
                if scalar == "[", peek(1) == ":", let close = closingOfPOSIXClass(source, from: index) {
                    let name = String(String.UnicodeScalarView(source[(index + 2)..<close]))
                    let negated = name.hasPrefix("^")
                    let members: String? =
                        switch negated ? String(name.dropFirst()) : name {
                        case "punct": "\\p{P}\\p{S}"
                        case "alnum": "\\p{Alphabetic}\\p{Nd}"
                        case "digit": "\\p{Nd}"
                        case "upper" where flags.ignoreCase, "lower" where flags.ignoreCase: "\\p{Lu}\\p{Ll}\\p{Lt}"
                        default: nil
                        }
                    if let members {
                        emit(negated ? "[^" + members + "]" : members)
                    } else {
                        emit("[:" + name + ":]")
                    }
                    index = close + 2
                    continue
                }
                if scalar == "[" {
                    classDepth += 1
                    index = openClass(source, at: index, into: &out)
                    continue
                }
                if scalar == "]" { classDepth -= 1 }
                out.append(scalar)
                index += 1
                continue
            }
            if flags.extended, scalar == "#" {
                while index < source.count, source[index] != "\n" { index += 1 }
                continue
            }
            if flags.extended, [" ", "\t", "\n", "\r", "\u{B}", "\u{C}"].contains(scalar) {
                index += 1
                continue
            }
            switch scalar {
            case "[":
                classDepth = 1
                index = openClass(source, at: index, into: &out)
                continue
            case "." where replaceDot:
                emit("[^\\n]")
            case "$":
                emit("(?:$|(?=\\n\\z))")
            case "{" where peek(1) == ",":
                emit("\\{")
            case "*" where peek(1) == "*":
                out.append("*")
                while peek(1) == "*" { index += 1 }
            default:
                out.append(scalar)
            }
            index += 1
        }
        return String(out)
    }

    /// What `\w` matches in jq, as members of a Swift bracket expression.
    static let wordMembers = "\\p{Alphabetic}\\p{M}\\p{N}\\p{Pc}"

    /// What `\w` matches inside a bracket in jq, where it leaves out numbers that are not
    /// decimal digits (`²`, `½`), which a `\w` of its own matches.
    static let wordMembersInBracket = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}"

    /// Copies the opening of a bracket expression at `start` (`[`, a `^`, and a `]` that jq
    /// takes literally when it comes first), returning where its members begin.
    static func openClass(_ source: [Unicode.Scalar], at start: Int, into out: inout String.UnicodeScalarView) -> Int {
        var index = start + 1
        out.append("[")
        if index < source.count, source[index] == "^" {
            out.append("^")
            index += 1
        }
        if index < source.count, source[index] == "]" {
            out.append(contentsOf: "\\]".unicodeScalars)
            index += 1
        }
        return index
    }

    /// The index of the `:` of the `:]` closing a POSIX class `[:name:]` that opens at `start`,
    /// or nil when the bracket is not one.
    static func closingOfPOSIXClass(_ source: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start + 2
        if index < source.count, source[index] == "^" { index += 1 }
        while index < source.count, source[index].properties.isAlphabetic {
            index += 1
        }
        guard index + 1 < source.count, source[index] == ":", source[index + 1] == "]" else { return nil }
        return index
    }

    /// Whether the pattern turns on `s` (dot matches newline) in an inline option group such as
    /// `(?s)` or `(?is:…)`; if so, `.` is left to Swift, which then honours the group.
    static func hasInlineDotAll(_ source: [Unicode.Scalar]) -> Bool {
        var index = 0
        while index + 1 < source.count {
            if source[index] == "\\" {
                index += 2
                continue
            }
            if source[index] == "(", source[index + 1] == "?" {
                var letter = index + 2
                while letter < source.count, source[letter] == "-" || ("a"..."z").contains(source[letter]) {
                    if source[letter] == "s" { return true }
                    letter += 1
                }
            }
            index += 1
        }
        return false
    }
}
