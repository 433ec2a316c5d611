import SwirlCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The date and time builtins of Swirl's jq engine: `gmtime`, `localtime`, `mktime`,
/// `strftime`, `strflocaltime`, `strptime` and `now`, with jq 1.7.1's results and messages.
///
/// A "broken-down time" is jq's array `[year, month (0-11), day, hours, minutes, seconds,
/// weekday (0 = Sunday), day of the year (0-365)]`; `gmtime` puts the fraction of the input's
/// seconds into the seconds field. Only reentrant C calls are used, so workflows may evaluate
/// these on many threads at once; the local time zone is the process's `TZ`.
enum JQTime {
    /// Every date and time builtin, registered under its jq name and arity.
    static let timeFunctions: [JQNativeFunction] = [
        JQNativeFunction("gmtime") { (input: JSON) throws(JQEvalError) -> JSON in
            try brokenDown(input, name: "gmtime", local: false)
        },
        JQNativeFunction("localtime") { (input: JSON) throws(JQEvalError) -> JSON in
            try brokenDown(input, name: "localtime", local: true)
        },
        JQNativeFunction("mktime", mktime),
        JQNativeFunction("strftime") { (input: JSON, pattern: JSON) throws(JQEvalError) -> JSON in
            try format(input, pattern, name: "strftime", local: false)
        },
        JQNativeFunction("strflocaltime") { (input: JSON, pattern: JSON) throws(JQEvalError) -> JSON in
            try format(input, pattern, name: "strflocaltime", local: true)
        },
        JQNativeFunction("strptime", parse),
        JQNativeFunction("now") { (_: JSON) -> JSON in .number(now()) },
    ]

    /// The error every conversion of a number to a date raises when the C library cannot.
    static let conversionFailure = JQEvalError.raised("error converting number of seconds since epoch to datetime")

    /// `gmtime` or `localtime`: the seconds since the epoch in `input` as a broken-down time.
    ///
    /// As jq 1.7.1 does, the whole seconds are the input truncated toward zero and the fraction
    /// added is `x - floor(x)`, so a negative fractional time lands one second late
    /// (`-1.5 | gmtime` gives 59.5 seconds). A time past the 64-bit range, or NaN, fails.
    static func brokenDown(_ input: JSON, name: String, local: Bool) throws(JQEvalError) -> JSON {
        guard case .number(let seconds) = input else { throw .raised(.string("\(name)() requires numeric inputs")) }
        guard seconds >= -0x1p63, seconds < 0x1p63 else { throw conversionFailure }
        var whole = time_t(seconds)
        var fields = tm()
        let converted = local ? localtime_r(&whole, &fields) : gmtime_r(&whole, &fields)
        guard converted != nil else { throw conversionFailure }
        return array(fields, fraction: seconds - floor(seconds))
    }

    /// A C broken-down time as jq's array, `fraction` added to the seconds.
    static func array(_ fields: tm, fraction: Double) -> JSON {
        [
            .number(Double(fields.tm_year) + 1900), .number(Double(fields.tm_mon)), .number(Double(fields.tm_mday)),
            .number(Double(fields.tm_hour)), .number(Double(fields.tm_min)), .number(Double(fields.tm_sec) + fraction),
            .number(Double(fields.tm_wday)), .number(Double(fields.tm_yday)),
        ]
    }

    /// jq's array as a C broken-down time, or nil unless it is an array whose first eight
    /// elements are numbers (jq 1.7.1 reads all eight, weekday and day of the year included).
    ///
    /// Fractions are cut off as C does. jq 1.7.1 casts each number to a C `int`, undefined for
    /// NaN and past the range; Swirl refuses NaN and saturates the rest (the year to what `%Y` can
    /// print back).
    static func fields(_ value: JSON) -> tm? {
        guard case .array(let elements) = value, elements.count >= 8 else { return nil }
        var numbers: [Int32] = []
        for (index, element) in elements.prefix(8).enumerated() {
            guard case .number(let x) = element, !x.isNaN else { return nil }
            let field = x <= -0x1p31 ? Int32.min : (x >= 0x1p31 ? Int32.max : Int32(x))
            // The year is kept where adding 1900 back (as `%Y` does) cannot overflow.
            numbers.append(index == 0 ? max(field, .min + 1900) - 1900 : field)
        }
        var fields = tm()
        fields.tm_year = numbers[0]
        fields.tm_mon = numbers[1]
        fields.tm_mday = numbers[2]
        fields.tm_hour = numbers[3]
        fields.tm_min = numbers[4]
        fields.tm_sec = numbers[5]
        fields.tm_wday = numbers[6]
        fields.tm_yday = numbers[7]
        return fields
    }

    /// `mktime`: a broken-down time in UTC as whole seconds since the epoch; out-of-range
    /// fields carry over (month 12 is next January).
    ///
    /// jq 1.7.1 takes the C library's failure value, -1, as failure even when it is the answer,
    /// so `1969-12-31T23:59:59` fails to convert; Swirl does the same.
    static func mktime(_ input: JSON) throws(JQEvalError) -> JSON {
        guard case .array(let elements) = input else { throw .raised("mktime requires array inputs") }
        guard elements.count >= 6, var fields = fields(input) else { throw .raised("mktime requires parsed datetime inputs") }
        let seconds = timegm(&fields)
        if seconds == -1 { throw .raised("invalid gmtime representation") }
        return .number(Double(seconds))
    }

