import SwirlCore
import SwirlExpressions
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An actor of its own that adopts the shared jq executor, as the brief for interpreter actors
/// suggests.
private actor ThreadProbe {
    nonisolated var unownedExecutor: UnownedSerialExecutor {
        JQThreadExecutor.shared.asUnownedSerialExecutor()
    }

    func currentThread() -> UInt {
        JQThreadExecutor.shared.checkIsolated()
        return threadNumber()
    }
}

/// Holds one bundle for every task; `@JQActor` makes it `Sendable`.
@JQActor private final class SharedExpressions {
    nonisolated static let texts = [
        ".a + $context.x",
        "[$input, $item] | add",
        "$workflow.id + \"/\" + $task.name",
        "[range(.n)] | map(. * $index) | add // 0",
        ".a as $a | $secrets.k * $a",
    ]

    let bundle: ExpressionBundle

    init() throws {
        bundle = try ExpressionBundle(
            sources: Self.texts.map { ExpressionSource($0, scopedVariables: ["item", "index"]) }
        )
    }

    func evaluate(_ index: Int, on data: JSON, arguments: ExpressionArguments) throws -> JSON {
        precondition(JQThreadExecutor.shared.isCurrent)
        return try bundle.evaluate(index, on: data, arguments: arguments)
    }
}

/// Evaluates on an actor that is not global but shares the executor: both kinds of adoption meet
/// on the same thread.
private actor PrivateEvaluator {
    private var bundle: ExpressionBundle?

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        JQThreadExecutor.shared.asUnownedSerialExecutor()
    }

    func evaluate(_ text: String, on data: JSON, arguments: ExpressionArguments) throws -> JSON {
        if bundle == nil {
            bundle = try ExpressionBundle(sources: [ExpressionSource(text)])
        }
        return try bundle!.evaluate(0, on: data, arguments: arguments)
    }
}

private func threadNumber() -> UInt {
    #if canImport(Darwin)
    UInt(bitPattern: pthread_self())
    #else
    UInt(pthread_self())
    #endif
}

@Suite struct JQExecutorTests {
    @Test("every job runs on the executor's one thread, from 64 concurrent tasks")
    func oneThread() async {
        let probe = ThreadProbe()
        let threads = await withTaskGroup(of: [UInt].self) { group in
            for _ in 0..<64 {
                group.addTask {
                    var seen: [UInt] = []
                    for _ in 0..<20 {
                        seen.append(await probe.currentThread())
                    }
                    return seen
                }
            }
            var all: Set<UInt> = []
            for await seen in group {
                all.formUnion(seen)
            }
            return all
        }
        #expect(threads.count == 1)
        #expect(!threads.contains(threadNumber()))
    }

    @Test("the global JQActor runs on the same thread as actors that adopt the shared executor")
    func globalActorSharesThread() async {
        let fromProbe = await ThreadProbe().currentThread()
        let fromGlobal = await Self.threadOnJQActor()
        #expect(fromProbe == fromGlobal)
    }

    @JQActor private static func threadOnJQActor() -> UInt {
        JQActor.preconditionIsolated()
        #expect(JQThreadExecutor.shared.isCurrent)
        return threadNumber()
    }

    @Test("code outside the executor is told so")
    func notCurrentOutside() {
        #expect(!JQThreadExecutor.shared.isCurrent)
        #expect(JQThreadExecutor.shared.isIsolatingCurrentContext() == false)
    }

    @Test("jobs from one task run in the order they were queued")
    func order() async {
        let recorder = await OrderRecorder()
        for value in 0..<500 {
            await recorder.append(value)
        }
        #expect(await recorder.values == Array(0..<500))
    }

    @Test("stress: 64 tasks evaluate hundreds of expressions each through one shared bundle, all correct")
    func stress() async throws {
        let shared = try await SharedExpressions()
        let failures = await withTaskGroup(of: [String].self) { group in
            for task in 0..<64 {
                group.addTask {
                    var failures: [String] = []
                    for step in 0..<300 {
                        let index = (task + step) % SharedExpressions.texts.count
                        let (data, arguments, expected) = Self.stressCase(index: index, task: task, step: step)
                        do {
                            let result = try await shared.evaluate(index, on: data, arguments: arguments)
                            if result != expected {
                                failures.append(
                                    "task \(task) step \(step): \(result.serialized()) != \(expected.serialized())"
                                )
                            }
                        } catch {
                            failures.append("task \(task) step \(step): \(error)")
                        }
                    }
                    return failures
                }
            }
            var all: [String] = []
            for await failures in group {
                all += failures
            }
            return all
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    /// One evaluation of the stress test: different data and arguments for every task and step,
    /// so values crossing between tasks would show.
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

    @Test("stress: tasks compile their own bundles on the jq thread while others evaluate")
    func compileWhileEvaluating() async throws {
        let results = try await withThrowingTaskGroup(of: (Int, JSON).self) { group in
            for task in 0..<16 {
                group.addTask {
                    let evaluator = PrivateEvaluator()
                    var last: JSON = nil
                    for step in 0..<50 {
                        last = try await evaluator.evaluate(
                            ".a + $context * \(task)",
                            on: ["a": .number(Double(step))],
                            arguments: ExpressionArguments(context: 2)
                        )
                    }
                    return (task, last)
                }
            }
            var results: [Int: JSON] = [:]
            for try await (task, last) in group {
                results[task] = last
            }
            return results
        }
        #expect(results.count == 16)
        for (task, last) in results {
            #expect(last == .number(49 + 2 * Double(task)))
        }
    }
}

/// Collects values on the jq thread, to check the order jobs run in.
@JQActor private final class OrderRecorder {
    private(set) var values: [Int] = []

    init() {}

    func append(_ value: Int) {
        values.append(value)
    }
}
