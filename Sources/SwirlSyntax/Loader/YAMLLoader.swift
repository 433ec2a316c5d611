import SwirlCore

/// Builds JSON and its source map from libyaml events, one pass, by recursive descent.
///
/// Mapping keys are always strings (a plain `200:` is the key `"200"`); plain scalar values are
/// typed by ``ScalarResolver``. Problems that leave the rest readable (a duplicate key, an
/// unsupported tag) are collected and loading goes on; problems that make the rest meaningless
/// (a syntax error, runaway nesting or alias expansion) stop it.
struct YAMLLoader {
    private struct Anchor {
        var value: JSON
        /// Nodes inside the value, aliases expanded: what one more alias to it would cost.
        var size: Int
        /// The text of a scalar, for an alias used as a mapping key.
        var scalarText: String?
    }

    /// Thrown after the diagnostic that explains why loading cannot go on has been recorded.
    private struct Stop: Error {}

    /// Where the events come from: libyaml on this thread, or for a large text a pipe from a
    /// helper thread that parses ahead.
    private enum Events {
        case direct(LibYAMLParser)
        case ahead(YAMLEventPipe)

        func next() throws(YAMLSyntaxError) -> YAMLEvent? {
            switch self {
            case .direct(let parser): try parser.next()
            case .ahead(let pipe): try pipe.next()
            }
        }
    }

    private let events: Events
    /// The text, for finding an unclosed bracket after a syntax error (copied into an array only then).
    private let source: ArraySlice<UInt8>
    private let file: String
    private let limits: Loader.Limits
    private var anchors: [String: Anchor] = [:]
    private var aliasNodes = 0
    /// The members and elements of the collections being read, innermost last: a collection's
    /// values are gathered here and copied out once it ends, so each array is allocated once at
    /// its final size instead of growing member by member.
    private var pendingValues: [JSON] = []
    /// The keys of the mappings being read, innermost last, beside ``pendingValues``.
    private var pendingKeys: [String] = []
    private(set) var sourceMap: SourceMap
    private(set) var diagnostics: [Diagnostic] = []
    /// Where the last node read ends: the end of a block collection, which is its last value's.
    private var lastEnd = SourcePosition(line: 1, column: 1)

    /// - Parameter parseAhead: parse on a helper thread (for a large text).
    init(bytes: ArraySlice<UInt8>, file: String, limits: Loader.Limits, parseAhead: Bool = false) {
        if parseAhead, let pipe = YAMLEventPipe(bytes: bytes) {
            events = .ahead(pipe)
        } else {
            events = .direct(LibYAMLParser(bytes: bytes))
        }
        self.source = bytes
        self.file = file
        self.limits = limits
        self.sourceMap = SourceMap(file: file)
        // A workflow line (`key: value`, `- name:`) is one or two nodes in 20 to 40 bytes; room
        // for a node per 16 bytes covers most documents (a denser one grows the table as usual),
        // and room not used is address space only.
        sourceMap.reserveCapacity(bytes.count / 16 + 16)
    }

    /// Reads the single document of the stream.
    mutating func load() -> JSON? {
        do {
            var value: JSON?
            var sawDocument = false
            while let event = try nextEvent() {
                switch event {
                case .documentStart(let mark):
                    if sawDocument {
                        diagnostics.append(SyntaxDiagnostics.multipleDocuments(at: location(mark)))
                        return value
                    }
                    sawDocument = true
                    guard let root = try nextEvent() else { return nil }
                    value = try node(root, at: SourceMap.root, depth: 0).value
                case .streamEnd:
                    if !sawDocument { diagnostics.append(SyntaxDiagnostics.emptyDocument(file: file)) }
                    return value
                default:
                    continue
                }
            }
            return value
        } catch {
            return nil
        }
    }

    // MARK: nodes

