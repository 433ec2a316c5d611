import Foundation
import SwirlCore
@testable import SwirlExpressions
import Testing

/// jq's own test cases, read from a folder you point the tests at (they are jq's, and stay out of
/// this repository): `SWIRL_JQ_TEST_CASES=/path/to/jq/tests scripts/test --filter JQPublishedCasesTests`
/// runs every `*.test` file there (`jq.test`, `man.test`, `onig.test`... of jq 1.7.1) through Swirl's
/// engine and prints each case it fails. Without the variable there is nothing to read, and the
/// test says so.
///
/// The files hold cases of three lines or more, separated by blank lines: the program, its input,
/// and each expected output; `%%FAIL` before a program means it must not compile. Cases that need
/// what workflow expressions cannot have (modules, `input`, `$ENV`, command-line arguments) are
/// counted apart.
@Suite struct JQPublishedCasesTests {
    struct Case {
        var file: String
        var line: Int
        var program: String
        var input: String
        var outputs: [String]
        var mustFail: Bool
    }

    static func cases(in folder: String) throws -> [Case] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".test") }.sorted()
        var cases: [Case] = []
        for file in files {
            let text = try String(contentsOfFile: (folder as NSString).appendingPathComponent(file), encoding: .utf8)
            var block: [(Int, String)] = []
            func flush() {
                defer { block.removeAll() }
                guard !block.isEmpty else { return }
                var lines = block
                var mustFail = false
                if lines[0].1.hasPrefix("%%FAIL") {
                    mustFail = true
                    lines.removeFirst()
                }
                guard let first = lines.first else { return }
                if mustFail {
                    cases.append(Case(file: file, line: first.0, program: first.1, input: "", outputs: [], mustFail: true))
                } else if lines.count >= 2 {
                    cases.append(
                        Case(
                            file: file, line: first.0, program: first.1, input: lines[1].1, outputs: lines.dropFirst(2).map(\.1),
                            mustFail: false))
                }
            }
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = String(line)
                if line.hasPrefix("#") { continue }
                if line.trimmingCharacters(in: .whitespaces).isEmpty {
                    flush()
                } else {
                    block.append((index + 1, line))
                }
            }
            flush()
        }
        return cases
    }

    /// What a program's error becomes in the wrapped program, to tell it from its outputs.
    static let stopMark: JSON = "__swirl: the program failed here__"

    /// Features workflow expressions do not have, by the text that shows a case needs them.
    static let unavailable = [
        "import ", "include ", "modulemeta", "get_search_list", "input", "$ENV", "env.", "$__prog_args", "get_prog_origin",
        "get_jq_origin", "halt", "stderr", "debug", "input_filename",
    ]

    @Test("jq's own test cases, from SWIRL_JQ_TEST_CASES")
    func published() throws {
        guard let folder = ProcessInfo.processInfo.environment["SWIRL_JQ_TEST_CASES"] else {
            print("JQPublishedCasesTests: SWIRL_JQ_TEST_CASES names no folder of jq's *.test files; nothing to compare")
            return
        }
        let cases = try Self.cases(in: folder)
        #expect(!cases.isEmpty, "no cases in \(folder)")
        var failures: [String] = []
        var passed = 0
        var unavailable = 0
        for item in cases {
            if Self.unavailable.contains(where: { item.program.contains($0) }) {
                unavailable += 1
                continue
            }
            // jq's runner compares the outputs given before an error: the error ends them here.
            let compiled: JQCompiledProgram
            do {
                compiled = try JQCompiledProgram("try (\(item.program)) catch \(Self.stopMark.serialized())", variables: [])
            } catch {
                if item.mustFail {
                    passed += 1
                } else {
                    failures.append("\(item.file):\(item.line): \(item.program)\n  does not compile: \(error)")
                }
                continue
            }
            if item.mustFail {
                failures.append("\(item.file):\(item.line): \(item.program)\n  compiles, and must not")
                continue
            }
            guard let input = try? JSON(parsing: item.input) else {
                unavailable += 1
                continue
            }
            let expected = item.outputs.compactMap { try? JSON(parsing: $0) }
            do {
                var outputs = try compiled.run(input)
                if outputs.last == Self.stopMark { outputs.removeLast() }
                // As jq prints them: infinities become the largest double.
                let printed = outputs.map { (try? JSON(parsing: $0.serialized())) ?? $0 }
                if printed.count == expected.count && zip(printed, expected).allSatisfy({ JQValue.equal($0, $1) }) {
                    passed += 1
                } else {
                    failures.append(
                        "\(item.file):\(item.line): \(item.program)\n  input \(item.input)\n  swirl: \(printed.map { $0.serialized() })\n  jq:    \(item.outputs)"
                    )
                }
            } catch {
                failures.append("\(item.file):\(item.line): \(item.program)\n  input \(item.input)\n  swirl failed: \(error)\n  jq:    \(item.outputs)")
            }
        }
        print("jq's test cases: \(cases.count) cases, \(passed) pass, \(failures.count) fail, \(unavailable) need what workflows lack")
        for failure in failures { print(failure) }
        #expect(failures.isEmpty, "\(failures.count) of jq's cases fail; they are printed above")
    }
}
