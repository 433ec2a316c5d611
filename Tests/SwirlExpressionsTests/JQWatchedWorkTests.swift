import Foundation
import SwirlCore
import Testing

@testable import SwirlExpressions

/// Calls that cannot watch the clock themselves (a backtracking regex) still end at the
/// evaluation's deadline or stop request; the helpers left behind are bounded.
@Suite(.timeLimit(.minutes(2))) struct JQWatchedWorkTests {
    /// A pattern that backtracks exponentially on a string it fails on: seconds of matching for
    /// this subject (about 3 s here), doubling with each `a` more.
    static let catastrophic = "\"\(String(repeating: "a", count: 17))!\" | test(\"(a+)+$\")"

    @Test("a regex that backtracks for seconds ends at the expression's time limit")
    func regexTimesOut() throws {
        let limits = ExpressionLimits(ceiling: 0)
        let bundle = try ExpressionBundle(sources: [ExpressionSource(Self.catastrophic), ExpressionSource("\"ab\" | test(\"b$\")")], limits: limits)
        let started = ContinuousClock.now
        #expect(throws: JQError.timedOut(seconds: 0.2, ceiling: false)) {
            try bundle.evaluate(0, on: nil, arguments: .init(), timeLimit: 0.2)
        }
        // Alone, the match takes seconds.
        #expect(ContinuousClock.now - started < .seconds(2))
        // Other regexes go on working meanwhile.
        #expect(try bundle.evaluate(1, on: nil, arguments: .init(), timeLimit: 5) == true)
    }

    @Test("a stop request ends a regex that backtracks for seconds")
    func regexStops() throws {
        let limits = ExpressionLimits(ceiling: 0)
        let bundle = try ExpressionBundle(sources: [ExpressionSource(Self.catastrophic)], limits: limits)
        let stopper = Thread {
            Thread.sleep(forTimeInterval: 0.1)
            limits.interrupt()
        }
        stopper.start()
        let started = ContinuousClock.now
        #expect(throws: JQError.interrupted) { try bundle.evaluate(0, on: nil, arguments: .init()) }
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test("a watched call's result and error come back as if it ran inline")
    func resultsAndErrors() throws {
        let pool = JQWatchedWork(abandonedLimit: 1)
        var limits = JQLimits()
        limits.deadline = .now + .seconds(30)
        #expect(try pool.run("a call", limits: limits) { () throws(JQEvalError) in 6 * 7 } == 42)
        #expect(throws: JQEvalError.raised("no")) {
            try pool.run("a call", limits: limits) { () throws(JQEvalError) -> Int in throw .raised("no") }
        }
        // Helpers are kept and used again: many calls, no helper left behind.
        for value in 0..<200 {
            #expect(try pool.run("a call", limits: limits) { () throws(JQEvalError) in value } == value)
        }
        #expect(pool.abandonedCount == 0)
    }

    @Test("while as many abandoned calls run as allowed, another is refused at once, and allowed again once they end")
    func abandonedLimit() throws {
        let pool = JQWatchedWork(abandonedLimit: 1)
        var limits = JQLimits()
        limits.deadline = .now + .milliseconds(50)
        // Stands for a match that cannot be interrupted: it ignores the deadline.
        #expect(throws: JQEvalError.timedOut) {
            try pool.run("a slow call", limits: limits) { () throws(JQEvalError) -> Int in
                Thread.sleep(forTimeInterval: 1)
                return 0
            }
        }
        #expect(pool.abandonedCount == 1)
        #if os(Linux)
        // The abandoned helper goes on at the lowest priority: SCHED_IDLE (5), field 41 of its stat.
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        let idle = tasks.filter { task in
            let comm = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
            let stat = (try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8)) ?? ""
            let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
            // After the name, the fields start at the third (state): policy, the 41st, is the 39th.
            return comm.hasPrefix("swirl-regex") && fields.count > 38 && fields[38] == "5"
        }
        #expect(!idle.isEmpty, "no helper thread runs at SCHED_IDLE")
        #endif
        limits.deadline = .now + .seconds(30)
        #expect(throws: JQEvalError.limitExceeded("a call could not start: 1 earlier ones that ran out of time are still running")) {
            try pool.run("a call", limits: limits) { () throws(JQEvalError) in 1 }
        }
        // The abandoned call ends on its own, and its helper with it.
        let deadline = ContinuousClock.now + .seconds(20)
        while pool.abandonedCount > 0, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(pool.abandonedCount == 0)
        #expect(try pool.run("a call", limits: limits) { () throws(JQEvalError) in 2 } == 2)
    }
}
