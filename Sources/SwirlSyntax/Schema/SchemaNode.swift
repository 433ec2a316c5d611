import SwirlCore

/// One compiled schema: a boolean schema or an object schema's keywords, and where it is.
///
/// A final class so the validator passes nodes around by reference (one retain) instead of
/// copying the keyword struct; immutable, hence Sendable.
final class SchemaNode: Sendable {
    /// Where the schema is in the schema document; violations append the keyword to it.
    let location: JSONPointer
    /// Its position in the compiled schema's node table.
    let index: Int
    /// `true` or `false` for a boolean schema, `nil` for an object schema.
    let boolean: Bool?
    let keywords: SchemaKeywords

    init(location: JSONPointer, index: Int, boolean: Bool) {
        self.location = location
        self.index = index
        self.boolean = boolean
        self.keywords = SchemaKeywords()
    }

    init(location: JSONPointer, index: Int, keywords: SchemaKeywords) {
        self.location = location
        self.index = index
        self.boolean = nil
        self.keywords = keywords
    }

    /// The title or description, whichever says more, for notes on violations.
    var explanation: String? {
        keywords.description ?? keywords.title
    }
}
