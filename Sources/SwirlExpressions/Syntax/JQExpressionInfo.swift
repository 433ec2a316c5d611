/// What the parser needs to know about an expression it has just read, to mirror the constant
/// folding libjq 1.6 does while parsing (see ``JQConstant``).
///
/// libjq's code blocks decide it: `.` compiles to an empty block, so `. | 1` is the constant `1`
/// (block_join of nothing and a constant); a `def` nobody calls is dropped, so `def f: 1; 2` is
/// the constant `2`; `[1, 2]` folds into a constant array, but `[1, (2, 3)]` does not, because
/// libjq only recognises a left-leaning chain of commas over constants.
struct JQExpressionInfo {
    enum Shape {
        /// Compiles to no instructions at all: `.`, `(.)`, `. | .`.
        case empty
        /// Compiles to one constant.
        case constant(JQConstant)
        /// Anything else.
        case code
    }

    var shape: Shape
    /// Whether `[this]` folds into a constant array: a constant, or `a, c` where `a` folds and `c`
    /// is a constant.
    var foldsIntoArray: Bool
    /// The expression's tree, for the evaluator.
    var node: JQNode

    static func code(_ node: JQNode) -> JQExpressionInfo {
        JQExpressionInfo(shape: .code, foldsIntoArray: false, node: node)
    }

    static let empty = JQExpressionInfo(shape: .empty, foldsIntoArray: false, node: .identity)

    static func constant(_ value: JQConstant, _ node: JQNode) -> JQExpressionInfo {
        JQExpressionInfo(shape: .constant(value), foldsIntoArray: true, node: node)
    }

    var constant: JQConstant? {
        if case .constant(let value) = shape { return value }
        return nil
    }

    var isEmpty: Bool {
        if case .empty = shape { return true }
        return false
    }

    /// `left | right`: joining an empty block leaves the other side as it is.
    static func piped(_ left: JQExpressionInfo, _ right: JQExpressionInfo) -> JQExpressionInfo {
        if left.isEmpty { return right }
        if right.isEmpty { return left }
        return .code(.pipe(left.node, right.node))
    }

    /// `left, right`.
    static func comma(_ left: JQExpressionInfo, _ right: JQExpressionInfo) -> JQExpressionInfo {
        JQExpressionInfo(
            shape: .code,
            foldsIntoArray: left.foldsIntoArray && right.constant != nil,
            node: .comma(left.node, right.node)
        )
    }
}
