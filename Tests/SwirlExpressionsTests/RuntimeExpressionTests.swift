import SwirlExpressions
import Testing

@Suite struct RuntimeExpressionTests {
    @Test(
        "recognises whole-string expressions and where their body starts",
        arguments: [
            ("${ .a }", " .a ", 2), ("  ${.a}\n", ".a", 4), ("${\n  .a |\n  .b\n}", "\n  .a |\n  .b\n", 2),
            ("${ {a: 1} }", " {a: 1} ", 2),
        ])
    func unwraps(text: String, body: String, offset: Int) throws {
        let expression = try #require(RuntimeExpression.unwrap(text))
        #expect(expression.body == body)
        #expect(expression.offset == offset)
    }

    @Test("treats every other string as a literal", arguments: ["plain", "${}", "${ }", "$ {.a}", "${ .a } x", "x ${ .a }", "{.a}"])
    func literals(text: String) {
        #expect(RuntimeExpression.unwrap(text) == nil)
    }

    @Test("reads always-expression fields with or without the wrapper")
    func expressionFields() {
        #expect(RuntimeExpression.expressionField(".color == \"red\"").body == ".color == \"red\"")
        #expect(RuntimeExpression.expressionField("${ .colors }").body == " .colors ")
    }

    @Test("spots partial interpolation")
    func partialInterpolation() {
        #expect(RuntimeExpression.isPartialInterpolation("Hello ${ .name }!"))
        #expect(RuntimeExpression.isPartialInterpolation("prefix ${ .a } and ${ .b }"))
        #expect(!RuntimeExpression.isPartialInterpolation("${ .name }"))
        #expect(!RuntimeExpression.isPartialInterpolation("costs $5 {approx}"))
        #expect(!RuntimeExpression.isPartialInterpolation("${ unclosed"))
    }
}
