public import SwirlCore

/// The schema validator's diagnostics: one code per kind of problem, and every message it prints.
///
/// Codes `SWL2001`–`SWL2099` belong to schema validation. The validator records facts
/// (``SchemaViolation/Problem``); the wording lives here, so messages stay consistent and each
/// code is listed once. Messages say what was expected and what was found.
public enum SchemaDiagnostics {
    /// The value has the wrong JSON type.
    public static let typeMismatchCode = DiagnosticCode("SWL2001")
    /// A required property is missing (or none of several alternatives' properties is there).
    public static let missingPropertyCode = DiagnosticCode("SWL2002")
    /// A property the schema does not allow at this place.
    public static let unknownPropertyCode = DiagnosticCode("SWL2003")
    /// The value is not one of the `enum`/`const` values.
    public static let valueNotAllowedCode = DiagnosticCode("SWL2004")
    /// A string does not match its `pattern`.
    public static let patternMismatchCode = DiagnosticCode("SWL2005")
    /// A string is not in its `format` (date-time, URI, duration, …).
    public static let formatMismatchCode = DiagnosticCode("SWL2006")
    /// A number is out of range or not a multiple of `multipleOf`.
    public static let outOfRangeCode = DiagnosticCode("SWL2007")
    /// A string, array or object is too short or too long, or has too few or many matching items.
    public static let sizeCode = DiagnosticCode("SWL2008")
    /// None of the `anyOf`/`oneOf` alternatives matches, and no one of them is clearly meant.
    public static let noAlternativeMatchedCode = DiagnosticCode("SWL2009")
    /// More than one `oneOf` alternative matches.
    public static let multipleAlternativesMatchedCode = DiagnosticCode("SWL2010")
    /// A property required by another one's presence (`dependentRequired`) is missing.
    public static let dependentPropertyMissingCode = DiagnosticCode("SWL2011")
    /// The value matches the schema under `not`.
    public static let notSchemaMatchedCode = DiagnosticCode("SWL2012")
    /// Anything else: duplicate items, a `false` schema, nesting too deep.
    public static let otherCode = DiagnosticCode("SWL2013")
    /// A schema given by the user (such as `input.schema`) cannot be compiled.
    public static let invalidSchemaCode = DiagnosticCode("SWL2014")

    /// The code for a kind of violation.
    public static func code(for category: SchemaViolation.Category) -> DiagnosticCode {
        switch category {
        case .typeMismatch: typeMismatchCode
        case .missingProperty: missingPropertyCode
        case .unknownProperty: unknownPropertyCode
        case .valueNotAllowed: valueNotAllowedCode
        case .patternMismatch: patternMismatchCode
        case .formatMismatch: formatMismatchCode
        case .outOfRange: outOfRangeCode
        case .size: sizeCode
        case .noAlternativeMatched: noAlternativeMatchedCode
        case .multipleAlternativesMatched: multipleAlternativesMatchedCode
        case .dependentPropertyMissing: dependentPropertyMissingCode
        case .notSchemaMatched: notSchemaMatchedCode
        case .other: otherCode
        }
    }

    /// Diagnostics (severity error) for violations of a schema.
    /// - Parameters:
    ///   - violations: what ``JSONSchema/validate(_:)`` returned.
    ///   - base: where the validated value sits in the document the diagnostics are about; a
    ///     workflow's `input.schema` applies to a value that is not the document root, for instance.
    /// - Returns: one diagnostic per violation, paths prefixed with `base`, in the same order.
    public static func diagnostics(for violations: [SchemaViolation], at base: JSONPointer = .root) -> [Diagnostic] {
        violations.map { diagnostic(for: $0, at: base) }
    }

    /// The diagnostic for one violation; see ``diagnostics(for:at:)``.
    public static func diagnostic(for violation: SchemaViolation, at base: JSONPointer = .root) -> Diagnostic {
        var notes: [Diagnostic.Note] = []
        // A description explains what a cryptic pattern or an unmet alternative was for; for the
        // other kinds the message already says everything.
        switch violation.category {
        case .patternMismatch, .formatMismatch, .notSchemaMatched, .noAlternativeMatched, .multipleAlternativesMatched:
            if let description = violation.schemaDescription {
                notes.append(Diagnostic.Note("the schema says: \(description)"))
            }
        default:
            break
        }
        return Diagnostic(
            .error, code: code(for: violation.category), message: violation.message,
            path: JSONPointer(tokens: base.tokens + violation.instancePath.tokens), part: sourcePart(of: violation),
            notes: notes)
    }

