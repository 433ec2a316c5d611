/// The start of a long text (a response body, a message) as error details quote it.
enum TextExcerpt {
    /// The most bytes an excerpt keeps unless told otherwise.
    static let defaultBytes = 2048

    /// The first `limit` bytes of `bytes` as text, with `…` when there was more. A character the
    /// cut splits is dropped rather than shown as U+FFFD.
    static func cut(bytes: some Collection<UInt8>, limit: Int = defaultBytes) -> String {
        guard bytes.count > limit else { return String(decoding: bytes, as: UTF8.self) }
        var cut = String(decoding: bytes.prefix(limit), as: UTF8.self)
        if cut.last == "\u{FFFD}" { cut.removeLast() }
        return cut + "…"
    }

    /// ``cut(bytes:limit:)`` of a string's UTF-8.
    static func cut(_ text: String, limit: Int = defaultBytes) -> String {
        cut(bytes: text.utf8, limit: limit)
    }
}
