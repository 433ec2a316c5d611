/// One token of jq 1.6's grammar: what it is and the UTF-8 bytes it covers in the expression.
///
/// Tokens carry no text of their own: names, numbers and strings are read back from the
/// expression's bytes through ``start`` and ``end``, so lexing allocates nothing.
struct JQToken {
    /// The token kinds of jq 1.6's lexer (`src/lexer.l`), one case per token it returns.
    enum Kind: UInt8 {
        /// The end of the expression.
        case end
        /// A byte no rule accepts, or a closing bracket that does not match the innermost open one.
        case invalid

        case identifier  // `map`, `a::b` (jq's IDENT; may contain `::`)
        case field  // `.foo` (jq's FIELD)
        case number  // `1`, `.5`, `1e3`; jq's LITERAL, checked by its JSON parser
        case format  // `@base64`

        case stringStart  // `"`
        case stringText  // literal text or a run of escapes inside a string
        case interpolationStart  // `\(`
        case interpolationEnd  // the `)` that closes `\(`
        case stringEnd  // the closing `"`

        case dot, recurse, question, assign, semicolon, comma, colon, pipe
        case plus, minus, star, slash, percent, dollar, less, greater
        case leftBracket, leftBrace, leftParen, rightBracket, rightBrace, rightParen
        case notEqual, equal, alternative, lessEqual, greaterEqual
        case updatePipe, updatePlus, updateMinus, updateStar, updateSlash, updatePercent, updateAlternative
        /// `?//`, the destructuring alternative. The lexer forms it greedily, so `.a?//1` is
        /// `.a` `?//` `1` in jq 1.6, a syntax error.
        case destructuringAlternative

        // Keywords, in the order of jq 1.6's `Keyword` rule; each may also be an object key.
        case kwAs, kwDef, kwModule, kwImport, kwInclude, kwIf, kwThen, kwElse, kwElif, kwReduce, kwForeach
        case kwEnd, kwAnd, kwOr, kwTry, kwCatch, kwLabel, kwBreak, kwLoc

        /// Whether the token is one of jq's keywords (`if`, `as`, `__loc__`, …), which jq 1.6
        /// accepts as object keys and in object patterns but nowhere a name is expected.
        var isKeyword: Bool { rawValue >= Kind.kwAs.rawValue }

        /// How messages name the kind when the token's own text would not help.
        var spelling: String {
            switch self {
            case .end: "the end of the expression"
            case .invalid: "an invalid character"
            case .identifier: "a name"
            case .field: "a field"
            case .number: "a number"
            case .format: "a format"
            case .stringStart: "a string"
            case .stringText: "string text"
            case .interpolationStart: "'\\('"
            case .interpolationEnd: "')'"
            case .stringEnd: "'\"'"
            case .dot: "'.'"
            case .recurse: "'..'"
            case .question: "'?'"
            case .assign: "'='"
            case .semicolon: "';'"
            case .comma: "','"
            case .colon: "':'"
            case .pipe: "'|'"
            case .plus: "'+'"
            case .minus: "'-'"
            case .star: "'*'"
            case .slash: "'/'"
            case .percent: "'%'"
            case .dollar: "'$'"
            case .less: "'<'"
            case .greater: "'>'"
            case .leftBracket: "'['"
            case .leftBrace: "'{'"
            case .leftParen: "'('"
            case .rightBracket: "']'"
            case .rightBrace: "'}'"
            case .rightParen: "')'"
            case .notEqual: "'!='"
            case .equal: "'=='"
            case .alternative: "'//'"
            case .lessEqual: "'<='"
            case .greaterEqual: "'>='"
            case .updatePipe: "'|='"
            case .updatePlus: "'+='"
            case .updateMinus: "'-='"
            case .updateStar: "'*='"
            case .updateSlash: "'/='"
            case .updatePercent: "'%='"
            case .updateAlternative: "'//='"
            case .destructuringAlternative: "'?//'"
            case .kwAs: "'as'"
            case .kwDef: "'def'"
            case .kwModule: "'module'"
            case .kwImport: "'import'"
            case .kwInclude: "'include'"
            case .kwIf: "'if'"
            case .kwThen: "'then'"
            case .kwElse: "'else'"
            case .kwElif: "'elif'"
            case .kwReduce: "'reduce'"
            case .kwForeach: "'foreach'"
            case .kwEnd: "'end'"
            case .kwAnd: "'and'"
            case .kwOr: "'or'"
            case .kwTry: "'try'"
            case .kwCatch: "'catch'"
            case .kwLabel: "'label'"
            case .kwBreak: "'break'"
            case .kwLoc: "'__loc__'"
            }
        }
    }

    var kind: Kind
    /// Offset of the token's first byte in the expression's UTF-8.
    var start: Int
    /// Offset just past the token's last byte.
    var end: Int
}
