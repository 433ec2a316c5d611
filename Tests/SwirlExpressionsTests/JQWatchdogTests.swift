import Foundation
import SwirlCore
import SwirlExpressions
import Synchronization
import Testing

/// The watchdog halts libjq evaluations that overrun their limit, or that a stop request
/// interrupts, and the state that ran them serves the next evaluation as if nothing happened.
///
/// Each test has a watchdog of its own, so its ceilings and interruptions touch nobody else.
@Suite struct JQWatchdogTests {
    /// The never-ending expressions of the hardening issue: recursion, generators, an array that
    /// grows until memory runs out, and a generator of a trillion values.
    static let runaways = ["def f: f; f", "repeat(1)", "[range(1e9)]", "last(range(1e12))", "until(false; .)"]

    @Test("a never-ending expression fails with a timeout at the ceiling", arguments: runaways)
    func ceiling(filter: String) throws {
        let engine = JQEngine(watchdog: JQWatchdog(ceiling: 0.3))
        let program = try engine.compile(filter)
        #expect(throws: JQError.timedOut(seconds: 0.3, ceiling: true)) { try program.evaluate(nil) }
    }

    @Test("a limit shorter than the ceiling applies, and the error says it was not the ceiling")
    func shorterLimit() throws {
        let engine = JQEngine(watchdog: JQWatchdog(ceiling: 600))
        let program = try engine.compile("last(range(1e12))")
        #expect(throws: JQError.timedOut(seconds: 0.25, ceiling: false)) { try program.evaluate(nil, timeLimit: 0.25) }
        // A longer limit than the ceiling does not lift it.
        let strict = try JQEngine(watchdog: JQWatchdog(ceiling: 0.25)).compile("last(range(1e12))")
        #expect(throws: JQError.timedOut(seconds: 0.25, ceiling: true)) { try strict.evaluate(nil, timeLimit: 600) }
    }

    @Test("the state that was halted evaluates correctly afterwards, in a bundle as alone")
    func reuseAfterHalt() throws {
        let engine = JQEngine(watchdog: JQWatchdog(ceiling: 0.3))
        let program = try engine.compile("if . == 0 then [range(1e9)] else (. + 1, {a: [., \"x\"]}) end")
        #expect(throws: JQError.timedOut(seconds: 0.3, ceiling: true)) { try program.evaluate(0) }
        #expect(try program.evaluate(1) == [2, ["a": [1, "x"]]])
        #expect(throws: JQError.timedOut(seconds: 0.3, ceiling: true)) { try program.evaluate(0) }
        #expect(try program.evaluate(5) == [6, ["a": [5, "x"]]])

    }

    @Test("halt and halt_error of the filter itself still behave as before under a watchdog")
    func ownHalts() throws {
        let engine = JQEngine(watchdog: JQWatchdog(ceiling: 5))
        #expect(try engine.compile("1, halt, 2").evaluate(nil) == [1])
        #expect(throws: JQError.runtime(message: "stop")) { try engine.compile("\"stop\" | halt_error").evaluate(nil) }
        #expect(try engine.compile(". + 1").evaluate(1) == [2])
    }

    @Test("with no ceiling, evaluations are not limited but by what callers pass")
    func noCeiling() throws {
        let engine = JQEngine(watchdog: JQWatchdog(ceiling: 0))
        #expect(try engine.compile("[range(1e5)] | length").evaluate(nil) == [100_000])
        #expect(throws: JQError.timedOut(seconds: 0.2, ceiling: false)) {
            try engine.compile("repeat(1)").evaluate(nil, timeLimit: 0.2)
        }
    }

    @Test("interrupt() stops the evaluation in flight, and later evaluations run as usual")
    func interrupt() async throws {
        let watchdog = JQWatchdog(ceiling: 600)
        let before = watchdog.interruptions
        let evaluation = Task.detached { () -> Result<[JSON], JQError> in
            let engine = JQEngine(watchdog: watchdog)
            let program: JQProgram
            do throws(JQError) {
                program = try engine.compile("last(range(1e12))")
                return .success(try program.evaluate(nil))
            } catch {
                return .failure(error)
            }
        }
        // The evaluation cannot say when it has begun; interrupt until it ends. A watchdog that
        // ignored interrupts would leave it running until the 600 s ceiling.
        let interrupter = Task.detached {
            while !Task.isCancelled {
                watchdog.interrupt()
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        let result = await evaluation.value
        interrupter.cancel()
        #expect(result == .failure(.interrupted))
        #expect(watchdog.interruptions > before)
        #expect(try JQEngine(watchdog: watchdog).compile(". * 2").evaluate(21) == [42])
    }

    @Test("a halt waits for a long C built-in to return; one that keeps it past the grace is reported")
    func unresponsive() throws {
        // String repetition is one C loop in libjq 1.6: about 5 s for 1e8 on this machine, far
        // beyond the 0.05 s limit and the 0.1 s grace even on a fast one.
        let watchdog = JQWatchdog(ceiling: 0.05, haltGrace: 0.1)
        let reports = Mutex<[String]>([])
        watchdog.onUnresponsive = { report in reports.withLock { $0.append(report) } }
        let program = try JQEngine(watchdog: watchdog).compile("\"x\" * 1e8 | length")
        // The built-in returns, and the halt takes effect at the next instruction.
        #expect(throws: JQError.timedOut(seconds: 0.05, ceiling: true)) { try program.evaluate(nil) }
        let reported = reports.withLock { $0 }
        #expect(reported.count == 1, "\(reported)")
        #expect(reported.first?.contains("has not stopped") == true, "\(reported)")
    }

    @Test("the error texts name the limit")
    func descriptions() {
        #expect(JQError.timedOut(seconds: 2, ceiling: false).description == "jq evaluation did not finish within 2 s")
        #expect(JQError.timedOut(seconds: 0.25, ceiling: true).description == "jq evaluation did not finish within 0.25 s")
        #expect(JQError.interrupted.description == "jq evaluation interrupted")
    }
}
