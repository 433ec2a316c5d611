/// A place in a text: 1-based line, and 1-based column counted in Unicode scalars.
public struct SourcePosition: Hashable, Sendable, Codable, Comparable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    /// The position of byte `offset` in UTF-8 `bytes`: lines end at `\n`, and the column counts
    /// Unicode scalars (every byte but a continuation byte starts one).
    public init(offset: Int, in bytes: some Collection<UInt8>) {
        var line = 1
        var column = 1
        for byte in bytes.prefix(max(offset, 0)) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        self.init(line: line, column: column)
    }
}

/// A place in a named file, as diagnostics report it: `file:line:column`.
public struct SourceLocation: Hashable, Sendable, Codable {
    /// The file's path as the user gave it, or `<stdin>`.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in Unicode scalars.
    public var column: Int

    /// Where the thing reported ends: just after its last character (line and column as above),
    /// when known.
    public var end: SourcePosition?

    public init(file: String, line: Int, column: Int, end: SourcePosition? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.end = end
    }

    public init(file: String, position: SourcePosition) {
        self.init(file: file, line: position.line, column: position.column)
    }

    /// The line and column without the file.
    public var position: SourcePosition { SourcePosition(line: line, column: column) }
}

extension SourceLocation: CustomStringConvertible {
    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }
}
