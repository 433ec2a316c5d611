/// A matcher for the simple regular expressions most schemas use (`^[a-z][a-z0-9-]*$`,
/// `^\s*\$\{[\s\S]+\}\s*$`), run directly on Unicode scalars.
///
/// `NSRegularExpression` spends most of each match converting the Swift string and building match
/// objects, not matching; for these patterns that overhead was half of all validation time. The
/// subset is small enough to implement exactly as ECMA-262 defines it: optional `^` and `$` at the
/// ends, and a sequence of literals, `.`, classes (`[a-z_]`, `[^/]`) and the escapes `\d \D \w \W
/// \s \S`, each with an optional quantifier (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, lazy or not).
/// Anything else (groups, alternation, anchors elsewhere, other escapes) makes ``init(_:)`` return
/// `nil`, and ``SchemaPattern`` uses ICU instead.
struct SchemaSimplePattern: Sendable {
    /// One element of a class, or a whole atom.
    private enum Element: Sendable {
        case scalar(Unicode.Scalar)
        case range(ClosedRange<UInt32>)
        case digit, notDigit, word, notWord, space, notSpace
        /// `.`: anything but a line terminator.
        case anyButNewline

        func matches(_ scalar: Unicode.Scalar) -> Bool {
            switch self {
            case .scalar(let expected): scalar == expected
            case .range(let range): range.contains(scalar.value)
            case .digit: Self.isDigit(scalar)
            case .notDigit: !Self.isDigit(scalar)
            case .word: Self.isWord(scalar)
            case .notWord: !Self.isWord(scalar)
            case .space: Self.isSpace(scalar)
            case .notSpace: !Self.isSpace(scalar)
            case .anyButNewline: !Self.isLineTerminator(scalar)
            }
        }

        static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