    /// Reads the node that starts with `event` into the source map's node `at`.
    private mutating func node(_ event: YAMLEvent, at node: SourceMap.Node, depth: Int) throws(Stop) -> (
        value: JSON, size: Int
    ) {
        switch event {
        case .scalar(let text, let anchor, let tag, let style, let mark, let end):
            sourceMap.recordValue(of: node, mark)
            sourceMap.recordValueEnd(of: node, end)
            lastEnd = end
            let value = scalar(text, tag: tag, style: style, at: node, mark: mark)
            if let anchor { anchors[anchor] = Anchor(value: value, size: 1, scalarText: text) }
            return (value, 1)

        case .alias(let name, let mark, let end):
            sourceMap.recordValue(of: node, mark)
            sourceMap.recordValueEnd(of: node, end)
            lastEnd = end
            guard let anchor = anchors[name] else {
                diagnostics.append(SyntaxDiagnostics.unknownAnchor(name, path: sourceMap.pointer(of: node), at: location(mark)))
                return (.null, 1)
            }
            aliasNodes += anchor.size
            if aliasNodes > limits.maxAliasExpansion {
                diagnostics.append(
                    SyntaxDiagnostics.aliasExpansionTooLarge(
                        limit: limits.maxAliasExpansion, path: sourceMap.pointer(of: node), at: location(mark)))
                throw Stop()
            }
            return (anchor.value, anchor.size)

        case .sequenceStart(let anchor, let tag, let mark):
            sourceMap.recordValue(of: node, mark)
            try checkDepth(depth + 1, at: node, mark: mark)
            checkCollectionTag(tag, expected: "tag:yaml.org,2002:seq", at: node, mark: mark)
            let start = pendingValues.count
            var size = 1
            while let next = try nextEvent() {
                if case .sequenceEnd(let end) = next {
                    if let end { lastEnd = end }
                    break
                }
                let element = try self.node(next, at: sourceMap.addElement(to: node), depth: depth + 1)
                pendingValues.append(element.value)
                size += element.size
            }
            sourceMap.recordValueEnd(of: node, lastEnd)
            let value = JSON.array(Array(pendingValues[start...]))
            pendingValues.removeSubrange(start...)
            if let anchor { anchors[anchor] = Anchor(value: value, size: size) }
            return (value, size)

        case .mappingStart(let anchor, let tag, let mark):
            sourceMap.recordValue(of: node, mark)
            try checkDepth(depth + 1, at: node, mark: mark)
            checkCollectionTag(tag, expected: "tag:yaml.org,2002:map", at: node, mark: mark)
            let start = pendingValues.count
            var keys = MappingKeys(start: pendingKeys.count)
            var size = 1
            while let keyEvent = try nextEvent() {
                if case .mappingEnd(let end) = keyEvent {
                    if let end { lastEnd = end }
                    break
                }
                guard let (key, keyMark, keyEnd) = try mappingKey(keyEvent, in: node) else {
                    // The key was a mapping or a sequence: reported; drop the member's value too.
                    try skipNode(try requireEvent())
                    continue
                }
                let existing = keys.index(of: key, in: pendingKeys)
                let first = existing == nil ? nil : sourceMap.firstKeyPosition(of: key, in: node)
                let memberNode = sourceMap.addMember(key, to: node, keyAt: keyMark, keyEnd: keyEnd)
                if let existing, let first {
                    diagnostics.append(
                        SyntaxDiagnostics.duplicateKey(
                            key, earlier: pendingKeys[keys.start + existing], path: sourceMap.pointer(of: memberNode),
                            at: location(keyMark), firstAt: location(first)))
                }
                // With a duplicate the last value wins, in the place of the first, as in most YAML
                // readers; the error above makes the document invalid anyway.
                let member = try self.node(try requireEvent(), at: memberNode, depth: depth + 1)
                if let existing {
                    pendingValues[start + existing] = member.value
                } else {
                    keys.append(key, to: &pendingKeys)
                    pendingValues.append(member.value)
                }
                size += member.size
            }
            sourceMap.recordValueEnd(of: node, lastEnd)
            let value = JSON.object(
                OrderedDictionary(uncheckedUniqueKeys: pendingKeys[keys.start...], values: pendingValues[start...]))
            pendingKeys.removeSubrange(keys.start...)
            pendingValues.removeSubrange(start...)
            if let anchor { anchors[anchor] = Anchor(value: value, size: size) }
            return (value, size)

        case .streamStart, .streamEnd, .documentStart, .documentEnd, .sequenceEnd, .mappingEnd:
            // libyaml only produces well-nested event streams; any of these here means it did not.
            preconditionFailure("libyaml produced \(event) where a node was expected")
        }
    }

