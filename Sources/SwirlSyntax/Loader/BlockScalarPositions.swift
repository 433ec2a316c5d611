public import SwirlCore

/// Where a character of a block scalar's value (`|`, `|-`, `|+`, `>`, `>-`, `>+`) is in the
/// source text.
///
/// The value of a block scalar is its lines with their indentation stripped, and for `>` with
/// line breaks folded into spaces, so an offset into the value is not an offset into the text.
/// This rebuilds the value from the text the way libyaml does, remembering where each character
/// came from; when the rebuilt value differs from the real one (a construct this does not
/// model, such as an explicit indentation indicator), it gives no position rather than a wrong one.
public enum BlockScalarPositions {
    /// The position of the character at UTF-8 offset `offset` of `value`, the value of the block
    /// scalar whose indicator (`|` or `>`) is at `indicator`.
    /// - Parameters:
    ///   - offset: a UTF-8 offset into `value`; `value.utf8.count` means just after its last character.
    ///   - value: the scalar's value, as loaded.
    ///   - indicator: where the scalar starts in the source (its `|` or `>`).
    ///   - bytes: the source text.
    /// - Returns: the line and column, or `nil` when the scalar is not a block scalar this models.
    public static func position(
        ofOffset offset: Int, in value: String, indicator: SourcePosition, bytes: [UInt8]
    ) -> SourcePosition? {
        guard let start = FlowBracketScan.offset(of: indicator, in: bytes),
            let sources = sourceOffsets(blockScalarAt: start, in: bytes)
        else { return nil }
        let expected = Array(value.utf8)
        guard sources.bytes == expected, offset >= 0, offset <= expected.count else { return nil }
        let source = offset < sources.offsets.count ? sources.offsets[offset] : sources.end
        return SourcePosition(offset: source, in: bytes)
    }

    /// The value of the block scalar whose indicator is at byte `start`, and for each of its
    /// bytes the offset in `bytes` it comes from (a line break or a folding space: the break in
    /// the source). `end`: where the scalar's last content ends.
    static func sourceOffsets(blockScalarAt start: Int, in bytes: [UInt8]) -> (
        bytes: [UInt8], offsets: [Int], end: Int
    )? {
        let newline = UInt8(ascii: "\n")
        let space = UInt8(ascii: " ")
        let tab = UInt8(ascii: "\t")
        guard start < bytes.count, bytes[start] == UInt8(ascii: "|") || bytes[start] == UInt8(ascii: ">") else {
            return nil
        }
        let folded = bytes[start] == UInt8(ascii: ">")
        var index = start + 1
        var chomping = 0  // -1 strip, 0 clip, +1 keep
        while index < bytes.count, [UInt8(ascii: "+"), UInt8(ascii: "-")].contains(bytes[index])
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index])
        {
            // An explicit indentation indicator depends on the parent's indentation: not modelled.
            guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") else { return nil }
            chomping = bytes[index] == UInt8(ascii: "+") ? 1 : -1
            index += 1
        }
        // The rest of the header line: blanks and a comment.
        guard let headerEnd = bytes[index...].firstIndex(of: newline) else { return ([], [], bytes.count) }
        index = headerEnd + 1

        // The content's indentation: that of its first line that is not empty.
        var indent = 0
        var probe = index
        while probe < bytes.count {
            var spaces = 0
            while probe + spaces < bytes.count, bytes[probe + spaces] == space { spaces += 1 }
            let next = probe + spaces
            if next < bytes.count, bytes[next] == newline || bytes[next] == UInt8(ascii: "\r") {
                probe = (bytes[next...].firstIndex(of: newline) ?? bytes.count) + 1
                continue
            }
            indent = spaces
            break
        }
        guard indent > 0 else { return nil }

        var output: [UInt8] = []
        var offsets: [Int] = []
        var end = index
        func append(_ byte: UInt8, from source: Int) {
            output.append(byte)
            offsets.append(source)
        }
        /// Consumes empty lines (at most `indent` spaces, then a break); their breaks are returned.
        func breaks() -> [Int] {
            var found: [Int] = []
            while index < bytes.count {
                var column = 0
                var cursor = index
                while column < indent, cursor < bytes.count, bytes[cursor] == space {
                    cursor += 1
                    column += 1
                }
                guard cursor < bytes.count, bytes[cursor] == newline else { break }
                found.append(cursor)
                index = cursor + 1
            }
            return found
        }

        var leadingBreak: Int?
        var leadingBlank = false
        var trailingBreaks = breaks()
        while index < bytes.count {
            // A content line: exactly `indent` spaces, then something other than a break.
            var column = 0
            while column < indent, index + column < bytes.count, bytes[index + column] == space { column += 1 }
            guard column == indent, index + column < bytes.count, bytes[index + column] != newline else { break }
            index += indent
            let trailingBlank = bytes[index] == space || bytes[index] == tab
            if folded, let pending = leadingBreak, !leadingBlank, !trailingBlank {
                if trailingBreaks.isEmpty { append(space, from: pending) }
            } else if let pending = leadingBreak {
                append(newline, from: pending)
            }
            leadingBreak = nil
            for source in trailingBreaks { append(newline, from: source) }
            leadingBlank = trailingBlank
            let lineEnd = bytes[index...].firstIndex(of: newline) ?? bytes.count
            // A carriage return before the break is part of the break, not of the content.
            let contentEnd = lineEnd > index && bytes[lineEnd - 1] == UInt8(ascii: "\r") ? lineEnd - 1 : lineEnd
            for source in index..<contentEnd { append(bytes[source], from: source) }
            end = contentEnd
            guard lineEnd < bytes.count else {
                index = lineEnd
                break
            }
            leadingBreak = lineEnd
            index = lineEnd + 1
            trailingBreaks = breaks()
        }
        if chomping >= 0, let pending = leadingBreak { append(newline, from: pending) }
        if chomping > 0 { for source in trailingBreaks { append(newline, from: source) } }
        return (output, offsets, end)
    }
}
