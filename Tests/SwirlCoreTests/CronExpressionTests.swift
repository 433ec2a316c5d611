import SwirlCore
import Testing

@Suite struct CronExpressionTests {
    /// 2026-01-01T00:00:00Z, a Thursday.
    static let newYear = 1_767_225_600.0

    @Test("the next fire time is the first match strictly after, in UTC")
    func nextFire() throws {
        let daily = try CronExpression(parsing: "30 6 * * *")
        #expect(daily.nextFire(after: Self.newYear) == Self.newYear + 6 * 3600 + 1800)
        #expect(daily.nextFire(after: Self.newYear + 6 * 3600 + 1800) == Self.newYear + 86_400 + 6 * 3600 + 1800)
        // Mondays at 09:00: the first is 2026-01-05.
        #expect(try CronExpression(parsing: "0 9 * * MON").nextFire(after: Self.newYear) == Self.newYear + 4 * 86_400 + 9 * 3600)
        // Either day field may match when both are restricted: the 13th, or any Friday (2026-01-02).
        #expect(try CronExpression(parsing: "0 0 13 * FRI").nextFire(after: Self.newYear) == Self.newYear + 86_400)
        // February 29th: 2028.
        #expect(try CronExpression(parsing: "0 0 29 2 *").nextFire(after: Self.newYear) == 1_835_395_200)
        #expect(try CronExpression(parsing: "0 0 30 2 *").nextFire(after: Self.newYear) == nil)
        #expect(try CronExpression(parsing: "*/10 * * * * *").nextFire(after: Self.newYear + 0.5) == Self.newYear + 10)
    }

    @Test("the last fire time of a range is found without stepping through every match")
    func lastFire() throws {
        let minutely = try CronExpression(parsing: "* * * * *")
        let yearLater = Self.newYear + 365 * 86_400
        #expect(minutely.lastFire(from: Self.newYear, through: yearLater + 59) == yearLater)
        let yearly = try CronExpression(parsing: "@yearly")
        #expect(yearly.lastFire(from: Self.newYear, through: yearLater + 100 * 86_400) == yearLater)
        #expect(yearly.lastFire(from: Self.newYear + 1, through: yearLater - 1) == nil)
    }

    @Test("reads the five standard fields")
    func fiveFields() throws {
        let cron = try CronExpression(parsing: "*/15 9-17 * JAN,jul MON-FRI")
        #expect(cron.seconds == [0])
        #expect(cron.minutes == [0, 15, 30, 45])
        #expect(cron.hours == Set(9...17))
        #expect(cron.daysOfMonth == Set(1...31))
        #expect(cron.months == [1, 7])
        #expect(cron.daysOfWeek == [1, 2, 3, 4, 5])
        #expect(!cron.restrictsBothDays)
    }

    @Test("reads a leading seconds field, steps from a start, 7 as Sunday, and macros")
    func extras() throws {
        let cron = try CronExpression(parsing: "30 5/20 0 1,15 * 7")
        #expect(cron.seconds == [30])
        #expect(cron.minutes == [5, 25, 45])
        #expect(cron.daysOfWeek == [0])
        #expect(cron.restrictsBothDays)
        #expect(try CronExpression(parsing: "@daily") == CronExpression(parsing: "0 0 * * *"))
        #expect(try CronExpression(parsing: "@hourly").minutes == [0])
        #expect(try CronExpression(parsing: "0 0 ? * SUN").daysOfWeek == [0])
    }

    @Test(
        "rejects invalid expressions, naming the field",
        arguments: [
            ("* * * *", "expected 5 fields"), ("60 * * * *", "minute field '60': 60 is out of range 0-59"),
            ("* 24 * * *", "hour field"), ("* * 0 * *", "day of month field"), ("* * * 13 *", "month field"),
            ("* * * * 8", "day of week field"), ("*/0 * * * *", "step '0' must be a positive number"),
            ("5-1 * * * *", "runs backwards"), ("* * * FOO *", "'FOO' is not a number or a name such as JAN"),
            ("? * * * *", "'?' is only allowed"), ("1,,2 * * * *", "empty list item"), ("@often", "expected 5 fields"),
            ("* * L * *", "day of month field"),
        ])
    func rejects(text: String, reason: String) {
        #expect {
            _ = try CronExpression(parsing: text)
        } throws: { error in
            (error as? CronExpression.ParseError)?.reason.contains(reason) == true
        }
    }
}
