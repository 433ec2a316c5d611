import SwirlCore

/// Whether the bracket that opens a flow collection (`{` or `[`) is ever closed, found by
/// matching brackets in the text after it.
///
/// libyaml reports an unclosed flow collection where it gave up, which can be many lines below
/// the bracket; this scan tells the loader that the bracket itself is the mistake. It knows just
/// enough YAML to not be fooled by brackets inside quoted scalars and comments.
enum FlowBracketScan {
    /// The byte offset of the character at `position` (1-based line, column in Unicode
    /// scalars), or `nil` when the text has no such character.
    static func offset(of position: SourcePosition, in bytes: [UInt8]) -> Int? {
        var index = 0
        var line = 1
        while line < position.line {
            guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            index = newline + 1
            line += 1
        }
        var column = 1
        while column < position.column {
            guard index < bytes.count, bytes[index] != UInt8(ascii: "\n") else { return nil }
            index += 1
            while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }
            column += 1
        }
        return index < bytes.count ? index : nil
    }

    /// Whether the `{` or `[` at `opening` has a matching closing bracket. A closing bracket of
    /// the other kind, or the end of the text, while it is still open means it is not closed.
    static func isClosed(openingAt opening: Int, in bytes: [UInt8]) -> Bool {
        var open: [UInt8] = [bytes[opening]]
        var index = opening + 1
        while index < bytes.count {
            let byte = bytes[index]
            let previous = bytes[index - 1]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                open.append(byte)
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                let expected = byte == UInt8(ascii: "}") ? UInt8(ascii: "{") : UInt8(ascii: "[")
                guard open.last == expected else { return false }
                open.removeLast()
                if open.isEmpty { return true }
            case UInt8(ascii: "#") where isSpace(previous):
                // A comment runs to the end of its line.
                index = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                continue
            case UInt8(ascii: "'") where startsScalar(previous):
                // '' is a quote inside a single-quoted scalar.
                index += 1
                while index < bytes.count {
                    if bytes[index] == UInt8(ascii: "'") {
                        if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "'") { index += 2; continue }
                        break
                    }
                    index += 1
                }
            case UInt8(ascii: "\"") where startsScalar(previous):
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                }
            default:
                break
            }
            index += 1
        }
        return false
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    /// A quote after one of these starts a quoted scalar; after anything else (`it's`) it is
    /// part of a plain one.
    private static func startsScalar(_ previous: UInt8) -> Bool {
        isSpace(previous) || previous == UInt8(ascii: "[") || previous == UInt8(ascii: "{")
            || previous == UInt8(ascii: ",") || previous == UInt8(ascii: ":")
    }
}
