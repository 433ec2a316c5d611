import SwirlCore
import Testing

@Suite struct CronExpressionTests {
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