        static func isWord(_ scalar: Unicode.Scalar) -> Bool {
            isDigit(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
        }

        static func isLineTerminator(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\n" || scalar == "\r" || scalar.value == 0x2028 || scalar.value == 0x2029
        }

        /// ECMA-262 `WhiteSpace` and `LineTerminator`.
        static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
                true
            default:
                false
            }
        }
    }

    /// One position of the pattern: a set of elements (any of which matches), possibly negated,
    /// repeated between `minimum` and `maximum` times.
    private struct Piece: Sendable {
        var elements: [Element]
        var negated = false
        var minimum = 1
        var maximum = 1

        func matches(_ scalar: Unicode.Scalar) -> Bool {
            var found = false
            for element in elements where element.matches(scalar) {
                found = true
                break
            }
            return found != negated
        }
    }

    private let pieces: [Piece]
    private let anchoredAtStart: Bool
    private let anchoredAtEnd: Bool

    /// Parses `source`, or returns `nil` when it is outside the subset.
    init?(_ source: String) {
        let scalars = Array(source.unicodeScalars)
        var index = 0
        var pieces: [Piece] = []
        anchoredAtStart = scalars.first == "^"
        if anchoredAtStart { index = 1 }
        var end = scalars.count
        // A trailing `$` anchors, unless it is escaped (`\$`): count the backslashes before it.
        if end > index, scalars[end - 1] == "$" {
            var backslashes = 0
            while end - 2 - backslashes >= index, scalars[end - 2 - backslashes] == "\\" { backslashes += 1 }
            if backslashes.isMultiple(of: 2) { end -= 1 }
        }
        anchoredAtEnd = end < scalars.count

        while index < end {
            var piece: Piece
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "\\":
                guard index < end, let element = Self.escape(scalars[index], inClass: false) else { return nil }
                index += 1
                piece = Piece(elements: [element])
            case "[":
                guard let (parsed, next) = Self.parseClass(scalars, from: index, end: end) else { return nil }
                piece = parsed
                index = next
            case ".":
                piece = Piece(elements: [.anyButNewline])
            case "(", ")", "|", "^", "$", "*", "+", "?", "{", "}", "]":
                return nil
            default:
                piece = Piece(elements: [.scalar(scalar)])
            }
            guard Self.parseQuantifier(scalars, at: &index, end: end, into: &piece) else { return nil }
            pieces.append(piece)
        }
        self.pieces = pieces
    }

    /// Whether the pattern matches anywhere in `string` (or, anchored, the whole of it).
    func matches(_ string: String) -> Bool {
        // The scalars go into scratch space (on the stack for a short string): no array per match.
        let scalars = string.unicodeScalars
        return withUnsafeTemporaryAllocation(of: Unicode.Scalar.self, capacity: scalars.count) { buffer in
            _ = buffer.initialize(from: scalars)
            let text = UnsafeBufferPointer(buffer)
            if anchoredAtStart { return match(piece: 0, at: 0, in: text) }
            for start in 0...text.count where match(piece: 0, at: start, in: text) { return true }
            return false
        }
    }

    /// Backtracking: take as many repetitions of the piece as match, then give them back one by
    /// one until the rest matches. Pieces are single characters, so there are no nested
    /// quantifiers and no catastrophic group backtracking.
    private func match(piece index: Int, at position: Int, in text: UnsafeBufferPointer<Unicode.Scalar>) -> Bool {
        guard index < pieces.count else { return !anchoredAtEnd || position == text.count }
        let piece = pieces[index]
        var count = 0
        while count < piece.maximum, position + count < text.count, piece.matches(text[position + count]) {
            count += 1
        }
        guard count >= piece.minimum else { return false }
        if index == pieces.count - 1 && !anchoredAtEnd { return true }
        while count >= piece.minimum {
            if match(piece: index + 1, at: position + count, in: text) { return true }
            count -= 1
        }
        return false
    }

    // MARK: parsing

    /// The element for `\` followed by `scalar`, or `nil` outside the subset.
    private static func escape(_ scalar: Unicode.Scalar, inClass: Bool) -> Element? {
        switch scalar {
        case "d": .digit
        case "D": .notDigit
        case "w": .word
        case "W": .notWord
        case "s": .space
        case "S": .notSpace
        case "t": .scalar("\t")
        case "n": .scalar("\n")
        case "r": .scalar("\r")
        case "f": .scalar("\u{0C}")
        case "v": .scalar("\u{0B}")
        default:
            // Escaped syntax characters stand for themselves; `-` only means itself escaped.
            "^$\\.*+?()[]{}|/-".unicodeScalars.contains(scalar) ? .scalar(scalar) : nil
        }
    }

    /// A class starting after its `[`; returns the piece and the index after its `]`.
    private static func parseClass(_ scalars: [Unicode.Scalar], from start: Int, end: Int) -> (Piece, Int)? {
        var index = start
        var piece = Piece(elements: [])
        if index < end, scalars[index] == "^" {
            piece.negated = true
            index += 1
        }
        var closed = false
        while index < end {
            var scalar = scalars[index]
            index += 1
            if scalar == "]" {
                closed = true
                break
            }
            var element: Element
            if scalar == "\\" {
                guard index < end, let escaped = escape(scalars[index], inClass: true) else { return nil }
                index += 1
                element = escaped
                guard case .scalar(let literal) = escaped else {
                    piece.elements.append(element)
                    continue
                }
                scalar = literal
            } else {
                element = .scalar(scalar)
            }
            // A range `a-z`, unless the `-` is last (`[a-]`, a literal hyphen).
            if index + 1 < end, scalars[index] == "-", scalars[index + 1] != "]" {
                var upper = scalars[index + 1]
                index += 2
                if upper == "\\" {
                    guard index < end, case .scalar(let literal)? = escape(scalars[index], inClass: true) else {
                        return nil
                    }
                    upper = literal
                    index += 1
                }
                guard scalar.value <= upper.value else { return nil }
                element = .range(scalar.value...upper.value)
            }
            piece.elements.append(element)
        }
        // `[]` and `[^]` are legal but rare; ICU handles them after translation.
        guard closed, !piece.elements.isEmpty else { return nil }
        return (piece, index)
    }

    /// Reads an optional quantifier into `piece`; `false` for a malformed one.
    private static func parseQuantifier(
        _ scalars: [Unicode.Scalar], at index: inout Int, end: Int, into piece: inout Piece
    ) -> Bool {
        guard index < end else { return true }
        switch scalars[index] {
        case "*": (piece.minimum, piece.maximum) = (0, .max)
        case "+": (piece.minimum, piece.maximum) = (1, .max)
        case "?": (piece.minimum, piece.maximum) = (0, 1)
        case "{":
            var cursor = index + 1
            guard let minimum = number(scalars, at: &cursor, end: end) else { return false }
            var maximum = minimum
            if cursor < end, scalars[cursor] == "," {
                cursor += 1
                maximum = number(scalars, at: &cursor, end: end) ?? .max
            }
            guard cursor < end, scalars[cursor] == "}", minimum <= maximum else { return false }
            (piece.minimum, piece.maximum) = (minimum, maximum)
            index = cursor
        default:
            return true
        }
        index += 1
        // A lazy quantifier (`*?`) finds the same matches for a yes-or-no test.
        if index < end, scalars[index] == "?" { index += 1 }
        // A second quantifier (`a**`) is a syntax error; let ICU report it.
        if index < end, "*+?{".unicodeScalars.contains(scalars[index]) { return false }
        return true
    }

    private static func number(_ scalars: [Unicode.Scalar], at index: inout Int, end: Int) -> Int? {
        var value = 0
        var digits = 0
        while index < end, ("0"..."9").contains(scalars[index]), digits < 9 {
            value = value * 10 + Int(scalars[index].value - 48)
            index += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }
}
