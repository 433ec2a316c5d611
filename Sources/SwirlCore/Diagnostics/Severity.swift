/// How serious a diagnostic is. Only errors make a file invalid (unless warnings are made fatal).
public enum Severity: String, Sendable, Codable, Hashable, CaseIterable {
    case error
    case warning
    case note
}
