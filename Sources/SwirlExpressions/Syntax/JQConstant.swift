import SwirlCore

/// A value libjq 1.6's parser knows while compiling, because the expression that makes it is
/// made of literals only.
///
/// libjq folds such expressions as it parses (`constant_fold`, `gen_const_array` and
/// `gen_const_object` in `jqlang/jq@jq-1.6: src/parser.y` and `src/compile.c`) and rejects some of
/// the results outright: a division whose folded result is infinite (`1 / 0`, `1e1000 / 1`) and
/// a computed object key that is a constant but not a string (`{(1): 2}`, `{([1]): 2}`). Only a
/// number's value matters for those checks; strings, arrays and objects are tracked by kind.
enum JQConstant {
    case null, `true`, `false`, number(Double), string, array, object

    /// The kind's name as jq spells it in messages: `number`, `boolean`, …
    var kindName: String {
        switch self {
        case .null: "null"
        case .true, .false: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The value of `null`, `true`, `false` or a number; strings, arrays and objects are only
    /// tracked by kind, and give `null`.
    var literalValue: JSON {
        switch self {
        case .null: .null
        case .true: .bool(true)
        case .false: .bool(false)
        case .number(let value): .number(value)
        case .string, .array, .object: .null
        }
    }

    var isString: Bool {
        if case .string = self { return true }
        return false
    }

    /// What libjq 1.6 folds `left op right` into, or `nil` when it leaves the operation to run
    /// time. `null + x` and `x + null` fold to the other side whatever it is; otherwise both sides
    /// must be the same kind, and only numbers (arithmetic and comparison) and strings (`+`) fold.
    /// `%` never folds in 1.6.
    static func folded(_ operation: JQToken.Kind, _ left: JQConstant, _ right: JQConstant) -> JQConstant? {
        if operation == .plus {
            if case .null = left { return right }
            if case .null = right { return left }
        }
        switch (left, right) {
        case (.number(let a), .number(let b)):
            switch operation {
            case .plus: return .number(a + b)
            case .minus: return .number(a - b)
            case .star: return .number(a * b)
            case .slash: return .number(a / b)
            case .equal: return a == b ? .true : .false
            case .notEqual: return a != b ? .true : .false
            case .less: return a < b ? .true : .false
            case .greater: return a > b ? .true : .false
            case .lessEqual: return a <= b ? .true : .false
            case .greaterEqual: return a >= b ? .true : .false
            default: return nil
            }
        case (.string, .string):
            return operation == .plus ? .string : nil
        default:
            return nil
        }
    }
}
