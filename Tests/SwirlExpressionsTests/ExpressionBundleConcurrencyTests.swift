import SwirlCore
import SwirlExpressions
import Testing

/// One bundle, shared by every task with no actor or lock around it: an `ExpressionBundle` is
/// `Sendable`, and the runs of a worker evaluate through their workflow's bundle from many threads
/// at once.
@Suite struct ExpressionBundleConcurrencyTests {
    static let texts = [
        ".a + $context.x",
        "[$input, $item] | add",
        "$workflow.id + \"/\" + $task.name",
        "[range(.n)] | map(. * $index) | add // 0",
        ".a as $a | $secrets.k * $a",
    ]

    @Test("64 tasks evaluate hundreds of expressions each through one shared bundle, all correct")
    func sharedBundle() async throws {
        let bundle = try ExpressionBundle(sources: Self.texts.map { ExpressionSource($0, scopedVariables: ["item", "index"]) })
        let failures = await withTaskGroup(of: [String].self) { group in
            for task in 0..<64 {
                group.addTask {
                    var failures: [String] = []
                    for step in 0..<300 {
                        let index = (task + step) % Self.texts.count
                        let (data, arguments, expected) = Self.stressCase(index: index, task: task, step: step)
                        do {
                            let result = try bundle.evaluate(index, on: data, arguments: arguments)
                            if result != expected {
                                failures.append("task \(task) step \(step): \(result.serialized()) != \(expected.serialized())")
                            }
                        } catch {
                            failures.append("task \(task) step \(step): \(error)")
                        }
                    }
                    return failures
                }
            }
            var all: [String] = []
            for await failures in group { all += failures }
            return all
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    /// One evaluation: different data and arguments for every task and step, so values crossing
    /// between tasks would show.
    private static func stressCase(index: Int, task: Int, step: Int) -> (JSON, ExpressionArguments, JSON) {
        let t = Double(task)
        let s = Double(step)
        var arguments = ExpressionArguments(
            context: ["x": .number(s)],
            input: [.number(t)],
            secrets: ["k": .number(t + 1)],
            task: ["name": .string("step\(step)")],
            workflow: ["id": .string("run\(task)"), "definition": ["do": [["t\(task)": ["set": ["a": 1]]]]]]
        )
        arguments.scoped = ["item": [.number(s)], "index": .number(t)]
        switch index {
        case 0: return (["a": .number(t * 1000)], arguments, .number(t * 1000 + s))
        case 1: return (nil, arguments, [.number(t), .number(s)])
        case 2: return (nil, arguments, .string("run\(task)/step\(step)"))
        case 3:
            let n = step % 7
            let sum = Double((0..<n).reduce(0, +)) * t
            return (["n": .number(Double(n))], arguments, n == 0 ? 0 : .number(sum))
        default: return (["a": .number(t * 1000)], arguments, .number((t + 1) * (t * 1000)))
        }
    }

    @Test("tasks compile bundles of their own while others evaluate")
    func compileWhileEvaluating() async throws {
        let results = try await withThrowingTaskGroup(of: (Int, JSON).self) { group in
            for task in 0..<16 {
                group.addTask {
                    var last: JSON = nil
                    for step in 0..<50 {
                        // A fresh bundle each step: compiling and evaluating interleave across tasks.
                        let bundle = try ExpressionBundle(sources: [ExpressionSource(".a + $context * \(task)")])
                        last = try bundle.evaluate(0, on: ["a": .number(Double(step))], arguments: ExpressionArguments(context: 2))
                    }
                    return (task, last)
                }
            }
            var results: [Int: JSON] = [:]
            for try await (task, last) in group { results[task] = last }
            return results
        }
        #expect(results.count == 16)
        for (task, last) in results {
            #expect(last == .number(49 + 2 * Double(task)))
        }
    }
}
