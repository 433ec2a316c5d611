/// A cron schedule: five fields (minute, hour, day of month, month, day of week), an optional
/// leading seconds field, or a macro such as `@daily`.
///
/// Each field is kept as the set of values it allows, which is what computing the next fire
/// time needs.
public struct CronExpression: Hashable, Sendable {
    public var seconds: Set<Int>
    public var minutes: Set<Int>
    public var hours: Set<Int>
    public var daysOfMonth: Set<Int>
    public var months: Set<Int>
    /// 0 is Sunday; 7 is read as Sunday too.
    public var daysOfWeek: Set<Int>
    /// Whether day of month and day of week were both restricted (then either may match, as in Vixie cron).
    public var restrictsBothDays: Bool

    /// Why a text is not a cron expression.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "\(JSON.quote(text)) is not a valid cron expression: \(reason)" }
    }

    private struct Field {
        var name: String
        var range: ClosedRange<Int>
        var names: [String] = []
        var namesStart = 0
    }

    private static let fields: [Field] = [
        Field(name: "minute", range: 0...59),
        Field(name: "hour", range: 0...23),
        Field(name: "day of month", range: 1...31),
        Field(
            name: "month", range: 1...12,
            names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], namesStart: 1),
        Field(name: "day of week", range: 0...7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
    ]
    private static let secondField = Field(name: "second", range: 0...59)

    private static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses a cron expression.
    /// - Throws: ``ParseError`` naming the field and what is wrong with it.
    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingSpaces
        let expanded = Self.macros[trimmed.lowercased()] ?? trimmed
        let parts = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let layout: [Field]
        switch parts.count {
        case 5: layout = Self.fields
        case 6: layout = [Self.secondField] + Self.fields
        default:
            throw ParseError(
                text: text,
                reason: "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, found \(parts.count)")
        }
        var sets: [Set<Int>] = []
        for (part, field) in zip(parts, layout) {
            do {
                sets.append(try Self.parseField(part, field))
            } catch {
                throw ParseError(text: text, reason: "\(field.name) field '\(part)': \(error.reason)")
            }
        }
        if parts.count == 5 { sets.insert([0], at: 0) }
        seconds = sets[0]
        minutes = sets[1]
        hours = sets[2]
        daysOfMonth = sets[3]
        months = sets[4]
        var weekdays = sets[5]
        if weekdays.remove(7) != nil { weekdays.insert(0) }
        daysOfWeek = weekdays
        let dayOfMonthPart = parts[parts.count - 3]
        let dayOfWeekPart = parts[parts.count - 1]
        restrictsBothDays = !["*", "?"].contains(dayOfMonthPart) && !["*", "?"].contains(dayOfWeekPart)
    }

    private struct FieldError: Error {
        var reason: String
    }

    private static func parseField(_ text: String, _ field: Field) throws(FieldError) -> Set<Int> {
        var values = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw FieldError(reason: "empty list item") }
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw FieldError(reason: "more than one '/'") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else {
                    throw FieldError(reason: "the step '\(pieces[1])' must be a positive number")
                }
                step = parsed
            }
            let base = pieces[0]
            var lower: Int
            var upper: Int
            if base == "*" || base == "?" {
                if base == "?" && !(field.name.hasPrefix("day")) {
                    throw FieldError(reason: "'?' is only allowed in the day fields")
                }
                lower = field.range.lowerBound
                upper = field.range.upperBound
            } else if let dash = base.firstIndex(of: "-") {
                lower = try value(base[..<dash], field)
                upper = try value(base[base.index(after: dash)...], field)
                guard lower <= upper else { throw FieldError(reason: "the range \(base) runs backwards") }
            } else {
                lower = try value(base, field)
                // "5/15" means from 5 to the end, every 15.
                upper = pieces.count == 2 ? field.range.upperBound : lower
            }
            values.formUnion(stride(from: lower, through: upper, by: step))
        }
        return values
    }

    private static func value(_ text: Substring, _ field: Field) throws(FieldError) -> Int {
        if let number = Int(text) {
            guard field.range.contains(number) else {
                throw FieldError(
                    reason: "\(number) is out of range \(field.range.lowerBound)-\(field.range.upperBound)")
            }
            return number
        }
        if let index = field.names.firstIndex(of: text.uppercased()) {
            return index + field.namesStart
        }
        throw FieldError(reason: "'\(text)' is not a number\(field.names.isEmpty ? "" : " or a name such as \(field.names[0])")")
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