    /// The key of a mapping member as a string, with where it starts and ends, or `nil` after reporting a key
    /// that is not a scalar.
    private mutating func mappingKey(_ event: YAMLEvent, in node: SourceMap.Node) throws(Stop) -> (
        String, SourcePosition, SourcePosition
    )? {
        switch event {
        case .scalar(let text, let anchor, _, _, let mark, let end):
            if let anchor { anchors[anchor] = Anchor(value: .string(text), size: 1, scalarText: text) }
            return (text, mark, end)
        case .alias(let name, let mark, let end):
            guard let anchor = anchors[name] else {
                diagnostics.append(SyntaxDiagnostics.unknownAnchor(name, path: sourceMap.pointer(of: node), at: location(mark)))
                return nil
            }
            guard let text = anchor.scalarText else {
                diagnostics.append(
                    SyntaxDiagnostics.complexKey(kind: "mapping or sequence", path: sourceMap.pointer(of: node), at: location(mark)))
                return nil
            }
            return (text, mark, end)
        case .sequenceStart(_, _, let mark):
            diagnostics.append(SyntaxDiagnostics.complexKey(kind: "sequence", path: sourceMap.pointer(of: node), at: location(mark)))
            try skipNode(event)
            return nil
        case .mappingStart(_, _, let mark):
            diagnostics.append(SyntaxDiagnostics.complexKey(kind: "mapping", path: sourceMap.pointer(of: node), at: location(mark)))
            try skipNode(event)
            return nil
        default:
            preconditionFailure("libyaml produced \(event) where a mapping key was expected")
        }
    }

    /// Consumes the rest of a node whose first event is `event`.
    private mutating func skipNode(_ event: YAMLEvent) throws(Stop) {
        var open: Int
        switch event {
        case .sequenceStart, .mappingStart: open = 1
        default: return
        }
        while open > 0, let next = try nextEvent() {
            switch next {
            case .sequenceStart, .mappingStart: open += 1
            case .sequenceEnd, .mappingEnd: open -= 1
            default: break
            }
        }
    }

    // MARK: scalars and tags

    private static let corePrefix = "tag:yaml.org,2002:"

    private mutating func scalar(
        _ text: String, tag: String?, style: YAMLEvent.ScalarStyle, at node: SourceMap.Node, mark: SourcePosition
    ) -> JSON {
        guard let tag else {
            return style == .plain ? ScalarResolver.resolve(plain: text) : .string(text)
        }
        // The non-specific tag "!" makes any scalar a string, as quoting would.
        if tag == "!" { return .string(text) }
        let resolved: JSON?
        switch tag {
        case Self.corePrefix + "str": resolved = .string(text)
        case Self.corePrefix + "null": resolved = ScalarResolver.null(text)
        case Self.corePrefix + "bool": resolved = ScalarResolver.bool(text).map(JSON.bool)
        case Self.corePrefix + "int": resolved = ScalarResolver.integer(text).map(JSON.number)
        case Self.corePrefix + "float":
            resolved = (ScalarResolver.float(text) ?? ScalarResolver.integer(text)).map(JSON.number)
        default:
            diagnostics.append(SyntaxDiagnostics.unsupportedTag(Self.display(tag), path: sourceMap.pointer(of: node), at: location(mark)))
            return .string(text)
        }
        guard let resolved else {
            diagnostics.append(
                SyntaxDiagnostics.invalidTaggedScalar(
                    text, tag: Self.display(tag), path: sourceMap.pointer(of: node), at: location(mark)))
            return .string(text)
        }
        return resolved
    }

    private mutating func checkCollectionTag(_ tag: String?, expected: String, at node: SourceMap.Node, mark: SourcePosition) {
        guard let tag, tag != "!", tag != expected else { return }
        diagnostics.append(SyntaxDiagnostics.unsupportedTag(Self.display(tag), path: sourceMap.pointer(of: node), at: location(mark)))
    }

    /// `tag:yaml.org,2002:str` as the user wrote it, `!!str`.
    private static func display(_ tag: String) -> String {
        tag.hasPrefix(corePrefix) ? "!!" + tag.dropFirst(corePrefix.count) : tag
    }

    // MARK: events

    private mutating func checkDepth(_ depth: Int, at node: SourceMap.Node, mark: SourcePosition) throws(Stop) {
        guard depth > limits.maxDepth else { return }
        diagnostics.append(
            SyntaxDiagnostics.nestingTooDeep(limit: limits.maxDepth, path: sourceMap.pointer(of: node), at: location(mark)))
        throw Stop()
    }

