/// A problem found while checking, with byte offsets only.
///
/// Thrown through the parser on the first syntax problem, and recorded for names that only turn
/// out to be errors once the whole expression is read. It becomes a public ``JQSyntaxError``
/// (with line and column) once, at the end, so the hot path never counts lines.
struct JQSyntaxFailure: Error {
    var kind: JQSyntaxError.Kind
    var message: String
    /// Offset of the problem's first byte.
    var start: Int
    /// Offset just past the problem's last byte.
    var end: Int

    init(_ kind: JQSyntaxError.Kind, _ message: String, start: Int, end: Int) {
        self.kind = kind
        self.message = message
        self.start = start
        self.end = end
    }

    init(_ kind: JQSyntaxError.Kind, _ message: String, at token: JQToken) {
        self.init(kind, message, start: token.start, end: token.end)
    }
}
