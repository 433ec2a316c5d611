/// A diagnostic's stable identifier, such as `SWL1003`.
///
/// Codes never change meaning once published, so scripts and suppressions can rely on them.
/// The thousands digit names the stage: 1 loader, 2 schema, 3 expressions, 4 compiler.
public struct DiagnosticCode: RawRepresentable, Hashable, Sendable, Codable, Comparable {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public static func < (lhs: DiagnosticCode, rhs: DiagnosticCode) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

extension DiagnosticCode: CustomStringConvertible {
    public var description: String { rawValue }
}