    /// Where the caret goes. A missing property is a problem of the whole object, and a person
    /// reads an object as the key that owns it (`document:` for a document without `dsl`), not
    /// as its first member, where a block mapping's value starts.
    static func sourcePart(of violation: SchemaViolation) -> SourceMap.Part {
        switch violation.category {
        case .missingProperty, .dependentPropertyMissing: .key
        default: violation.part
        }
    }

    /// A schema that could not be compiled, such as a workflow's `input.schema`.
    /// - Parameters:
    ///   - error: why it could not be compiled.
    ///   - path: where the schema is in the document.
    public static func invalidSchema(_ error: SchemaCompileError, at path: JSONPointer) -> Diagnostic {
        let place = error.schemaPath.isRoot ? "" : " at \(error.schemaPath)"
        return Diagnostic(
            .error, code: invalidSchemaCode, message: "invalid JSON Schema\(place): \(error.message)",
            path: JSONPointer(tokens: path.tokens + error.schemaPath.tokens))
    }

    // MARK: messages

    /// The sentence for a problem.
    /// - Parameters:
    ///   - problem: the facts.
    ///   - isPropertyName: whether the value checked was a property name (`propertyNames`).
    static func message(for problem: SchemaViolation.Problem, isPropertyName: Bool = false) -> String {
        let text = baseMessage(for: problem)
        guard isPropertyName else { return text }
        // Messages that start with the quoted value read naturally with "property name" in front.
        switch problem {
        case .patternMismatch, .formatMismatch, .stringTooShort, .stringTooLong:
            return "property name \(text)"
        case .valueNotAllowed(_, let allowed, _) where allowed.count > 1:
            return "property name \(text)"
        default:
            return "invalid property name: \(text)"
        }
    }

    private static func baseMessage(for problem: SchemaViolation.Problem) -> String {
        switch problem {
        case .typeMismatch(let expected, let found):
            return "expected \(alternatives(expected.map(typePhrase))), found \(foundPhrase(found, expected: expected))"
        case .missingProperty(let name):
            return "missing required property \(JSON.quote(name))"
        case .missingOneOf(let names, let misspelling, let suggestion):
            let hint = misspelling.map { found in
                suggestion.map { "; did you mean \(JSON.quote($0)) instead of \(JSON.quote(found))?" } ?? ""
            }
            return "missing one of the properties \(list(names.map(JSON.string)))\(hint ?? "")"
        case .unknownProperty(let name, let suggestion):
            return "unknown property \(JSON.quote(name))\(didYouMean(suggestion))"
        case .propertyNotAllowed(let name):
            return "property \(JSON.quote(name)) is not allowed here"
        case .valueNotAllowed(let value, let allowed, let suggestion):
            if allowed.count == 1 {
                return "expected \(show(allowed[0])), found \(show(value))"
            }
            return "\(show(value)) is not one of \(list(allowed))\(didYouMean(suggestion))"
        case .patternMismatch(let string, let pattern):
            return "\(show(.string(string))) does not match the pattern \(pattern)"
        case .formatMismatch(let string, let format):
            let name = SchemaFormat(rawValue: format)?.displayName ?? format
            return "\(show(.string(string))) is not a valid \(name)"
        case .numberTooSmall(let value, let limit, let exclusive):
            let bound = exclusive ? "greater than \(number(limit))" : "of at least \(number(limit))"
            return "expected a number \(bound), found \(number(value))"
        case .numberTooLarge(let value, let limit, let exclusive):
            let bound = exclusive ? "less than \(number(limit))" : "of at most \(number(limit))"
            return "expected a number \(bound), found \(number(value))"
        case .notMultiple(let value, let divisor):
            return "expected a multiple of \(number(divisor)), found \(number(value))"
        case .stringTooShort(let string, let length, let minimum):
            let expected = "at least \(count(minimum, "character"))"
            return "\(show(.string(string))) is too short: expected \(expected), found \(length)"
        case .stringTooLong(let string, let length, let maximum):
            return
                "\(show(.string(string))) is too long: expected at most \(count(maximum, "character")), found \(length)"
        case .tooFewItems(let count, let minimum):
            return "expected at least \(self.count(minimum, "item")), found \(count)"
        case .tooManyItems(let count, let maximum):
            return "expected at most \(self.count(maximum, "item")), found \(count)"
        case .tooFewProperties(let count, let minimum):
            return "expected at least \(self.count(minimum, "property", plural: "properties")), found \(count)"
        case .tooManyProperties(let count, let maximum):
            return "expected at most \(self.count(maximum, "property", plural: "properties")), found \(count)"
        case .tooFewContained(let count, let minimum):
            return "expected at least \(self.count(minimum, "item")) matching the \"contains\" schema, found \(count)"
        case .tooManyContained(let count, let maximum):
            return "expected at most \(self.count(maximum, "item")) matching the \"contains\" schema, found \(count)"
        case .duplicateItems(let first, let second):
            return "items \(first) and \(second) are equal; the items must be unique"
        case .dependentPropertyMissing(let missing, let trigger):
            return "missing property \(JSON.quote(missing)), which is required when \(JSON.quote(trigger)) is present"
        case .noAlternativeMatched(let found, let count, let types, let values):
            if types.isEmpty && values.isEmpty {
                return "the value matches none of the \(count) alternatives"
            }
            return "expected \(alternatives(types.map(typePhrase) + values.map(show))), found \(show(found))"
        case .multipleAlternativesMatched(let matched):
            let properties = matched.compactMap(\.requiredProperty)
            if properties.count == matched.count {
                return "only one of \(conjunction(properties.map(JSON.quote))) may be present"
            }
            let names: String
            if matched.allSatisfy({ $0.title != nil }) {
                names = conjunction(matched.map { JSON.quote($0.title ?? "") })
            } else {
                names = "alternatives " + conjunction(matched.map { String($0.index + 1) })
            }
            return "the value matches more than one alternative (\(names)); it must match exactly one"
        case .notSchemaMatched:
            return "the value is not allowed here: it matches the schema under \"not\""
        case .falseSchema:
            return "no value is allowed here"
        case .nestingTooDeep(let limit):
            return "the value nests more than \(limit) levels deep; it was not validated further"
        }
    }

