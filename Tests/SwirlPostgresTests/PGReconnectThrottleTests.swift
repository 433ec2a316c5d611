@testable import SwirlPostgres
import Testing

/// The backoff shared by a store's connections; no database needed.
@Suite struct PGReconnectThrottleTests {
    @Test("attempts go ahead at once while connecting works")
    func healthy() {
        let throttle = PGReconnectThrottle()
        for _ in 0..<10 {
            #expect(throttle.reserveTurn() == .zero)
        }
    }

    @Test("after failures, turns are spaced by a growing, jittered, capped delay")
    func backsOff() {
        let throttle = PGReconnectThrottle(initialDelay: .milliseconds(100), maximumDelay: .seconds(1))
        throttle.failed()
        let first = throttle.reserveTurn()
        #expect(first > .milliseconds(40) && first <= .milliseconds(100))
        // Every further turn, from any connection, waits for the one before it.
        let second = throttle.reserveTurn()
        #expect(second >= first + .milliseconds(45))
        for _ in 0..<10 {
            throttle.failed()
        }
        #expect(throttle.failures == 11)
        let waits = (0..<5).map { _ in throttle.reserveTurn() }
        #expect(zip(waits, waits.dropFirst()).allSatisfy { $0 < $1 })
        #expect(zip(waits, waits.dropFirst()).allSatisfy { $1 - $0 <= .seconds(1) })
        throttle.succeeded()
        #expect(throttle.reserveTurn() == .zero)
        #expect(throttle.failures == 0)
    }
}
