import Foundation
import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax

/// Measures the interpreter in memory, without process start-up, validation or compiling:
/// the time of `Interpreter.run` alone, on a memory store and a manual clock.
///
/// Usage: swift run -c release SwirlBenchmarks [runs]
///        swift run -c release SwirlBenchmarks durable DATABASE_URL [runs]   (see DurableBenchmarks)
///        swift run -c release SwirlBenchmarks expressions NUMBERS OBJECTS [runs]   (see ExpressionBenchmarks)
@main
struct SwirlBenchmarks {
    static let header = "document: {dsl: '1.0.3', namespace: bench, name: b, version: '1.0.0'}\n"

    static func main() async throws {
        if CommandLine.arguments.count > 2, CommandLine.arguments[1] == "durable" {
            let runs = CommandLine.arguments.count > 3 ? Int(CommandLine.arguments[3]) ?? 3 : 3
            try await DurableBenchmarks.run(url: CommandLine.arguments[2], repeats: runs)
            return
        }
        if CommandLine.arguments.count > 3, CommandLine.arguments[1] == "expressions" {
            let runs = CommandLine.arguments.count > 4 ? Int(CommandLine.arguments[4]) ?? 5 : 5
            try ExpressionBenchmarks.run(numbersFile: CommandLine.arguments[2], objectsFile: CommandLine.arguments[3], runs: runs)
            return
        }
        let runs = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 5 : 5
        var sequential = header + "do:\n"
        for index in 0..<10_000 { sequential += "  - t\(index): {set: {n: '${ .n + \(index % 97) }'}}\n" }
        var engine = header + "do:\n"
        for index in 0..<10_000 { engine += "  - t\(index): {set: {n: '${ [.n, \(index % 97)] | add }'}}\n" }
        let loop = header + "do:\n  - sum:\n      for: {in: '[range(10000)]'}\n      do:\n        - add: {set: {n: '${ .n + $item }'}}\n"
        var fork = header + "do:\n  - wide:\n      fork:\n        branches:\n"
        for branch in 0..<100 {
            fork += "          - b\(branch):\n              do:\n"
            for task in 0..<10 { fork += "                - t\(task): {set: {n: '${ .n + \(task) }'}}\n" }
        }
        // SWIRL_BENCH_ONLY=sequential (or loop, fork, fork-1000, fork-10000) measures one case alone, for profiling.
        let only = ProcessInfo.processInfo.environment["SWIRL_BENCH_ONLY"]
        // `sequential`'s expressions are plain sums, which skip the jq engine (DirectExpression);
        // `sequential-jq`'s go through it.
        let cases = [
            ("sequential", sequential, 10_000), ("sequential-jq", engine, 10_000), ("loop", loop, 10_000), ("fork", fork, 1_000),
        ]
        for (name, text, tasks) in cases
        where only == nil || only == name {
            let document = Loader().load(text: text, file: name).value!
            let program = try Compiler().compile(document)
            let seconds = try await measure(program, runs: runs)
            print("\(name): \(tasks) tasks, median \(String(format: "%.1f", seconds * 1000)) ms, \(Int(Double(tasks) / seconds)) tasks/s in memory")
        }
        // A fork's join must cost the same per branch however wide the fork is. The two widths are
        // measured in turns, and each by its fastest run: on a shared machine other work only ever
        // adds time, so the fastest runs are the ones to compare.
        let widths = [1_000, 10_000].filter { only == nil || only == "fork-\($0)" }
        var programs: [Int: Program] = [:]
        for width in widths {
            var wide = header + "do:\n  - wide:\n      fork:\n        branches:\n"
            for branch in 0..<width { wide += "          - b\(branch): {set: {n: \(branch)}}\n" }
            programs[width] = try Compiler().compile(Loader().load(text: wide, file: "wide-fork").value!)
        }
        var fastest: [Int: Double] = [:]
        for _ in 0..<max(runs, 3) {
            for width in widths {
                let times = try await measureAll(programs[width]!, runs: width == 1_000 ? 5 : 1)
                fastest[width] = min(fastest[width] ?? .infinity, times.min()!)
            }
        }
        for width in widths {
            let seconds = fastest[width]!
            print("fork-\(width): \(width) branches, fastest \(String(format: "%.1f", seconds * 1000)) ms, \(String(format: "%.1f", seconds / Double(width) * 1e6)) µs per branch")
        }
        if let narrow = fastest[1_000], let wide = fastest[10_000] {
            print("fork scaling: 10,000 branches cost \(String(format: "%.1f", wide / narrow))x as long as 1,000 (10x is linear)")
        }
        if only == nil || only == "concurrent" {
            try await concurrentRuns(repeats: runs)
        }
    }

    /// Set tasks per second when one worker drives 1, 2 and 8 runs at once (16 runs of 2,000 `set`
    /// tasks each, on a memory store): each run advances on its own actor, so on a machine with
    /// cores to spare the runs of one process add up.
    static func concurrentRuns(repeats: Int) async throws {
        var text = header + "do:\n"
        for index in 0..<2_000 { text += "  - t\(index): {set: {n: '${ .n + \(index % 97) }'}}\n" }
        let program = DurableBenchmarks.compile(text)
        let runs = 16
        var single: Double?
        for concurrency in [1, 2, 8] {
            var rates: [Double] = []
            for _ in 0..<repeats {
                let (seconds, _) = try await DurableBenchmarks.throughput(
                    program, runs: runs, concurrency: concurrency, store: CountingStore(MemoryStore()), activities: ActivityRegistry())
                rates.append(Double(runs * 2_000) / seconds)
            }
            let median = rates.sorted()[rates.count / 2]
            single = single ?? median
            print(
                "concurrent runs \(concurrency): \(Int(median)) set tasks/s in memory, \(String(format: "%.2f", median / single!))x "
                    + "one run at a time (median of \(repeats); \(ProcessInfo.processInfo.activeProcessorCount) cores)")
        }
    }

    /// The median time of `runs` runs of `program`.
    @WorkerActor
    static func measure(_ program: Program, runs: Int) async throws -> Double {
        let times = try await measureAll(program, runs: runs).sorted()
        return times[times.count / 2]
    }

    /// The time of each of `runs` runs of `program`, in seconds.
    @WorkerActor
    static func measureAll(_ program: Program, runs: Int) async throws -> [Double] {
        let clock = ManualClock()
        let interpreter = try Interpreter(program: program, store: MemoryStore(clock: clock), clock: clock)
        var times: [Double] = []
        for run in 0..<runs {
            let start = ContinuousClock.now
            let outcome = try await interpreter.run(input: ["n": 0], runID: "bench-\(run)")
            let elapsed = ContinuousClock.now - start
            guard case .completed = outcome else { fatalError("\(outcome)") }
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return times
    }
}
