/// Where each key and value of a loaded document was written.
///
/// The loader fills it while it reads; later stages only know JSON Pointers, and the map turns a
/// pointer back into `file:line:column`, so no stage after the loader needs the text.
///
/// The map is a tree shaped like the document: a loader adds each member and element under its
/// parent as it meets them, so recording costs no pointer and no hashing, and a lookup walks
/// from the root one token at a time. Lookups happen for diagnostics only.
public struct SourceMap: Sendable {
    /// Which part of a member a diagnostic is about.
    public enum Part: String, Sendable, Codable {
        /// The member's name (for example an unknown property).
        case key
        /// The member's value (for example a value of the wrong type).
        case value
    }

    /// One member, element or the root, as ``SourceMap`` numbers them; the root is ``root``.
    public typealias Node = Int32

    /// The node of the whole document.
    public static let root: Node = 0

    private struct Entry: Sendable {
        var parent: Node
        /// A member's name; empty for an element or the root.
        var name: String
        /// An element's index; -1 for a member or the root.
        var index: Int32
        var firstChild: Node = -1
        var lastChild: Node = -1
        var nextSibling: Node = -1
        /// Into `elementLists`, for a node with elements; -1 otherwise.
        var elements: Int32 = -1
        var key: Position = .none
        var value: Position = .none
        /// Where the key and the value end (just after their last character), when known.
        var keyEnd: Position = .none
        var valueEnd: Position = .none
    }

    /// A compact optional ``SourcePosition``: line 0 means none.
    private struct Position: Sendable {
        var line: Int32
        var column: Int32

        static let none = Position(line: 0, column: 0)

        init(line: Int32, column: Int32) {
            self.line = line
            self.column = column
        }

        init(_ position: SourcePosition) {
            line = Int32(clamping: position.line)
            column = Int32(clamping: position.column)
        }

        var position: SourcePosition? { line == 0 ? nil : SourcePosition(line: Int(line), column: Int(column)) }
    }

    /// The file the positions refer to.
    public var file: String
    private var entries: [Entry] = [Entry(parent: -1, name: "", index: -1)]
    /// The element nodes of each node that has elements, in order, so an index is found at once.
    private var elementLists: [[Node]] = []

    public init(file: String) {
        self.file = file
    }

    /// How many pointers have a recorded position.
    public var count: Int {
        entries.reduce(0) { $0 + ($1.key.line != 0 || $1.value.line != 0 ? 1 : 0) }
    }

    // MARK: recording, node by node

