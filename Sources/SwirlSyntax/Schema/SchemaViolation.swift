public import SwirlCore

/// One way an instance fails its schema: where, which keyword, and what was expected and found.
///
/// ``problem`` carries the structured facts (the unknown property and its suggested spelling,
/// the expected types, the allowed values); ``message`` is the sentence a person reads, worded by
/// ``SchemaDiagnostics``.
public struct SchemaViolation: Sendable, Hashable {
    /// Where the failing value is in the instance.
    public var instancePath: JSONPointer
    /// Whether the problem is the member's name (an unknown or invalid property name) or its value.
    public var part: SourceMap.Part
    /// The keyword that failed, such as `type` or `unevaluatedProperties`; `false` for a `false`
    /// schema, empty when the instance nests too deep.
    public var keyword: String
    /// Where that keyword is in the schema document (after `$ref`s are followed).
    public var schemaPath: JSONPointer
    /// What went wrong, with the facts a tool might want.
    public var problem: Problem
    /// The `description` (or `title`) of the schema whose keyword failed, when it has one: often
    /// the clearest explanation of a pattern or a format.
    public var schemaDescription: String?
    /// Set when the failing value is a property name checked by `propertyNames`.
    public var isPropertyName: Bool

    /// A violation; the validator makes these, tools and tests may too.
    public init(
        instancePath: JSONPointer, part: SourceMap.Part = .value, keyword: String, schemaPath: JSONPointer,
        problem: Problem, schemaDescription: String? = nil, isPropertyName: Bool = false
    ) {
        self.instancePath = instancePath
        self.part = part
        self.keyword = keyword
        self.schemaPath = schemaPath
        self.problem = problem
        self.schemaDescription = schemaDescription
        self.isPropertyName = isPropertyName
    }

    /// The message a person reads, such as `expected a string, found a number`.
    public var message: String {
        SchemaDiagnostics.message(for: problem, isPropertyName: isPropertyName)
    }

    /// The kind of problem, which decides the diagnostic code.
    public var category: Category { problem.category }

    /// What went wrong, with its facts.
    public enum Problem: Sendable, Hashable {
        /// `type`: the value's type is not one of `expected` (type names as JSON Schema spells
        /// them); `found` is the instance itself.
        case typeMismatch(expected: [String], found: JSON)
        /// `required`: a property is missing.
        case missingProperty(String)
        /// `anyOf`/`oneOf` of `required` alternatives: none of these properties is present.
        /// `misspelling` is a property of the object that looks like a typo for `suggestion`.
        case missingOneOf([String], misspelling: String?, suggestion: String?)
        /// `additionalProperties`/`unevaluatedProperties` is `false` and this property is not
        /// known; `suggestion` is a known name close to it.
        case unknownProperty(String, suggestion: String?)
        /// A property whose schema is `false`.
        case propertyNotAllowed(String)
        /// `enum`/`const`: the value is none of `allowed`; `suggestion` is a close allowed string.
        case valueNotAllowed(JSON, allowed: [JSON], suggestion: String?)
        /// `pattern`: the string does not match.
        case patternMismatch(String, pattern: String)
        /// `format`: the string is not in the format (its JSON Schema name, such as `date-time`).
        case formatMismatch(String, format: String)
        /// `minimum`/`exclusiveMinimum`.
        case numberTooSmall(Double, limit: Double, exclusive: Bool)
        /// `maximum`/`exclusiveMaximum`.
        case numberTooLarge(Double, limit: Double, exclusive: Bool)
        /// `multipleOf`.
        case notMultiple(Double, of: Double)
        /// `minLength`, counted in Unicode code points.
        case stringTooShort(String, length: Int, minimum: Int)
        /// `maxLength`.
        case stringTooLong(String, length: Int, maximum: Int)
        /// `minItems`.
        case tooFewItems(count: Int, minimum: Int)
        /// `maxItems`, or `items: false` after `prefixItems`.
        case tooManyItems(count: Int, maximum: Int)
        /// `minProperties`.
        case tooFewProperties(count: Int, minimum: Int)
        /// `maxProperties`.
        case tooManyProperties(count: Int, maximum: Int)
        /// `contains`/`minContains`: too few elements match the `contains` schema.
        case tooFewContained(count: Int, minimum: Int)
        /// `maxContains`.
        case tooManyContained(count: Int, maximum: Int)
        /// `uniqueItems`: the elements at these indices are equal.
        case duplicateItems(first: Int, second: Int)
        /// `dependentRequired`: `missing` must be present because `trigger` is.
        case dependentPropertyMissing(String, requiredBy: String)
        /// `anyOf`/`oneOf`: no alternative matched and none is clearly the one meant. `types` and
        /// `values` list what the alternatives accept at the top level, when that is all they check.
        case noAlternativeMatched(found: JSON, alternatives: Int, types: [String], values: [JSON])
        /// `oneOf`: more than one alternative matched; each with its index and `title`.
        case multipleAlternativesMatched([Alternative])
        /// `not`: the value matches the schema it must not match.
        case notSchemaMatched
        /// A `false` schema: no value is allowed here.
        case falseSchema
        /// The instance nests deeper than the validator follows.
        case nestingTooDeep(limit: Int)

        /// The kind of problem, which decides the diagnostic code.
        public var category: Category {
            switch self {
            case .typeMismatch: .typeMismatch
            case .missingProperty, .missingOneOf: .missingProperty
            case .unknownProperty, .propertyNotAllowed: .unknownProperty
            case .valueNotAllowed: .valueNotAllowed
            case .patternMismatch: .patternMismatch
            case .formatMismatch: .formatMismatch
            case .numberTooSmall, .numberTooLarge, .notMultiple: .outOfRange
            case .stringTooShort, .stringTooLong, .tooFewItems, .tooManyItems, .tooFewProperties,
                .tooManyProperties, .tooFewContained, .tooManyContained:
                .size
            case .noAlternativeMatched: .noAlternativeMatched
            case .multipleAlternativesMatched: .multipleAlternativesMatched
            case .dependentPropertyMissing: .dependentPropertyMissing
            case .notSchemaMatched: .notSchemaMatched
            case .duplicateItems, .falseSchema, .nestingTooDeep: .other
            }
        }
    }

    /// One alternative of a `oneOf`, for ``Problem/multipleAlternativesMatched(_:)``.
    public struct Alternative: Sendable, Hashable {
        /// Its position in the `oneOf` array, from 0.
        public var index: Int
        /// Its `title`, or that of the schema its bare `$ref` points at.
        public var title: String?
        /// The property, when the alternative only requires that one property (`{"required": ["code"]}`).
        public var requiredProperty: String?

        /// An alternative, as ``Problem/multipleAlternativesMatched(_:)`` lists it.
        public init(index: Int, title: String?, requiredProperty: String? = nil) {
            self.index = index
            self.title = title
            self.requiredProperty = requiredProperty
        }
    }

    /// The kinds of problems; each has its own diagnostic code.
    /// The code constants of ``SchemaDiagnostics`` describe each.
    public enum Category: String, Sendable, Hashable, CaseIterable {
        case typeMismatch
        case missingProperty
        case unknownProperty
        case valueNotAllowed
        case patternMismatch
        case formatMismatch
        case outOfRange
        case size
        case noAlternativeMatched
        case multipleAlternativesMatched
        case dependentPropertyMissing
        case notSchemaMatched
        case other
    }
}
