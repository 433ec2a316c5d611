/// Where each key and value of a loaded document was written.
///
/// The loader fills it while it reads; later stages only know JSON Pointers, and the map turns a
/// pointer back into `file:line:column`, so no stage after the loader needs the text.
public struct SourceMap: Sendable {
    /// Which part of a member a diagnostic is about.
    public enum Part: String, Sendable, Codable {
        /// The member's name (for example an unknown property).
        case key
        /// The member's value (for example a value of the wrong type).
        case value
    }

    private struct Entry: Sendable {
        var key: SourcePosition?
        var value: SourcePosition?
    }

    /// The file the positions refer to.
    public var file: String
    private var entries: [JSONPointer: Entry] = [:]

    public init(file: String) {
        self.file = file
    }

    /// How many pointers have a recorded position.
    public var count: Int { entries.count }

    /// Records where the value at `pointer` starts.
    public mutating func recordValue(at pointer: JSONPointer, _ position: SourcePosition) {
        entries[pointer, default: Entry()].value = position
    }

    /// Records where the key of the member at `pointer` starts.
    public mutating func recordKey(at pointer: JSONPointer, _ position: SourcePosition) {
        entries[pointer, default: Entry()].key = position
    }

    /// The recorded position of exactly this pointer's key or value, without looking at ancestors.
    public func exactPosition(of pointer: JSONPointer, _ part: Part = .value) -> SourcePosition? {
        guard let entry = entries[pointer] else { return nil }
        switch part {
        case .key: return entry.key ?? entry.value
        case .value: return entry.value ?? entry.key
        }
    }

    /// The position for `pointer`: its own when recorded, else that of its nearest recorded
    /// ancestor (a value that came from a YAML alias, say, has no positions of its own inside).
    /// - Parameters:
    ///   - pointer: the place to find.
    ///   - part: the key or the value of the member; an array element or the root has only a value.
    public func position(of pointer: JSONPointer, _ part: Part = .value) -> SourcePosition? {
        if let exact = exactPosition(of: pointer, part) { return exact }
        var current = pointer
        while let parent = current.parent {
            if let entry = entries[parent], let position = entry.value ?? entry.key { return position }
            current = parent
        }
        return nil
    }

    /// ``position(of:_:)`` with the file attached.
    public func location(of pointer: JSONPointer, _ part: Part = .value) -> SourceLocation? {
        position(of: pointer, part).map { SourceLocation(file: file, position: $0) }
    }

    /// Gives every diagnostic that has a path but no location the location of its path.
    public func locate(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.map { diagnostic in
            guard diagnostic.location == nil, let path = diagnostic.path else { return diagnostic }
            var located = diagnostic
            located.location = location(of: path, diagnostic.part)
            return located
        }
    }
}
