import Foundation

/// A `pattern` or `patternProperties` regular expression, compiled once when the schema compiles.
///
/// Simple patterns run on ``SchemaSimplePattern``, a direct matcher; the rest on ICU.
/// JSON Schema patterns are ECMA-262 regular expressions; Foundation's `NSRegularExpression` runs
/// ICU's dialect. ``translate(_:)`` rewrites the differences that are cheap to rewrite, so the
/// common patterns behave as a JavaScript validator would:
///
/// - `\d` `\w` (and `\D` `\W`) are ASCII-only in ECMA-262 but Unicode-aware in ICU (`\d` matches
///   `٣`): they become explicit ASCII classes.
/// - `$` is the end of the input in ECMA-262 (no `m` flag is ever set), but ICU's `$` also matches
///   before a final line break, so `^[a-z]+$` would accept `"abc\n"`: it becomes `\z`.
/// - `[^]` (any character) and `[]` (nothing) are errors in ICU: they become `[\s\S]` and `(?!)`.
/// - A `[` inside a class is a literal in ECMA-262 but starts a nested set in ICU, and `&&` is
///   ICU's intersection operator: both are escaped inside classes.
/// - A `{` that does not start a quantifier is a literal in ECMA-262 and an error in ICU: escaped.
/// - `\u{1F600}` (ECMA-262 with the `u` flag) becomes ICU's `\x{1F600}`.
/// - The empty pattern (which matches everything) is an error in `NSRegularExpression`: it
///   becomes `(?:)`.
///
/// Gaps that remain: ICU accepts only bounded-length lookbehind (`(?<=a+)` fails to compile and
/// the schema is refused), ICU's `\s` and `.` differ from ECMA-262's on a few rare Unicode space
/// and line-separator characters, `\b` inside a class, octal and `\0` escapes and ECMA-262's
/// legacy (Annex B) quirks are passed through unchanged, and ICU extensions such as possessive
/// quantifiers are accepted although ECMA-262 rejects them.
struct SchemaPattern: Sendable {
    /// The pattern as written in the schema, for messages.
    let source: String
    // NSRegularExpression is immutable after creation and documented as safe to use for matching
    // from several threads at once.
    private let regex: NSRegularExpression
    /// The same pattern for the direct matcher, when it is simple enough (most are).
    private let simple: SchemaSimplePattern?

    /// Compiles `source`.
    /// - Throws: the ICU error text when the translated pattern does not compile.
    init(_ source: String) throws(PatternError) {
        self.source = source
        do {
            // Compiled even when the direct matcher takes the pattern, so that both accept the
            // same patterns.
            regex = try NSRegularExpression(pattern: Self.translate(source), options: [])
        } catch {
            throw PatternError(pattern: source, reason: error.localizedDescription)
        }
        simple = SchemaSimplePattern(source)
    }

    /// Why a pattern does not compile.
    struct PatternError: Error, Sendable {
        var pattern: String
        var reason: String
    }

    /// Whether the pattern matches anywhere in `string` (ECMA-262 `RegExp.prototype.test`:
    /// patterns are not implicitly anchored).
    func matches(_ string: String) -> Bool {
        if let simple { return simple.matches(string) }
        let range = NSRange(location: 0, length: string.utf16.count)
        return regex.rangeOfFirstMatch(in: string, options: [], range: range).location != NSNotFound
    }

    /// Whether `source` is an ECMA-262 pattern this validator can compile (the `regex` format).
    static func isValid(_ source: String) -> Bool {
        (try? NSRegularExpression(pattern: translate(source), options: [])) != nil
    }

    /// Rewrites an ECMA-262 pattern into ICU syntax with the same meaning, as far as the type
    /// comment describes.
    static func translate(_ pattern: String) -> String {
        let scalars = Array(pattern.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        var inClass = false

        func emit(_ text: String) { output.append(contentsOf: text.unicodeScalars) }
        /// Copies `{…}` starting at `index` unchanged.
        func copyBraces(_ index: inout Int) {
            while index < scalars.count {
                let scalar = scalars[index]
                output.append(scalar)
                index += 1
                if scalar == "}" { break }
            }
        }

        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\", index + 1 < scalars.count {
                let next = scalars[index + 1]
                index += 2
                switch next {
                case "d": emit(inClass ? "0-9" : "[0-9]")
                case "D": emit("[^0-9]")
                case "w": emit(inClass ? "A-Za-z0-9_" : "[A-Za-z0-9_]")
                case "W": emit("[^A-Za-z0-9_]")
                case "u" where index < scalars.count && scalars[index] == "{":
                    // `\u{hex}` → `\x{hex}`.
                    emit("\\x")
                    copyBraces(&index)
                case "p" where index < scalars.count && scalars[index] == "{",
                    "P" where index < scalars.count && scalars[index] == "{":
                    // `\p{Lu}`: the same in ICU; the braces must not be escaped as literals below.
                    output.append("\\")
                    output.append(next)
                    copyBraces(&index)
                default:
                    output.append("\\")
                    output.append(next)
                }
                continue
            }
            index += 1
            if inClass {
                switch scalar {
                case "]": inClass = false; output.append(scalar)
                case "[": emit("\\[")
                case "&": emit("\\&")
                default: output.append(scalar)
                }
                continue
            }
            switch scalar {
            case "[":
                if index < scalars.count, scalars[index] == "]" {
                    emit("(?!)")
                    index += 1
                } else if index + 1 < scalars.count, scalars[index] == "^", scalars[index + 1] == "]" {
                    emit("[\\s\\S]")
                    index += 2
                } else {
                    inClass = true
                    output.append(scalar)
                    // A `]` right after `[` or `[^` is a literal in ICU but closes an empty class in
                    // ECMA-262; the cases above handled the empty classes, so copy the negation.
                    if index < scalars.count, scalars[index] == "^" {
                        output.append("^")
                        index += 1
                    }
                }
            case "$":
                emit("\\z")
            case "{":
                if isQuantifier(scalars, from: index) { output.append(scalar) } else { emit("\\{") }
            case "}":
                // Closing braces of real quantifiers are copied together with them (below), so a
                // `}` seen here is a literal.
                emit("\\}")
            default:
                output.append(scalar)
            }
            if scalar == "{", isQuantifier(scalars, from: index) {
                while index < scalars.count {
                    let digit = scalars[index]
                    output.append(digit)
                    index += 1
                    if digit == "}" { break }
                }
            }
        }
        return output.isEmpty ? "(?:)" : String(output)
    }

    /// Whether the text after a `{` at `start` is `n}`, `n,}` or `n,m}`.
    private static func isQuantifier(_ scalars: [Unicode.Scalar], from start: Int) -> Bool {
        var index = start
        var digits = 0
        while index < scalars.count, ("0"..."9").contains(scalars[index]) {
            index += 1
            digits += 1
        }
        guard digits > 0, index < scalars.count else { return false }
        if scalars[index] == "}" { return true }
        guard scalars[index] == "," else { return false }
        index += 1
        while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
        return index < scalars.count && scalars[index] == "}"
    }
}
