import SwirlCore

/// A runtime expression simple enough to evaluate directly, without setting up an evaluation of
/// Swirl's jq engine:
/// paths of plain fields on `.` or on a variable, whole-number literals, and `+`/`-` between them
/// (`.n + 1`, `$item`, `.order.total - $discount`).
///
/// An engine evaluation sets up its run state and variable bindings, which is much of what a
/// `set` task of a task-heavy run costs. This covers only cases whose jq result is certain: a field of an
/// object or of `null`, and `+` or `-` of numbers, `+` of strings or arrays, `+` with `null`.
/// Anything else (a field of a number, a result that is not finite, objects added) answers `nil`,
/// and the caller evaluates the expression with the engine, which gives the value or the error jq
/// gives. So the shortcut changes how fast an expression is evaluated, never what it gives.
struct DirectExpression {
    enum Operand {
        /// `.a.b` (no fields: `.`).
        case data(fields: [String])
        /// `$name.a.b`.
        case variable(ExpressionPlan.Binding, fields: [String])
        case number(Double)
    }

    enum Operator {
        case plus, minus
    }

    let first: Operand
    /// Applied left to right, as jq's `+` and `-` associate.
    let rest: [(Operator, Operand)]

    /// The shortcut for `text`, or `nil` when the text is anything else.
    /// - Parameter declared: the scoped variables the expression's source declares; they shadow
    ///   arguments of the same name.
    init?(_ text: String, declared: Set<String>) {
        var text = text
        guard
            let parsed = text.withUTF8({ bytes -> (Operand, [(Operator, Operand)])? in
                var lexer = JQLexer(bytes: bytes, dialect: .jq171)
                func name(_ token: JQToken, dropFirst: Int = 0) -> String {
                    String(decoding: UnsafeBufferPointer(rebasing: bytes[(token.start + dropFirst)..<token.end]), as: UTF8.self)
                }
                var token = lexer.next()
                // One operand; on return `token` is the first token after it.
                func operand() -> Operand? {
                    var fields: [String] = []
                    var variable: ExpressionPlan.Binding?
                    switch token.kind {
                    case .dot:
                        token = lexer.next()
                        return .data(fields: [])
                    case .number:
                        // Whole numbers of up to 15 digits read as the same double in jq and Swift.
                        let digits = bytes[token.start..<token.end]
                        guard digits.count <= 15, digits.allSatisfy(JQLexer.isDigit), let value = Double(name(token)) else {
                            return nil
                        }
                        token = lexer.next()
                        return .number(value)
                    case .field:
                        break
                    case .dollar:
                        token = lexer.next()
                        guard token.kind == .identifier else { return nil }
                        let variableName = name(token)
                        if declared.contains(variableName) {
                            variable = .scoped(variableName)
                        } else if let argument = ExpressionPlan.Argument.byName[variableName] {
                            variable = .argument(argument)
                        } else {
                            return nil
                        }
                        token = lexer.next()
                    default:
                        return nil
                    }
                    while token.kind == .field {
                        fields.append(name(token, dropFirst: 1))
                        token = lexer.next()
                    }
                    if let variable { return .variable(variable, fields: fields) }
                    return .data(fields: fields)
                }
                guard let first = operand() else { return nil }
                var rest: [(Operator, Operand)] = []
                while true {
                    let op: Operator
                    switch token.kind {
                    case .end: return (first, rest)
                    case .plus: op = .plus
                    case .minus: op = .minus
                    default: return nil
                    }
                    token = lexer.next()
                    guard let next = operand() else { return nil }
                    rest.append((op, next))
                }
            })
        else { return nil }
        first = parsed.0
        rest = parsed.1
    }

    /// The expression's one output on `data`, or `nil` when jq's answer is not certain here.
    func evaluate(data: JSON, arguments: ExpressionArguments) -> JSON? {
        guard var value = Self.value(of: first, data: data, arguments: arguments) else { return nil }
        for (op, operand) in rest {
            guard let right = Self.value(of: operand, data: data, arguments: arguments),
                let combined = Self.apply(op, value, right)
            else { return nil }
            value = combined
        }
        return value
    }

    private static func value(of operand: Operand, data: JSON, arguments: ExpressionArguments) -> JSON? {
        switch operand {
        case .number(let number): return .number(number)
        case .data(let fields): return path(fields, on: data)
        case .variable(let variable, let fields): return path(fields, on: variable.value(in: arguments))
        }
    }

    /// `.a.b` on `value`: members of objects, `null` through `null`; `nil` for jq's errors.
    private static func path(_ fields: [String], on value: JSON) -> JSON? {
        var current = value
        for field in fields {
            switch current {
            case .object(let members):
                guard let index = members.index(forKey: field) else {
                    current = .null
                    continue
                }
                // Swift finds keys by canonical equivalence, jq byte by byte: `.K` must not read a
                // member named with the Kelvin sign, which is canonically the same letter.
                guard JSON.sameCodePoints(members.keys[index], field) else { return nil }
                current = members.values[index]
            case .null: current = .null
            default: return nil
            }
        }
        return current
    }

    /// jq 1.6's `+` and `-` where their result is certain; `nil` elsewhere.
    private static func apply(_ op: Operator, _ left: JSON, _ right: JSON) -> JSON? {
        switch (op, left, right) {
        case (.plus, .null, _): return right
        case (.plus, _, .null): return left
        case (.plus, .number(let a), .number(let b)): return finite(a + b)
        case (.minus, .number(let a), .number(let b)): return finite(a - b)
        case (.plus, .string(let a), .string(let b)): return .string(a + b)
        case (.plus, .array(let a), .array(let b)): return .array(a + b)
        default: return nil
        }
    }

    /// A number JSON can hold; the engine decides what an overflow becomes.
    private static func finite(_ number: Double) -> JSON? {
        number.isFinite ? .number(number) : nil
    }
}
