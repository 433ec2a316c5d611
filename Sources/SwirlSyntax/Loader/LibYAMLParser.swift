internal import CYAML
import SwirlCore

/// One libyaml parsing event, already copied into Swift values.
enum YAMLEvent: Sendable {
    /// How a scalar was written; only plain scalars have their types resolved.
    enum ScalarStyle: Sendable {
        case plain
        case quoted
        case block
    }

    case streamStart
    case streamEnd
    case documentStart(SourcePosition)
    case documentEnd
    /// `end`: just after the node's last character.
    case alias(anchor: String, mark: SourcePosition, end: SourcePosition)
    case scalar(value: String, anchor: String?, tag: String?, style: ScalarStyle, mark: SourcePosition, end: SourcePosition)
    case sequenceStart(anchor: String?, tag: String?, mark: SourcePosition)
    /// `end`: just after the closing bracket of a flow collection; `nil` for a block one, which ends
    /// with its last value.
    case sequenceEnd(end: SourcePosition?)
    case mappingStart(anchor: String?, tag: String?, mark: SourcePosition)
    case mappingEnd(end: SourcePosition?)
}

/// libyaml's report of text it cannot parse.
struct YAMLSyntaxError: Error, Sendable {
    var problem: String
    var mark: SourcePosition
    var context: String?
    var contextMark: SourcePosition?
    /// The flow collections (`{…}`, `[…]`) open when parsing stopped, outermost first: where each
    /// one's bracket is, and whether it is a mapping.
    var openFlowCollections: [(mark: SourcePosition, isMapping: Bool)] = []
}

/// Pulls events from libyaml's event API over a UTF-8 buffer.
///
/// The only file that touches libyaml. The parser struct is heap-allocated so its address never
/// moves, and the input bytes are copied into memory this object owns, because libyaml keeps a
/// pointer to them for the parser's whole life.
final class LibYAMLParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let count: Int
    private var finished = false
    /// Every collection open at this point of the event stream, outermost first; a flow
    /// collection with its bracket's position, a block one as `nil`.
    private var openCollections: [(mark: SourcePosition, isMapping: Bool)?] = []

    init(bytes: some Collection<UInt8>) {
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        count = bytes.count
        parser = .allocate(capacity: 1)
        // yaml_parser_initialize only fails when memory allocation fails.
        precondition(yaml_parser_initialize(parser) == 1, "libyaml could not allocate a parser")
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event, or `nil` after the end of the stream.
    /// - Throws: ``YAMLSyntaxError`` when the text is not valid YAML.
    func next() throws(YAMLSyntaxError) -> YAMLEvent? {
        guard !finished else { return nil }
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else {
            finished = true
            throw currentError()
        }
        defer { yaml_event_delete(&event) }
        let mark = Self.position(event.start_mark)
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return .streamStart
        case YAML_STREAM_END_EVENT:
            finished = true
            return .streamEnd
        case YAML_DOCUMENT_START_EVENT:
            return .documentStart(mark)
        case YAML_DOCUMENT_END_EVENT:
            return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(anchor: Self.string(event.data.alias.anchor) ?? "", mark: mark, end: Self.position(event.end_mark))
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            let style: YAMLEvent.ScalarStyle =
                switch scalar.style {
                case YAML_PLAIN_SCALAR_STYLE: .plain
                case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: .block
                default: .quoted
                }
            return .scalar(
                value: value, anchor: Self.string(scalar.anchor), tag: Self.string(scalar.tag), style: style,
                mark: mark, end: Self.position(event.end_mark))
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            openCollections.append(start.style == YAML_FLOW_SEQUENCE_STYLE ? (mark, false) : nil)
            return .sequenceStart(anchor: Self.string(start.anchor), tag: Self.string(start.tag), mark: mark)
        case YAML_SEQUENCE_END_EVENT:
            let flow = openCollections.popLast().map { $0 != nil } ?? false
            return .sequenceEnd(end: flow ? Self.position(event.end_mark) : nil)
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            openCollections.append(start.style == YAML_FLOW_MAPPING_STYLE ? (mark, true) : nil)
            return .mappingStart(anchor: Self.string(start.anchor), tag: Self.string(start.tag), mark: mark)
        case YAML_MAPPING_END_EVENT:
            let flow = openCollections.popLast().map { $0 != nil } ?? false
            return .mappingEnd(end: flow ? Self.position(event.end_mark) : nil)
        default:
            // YAML_NO_EVENT: libyaml produces it only after the stream ended.
            finished = true
            return nil
        }
    }

    private func currentError() -> YAMLSyntaxError {
        var problem = parser.pointee.problem.map { String(cString: $0) } ?? "the text is not valid YAML"
        var mark = Self.position(parser.pointee.problem_mark)
        if parser.pointee.error == YAML_READER_ERROR {
            // The reader (which refuses control characters such as NUL) leaves the mark unset and
            // gives the byte offset of the offending character instead.
            let offset = min(Int(parser.pointee.problem_offset), count)
            mark = SourcePosition(offset: offset, in: UnsafeBufferPointer(start: input.baseAddress, count: count))
            let value = parser.pointee.problem_value
            if value >= 0 {
                let hex = String(value, radix: 16, uppercase: true)
                problem += " (U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + ")"
            }
        }
        var error = YAMLSyntaxError(problem: problem, mark: mark)
        error.openFlowCollections = openCollections.compactMap { $0 }
        if let context = parser.pointee.context {
            error.context = String(cString: context)
            error.contextMark = Self.position(parser.pointee.context_mark)
        }
        return error
    }

    /// libyaml marks are 0-based; Swirl's positions are 1-based from here on.
    private static func position(_ mark: yaml_mark_t) -> SourcePosition {
        SourcePosition(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}

@available(*, unavailable)
extension LibYAMLParser: Sendable {}
