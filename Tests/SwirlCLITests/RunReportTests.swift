import Foundation
import SwirlCore
import SwirlTestSupport
import Testing

/// What `swirl run` tells a person about a run as it goes and when it faults: where the fault is in the file,
/// which iteration, attempt and switch case each line is about, and nothing but errors with --quiet.
@Suite struct RunReportTests {
    static let header = "document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}\n"

    static let flow = header + """
        do:
          - pick:
              switch:
                - small: {when: '${ .n < 1 }', then: loop}
                - big: {when: '${ .n > 1 }', then: loop}
                - other: {then: loop}
          - loop:
              for: {each: item, in: '${ [1, 2, 3] }'}
              do:
                - show: {set: {v: '${ $item }'}}
          - flaky:
              try:
                - boom: {raise: {error: {type: 'https://example.com/errors/busy', status: 503, title: Busy}}}
              catch:
                retry: {delay: PT0.01S, limit: {attempt: {count: 1}}}

        """

    @Test(
        "progress lines name the iteration, the attempt and the switch case; a fault shows its task's line",
        arguments: [["--ephemeral"], []])
    func progressAndFault(store: [String]) throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write("flow.yaml", Self.flow)
        let result = try RunBinary.swirl(["run", file, "--input", #"{"n": 2}"#] + store, directory: scratch.path)
        #expect(result.exitCode == 1)
        let lines = result.stderr
        #expect(lines.contains("swirl: /do/0/pick completed in "), "\(lines)")
        #expect(lines.contains(" ms (case big)\n"), "\(lines)")
        for item in 1...3 {
            #expect(lines.contains("swirl: /do/1/loop/do/0/show started (item \(item) of 3)\n"), "\(lines)")
        }
        #expect(lines.contains("swirl: /do/2/flaky/try/0/boom started\n"), "\(lines)")
        #expect(lines.contains("swirl: /do/2/flaky/try/0/boom started (attempt 2)\n"), "\(lines)")
        #expect(lines.contains("swirl: workflow faulted in "), "\(lines)")
        #expect(lines.contains(": Busy (503)\n"), "\(lines)")
        // Where the fault is, then the problem details.
        let located = "\(file):14:11: error: Busy (503) in task /do/2/flaky/try/0/boom\n"
            + "        - boom: {raise: {error: {type: 'https://example.com/errors/busy', status: 503, title: Busy}}}\n"
            + "          ^\n{"
        #expect(lines.contains(located), "\(lines)")
        let details = try #require(lines.range(of: "\n{\n")).lowerBound
        let error = try JSON(parsing: String(lines[lines.index(after: details)...]))
        #expect(error["instance"] == "/do/2/flaky/try/0/boom")

        // The default case, named as such.
        let other = try RunBinary.swirl(["run", file, "--input", #"{"n": 1}"#, "--ephemeral"], directory: scratch.path)
        #expect(other.stderr.contains(" ms (case other (default))\n"), "\(other.stderr)")
    }

    @Test("a run that times out says so on a line of its own, and points at the workflow's timeout")
    func timeout() throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write("slow.yaml", Self.header + "timeout: {after: PT0.2S}\ndo:\n  - nap: {wait: PT5S}\n")
        let result = try RunBinary.swirl(["run", file, "--ephemeral"], directory: scratch.path)
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("swirl: workflow faulted in "), "\(result.stderr)")
        #expect(result.stderr.contains(": Workflow timed out (408)\n"), "\(result.stderr)")
        #expect(result.stderr.contains("\(file):2:1: error: Workflow timed out (408) in the workflow\ntimeout: {after: PT0.2S}\n^\n"))
    }

    @Test("--quiet leaves only the output, or the problem details: no progress, no warnings, no source lines")
    func quiet() throws {
        let scratch = try ScratchFolder()
        let warned = try scratch.write("warned.yaml", Self.header + "do:\n  - a: {set: {x: 1}, then: end}\n  - b: {set: {x: 2}}\n")
        let loud = try RunBinary.swirl(["run", warned, "--ephemeral"], directory: scratch.path)
        #expect(loud.stderr.contains("warning: task \"b\" can never run"), "\(loud.stderr)")
        let quiet = try RunBinary.swirl(["run", warned, "--ephemeral", "--quiet"], directory: scratch.path)
        #expect(quiet.exitCode == 0)
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        let failing = try scratch.write("flow.yaml", Self.flow)
        let faulted = try RunBinary.swirl(["run", failing, "--input", #"{"n": 2}"#, "--ephemeral", "--quiet"], directory: scratch.path)
        #expect(faulted.exitCode == 1)
        #expect((try? JSON(parsing: faulted.stderr))?["status"] == 503, "\(faulted.stderr)")
    }
}
