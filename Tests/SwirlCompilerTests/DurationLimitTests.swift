import SwirlCompiler
import SwirlCore
import SwirlSyntax
import Testing

/// Literal durations longer than the maximum Swirl accepts (100 years) are validation errors.
@Suite struct DurationLimitTests {
    func check(_ yaml: String) throws -> [Diagnostic] {
        let document = Loader().load(text: "document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}\n" + yaml, file: "t.yaml")
        try #require(document.diagnostics.isEmpty, "\(document.diagnostics)")
        return SemanticChecks(expressionChecker: { _, _ in nil }).check(try #require(document.value)).diagnostics
    }

    @Test("waits, timeouts, retry delays, budgets and jitter longer than 100 years are rejected")
    func tooLong() throws {
        let diagnostics = try check(
            """
            timeout: {after: P99999999999999999999D}
            do:
              - a: {wait: {days: 1e300}}
              - b:
                  try:
                    - c: {set: {x: 1}}
                  catch:
                    retry:
                      delay: {days: 36526}
                      limit: {duration: P5300W, attempt: {duration: PT1S}}
                      jitter: {from: PT0S, to: P36526D}
              - d: {wait: P36524D}
            """)
        #expect(
            Set(diagnostics.map { "\($0.code) \($0.path?.description ?? "-")" }) == [
                "SWL4005 /timeout/after", "SWL4005 /do/0/a/wait", "SWL4005 /do/1/b/catch/retry/delay",
                "SWL4005 /do/1/b/catch/retry/limit/duration", "SWL4005 /do/1/b/catch/retry/jitter/to",
            ])
        #expect(diagnostics.allSatisfy { $0.message.contains("longer than the maximum duration of 100 years") })
    }
}
