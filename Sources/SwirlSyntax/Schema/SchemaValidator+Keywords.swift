import SwirlCore

/// The keywords that apply to one type of instance: objects, arrays, strings, numbers, and the
/// `unevaluated*` keywords that run last.
extension SchemaValidator {
    // MARK: objects

    mutating func validateObject(
        _ node: SchemaNode, _ members: OrderedDictionary<String, JSON>, _ evaluated: inout SchemaEvaluated,
        track: Bool
    ) -> Bool {
        var valid = true
        for name in node.keywords.required where members[name] == nil {
            guard collecting else { return false }
            report(.missingProperty(name), keyword: "required", node: node)
            valid = false
        }
        if let minimum = node.keywords.minProperties, members.count < minimum {
            guard collecting else { return false }
            report(.tooFewProperties(count: members.count, minimum: minimum), keyword: "minProperties", node: node)
            valid = false
        }
        if let maximum = node.keywords.maxProperties, members.count > maximum {
            guard collecting else { return false }
            report(.tooManyProperties(count: members.count, maximum: maximum), keyword: "maxProperties", node: node)
            valid = false
        }
        for dependency in node.keywords.dependentRequired where members[dependency.property] != nil {
            for name in dependency.required where members[name] == nil {
                guard collecting else { return false }
                report(
                    .dependentPropertyMissing(name, requiredBy: dependency.property), keyword: "dependentRequired",
                    node: node)
                valid = false
            }
        }
        guard node.keywords.hasMemberKeywords else { return valid }

        let properties = node.keywords.properties
        let patternProperties = node.keywords.patternProperties
        let additional = node.keywords.additionalProperties
        let propertyNames = node.keywords.propertyNames
        var position = 0
        for (key, value) in members {
            defer { position += 1 }
            var matched = false
            if let schema = properties[key] {
                matched = true
                if !validateMember(schema, key: key, value: value, node: node, keyword: "properties", in: members) {
                    if !collecting { return false }
                    valid = false
                }
            }
            for entry in patternProperties where entry.pattern.matches(key) {
                matched = true
                if !validateMember(
                    entry.schema, key: key, value: value, node: node, keyword: "patternProperties", in: members)
                {
                    if !collecting { return false }
                    valid = false
                }
            }
            if !matched, let additional {
                matched = true
                if !validateMember(
                    additional, key: key, value: value, node: node, keyword: "additionalProperties", in: members)
                {
                    if !collecting { return false }
                    valid = false
                }
            }
            if matched && track { evaluated.properties.insert(position) }
            if let propertyNames, !validatePropertyName(propertyNames, key) {
                if !collecting { return false }
                valid = false
            }
        }
        return valid
    }

    /// One member against the schema `properties`, `patternProperties` or `additionalProperties`
    /// gave it. A `false` schema there means the property itself is not allowed, so that is
    /// reported once, at the member's name, instead of as a problem with its value.
    private mutating func validateMember(
        _ schema: Int, key: String, value: JSON, node: SchemaNode, keyword: String,
        in members: OrderedDictionary<String, JSON>
    ) -> Bool {
        if nodes[schema].boolean == false {
            if collecting {
                if keyword == "additionalProperties" {
                    // Only this schema's own names are candidates: additionalProperties does not
                    // see the properties of other subschemas.
                    reportUnknownProperty(
                        key, keyword: keyword, node: node,
                        candidates: knownPropertyNames(of: node.index, inPlace: false),
                        members: members)
                } else {
                    report(.propertyNotAllowed(key), keyword: keyword, node: node, member: key, part: .key)
                }
            }
            return false
        }
        return validateChild(schema, value, token: .key(key))
    }

    /// `propertyNames`: the name itself, as a string, against the schema. Violations are about
    /// the member's name, so they point at the key.
    private mutating func validatePropertyName(_ schema: Int, _ key: String) -> Bool {
        var ignored = SchemaEvaluated()
        guard collecting else { return validate(schema, .string(key), &ignored, track: false) }
        let first = violations.count
        path.append(.key(key))
        let valid = validate(schema, .string(key), &ignored, track: false)
        path.removeLast()
        for index in violations.indices[first...] {
            violations[index].part = .key
            violations[index].isPropertyName = true
        }
        return valid
    }

