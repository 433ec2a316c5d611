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
}

/// A place in a named file, as diagnostics report it: `file:line:column`.
public struct SourceLocation: Hashable, Sendable, Codable {
    /// The file's path as the user gave it, or `<stdin>`.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in Unicode scalars.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
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