    private mutating func nextEvent() throws(Stop) -> YAMLEvent? {
        do {
            return try events.next()
        } catch {
            if let opening = unclosedFlowCollection(error) {
                diagnostics.append(
                    SyntaxDiagnostics.unclosedFlowCollection(
                        isMapping: opening.isMapping, at: location(opening.mark), problem: error.problem,
                        gaveUpAt: location(error.mark)))
            } else {
                var diagnostic = SyntaxDiagnostics.yamlSyntax(
                    problem: error.problem, at: location(error.mark), context: error.context,
                    contextLocation: error.contextMark.map(location))
                if let expression = unquotedExpression(onLineOf: error.mark) {
                    diagnostic.notes.append(SyntaxDiagnostics.quoteTheExpression(at: location(expression)))
                }
                diagnostics.append(diagnostic)
            }
            throw Stop()
        }
    }

    /// Where an unquoted `${` starts on the line of `mark`, at or before it: YAML reads the
    /// `{`, `:` and `,` of an unquoted expression as its own syntax, which is the likely cause of
    /// an error there.
    private func unquotedExpression(onLineOf mark: SourcePosition) -> SourcePosition? {
        let bytes = Array(source)
        guard let lineStart = FlowBracketScan.offset(of: SourcePosition(line: mark.line, column: 1), in: bytes) else {
            return nil
        }
        let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        let end = min(FlowBracketScan.offset(of: mark, in: bytes) ?? lineEnd, lineEnd)
        var index = lineStart
        while index + 1 < end {
            if bytes[index] == UInt8(ascii: "$"), bytes[index + 1] == UInt8(ascii: "{") {
                // Quoted (`'${ … }'`, `"${ … }"`): not the problem.
                if index > lineStart, bytes[index - 1] == UInt8(ascii: "'") || bytes[index - 1] == UInt8(ascii: "\"") {
                    return nil
                }
                return SourcePosition(offset: index, in: bytes)
            }
            index += 1
        }
        return nil
    }

    /// The innermost flow collection open at a syntax error whose bracket has no matching
    /// closing bracket anywhere after it: the mistake a person should look at, wherever libyaml
    /// gave up. A collection without a bracket of its own (a single pair inside `[…]`) is skipped.
    private func unclosedFlowCollection(_ error: YAMLSyntaxError) -> (mark: SourcePosition, isMapping: Bool)? {
        let bytes = Array(source)
        for collection in error.openFlowCollections.reversed() {
            guard let offset = FlowBracketScan.offset(of: collection.mark, in: bytes),
                bytes[offset] == (collection.isMapping ? UInt8(ascii: "{") : UInt8(ascii: "["))
            else { continue }
            if !FlowBracketScan.isClosed(openingAt: offset, in: bytes) { return collection }
        }
        return nil
    }

    private mutating func requireEvent() throws(Stop) -> YAMLEvent {
        // A well-formed stream always has the value of a key; libyaml reports anything else as a
        // syntax error, which nextEvent turns into a Stop.
        guard let event = try nextEvent() else { throw Stop() }
        return event
    }

    private func location(_ position: SourcePosition) -> SourceLocation {
        SourceLocation(file: file, position: position)
    }
}

/// Finds a key among the keys read so far of one mapping, whose keys are the tail of the loader's
/// pending keys from `start` on.
///
/// A short mapping is searched in place; from ``hashedFrom`` keys on, the keys also go into a
/// table, so a mapping with very many keys still costs one lookup per key. Keys compare as
/// Swift strings do, as the finished object's keys will.
private struct MappingKeys {
    /// Where this mapping's keys start in the pending keys.
    let start: Int
    private var count = 0
    private var table: [String: Int]?

    static let hashedFrom = 16

    init(start: Int) {
        self.start = start
    }

    /// The position of `key` in the mapping, or `nil` when it is new.
    func index(of key: String, in pending: [String]) -> Int? {
        if let table { return table[key] }
        for offset in 0..<count where pending[start + offset] == key { return offset }
        return nil
    }

    /// Adds a key that ``index(of:in:)`` did not find.
    mutating func append(_ key: String, to pending: inout [String]) {
        pending.append(key)
        if table != nil {
            table?[key] = count
        } else if count + 1 == Self.hashedFrom {
            var built: [String: Int] = [:]
            built.reserveCapacity(2 * Self.hashedFrom)
            for offset in 0...count { built[pending[start + offset]] = offset }
            table = built
        }
        count += 1
    }
}