    /// `strftime` and `strflocaltime`: `input` (seconds since the epoch, or a broken-down time)
    /// formatted by the C library's `strftime` with `format`.
    ///
    /// Seconds become a broken-down time in UTC for `strftime` and in the local zone for
    /// `strflocaltime`; the array is then read back with no zone attached, as in jq 1.7.1. The
    /// output may be at most 100 bytes longer than the format, and an empty output fails, both
    /// as in jq 1.7.1 (`strftime("")` fails).
    static func format(_ input: JSON, _ format: JSON, name: String, local: Bool) throws(JQEvalError) -> JSON {
        let time: JSON
        switch input {
        case .number: time = try brokenDown(input, name: local ? "localtime" : "gmtime", local: local)
        case .array: time = input
        default: throw .raised(.string("\(name)/1 requires parsed datetime inputs"))
        }
        // jq 1.7.1 checks the format only for an array input and crashes for a number input.
        guard case .string(let pattern) = format else { throw .raised(.string("\(name)/1 requires a string format")) }
        guard var fields = fields(time) else { throw .raised(.string("\(name)/1 requires parsed datetime inputs")) }
        let text: String? = pattern.withCString { cPattern in
            let capacity = strlen(cPattern) + 100
            var buffer = [CChar](repeating: 0, count: capacity)
            let count = strftime(&buffer, capacity, cPattern, &fields)
            guard count > 0 else { return nil }
            return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        guard let text else { throw .raised(.string("\(name)/1: unknown system failure")) }
        return .string(text)
    }

    /// `strptime`: `input` read by the C library's `strptime` with `format`, as a broken-down
    /// time; trailing white space is allowed and comes back as a ninth element.
    ///
    /// Weekday and day of the year start as out-of-range markers (8 and 367); where the C
    /// library leaves them but the date is known, they are computed as jq 1.7.1 does.
    static func parse(_ input: JSON, _ format: JSON) throws(JQEvalError) -> JSON {
        guard case .string(let text) = input, case .string(let pattern) = format else {
            throw .raised("strptime/1 requires string inputs and arguments")
        }
        var fields = tm()
        fields.tm_wday = 8
        fields.tm_yday = 367
        let rest: String?? = text.withCString { cText in
            pattern.withCString { cPattern in
                guard let parser = cStrptime, let end = parser(cText, cPattern, &fields) else { return .some(nil) }
                if end.pointee == 0 { return .none }
                guard isCSpace(end.pointee) else { return .some(nil) }
                return .some(String(cString: end))
            }
        }
        if case .some(.none) = rest {
            throw .raised(.string("date \"\(text)\" does not match format \"\(pattern)\""))
        }
        if fields.tm_wday == 8 && fields.tm_mday != 0 && (0...11).contains(fields.tm_mon) {
            fields.tm_wday = weekday(fields)
        }
        if fields.tm_yday == 367 && fields.tm_mday != 0 && (0...11).contains(fields.tm_mon) {
            fields.tm_yday = dayOfYear(fields)
        }
        guard case .array(var elements) = array(fields, fraction: 0) else { return .null }
        if case .some(.some(let trailing)) = rest { elements.append(.string(trailing)) }
        return .array(elements)
    }

    /// The C library's `strptime`, which its Swift module does not declare, looked up once.
    static let cStrptime: (@Sendable (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutablePointer<tm>) -> UnsafeMutablePointer<CChar>?)? = {
        typealias Parser = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutablePointer<tm>?) -> UnsafeMutablePointer<CChar>?
        guard let library = dlopen(nil, RTLD_NOW), let symbol = dlsym(library, "strptime") else { return nil }
        let address = UInt(bitPattern: symbol)
        return { text, pattern, fields in unsafeBitCast(address, to: Parser.self)(text, pattern, fields) }
    }()

    /// Whether a C character is white space in the C locale, as `isspace` decides there.
    static func isCSpace(_ character: CChar) -> Bool {
        character == 0x20 || (0x09...0x0D).contains(character)
    }

    /// The weekday of a date by Gauss's rule, as jq 1.7.1 computes it when the C library did
    /// not (it is off for January and February of years divisible by 100 but not 400).
    static func weekday(_ fields: tm) -> Int32 {
        let fullYear = 1900 + Int(fields.tm_year)
        let century = fullYear / 100
        var year = fullYear % 100
        if fields.tm_mon < 2 { year -= 1 }
        var month = Int(fields.tm_mon) - 1
        if month < 1 { month += 12 }
        let sum =
            Int(fields.tm_mday) + Int(floor(2.6 * Double(month) - 0.2)) + year + Int(floor(Double(year) / 4))
            + Int(floor(Double(century) / 4)) - 2 * century
        let day = sum % 7
        return Int32(day < 0 ? day + 7 : day)
    }

    /// The day of the year (0-based) of a date whose month is 0-11.
    static func dayOfYear(_ fields: tm) -> Int32 {
        let monthStarts: [Int32] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        let year = 1900 + Int(fields.tm_year)
        let leap = fields.tm_mon > 1 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)
        return monthStarts[Int(fields.tm_mon)] + (leap ? 1 : 0) + fields.tm_mday - 1
    }

    /// The current time in seconds since the epoch, with the clock's fraction.
    static func now() -> Double {
        var clock = timespec()
        clock_gettime(CLOCK_REALTIME, &clock)
        return Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9
    }
}
