import SwirlCore

/// The compiled keywords of one object schema. Subschemas are indices into the compiled
/// schema's node table, so `$ref` cycles need no mutable references.
///
/// Built once by ``SchemaCompiler``; the validator only reads it. Flags at the end let the
/// validator skip whole groups of keywords that do not apply to an instance's type.
struct SchemaKeywords: Sendable {
    /// A `patternProperties` entry.
    struct PatternSchema: Sendable {
        var pattern: SchemaPattern
        var schema: Int
    }

    /// A `dependentRequired` entry: when `property` is present, so must `required` be.
    struct Dependency: Sendable {
        var property: String
        var required: [String]
    }

    /// A `dependentSchemas` entry: when `property` is present, the object must match `schema`.
    struct DependentSchema: Sendable {
        var property: String
        var schema: Int
    }

    var title: String?
    var description: String?

    // Any type.
    var types: SchemaTypes = []
    /// The `type` names as written, for messages.
    var typeNames: [String] = []
    /// `enum` values, or the single `const` value.
    var allowedValues: [JSON]?
    var isConst = false
    var ref: Int?
    var allOf: [Int] = []
    var anyOf: [Int] = []
    var oneOf: [Int] = []
    var not: Int?
    var ifSchema: Int?
    var thenSchema: Int?
    var elseSchema: Int?

    // Numbers.
    var minimum: Double?
    var maximum: Double?
    var exclusiveMinimum: Double?
    var exclusiveMaximum: Double?
    var multipleOf: Double?

    // Strings.
    var minLength: Int?
    var maxLength: Int?
    var pattern: SchemaPattern?
    var format: SchemaFormat?

    // Arrays.
    var prefixItems: [Int] = []
    var items: Int?
    var contains: Int?
    var minContains: Int?
    var maxContains: Int?
    var minItems: Int?
    var maxItems: Int?
    var uniqueItems = false
    var unevaluatedItems: Int?

    // Objects.
    var properties: [String: Int] = [:]
    /// The `properties` names in schema order, for deterministic suggestions.
    var propertyOrder: [String] = []
    var patternProperties: [PatternSchema] = []
    var additionalProperties: Int?
    var propertyNames: Int?
    var required: [String] = []
    var minProperties: Int?
    var maxProperties: Int?
    var dependentRequired: [Dependency] = []
    var dependentSchemas: [DependentSchema] = []
    var unevaluatedProperties: Int?

    // Summary flags, set by ``finish()``.
    private(set) var hasNumberKeywords = false
    private(set) var hasStringKeywords = false
    private(set) var hasArrayKeywords = false
    private(set) var hasObjectKeywords = false
    private(set) var hasMemberKeywords = false
    private(set) var hasInPlaceKeywords = false
    /// Whether this schema has `unevaluated*` and so must see what its subschemas evaluated.
    private(set) var needsEvaluated = false
    /// The property, when the schema says nothing but `"required": [name]`: the usual way to
    /// write "exactly one of these keys" as a `oneOf`, which messages can then name.
    private(set) var soleRequiredProperty: String?

    /// Computes the summary flags once all keywords are set.
    mutating func finish() {
        hasNumberKeywords =
            minimum != nil || maximum != nil || exclusiveMinimum != nil || exclusiveMaximum != nil || multipleOf != nil
        hasStringKeywords = minLength != nil || maxLength != nil || pattern != nil || format != nil
        hasArrayKeywords =
            !prefixItems.isEmpty || items != nil || contains != nil || minItems != nil || maxItems != nil
            || uniqueItems
        hasMemberKeywords =
            !properties.isEmpty || !patternProperties.isEmpty || additionalProperties != nil || propertyNames != nil
        hasObjectKeywords =
            hasMemberKeywords || !required.isEmpty || minProperties != nil || maxProperties != nil
            || !dependentRequired.isEmpty
        hasInPlaceKeywords =
            ref != nil || !allOf.isEmpty || !anyOf.isEmpty || !oneOf.isEmpty || not != nil || ifSchema != nil
            || !dependentSchemas.isEmpty
        needsEvaluated = unevaluatedProperties != nil || unevaluatedItems != nil
        let onlyRequired =
            required.count == 1 && types.isEmpty && allowedValues == nil && !hasNumberKeywords && !hasStringKeywords
            && !hasArrayKeywords && !hasMemberKeywords && minProperties == nil && maxProperties == nil
            && dependentRequired.isEmpty && !hasInPlaceKeywords && !needsEvaluated
        soleRequiredProperty = onlyRequired ? required.first : nil
    }

    /// The subschemas that apply to the same instance as this schema (the in-place applicators),
    /// for cycle detection and for gathering the property names a place knows.
    var inPlaceSubschemas: [Int] {
        var result: [Int] = []
        if let ref { result.append(ref) }
        result += allOf
        result += anyOf
        result += oneOf
        for schema in [not, ifSchema, thenSchema, elseSchema] { if let schema { result.append(schema) } }
        result += dependentSchemas.map(\.schema)
        return result
    }
}