    /// Reports `key` as unknown, suggesting the closest of `candidates` that `members` (the
    /// object) does not already have: suggesting a name that is there would only confuse.
    private mutating func reportUnknownProperty(
        _ key: String, keyword: String, node: SchemaNode, candidates: [String],
        members: OrderedDictionary<String, JSON>
    ) {
        let suggestion = Suggestion.closest(to: key, among: candidates.lazy.filter { members[$0] == nil })
        report(.unknownProperty(key, suggestion: suggestion), keyword: keyword, node: node, member: key, part: .key)
    }

    // MARK: arrays

    mutating func validateArray(
        _ node: SchemaNode, _ elements: [JSON], _ evaluated: inout SchemaEvaluated, track: Bool
    ) -> Bool {
        var valid = true
        let count = elements.count
        if let minimum = node.keywords.minItems, count < minimum {
            guard collecting else { return false }
            report(.tooFewItems(count: count, minimum: minimum), keyword: "minItems", node: node)
            valid = false
        }
        if let maximum = node.keywords.maxItems, count > maximum {
            guard collecting else { return false }
            report(.tooManyItems(count: count, maximum: maximum), keyword: "maxItems", node: node)
            valid = false
        }
        let prefix = node.keywords.prefixItems
        for (offset, schema) in prefix.enumerated() where offset < count {
            if !validateChild(schema, elements[offset], token: .index(offset)) {
                if !collecting { return false }
                valid = false
            }
            if track { evaluated.items.insert(offset) }
        }
        if let items = node.keywords.items, count > prefix.count {
            if nodes[items].boolean == false {
                // `items: false` after a tuple caps the length: say so once, not once per extra element.
                guard collecting else { return false }
                report(.tooManyItems(count: count, maximum: prefix.count), keyword: "items", node: node)
                valid = false
            } else {
                for offset in prefix.count..<count where !validateChild(items, elements[offset], token: .index(offset))
                {
                    if !collecting { return false }
                    valid = false
                }
            }
            if track { evaluated.allItems = true }
        }
        if let contains = node.keywords.contains {
            var matches = 0
            for (offset, element) in elements.enumerated() {
                var ignored = SchemaEvaluated()
                if check(contains, element, &ignored, track: false) {
                    matches += 1
                    if track { evaluated.items.insert(offset) }
                }
            }
            let minimum = node.keywords.minContains ?? 1
            if matches < minimum {
                guard collecting else { return false }
                report(
                    .tooFewContained(count: matches, minimum: minimum), keyword: "contains", node: node,
                    explanation: nodes[contains].explanation)
                valid = false
            }
            if let maximum = node.keywords.maxContains, matches > maximum {
                guard collecting else { return false }
                report(.tooManyContained(count: matches, maximum: maximum), keyword: "maxContains", node: node)
                valid = false
            }
        }
        if node.keywords.uniqueItems, let (first, second) = Self.firstDuplicate(in: elements) {
            guard collecting else { return false }
            report(.duplicateItems(first: first, second: second), keyword: "uniqueItems", node: node)
            valid = false
        }
        return valid
    }

    /// The first pair of equal elements (by JSON equality: `1` equals `1.0`, member order ignored).
    private static func firstDuplicate(in elements: [JSON]) -> (Int, Int)? {
        if elements.count <= 16 {
            for second in elements.indices {
                for first in 0..<second where elements[first] == elements[second] { return (first, second) }
            }
            return nil
        }
        var seen: [JSON: Int] = [:]
        for (offset, element) in elements.enumerated() {
            if let first = seen.updateValue(offset, forKey: element) { return (first, offset) }
        }
        return nil
    }

    // MARK: strings and numbers

    mutating func validateString(_ node: SchemaNode, _ string: String) -> Bool {
        var valid = true
        if node.keywords.minLength != nil || node.keywords.maxLength != nil {
            // JSON Schema counts characters as code points: an emoji with a modifier is two.
            let length = string.unicodeScalars.count
            if let minimum = node.keywords.minLength, length < minimum {
                guard collecting else { return false }
                report(.stringTooShort(string, length: length, minimum: minimum), keyword: "minLength", node: node)
                valid = false
            }
            if let maximum = node.keywords.maxLength, length > maximum {
                guard collecting else { return false }
                report(.stringTooLong(string, length: length, maximum: maximum), keyword: "maxLength", node: node)
                valid = false
            }
        }
        if let pattern = node.keywords.pattern, !pattern.matches(string) {
            guard collecting else { return false }
            report(.patternMismatch(string, pattern: pattern.source), keyword: "pattern", node: node)
            valid = false
        }
        if let format = node.keywords.format, !format.matches(string) {
            guard collecting else { return false }
            report(.formatMismatch(string, format: format.rawValue), keyword: "format", node: node)
            valid = false
        }
        return valid
    }