    /// `a string`, `an object`, `null`: a JSON Schema type name as a noun phrase.
    static func typePhrase(_ type: String) -> String {
        switch type {
        case "null": "null"
        case "integer", "object", "array": "an \(type)"
        default: "a \(type)"
        }
    }

    /// What was found, for a type mismatch: the type, or the number itself when an integer was
    /// expected and a fraction found ("expected an integer, found 1.5" explains itself).
    private static func foundPhrase(_ found: JSON, expected: [String]) -> String {
        if case .number(let value) = found, expected.contains("integer") { return number(value) }
        return typePhrase(found.typeName)
    }

    /// `a`, `a or b`, `a, b or c`.
    private static func alternatives(_ phrases: [String]) -> String {
        guard phrases.count > 1 else { return phrases.first ?? "" }
        return phrases.dropLast().joined(separator: ", ") + " or " + (phrases.last ?? "")
    }

    /// `1 and 2`, `1, 2 and 3`.
    private static func conjunction(_ phrases: [String]) -> String {
        guard phrases.count > 1 else { return phrases.first ?? "" }
        return phrases.dropLast().joined(separator: ", ") + " and " + (phrases.last ?? "")
    }

    /// The allowed values of an `enum`, at most twelve of them.
    private static func list(_ values: [JSON]) -> String {
        let limit = 12
        let shown = values.prefix(values.count > limit ? limit - 2 : limit).map(show).joined(separator: ", ")
        return values.count > limit ? "\(shown), … (\(values.count - limit + 2) more)" : shown
    }

    private static func didYouMean(_ suggestion: String?) -> String {
        suggestion.map { "; did you mean \(JSON.quote($0))?" } ?? ""
    }

    private static func count(_ value: Int, _ noun: String, plural: String? = nil) -> String {
        "\(value) \(value == 1 ? noun : plural ?? noun + "s")"
    }

    private static func number(_ value: Double) -> String {
        JSON.format(number: value)
    }

    /// A value as JSON text, shortened to stay readable in one line.
    static func show(_ value: JSON) -> String {
        let limit = 60
        let text = value.serialized()
        guard text.unicodeScalars.count > limit else { return text }
        var shortened = String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit - 1)))
        shortened += "…"
        if case .string = value { shortened += "\"" }
        return shortened
    }
}