    /// Makes room for about `count` nodes, so a loader that can estimate a document's size
    /// does not copy the table each time it outgrows its storage.
    public mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
    }

    /// Adds the member `name` under `parent`, with where its key starts.
    /// - Returns: the member's node, for recording its value and its own members.
    public mutating func addMember(
        _ name: String, to parent: Node, keyAt position: SourcePosition?, keyEnd: SourcePosition? = nil
    ) -> Node {
        let node = Node(entries.count)
        var entry = Entry(parent: parent, name: name, index: -1)
        if let position { entry.key = Position(position) }
        if let keyEnd { entry.keyEnd = Position(keyEnd) }
        entries.append(entry)
        link(node, to: parent)
        return node
    }

    /// Adds the next element under `parent` (its index is the number of elements added before).
    /// - Returns: the element's node.
    public mutating func addElement(to parent: Node) -> Node {
        let node = Node(entries.count)
        if entries[Int(parent)].elements < 0 {
            entries[Int(parent)].elements = Int32(elementLists.count)
            elementLists.append([])
        }
        let list = Int(entries[Int(parent)].elements)
        entries.append(Entry(parent: parent, name: "", index: Int32(elementLists[list].count)))
        elementLists[list].append(node)
        return node
    }

    /// Where the key of the first member named `name` under `node` starts (for a name used
    /// twice: where it was first used).
    public func firstKeyPosition(of name: String, in node: Node) -> SourcePosition? {
        var current = entries[Int(node)].firstChild
        while current >= 0 {
            if entries[Int(current)].name == name { return entries[Int(current)].key.position }
            current = entries[Int(current)].nextSibling
        }
        return nil
    }

    /// Records where the value of `node` starts.
    public mutating func recordValue(of node: Node, _ position: SourcePosition) {
        entries[Int(node)].value = Position(position)
    }

    /// Records where the value of `node` ends: just after its last character (for a collection,
    /// after its closing bracket, or after its last value when it has none).
    public mutating func recordValueEnd(of node: Node, _ position: SourcePosition) {
        entries[Int(node)].valueEnd = Position(position)
    }

    /// The JSON Pointer of `node`.
    public func pointer(of node: Node) -> JSONPointer {
        var tokens: [String] = []
        var current = node
        while current > 0 {
            let entry = entries[Int(current)]
            tokens.append(entry.index >= 0 ? String(entry.index) : entry.name)
            current = entry.parent
        }
        return JSONPointer(tokens: tokens.reversed())
    }

    private mutating func link(_ node: Node, to parent: Node) {
        let last = entries[Int(parent)].lastChild
        if last < 0 {
            entries[Int(parent)].firstChild = node
        } else {
            entries[Int(last)].nextSibling = node
        }
        entries[Int(parent)].lastChild = node
    }

    // MARK: recording by pointer

    /// Records where the value at `pointer` starts.
    public mutating func recordValue(at pointer: JSONPointer, _ position: SourcePosition) {
        entries[Int(makeNode(pointer))].value = Position(position)
    }

    /// Records where the key of the member at `pointer` starts.
    public mutating func recordKey(at pointer: JSONPointer, _ position: SourcePosition) {
        entries[Int(makeNode(pointer))].key = Position(position)
    }

    /// The node of `pointer`, added with any missing ancestors.
    private mutating func makeNode(_ pointer: JSONPointer) -> Node {
        var node = Self.root
        for token in pointer.tokens {
            if let child = child(of: node, token) {
                node = child
            } else if let index = JSONPointer.arrayIndex(token), entries[Int(node)].firstChild < 0 {
                // Elements are numbered in order: add the ones before it too.
                let count = entries[Int(node)].elements < 0 ? 0 : elementLists[Int(entries[Int(node)].elements)].count
                var element = node
                for _ in count...index { element = addElement(to: node) }
                node = element
            } else {
                node = addMember(token, to: node, keyAt: nil)
            }
        }
        return node
    }

    // MARK: lookups

    /// The child of `node` that `token` names: an element by index, else the last member of
    /// that name (with a name used twice, the later value is the one the document holds).
    private func child(of node: Node, _ token: String) -> Node? {
        let entry = entries[Int(node)]
        if entry.elements >= 0, let index = JSONPointer.arrayIndex(token) {
            let list = elementLists[Int(entry.elements)]
            return index < list.count ? list[index] : nil
        }
        var found: Node?
        var current = entry.firstChild
        while current >= 0 {
            if entries[Int(current)].name == token { found = current }
            current = entries[Int(current)].nextSibling
        }
        return found
    }

    /// The node of `pointer`, or `nil` when it was not recorded.
    private func node(_ pointer: JSONPointer) -> Node? {
        var node = Self.root
        for token in pointer.tokens {
            guard let child = child(of: node, token) else { return nil }
            node = child
        }
        return node
    }

    private func position(_ entry: Entry, _ part: Part) -> SourcePosition? {
        switch part {
        case .key: entry.key.position ?? entry.value.position
        case .value: entry.value.position ?? entry.key.position
        }
    }

    /// The recorded position of exactly this pointer's key or value, without looking at ancestors.
    public func exactPosition(of pointer: JSONPointer, _ part: Part = .value) -> SourcePosition? {
        node(pointer).flatMap { position(entries[Int($0)], part) }
    }

    /// The position for `pointer`: its own when recorded, else that of its nearest recorded
    /// ancestor (a value that came from a YAML alias, say, has no positions of its own inside).
    /// - Parameters:
    ///   - pointer: the place to find.
    ///   - part: the key or the value of the member; an array element or the root has only a value.
    public func position(of pointer: JSONPointer, _ part: Part = .value) -> SourcePosition? {
        span(of: pointer, part)?.start
    }

    /// ``position(of:_:)``, with where that key or value ends when the position is the pointer's own (an
    /// ancestor's borrowed position comes without an end).
    private func span(of pointer: JSONPointer, _ part: Part) -> (start: SourcePosition, end: SourcePosition?)? {
        // The path of nodes as far as the map has them.
        var path: [Node] = [Self.root]
        for token in pointer.tokens {
            guard let child = child(of: path[path.count - 1], token) else { break }
            path.append(child)
        }
        if path.count == pointer.tokens.count + 1 {
            let entry = entries[Int(path[path.count - 1])]
            let preferred = part == .key ? (entry.key, entry.keyEnd) : (entry.value, entry.valueEnd)
            let other = part == .key ? (entry.value, entry.valueEnd) : (entry.key, entry.keyEnd)
            for (start, end) in [preferred, other] {
                if let start = start.position { return (start, end.position) }
            }
        }
        // The nearest ancestor strictly above the pointer with a position of its own.
        for node in path.prefix(min(path.count, pointer.tokens.count)).reversed() {
            if let found = position(entries[Int(node)], .value) { return (found, nil) }
        }
        return nil
    }

    /// ``position(of:_:)`` with the file attached.
    public func location(of pointer: JSONPointer, _ part: Part = .value) -> SourceLocation? {
        span(of: pointer, part).map { SourceLocation(file: file, line: $0.start.line, column: $0.start.column, end: $0.end) }
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
