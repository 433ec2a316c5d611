import SwirlCore

/// `anyOf` and `oneOf`, and how a failure among alternatives is explained.
///
/// "Matches none of 14 alternatives" helps nobody. When no branch matches, every branch is run
/// again collecting its violations, and the branch the author evidently meant is reported as if
/// it were the only one. A branch is meant when the instance gets past its top-level checks (the
/// right type, the discriminating `const`/`enum` values, the property names it knows) and fails
/// only deeper down; failing that, the branch with the deepest, then the fewest, violations wins,
/// then the first. Two shapes are summarised in one message instead: every branch rejecting the
/// value outright by its type or value (`expected an object or a string, found a number`), and
/// every branch missing one required property (`missing one of the properties "code", "source"`,
/// the usual way to write "exactly one of these keys").
extension SchemaValidator {
    mutating func validateAnyOf(
        _ node: SchemaNode, _ instance: JSON, _ evaluated: inout SchemaEvaluated, track: Bool
    ) -> Bool {
        var matched = false
        for branch in node.keywords.anyOf {
            var branchEvaluated = SchemaEvaluated()
            if check(branch, instance, &branchEvaluated, track: track) {
                // Every matching branch contributes annotations, so only without tracking can the
                // first match end the search.
                guard track else { return true }
                matched = true
                evaluated.formUnion(branchEvaluated)
            }
        }
        if matched { return true }
        if collecting { explainNoMatch(node, branches: node.keywords.anyOf, keyword: "anyOf", instance, &evaluated) }
        return false
    }

    mutating func validateOneOf(
        _ node: SchemaNode, _ instance: JSON, _ evaluated: inout SchemaEvaluated, track: Bool
    ) -> Bool {
        var firstMatch: Int?
        var matchEvaluated = SchemaEvaluated()
        for (offset, branch) in node.keywords.oneOf.enumerated() {
            var branchEvaluated = SchemaEvaluated()
            guard check(branch, instance, &branchEvaluated, track: track) else { continue }
            if firstMatch != nil {
                if collecting { reportSeveralMatches(node, instance) }
                return false
            }
            firstMatch = offset
            matchEvaluated = branchEvaluated
        }
        if firstMatch != nil {
            if track { evaluated.formUnion(matchEvaluated) }
            return true
        }
        if collecting { explainNoMatch(node, branches: node.keywords.oneOf, keyword: "oneOf", instance, &evaluated) }
        return false
    }

    private mutating func reportSeveralMatches(_ node: SchemaNode, _ instance: JSON) {
        var matched: [SchemaViolation.Alternative] = []
        for (offset, branch) in node.keywords.oneOf.enumerated() {
            var ignored = SchemaEvaluated()
            if check(branch, instance, &ignored, track: false) {
                matched.append(
                    SchemaViolation.Alternative(
                        index: offset, title: title(of: branch),
                        requiredProperty: nodes[branch].keywords.soleRequiredProperty))
            }
        }
        report(.multipleAlternativesMatched(matched), keyword: "oneOf", node: node)
    }

    /// A branch's title, looking through a bare `$ref` (`{"$ref": "#/$defs/httpCall"}`) to the
    /// title of what it refers to.
    private func title(of branch: Int) -> String? {
        let keywords = nodes[branch].keywords
        if let title = keywords.title { return title }
        if let ref = keywords.ref { return nodes[ref].keywords.title }
        return nil
    }

    // MARK: no branch matched

    /// What one branch said about the instance.
    private struct Outcome {
        var offset: Int
        var violations: [SchemaViolation]
        var evaluated: SchemaEvaluated
    }

    /// Runs every branch collecting, then reports either a summary of top-level rejections or the
    /// violations of the branch that was meant.
    private mutating func explainNoMatch(
        _ node: SchemaNode, branches: [Int], keyword: String, _ instance: JSON, _ evaluated: inout SchemaEvaluated
    ) {
        let start = violations.count
        var outcomes: [Outcome] = []
        for (offset, branch) in branches.enumerated() {
            var branchEvaluated = SchemaEvaluated()
            _ = validate(branch, instance, &branchEvaluated, track: true)
            let found = SchemaViolationFilter.simplified(Array(violations[start...]))
            violations.removeSubrange(start...)
            outcomes.append(Outcome(offset: offset, violations: found, evaluated: branchEvaluated))
        }
        if let (names, misspelling, suggestion) = missingOneOf(outcomes, instance: instance) {
            report(
                .missingOneOf(names, misspelling: misspelling, suggestion: suggestion), keyword: keyword, node: node,
                member: misspelling, part: misspelling == nil ? .value : .key)
            return
        }
        if let summary = summary(of: outcomes, instance: instance) {
            report(summary, keyword: keyword, node: node)
            return
        }
        let chosen = outcomes.min { score($0) < score($1) }
        guard let chosen, !chosen.violations.isEmpty else {
            report(
                .noAlternativeMatched(found: instance, alternatives: branches.count, types: [], values: []),
                keyword: keyword, node: node)
            return
        }
        violations += chosen.violations
        // The chosen branch's properties count as evaluated, so an `unevaluatedProperties: false`
        // beside this keyword does not call them unknown as well.
        evaluated.formUnion(chosen.evaluated)
    }

