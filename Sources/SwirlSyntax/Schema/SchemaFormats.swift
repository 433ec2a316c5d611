/// The checkers behind ``SchemaFormat``, one per format, each a small scanner.
///
/// They follow the RFCs JSON Schema 2020-12 names (§7.3) with two deliberate leniencies, both
/// for durations: ISO 8601 lets any of the units be left out (`PT1H30S`, which RFC 3339's
/// appendix grammar forbids because it skips minutes) and lets the last unit carry a decimal
/// fraction (`PT0.5S`); Serverless Workflow documents write both.
enum SchemaFormats {
    // MARK: dates and times (RFC 3339 §5.6)

    /// `full-date "T" full-time`; the `T` and `Z` may be lower case.
    static func dateTime(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") else {
            return false
        }
        return date(bytes[0..<10]) && time(bytes[11...])
    }

    /// `YYYY-MM-DD` with a day that exists in that month and year.
    static func date(_ bytes: some RandomAccessCollection<UInt8>) -> Bool {
        guard bytes.count == 10 else { return false }
        let start = bytes.startIndex
        func at(_ offset: Int) -> UInt8 { bytes[bytes.index(start, offsetBy: offset)] }
        guard at(4) == UInt8(ascii: "-"), at(7) == UInt8(ascii: "-"),
            let year = number(bytes, from: 0, count: 4), let month = number(bytes, from: 5, count: 2),
            let day = number(bytes, from: 8, count: 2)
        else { return false }
        return (1...12).contains(month) && day >= 1 && day <= daysIn(month: month, year: year)
    }

    /// `HH:MM:SS[.fraction](Z|±HH:MM)`; second 60 only where the UTC time is 23:59 (a leap second).
    static func time(_ bytes: some RandomAccessCollection<UInt8>) -> Bool {
        let start = bytes.startIndex
        let count = bytes.count
        func at(_ offset: Int) -> UInt8 { bytes[bytes.index(start, offsetBy: offset)] }
        guard count >= 9, at(2) == UInt8(ascii: ":"), at(5) == UInt8(ascii: ":"),
            let hour = number(bytes, from: 0, count: 2), let minute = number(bytes, from: 3, count: 2),
            let second = number(bytes, from: 6, count: 2), hour <= 23, minute <= 59, second <= 60
        else { return false }
        var offset = 8
        if at(offset) == UInt8(ascii: ".") {
            offset += 1
            let digitsStart = offset
            while offset < count, isDigit(at(offset)) { offset += 1 }
            guard offset > digitsStart else { return false }
        }
        guard offset < count else { return false }
        var offsetMinutes = 0
        switch at(offset) {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard offset + 1 == count else { return false }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard offset + 6 == count, at(offset + 3) == UInt8(ascii: ":"),
                let offsetHour = number(bytes, from: offset + 1, count: 2),
                let offsetMinute = number(bytes, from: offset + 4, count: 2), offsetHour <= 23, offsetMinute <= 59
            else { return false }
            offsetMinutes = (offsetHour * 60 + offsetMinute) * (at(offset) == UInt8(ascii: "+") ? 1 : -1)
        default:
            return false
        }
        if second == 60 {
            let utc = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The decimal number of exactly `count` digits at `offset`, or `nil`.
    private static func number(_ bytes: some RandomAccessCollection<UInt8>, from offset: Int, count: Int) -> Int? {
        var value = 0
        var index = bytes.index(bytes.startIndex, offsetBy: offset)
        for _ in 0..<count {
            let byte = bytes[index]
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            index = bytes.index(after: index)
        }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }

    private static func isAlpha(_ byte: UInt8) -> Bool {
        byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")
    }

    // MARK: durations (ISO 8601, see the type comment)

    /// `PnYnMnDTnHnMnS` with units in this order, each at most once, at least one unit, or `PnW`.
    static func duration(_ string: String) -> Bool {
        var bytes = string.utf8[...]
        guard bytes.popFirst() == UInt8(ascii: "P"), !bytes.isEmpty else { return false }
        let dateUnits: [UInt8] = [UInt8(ascii: "Y"), UInt8(ascii: "M"), UInt8(ascii: "W"), UInt8(ascii: "D")]
        let timeUnits: [UInt8] = [UInt8(ascii: "H"), UInt8(ascii: "M"), UInt8(ascii: "S")]
        var inTime = false
        var nextUnit = 0  // index into the current unit list: units must come in order
        var components = 0
        var sawWeek = false
        var sawFraction = false
        while !bytes.isEmpty {
            if bytes.first == UInt8(ascii: "T") {
                guard !inTime else { return false }
                bytes.removeFirst()
                inTime = true
                nextUnit = 0
                guard !bytes.isEmpty else { return false }  // "T" needs at least one time unit
                continue
            }
            guard !sawFraction else { return false }  // only the last unit may have a fraction
            var digits = 0
            while let byte = bytes.first, isDigit(byte) {
                bytes.removeFirst()
                digits += 1
            }
            guard digits > 0 else { return false }
            if bytes.first == UInt8(ascii: ".") {
                bytes.removeFirst()
                var fractionDigits = 0
                while let byte = bytes.first, isDigit(byte) {
                    bytes.removeFirst()
                    fractionDigits += 1
                }
                guard fractionDigits > 0 else { return false }
                sawFraction = true
            }
            guard let unit = bytes.popFirst() else { return false }
            let units = inTime ? timeUnits : dateUnits
            guard let position = units[nextUnit...].firstIndex(of: unit) else { return false }
            if !inTime && unit == UInt8(ascii: "W") { sawWeek = true }
            nextUnit = position + 1
            components += 1
        }
        // Weeks stand alone (`P2W`), as both ISO 8601 and RFC 3339's grammar say.
        return components > 0 && (!sawWeek || components == 1)
    }

    // MARK: internet names and addresses

    /// RFC 1123 host names: dot-separated labels of 1–63 letters, digits and hyphens, not starting
    /// or ending with a hyphen, at most 253 characters in all.
    static func hostname(_ string: Substring) -> Bool {
        let utf8 = string.utf8
        guard !utf8.isEmpty, utf8.count <= 253 else { return false }
        for label in utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"),
                label.last != UInt8(ascii: "-"),
                label.allSatisfy({ isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") })
            else { return false }
        }
        return true
    }

    /// Dotted-quad IPv4: four decimal numbers 0–255 without leading zeros.
    static func ipv4(_ string: Substring) -> Bool {
        let parts = string.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(isDigit) else { return false }
            if part.count > 1 && part.first == UInt8(ascii: "0") { return false }
            let value = part.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard value <= 255 else { return false }
        }
        return true
    }

    /// RFC 4291 §2.2 text forms: eight groups of 1–4 hex digits, one `::` standing for one or more
    /// zero groups, optionally ending in a dotted-quad IPv4 address (two groups). No zone index.
    static func ipv6(_ string: String) -> Bool {
        var text = Substring(string)
        var groupsNeeded = 8
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard ipv4(text[text.index(after: lastColon)...]) else { return false }
            groupsNeeded = 6
            // Cut the IPv4 part off. A trailing "::" stays (it stands for zero groups before the
            // IPv4 part); a single trailing ":" only separated the last group from it.
            text = text[...lastColon]
            if !text.hasSuffix("::") { text = text.dropLast() }
        }
        func groups(_ half: Substring) -> Int? {
            if half.isEmpty { return 0 }
            var count = 0
            for group in half.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), group.allSatisfy(isHexDigit) else { return nil }
                count += 1
            }
            return count
        }
        guard let compression = text.firstRange(of: "::") else {
            return groups(text) == groupsNeeded
        }
        // A second "::" leaves an empty group in the right half, which `groups` refuses.
        guard let left = groups(text[..<compression.lowerBound]), let right = groups(text[compression.upperBound...])
        else { return false }
        return left + right < groupsNeeded
    }

    /// A simple address check: a local part without spaces or stray dots, `@`, and a host name or
    /// a bracketed IP address. Quoted local parts and comments (RFC 5321 corners) are refused.
    static func email(_ string: String) -> Bool {
        guard let at = string.utf8.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let local = string.utf8[..<at]
        let domain = Substring(string.utf8[string.utf8.index(after: at)...])
        guard !local.isEmpty, local.count <= 64, local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
            !domain.isEmpty
        else { return false }
        var previous: UInt8 = 0
        for byte in local {
            let allowed =
                isAlpha(byte) || isDigit(byte) || byte >= 0x80
                || "!#$%&'*+-/=?^_`{|}~.".utf8.contains(byte)
            guard allowed, !(byte == UInt8(ascii: ".") && previous == UInt8(ascii: ".")) else { return false }
            previous = byte
        }
        if domain.hasPrefix("[") && domain.hasSuffix("]") {
            let inner = domain.dropFirst().dropLast()
            if inner.hasPrefix("IPv6:") { return ipv6(String(inner.dropFirst(5))) }
            return ipv4(inner)
        }
        return hostname(domain)
    }

    // MARK: identifiers

    /// `8-4-4-4-12` hexadecimal digits (RFC 4122), any case.
    static func uuid(_ string: String) -> Bool {
        let utf8 = string.utf8
        guard utf8.count == 36 else { return false }
        for (offset, byte) in utf8.enumerated() {
            if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else if !isHexDigit(byte) {
                return false
            }
        }
        return true
    }

    /// RFC 6901: empty, or `/`-prefixed tokens in which every `~` is followed by `0` or `1`.
    static func jsonPointer(_ string: String) -> Bool {
        let utf8 = Array(string.utf8)
        guard !utf8.isEmpty else { return true }
        guard utf8[0] == UInt8(ascii: "/") else { return false }
        for (index, byte) in utf8.enumerated() where byte == UInt8(ascii: "~") {
            guard index + 1 < utf8.count, utf8[index + 1] == UInt8(ascii: "0") || utf8[index + 1] == UInt8(ascii: "1")
            else { return false }
        }
        return true
    }

    // MARK: URIs (RFC 3986) and URI templates (RFC 6570)

    /// RFC 3986 `URI` (scheme required) or `URI-reference` (scheme optional): the structure of
    /// scheme, authority, path, query and fragment, and the characters allowed in each. Non-ASCII
    /// characters must be percent-encoded (unencoded ones make an IRI, a different format).
    static func uri(_ string: String, requireScheme: Bool) -> Bool {
        let bytes = Array(string.utf8)
        var end = bytes.count
        // Fragment and query: pchar / "/" / "?".
        if let hash = bytes.firstIndex(of: UInt8(ascii: "#")) {
            guard isURIText(bytes[(hash + 1)...], extra: "/?") else { return false }
            end = hash
        }
        if let question = bytes[..<end].firstIndex(of: UInt8(ascii: "?")) {
            guard isURIText(bytes[(question + 1)..<end], extra: "/?") else { return false }
            end = question
        }
        var start = 0
        // Scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" — only if the text before the
        // first ":" has no "/" (otherwise the colon belongs to the path).
        if let colon = bytes[..<end].firstIndex(of: UInt8(ascii: ":")),
            !bytes[..<colon].contains(UInt8(ascii: "/"))
        {
            guard colon > 0, isAlpha(bytes[0]),
                bytes[1..<colon].allSatisfy({ isAlpha($0) || isDigit($0) || "+-.".utf8.contains($0) })
            else { return false }
            start = colon + 1
        } else if requireScheme {
            return false
        }
        if end - start >= 2, bytes[start] == UInt8(ascii: "/"), bytes[start + 1] == UInt8(ascii: "/") {
            let authorityStart = start + 2
            let authorityEnd = bytes[authorityStart..<end].firstIndex(of: UInt8(ascii: "/")) ?? end
            guard isAuthority(bytes[authorityStart..<authorityEnd]) else { return false }
            start = authorityEnd
        }
        // Path: segments of pchar separated by "/".
        return isURIText(bytes[start..<end], extra: "/")
    }

    /// Whether every byte is a `pchar` (unreserved, sub-delims, ":", "@", or `%HH`) or in `extra`.
    private static func isURIText(_ bytes: ArraySlice<UInt8>, extra: String) -> Bool {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, isHexDigit(bytes[index + 1]), isHexDigit(bytes[index + 2]) else {
                    return false
                }
                index += 3
                continue
            }
            guard
                isUnreserved(byte) || isSubDelimiter(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "@")
                    || extra.utf8.contains(byte)
            else { return false }
            index += 1
        }
        return true
    }

    /// `[ userinfo "@" ] host [ ":" port ]`, host being `[IPv6]`, `[vX.…]` or a registered name.
    private static func isAuthority(_ bytes: ArraySlice<UInt8>) -> Bool {
        var hostStart = bytes.startIndex
        if let at = bytes.lastIndex(of: UInt8(ascii: "@")) {
            guard isURIText(bytes[bytes.startIndex..<at], extra: "") else { return false }
            hostStart = at + 1
        }
        var hostEnd = bytes.endIndex
        if bytes[hostStart...].first == UInt8(ascii: "[") {
            guard let close = bytes[hostStart...].firstIndex(of: UInt8(ascii: "]")) else { return false }
            let literal = String(decoding: bytes[(hostStart + 1)..<close], as: UTF8.self)
            let isFuture =
                literal.first == "v" && literal.contains(".")
                && literal.utf8.allSatisfy { isUnreserved($0) || isSubDelimiter($0) || $0 == UInt8(ascii: ":") }
            guard isFuture || ipv6(literal) else { return false }
            hostEnd = close + 1
            guard hostEnd == bytes.endIndex || bytes[hostEnd] == UInt8(ascii: ":") else { return false }
        } else if let colon = bytes[hostStart...].lastIndex(of: UInt8(ascii: ":")) {
            hostEnd = colon
        }
        if hostEnd < bytes.endIndex {
            // Port: ":" *DIGIT.
            guard bytes[(hostEnd + 1)...].allSatisfy(isDigit) else { return false }
        }
        if bytes[hostStart...].first == UInt8(ascii: "[") { return true }
        return bytes[hostStart..<hostEnd].allSatisfy {
            isUnreserved($0) || isSubDelimiter($0) || $0 == UInt8(ascii: "%")
        }
            && isURIText(bytes[hostStart..<hostEnd], extra: "")
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        isAlpha(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
    }

    private static func isSubDelimiter(_ byte: UInt8) -> Bool {
        "!$&'()*+,;=".utf8.contains(byte)
    }

    /// RFC 6570 §2: literals, and expressions `{[op]varspec,…}` with level-4 operators
    /// (`+ # . / ; ? &`), variable names of letters, digits, `_`, `%HH` and inner dots, and the
    /// `:n` (1–9999) and `*` modifiers. The reserved operators `= , ! @ |` are refused.
    static func uriTemplate(_ string: String) -> Bool {
        let scalars = Array(string.unicodeScalars)
        var index = 0
        func isPercentEncoded(_ at: Int) -> Bool {
            at + 2 < scalars.count && scalars[at + 1].isASCII && scalars[at + 2].isASCII
                && isHexDigit(UInt8(scalars[at + 1].value)) && isHexDigit(UInt8(scalars[at + 2].value))
        }
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "{":
                index += 1
                guard index < scalars.count else { return false }
                if "+#./;?&".unicodeScalars.contains(scalars[index]) { index += 1 }
                // One or more varspecs separated by commas.
                while true {
                    // varname = varchar *( ["."] varchar )
                    var sawChar = false
                    var lastWasDot = false
                    while index < scalars.count {
                        let character = scalars[index]
                        if character == "%" {
                            guard isPercentEncoded(index) else { return false }
                            index += 3
                        } else if character.isASCII
                            && (isAlpha(UInt8(character.value)) || isDigit(UInt8(character.value)) || character == "_")
                        {
                            index += 1
                        } else if character == "." && sawChar && !lastWasDot {
                            index += 1
                            lastWasDot = true
                            continue
                        } else {
                            break
                        }
                        sawChar = true
                        lastWasDot = false
                    }
                    guard sawChar, !lastWasDot, index < scalars.count else { return false }
                    if scalars[index] == "*" {
                        index += 1
                    } else if scalars[index] == ":" {
                        index += 1
                        var digits = 0
                        while index < scalars.count, scalars[index].isASCII, isDigit(UInt8(scalars[index].value)) {
                            if digits == 0 && scalars[index] == "0" { return false }
                            digits += 1
                            index += 1
                        }
                        guard (1...4).contains(digits) else { return false }
                    }
                    guard index < scalars.count else { return false }
                    if scalars[index] == "," {
                        index += 1
                        continue
                    }
                    guard scalars[index] == "}" else { return false }
                    index += 1
                    break
                }
            case "%":
                guard isPercentEncoded(index) else { return false }
                index += 3
            default:
                // Literals: anything but controls, space and `" ' < > \ ^ ` | }` (and `{`, above).
                if scalar.value < 0x20 || scalar.value == 0x7F || " \"'<>\\^`|}".unicodeScalars.contains(scalar) {
                    return false
                }
                index += 1
            }
        }
        return true
    }
}
