/// A duration in ISO 8601 form, such as `PT30S`, `P1DT12H` or `PT0.5S`.
///
/// The DSL writes waits, timeouts and retry delays this way. Years and months have no fixed
/// length, so a duration that uses them parses but has no ``seconds``; validation rejects it.
public struct ISO8601Duration: Hashable, Sendable, Codable {
    public var years: Double = 0
    public var months: Double = 0
    public var weeks: Double = 0
    public var days: Double = 0
    public var hours: Double = 0
    public var minutes: Double = 0
    public var seconds: Double = 0

    public init(
        years: Double = 0, months: Double = 0, weeks: Double = 0, days: Double = 0, hours: Double = 0,
        minutes: Double = 0, seconds: Double = 0
    ) {
        self.years = years
        self.months = months
        self.weeks = weeks
        self.days = days
        self.hours = hours
        self.minutes = minutes
        self.seconds = seconds
    }

    /// Why a text is not an ISO 8601 duration.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "\(JSON.quote(text)) is not an ISO 8601 duration: \(reason)" }
    }

    /// Parses `P[nY][nM][nW][nD][T[nH][nM][nS]]`; each number may have a fraction (`.` or `,`).
    /// - Throws: ``ParseError`` naming what is wrong.
    public init(parsing text: String) throws(ParseError) {
        let bytes = Array(text.utf8)
        func fail(_ reason: String) -> ParseError { ParseError(text: text, reason: reason) }
        guard bytes.first == UInt8(ascii: "P") else { throw fail("it must start with 'P'") }
        var index = 1
        var inTime = false
        var sawComponent = false
        var sawTimeComponent = false
        // Designators must come in the order Y M W D, then H M S, each at most once.
        var lastRank = -1
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "T") {
                guard !inTime else { throw fail("'T' appears twice") }
                inTime = true
                lastRank = -1
                index += 1
                continue
            }
            let start = index
            while index < bytes.count,
                (bytes[index] >= 0x30 && bytes[index] <= 0x39) || bytes[index] == UInt8(ascii: ".")
                    || bytes[index] == UInt8(ascii: ",")
            {
                index += 1
            }
            guard index > start else {
                throw fail("expected a number before '\(String(decoding: [bytes[index]], as: UTF8.self))'")
            }
            guard index < bytes.count else { throw fail("the number at the end has no unit designator") }
            var numberText = String(decoding: bytes[start..<index], as: UTF8.self)
            if bytes[start..<index].contains(UInt8(ascii: ",")) { numberText = numberText.replacing(",", with: ".") }
            guard let number = Double(numberText), !numberText.hasPrefix("."), !numberText.hasSuffix(".") else {
                throw fail("'\(numberText)' is not a number")
            }
            let designator = bytes[index]
            guard let rank = inTime ? Self.timeRank(designator) : Self.dateRank(designator) else {
                let unit = String(decoding: [designator], as: UTF8.self)
                throw fail(inTime ? "'\(unit)' is not a time unit (H, M or S)" : "'\(unit)' is not a date unit (Y, M, W or D)")
            }
            guard rank > lastRank else { throw fail("units must appear once each, largest first") }
            lastRank = rank
            switch (inTime, designator) {
            case (false, UInt8(ascii: "Y")): years = number
            case (false, UInt8(ascii: "M")): months = number
            case (false, UInt8(ascii: "W")): weeks = number
            case (false, UInt8(ascii: "D")): days = number
            case (true, UInt8(ascii: "H")): hours = number
            case (true, UInt8(ascii: "M")): minutes = number
            default: seconds = number
            }
            sawComponent = true
            if inTime { sawTimeComponent = true }
            index += 1
        }
        if inTime && !sawTimeComponent { throw fail("'T' must be followed by hours, minutes or seconds") }
        guard sawComponent else { throw fail("it has no components") }
    }

    /// The place of a date designator in `YMWD`.
    private static func dateRank(_ designator: UInt8) -> Int? {
        switch designator {
        case UInt8(ascii: "Y"): 0
        case UInt8(ascii: "M"): 1
        case UInt8(ascii: "W"): 2
        case UInt8(ascii: "D"): 3
        default: nil
        }
    }

    /// The place of a time designator in `HMS`.
    private static func timeRank(_ designator: UInt8) -> Int? {
        switch designator {
        case UInt8(ascii: "H"): 0
        case UInt8(ascii: "M"): 1
        case UInt8(ascii: "S"): 2
        default: nil
        }
    }

    /// Whether the duration uses years or months, which have no fixed length.
    public var hasCalendarUnits: Bool { years != 0 || months != 0 }

    /// The longest duration Swirl accepts anywhere (a wait, a timeout, a retry delay or budget, a
    /// schedule): 100 years of 365.25 days, 3,155,760,000 seconds. Longer ones are a validation
    /// error when written literally and a runtime error when computed; beyond it, a deadline
    /// could no longer be slept until or added to a clock reading without overflowing.
    public static let maximumSeconds: Double = 100 * 365.25 * 86_400

    /// Whether `seconds` is a length Swirl can wait for: finite and at most ``maximumSeconds``.
    public static func isWithinLimit(_ seconds: Double) -> Bool {
        seconds.isFinite && seconds <= maximumSeconds
    }

    /// The length in seconds of the DSL's inline duration object (`{days, hours, minutes,
    /// seconds, milliseconds}`, each optional).
    public static func seconds(inline parts: OrderedDictionary<String, JSON>) -> Double {
        func part(_ key: String) -> Double { parts[key]?.numberValue ?? 0 }
        return ((part("days") * 24 + part("hours")) * 60 + part("minutes")) * 60 + part("seconds") + part("milliseconds") / 1000
    }

    /// The length in seconds of a literal duration as the DSL writes one: ISO 8601 text or the
    /// inline object; `nil` for any other value, text that does not parse, or years and months.
    public static func seconds(of value: JSON) -> Double? {
        switch value {
        case .string(let text): (try? ISO8601Duration(parsing: text))?.totalSeconds
        case .object(let parts): seconds(inline: parts)
        default: nil
        }
    }

    /// The limit as a person reads it, for error messages.
    public static let maximumDescription = "100 years (3155760000 seconds)"

    /// The length in seconds, or `nil` when the duration uses years or months.
    public var totalSeconds: Double? {
        guard !hasCalendarUnits else { return nil }
        return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds
    }
}