    mutating func validateNumber(_ node: SchemaNode, _ number: Double) -> Bool {
        var valid = true
        if let minimum = node.keywords.minimum, number < minimum {
            guard collecting else { return false }
            report(.numberTooSmall(number, limit: minimum, exclusive: false), keyword: "minimum", node: node)
            valid = false
        }
        if let minimum = node.keywords.exclusiveMinimum, number <= minimum {
            guard collecting else { return false }
            report(.numberTooSmall(number, limit: minimum, exclusive: true), keyword: "exclusiveMinimum", node: node)
            valid = false
        }
        if let maximum = node.keywords.maximum, number > maximum {
            guard collecting else { return false }
            report(.numberTooLarge(number, limit: maximum, exclusive: false), keyword: "maximum", node: node)
            valid = false
        }
        if let maximum = node.keywords.exclusiveMaximum, number >= maximum {
            guard collecting else { return false }
            report(.numberTooLarge(number, limit: maximum, exclusive: true), keyword: "exclusiveMaximum", node: node)
            valid = false
        }
        if let divisor = node.keywords.multipleOf, !Self.isMultiple(number, of: divisor) {
            guard collecting else { return false }
            report(.notMultiple(number, of: divisor), keyword: "multipleOf", node: node)
            valid = false
        }
        return valid
    }

    /// Whether `number` is an integer multiple of `divisor`, allowing for binary rounding
    /// (`0.3` is a multiple of `0.1` although `0.3 / 0.1` is `2.9999999999999996`).
    static func isMultiple(_ number: Double, of divisor: Double) -> Bool {
        let quotient = number / divisor
        guard quotient.isFinite else { return false }
        let nearest = quotient.rounded()
        return abs(quotient - nearest) <= 1e-9 * max(1, abs(quotient))
    }

    // MARK: unevaluated

    /// `unevaluatedProperties` and `unevaluatedItems`, after every other keyword of the schema
    /// has recorded what it evaluated.
    mutating func validateUnevaluated(
        _ node: SchemaNode, _ instance: JSON, _ evaluated: inout SchemaEvaluated
    )
        -> Bool
    {
        var valid = true
        switch instance {
        case .object(let members):
            guard let schema = node.keywords.unevaluatedProperties else { return true }
            let isFalse = nodes[schema].boolean == false
            var candidates: [String]?
            var position = 0
            for (key, value) in members {
                defer { position += 1 }
                guard !evaluated.properties.contains(position) else { continue }
                if isFalse {
                    guard collecting else { return false }
                    if candidates == nil {
                        candidates = knownPropertyNames(of: node.index, inPlace: true)
                    }
                    reportUnknownProperty(
                        key, keyword: "unevaluatedProperties", node: node, candidates: candidates ?? [],
                        members: members)
                    valid = false
                } else if !validateChild(schema, value, token: .key(key)) {
                    if !collecting { return false }
                    valid = false
                }
                evaluated.properties.insert(position)
            }
        case .array(let elements):
            guard let schema = node.keywords.unevaluatedItems, !evaluated.allItems else { return true }
            let unevaluated = elements.indices.filter { !evaluated.items.contains($0) }
            guard let firstUnevaluated = unevaluated.first else { return true }
            if nodes[schema].boolean == false {
                guard collecting else { return false }
                if unevaluated.count == elements.count - firstUnevaluated {
                    // Only a tail is left over: the array is simply too long.
                    report(
                        .tooManyItems(count: elements.count, maximum: firstUnevaluated), keyword: "unevaluatedItems",
                        node: node)
                } else {
                    for offset in unevaluated {
                        path.append(.index(offset))
                        report(.falseSchema, keyword: "unevaluatedItems", node: node)
                        path.removeLast()
                    }
                }
                valid = false
            } else {
                for offset in unevaluated where !validateChild(schema, elements[offset], token: .index(offset)) {
                    if !collecting { return false }
                    valid = false
                }
            }
            evaluated.allItems = true
        default:
            break
        }
        return valid
    }
}
