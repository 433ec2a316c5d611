import SwirlCore
import Testing

@Suite struct ISO8601DurationTests {
    @Test(
        "reads durations and their length in seconds",
        arguments: [
            ("PT30S", 30.0), ("PT1M", 60), ("PT1H30M", 5400), ("P1D", 86400), ("P1W", 604_800), ("P1DT1H1M1S", 90061),
            ("PT0.5S", 0.5), ("PT1,5S", 1.5), ("P0D", 0), ("PT36H", 129_600),
        ])
    func reads(text: String, seconds: Double) throws {
        #expect(try ISO8601Duration(parsing: text).totalSeconds == seconds)
    }

    @Test("keeps years and months but gives them no fixed length")
    func calendarUnits() throws {
        let duration = try ISO8601Duration(parsing: "P1Y2M3D")
        #expect(duration.years == 1)
        #expect(duration.months == 2)
        #expect(duration.hasCalendarUnits)
        #expect(duration.totalSeconds == nil)
        #expect(try ISO8601Duration(parsing: "PT5M").hasCalendarUnits == false)
    }

    @Test(
        "rejects what is not an ISO 8601 duration, saying why",
        arguments: [
            ("", "start with 'P'"), ("30S", "start with 'P'"), ("P", "no components"), ("PT", "must be followed"),
            ("P1H", "not a date unit"), ("PT1D", "not a time unit"), ("PT1X", "not a time unit"), ("P1DT", "must be followed"),
            ("PT1S1M", "largest first"), ("PT1M1M", "largest first"), ("PTS", "expected a number"), ("PT1", "no unit"),
            ("PT.5S", "not a number"), ("P1DTT1H", "'T' appears twice"),
        ])
    func rejects(text: String, reason: String) {
        #expect {
            _ = try ISO8601Duration(parsing: text)
        } throws: { error in
            (error as? ISO8601Duration.ParseError)?.reason.contains(reason) == true
        }
    }
}
