import SwirlTestSupport
import Testing

@Suite struct ExplainCLITests {
    @Test("swirl explain CODE prints the meaning, an example and the fix; without a code it lists them all")
    func explain() throws {
        let one = try RunBinary.swirl(["explain", "swl4002"])
        #expect(one.exitCode == 0, "\(one.stderr)")
        #expect(one.stdout.hasPrefix("SWL4002 unknown-flow-target: "))
        #expect(one.stdout.contains("For example, 'swirl validate' reports SWL4002 for:"))
        #expect(one.stdout.contains("    do:"))
        #expect(one.stdout.contains("\nFix: "))

        let all = try RunBinary.swirl(["explain"])
        #expect(all.exitCode == 0)
        let lines = all.stdout.split(separator: "\n")
        #expect(lines.count > 30)
        #expect(lines.allSatisfy { $0.hasPrefix("SWL") })

        let unknown = try RunBinary.swirl(["explain", "SWL9999"])
        #expect(unknown.exitCode == 2)
        #expect(unknown.stderr.contains("no diagnostic has the code 'SWL9999'"))
    }
}
