@testable import SwirlExpressions
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks that ``JQSyntax``, read as jq 1.6, accepts exactly what the `jq` 1.6 program compiles:
/// the parser Swirl's validation and engine share, against a real jq.
///
/// Each compile starts a `jq` process (about 20 ms), so by default a deterministic sample of about 300
/// expressions runs (every third hand-written case, then the first generated ones). With
/// `SWIRL_JQ_DIFFERENTIAL=full` every hand-written case and every generated program and mutant
/// runs (several thousand), and each chunk prints how many expressions it compared;
/// `SWIRL_JQ_DIFFERENTIAL_PROGRAMS` and `SWIRL_JQ_DIFFERENTIAL_SEED` change how many programs are
/// generated (1,000 by default, each with two mutants) and from which seed, to hunt further.
@Suite struct JQSyntaxDifferentialTests {
    /// One expression to compare, and the verdict the hand-written table claims, if it is from there.
    struct Sample: Sendable {
        var expression: String
        var expected: Bool?
    }

    static let isFullRun = environment("SWIRL_JQ_DIFFERENTIAL") == "full"

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Independent chunks, so Swift Testing can run them in parallel.
    static let chunkCount = 4

    static let samples: [Sample] = {
        let handWritten = JQSyntaxCases.all.map { Sample(expression: $0.expression, expected: $0.compiles) }
        let programs = isFullRun ? environment("SWIRL_JQ_DIFFERENTIAL_PROGRAMS").flatMap { Int($0) } ?? 1_000 : 10
        let seed = environment("SWIRL_JQ_DIFFERENTIAL_SEED").flatMap { UInt64($0) } ?? 0x5EED_1A51
        let generated = generatedExpressions(programs: programs, mutantsEach: 2, seed: seed)
            .map { Sample(expression: $0, expected: nil) }
        if isFullRun {
            return handWritten + generated
        }
        let sampled = handWritten.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
        return sampled + generated
    }()

    /// Programs from ``JQSyntaxGenerator`` and broken copies of them, without duplicates.
    static func generatedExpressions(programs: Int, mutantsEach: Int, seed: UInt64 = 0x5EED_1A51) -> [String] {
        var generator = JQSyntaxGenerator(seed: seed, variables: JQSyntaxCases.variables.sorted())
        var seen = Set<String>()
        var expressions: [String] = []
        func add(_ expression: String) {
            if seen.insert(expression).inserted { expressions.append(expression) }
        }
        for _ in 0..<programs {
            let tokens = generator.program()
            add(generator.render(tokens))
            for _ in 0..<mutantsEach {
                add(generator.render(generator.mutate(tokens)))
            }
        }
        return expressions
    }

    @Test("the checker accepts exactly what jq 1.6 compiles", arguments: 0..<chunkCount)
    func agreesWithJQ(chunk: Int) {
        let samples = Self.samples.enumerated().filter { $0.offset % Self.chunkCount == chunk }.map(\.element)
        var disagreements: [String] = []
        var compiled = 0
        for sample in samples {
            let libjq = Self.libjqCompiles(sample.expression)
            let error = JQSyntax.check(sample.expression, variables: JQSyntaxCases.variables, dialect: .jq16)
            if libjq { compiled += 1 }
            if libjq != (error == nil) {
                var verdict = "libjq rejects it, the checker accepts it"
                if let error {
                    verdict = "libjq compiles it, the checker says: \(error)"
                }
                disagreements.append("\(sample.expression.debugDescription): \(verdict)")
            }
            if let expected = sample.expected, expected != libjq {
                let verdict = "the table says \(expected), libjq \(libjq)"
                disagreements.append("\(sample.expression.debugDescription): \(verdict)")
            }
        }
        if Self.isFullRun {
            print(
                "JQSyntax differential, chunk \(chunk + 1) of \(Self.chunkCount): \(samples.count) expressions "
                    + "(\(compiled) compile, \(samples.count - compiled) do not), "
                    + "\(samples.count - disagreements.count) agree"
            )
        }
        let listing = disagreements.prefix(40).joined(separator: "\n")
        #expect(disagreements.isEmpty, Comment(rawValue: "\(disagreements.count) disagreements:\n\(listing)"))
    }

    @Test("the deliberate differences are the only ones known")
    func deliberateDifferences() {
        for (expression, reason) in JQSyntaxCases.deliberateDifferences {
            #expect(Self.libjqCompiles(expression), "libjq should compile it: \(reason)")
            #expect(JQSyntax.check(expression, variables: JQSyntaxCases.variables, dialect: .jq16) != nil, "\(reason)")
        }
    }

    @Test("the generator is deterministic and produces both valid and invalid programs")
    func generatorIsDeterministic() {
        let first = Self.generatedExpressions(programs: 30, mutantsEach: 2)
        let second = Self.generatedExpressions(programs: 30, mutantsEach: 2)
        #expect(first == second)
        let verdicts = first.map { JQSyntax.check($0, variables: JQSyntaxCases.variables, dialect: .jq16) == nil }
        #expect(verdicts.contains(true))
        #expect(verdicts.contains(false))
    }

    /// Whether libjq 1.6 compiles `expression` as a program with the Swirl variables bound.
    ///
    /// libjq can only get variables from text here, so the expression is wrapped:
    /// `. as [$context, …] | (⏎EXPR⏎)` (the newlines end a trailing comment). A wrapper can be
    /// escaped, as in `1) | (2`, so an expression that contains `)` must also compile inside
    /// `[⏎EXPR⏎]`: to close the wrapper it would need a `)` in one and a `]` in the other at the
    /// same place, and libjq's lexer rejects a closer that does not match. A program of
    /// definitions alone (or an empty one) is no expression and cannot be wrapped; it is compiled
    /// as it is, which is faithful because libjq drops its definitions unread, and binding more
    /// variables never makes a compiling program fail.
    /// Each wrapped program runs after `empty`, so only its compilation counts; a bare one runs
    /// on `null` and is stopped if it runs on.
    static func libjqCompiles(_ expression: String) -> Bool {
        func compiles(_ program: String) -> Bool {
            ReferenceJQ.compiles(program)
        }
        let binding = "empty | . as [" + JQSyntaxCases.variables.sorted().map { "$" + $0 }.joined(separator: ", ") + "] | "
        if compiles(binding + "(\n" + expression + "\n)")
            && (!expression.contains(")") || compiles(binding + "[\n" + expression + "\n]"))
        {
            return true
        }
        return compiles(expression)
    }
}
