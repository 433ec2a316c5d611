/// A URI split into its RFC 3986 components, just enough to resolve `$id` and `$ref` values.
///
/// Foundation's `URL` resolves relative references differently on Linux and macOS and refuses
/// some URNs that schemas use as `$id`, so the five-component algorithm of RFC 3986 §5.2 is
/// written out here; it runs only while a schema compiles.
struct SchemaURI: Hashable, Sendable {
    var scheme: String?
    var authority: String?
    var path: String
    var query: String?
    var fragment: String?

    /// The base URI of a schema without an `$id` of its own. `.invalid` is a reserved top-level
    /// domain, so no real identifier can collide with it.
    static let defaultBase = SchemaURI(parsing: "https://swirl.invalid/schema.json")

    /// Splits `text` by the regular expression of RFC 3986 Appendix B; any string parses.
    init(parsing text: String) {
        var rest = Substring(text)
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: question)...])
            rest = rest[..<question]
        }
        // A scheme is letters, digits, `+ - .` before the first `:`, with no `/` before it.
        if let colon = rest.firstIndex(of: ":"), colon != rest.startIndex,
            rest[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }),
            rest.first?.isLetter == true
        {
            scheme = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        }
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            authority = String(rest[..<end])
            rest = rest[end...]
        }
        path = String(rest)
    }

    init(scheme: String?, authority: String?, path: String, query: String?, fragment: String?) {
        self.scheme = scheme
        self.authority = authority
        self.path = path
        self.query = query
        self.fragment = fragment
    }

    /// The URI without its fragment: the identifier of the schema resource it names.
    var withoutFragment: SchemaURI {
        var copy = self
        copy.fragment = nil
        return copy
    }

    /// `reference` resolved against `self` (RFC 3986 §5.2.2, strict parser).
    func resolving(_ reference: SchemaURI) -> SchemaURI {
        if reference.scheme != nil {
            return SchemaURI(
                scheme: reference.scheme, authority: reference.authority,
                path: Self.removeDotSegments(reference.path), query: reference.query, fragment: reference.fragment)
        }
        if reference.authority != nil {
            return SchemaURI(
                scheme: scheme, authority: reference.authority, path: Self.removeDotSegments(reference.path),
                query: reference.query, fragment: reference.fragment)
        }
        if reference.path.isEmpty {
            return SchemaURI(
                scheme: scheme, authority: authority, path: path, query: reference.query ?? query,
                fragment: reference.fragment)
        }
        let merged: String
        if reference.path.hasPrefix("/") {
            merged = reference.path
        } else if authority != nil && path.isEmpty {
            merged = "/" + reference.path
        } else if let slash = path.lastIndex(of: "/") {
            merged = path[...slash] + reference.path
        } else {
            merged = reference.path
        }
        return SchemaURI(
            scheme: scheme, authority: authority, path: Self.removeDotSegments(merged), query: reference.query,
            fragment: reference.fragment)
    }

    /// RFC 3986 §5.2.4: drops `.` segments and lets `..` remove the segment before it.
    static func removeDotSegments(_ path: String) -> String {
        guard path.contains(".") else { return path }
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            switch segment {
            case ".":
                if isLast { output.append("") }
            case "..":
                if output.count > 1 || (output.count == 1 && output[0] != "") { output.removeLast() }
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        var result = output.joined(separator: "/")
        if path.hasPrefix("/") && !result.hasPrefix("/") { result = "/" + result }
        return result
    }
}

extension SchemaURI: CustomStringConvertible {
    /// The URI text (RFC 3986 §5.3 recomposition).
    var description: String {
        var text = ""
        if let scheme { text += scheme + ":" }
        if let authority { text += "//" + authority }
        text += path
        if let query { text += "?" + query }
        if let fragment { text += "#" + fragment }
        return text
    }
}