    /// When every branch fails only for want of one property (`oneOf: [{required: [a]},
    /// {required: [b]}]`, the usual "exactly one of these keys"), the names, and a property of
    /// the object that looks like a misspelling of one of them; otherwise `nil`.
    private func missingOneOf(_ outcomes: [Outcome], instance: JSON) -> ([String], String?, String?)? {
        guard case .object(let members) = instance else { return nil }
        var names: [String] = []
        for outcome in outcomes {
            guard outcome.violations.count == 1, let violation = outcome.violations.first,
                case .missingProperty(let name) = violation.problem, relativeDepth(of: violation) == 0
            else { return nil }
            if !names.contains(name) { names.append(name) }
        }
        for key in members.keys {
            if let suggestion = Suggestion.closest(to: key, among: names) { return (names, key, suggestion) }
        }
        return (names, nil, nil)
    }

    /// When every branch rejects the instance at its top level by type or by value alone, one
    /// message listing what the branches accept; otherwise `nil`.
    private func summary(of outcomes: [Outcome], instance: JSON) -> SchemaViolation.Problem? {
        var types: [String] = []
        var values: [JSON] = []
        for outcome in outcomes {
            guard !outcome.violations.isEmpty else { return nil }
            for violation in outcome.violations {
                guard relativeDepth(of: violation) == 0, violation.part == .value else { return nil }
                switch violation.problem {
                case .typeMismatch(let expected, _):
                    for type in expected where !types.contains(type) { types.append(type) }
                case .valueNotAllowed(_, let allowed, _):
                    for value in allowed where !values.contains(value) { values.append(value) }
                case .noAlternativeMatched(_, _, let nestedTypes, let nestedValues)
                where !nestedTypes.isEmpty || !nestedValues.isEmpty:
                    for type in nestedTypes where !types.contains(type) { types.append(type) }
                    for value in nestedValues where !values.contains(value) { values.append(value) }
                case .falseSchema:
                    break
                default:
                    return nil
                }
            }
        }
        if values.isEmpty && !types.isEmpty {
            return .typeMismatch(expected: types, found: instance)
        }
        if types.isEmpty && !values.isEmpty {
            var suggestion: String?
            if case .string(let string) = instance {
                suggestion = Suggestion.closest(to: string, among: values.lazy.compactMap(\.stringValue))
            }
            return .valueNotAllowed(instance, allowed: values, suggestion: suggestion)
        }
        return .noAlternativeMatched(found: instance, alternatives: outcomes.count, types: types, values: values)
    }

    /// How badly a branch misses, smaller being closer to what the author meant: rejected by type
    /// at the top; then discriminators that failed (`const`/`enum` of the value or of a direct
    /// member, `not` there); then problems at the top (missing or unknown properties); then the
    /// deepest violation (deeper is better, as in python-jsonschema's `best_match`); then fewer
    /// violations; then the earlier branch.
    private func score(_ outcome: Outcome) -> (Int, Int, Int, Int, Int, Int) {
        var rejectedByType = 0
        var discriminators = 0
        var shallow = 0
        var deepest = 0
        for violation in outcome.violations {
            let depth = relativeDepth(of: violation)
            deepest = max(deepest, depth)
            switch violation.problem {
            case .typeMismatch, .falseSchema, .noAlternativeMatched:
                if depth == 0 { rejectedByType = 1 }
            case .valueNotAllowed(_, let allowed, _):
                if depth == 0 || (depth == 1 && allowed.count == 1) { discriminators += 1 }
            case .notSchemaMatched:
                if depth <= 1 { discriminators += 1 }
            default:
                break
            }
            if depth == 0 || (depth == 1 && violation.part == .key) { shallow += 1 }
        }
        return (rejectedByType, discriminators, shallow, -deepest, outcome.violations.count, outcome.offset)
    }

    /// How many levels below the value being validated a violation is.
    private func relativeDepth(of violation: SchemaViolation) -> Int {
        violation.instancePath.tokens.count - path.count
    }
}
