/// Fire times of a cron expression, in UTC, to the second.
extension CronExpression {
    /// The first time strictly after `time` (seconds since 1970) that the expression matches, in UTC; `nil` when
    /// none comes within the next 30 years (a day that does not exist, such as February 30).
    public func nextFire(after time: Double) -> Double? {
        guard time.isFinite else { return nil }
        var t = Int64((time + 1).rounded(.down))
        let lastYear = CivilTime(t).year + 30
        while true {
            let c = CivilTime(t)
            if c.year > lastYear { return nil }
            if !months.contains(c.month) {
                t = CivilTime.seconds(year: c.month == 12 ? c.year + 1 : c.year, month: c.month == 12 ? 1 : c.month + 1, day: 1)
                continue
            }
            if !matchesDay(c) {
                t = (t / 86_400 + 1) * 86_400
                continue
            }
            if !hours.contains(c.hour) {
                t = (t / 3600 + 1) * 3600
                continue
            }
            if !minutes.contains(c.minute) {
                t = (t / 60 + 1) * 60
                continue
            }
            if !seconds.contains(c.second) {
                t += 1
                continue
            }
            return Double(t)
        }
    }

    /// The latest time in `start...end` that the expression matches, in UTC, or `nil` when there is none.
    ///
    /// Looks in the last hour, day, month and year of the range before the whole of it, so a frequent expression
    /// after a long gap costs a few dozen steps, not one per missed time.
    public func lastFire(from start: Double, through end: Double) -> Double? {
        guard start <= end else { return nil }
        for window in [3600.0, 86_400, 31 * 86_400, 366 * 86_400, .infinity] {
            let lower = max(start, end - window)
            var latest: Double?
            var candidate = nextFire(after: lower.rounded(.up) - 1)
            while let time = candidate, time <= end {
                latest = time
                candidate = nextFire(after: time)
            }
            if let latest { return latest }
            if lower == start { return nil }
        }
        return nil
    }

    private func matchesDay(_ c: CivilTime) -> Bool {
        let dayOfMonth = daysOfMonth.contains(c.day)
        let dayOfWeek = daysOfWeek.contains(c.weekday)
        return restrictsBothDays ? (dayOfMonth || dayOfWeek) : (dayOfMonth && dayOfWeek)
    }
}

/// A UTC date and time of day, from whole seconds since 1970 (proleptic Gregorian calendar).
private struct CivilTime {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    /// 0 is Sunday.
    var weekday: Int

    init(_ seconds: Int64) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        // 1970-01-01 was a Thursday.
        weekday = Int(((days % 7) + 11) % 7)
        // Days to a civil date, counting in 400-year eras that start on March 1.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
    }

    /// Seconds since 1970 at midnight UTC of a date.
    static func seconds(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return (era * 146_097 + dayOfEra - 719_468) * 86_400
    }
}
