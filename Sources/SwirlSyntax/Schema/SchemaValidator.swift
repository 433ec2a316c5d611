import SwirlCore

/// One validation of one instance against a compiled schema's node table.
///
/// It runs in one of two modes. *Checking* (``collecting`` false) answers valid or not and
/// returns at the first failure; it builds no paths and no messages, so a valid document costs
/// only the checks themselves. *Collecting* runs only after a check failed: it records every
/// violation with its instance path (kept as a stack of tokens, turned into a pointer only when a
/// violation is recorded). Parts of collecting that only decide something (which `anyOf` branch
/// matches, whether `if` holds) switch back to checking.
///
/// Annotations for `unevaluatedProperties`/`unevaluatedItems` travel in a ``SchemaEvaluated``
/// passed `inout`; only schemas that have (or sit inside one that has) `unevaluated*` record them.
struct SchemaValidator {
    /// A step of the instance path.
    enum PathToken {
        case key(String)
        case index(Int)

        var text: String {
            switch self {
            case .key(let key): key
            case .index(let index): String(index)
            }
        }
    }

    /// How deep instances are followed. Recursion costs a few stack frames per level; the loader
    /// already refuses documents nested deeper than 200 levels.
    static let maxDepth = 300

    let nodes: [SchemaNode]
    private(set) var collecting: Bool
    var path: [PathToken] = []
    var violations: [SchemaViolation] = []
    private var depth = 0

    init(nodes: [SchemaNode], collecting: Bool) {
        self.nodes = nodes
        self.collecting = collecting
        if collecting { path.reserveCapacity(32) }
    }

    // MARK: schemas

    /// Validates `instance` against the schema at `index`.
    /// - Parameters:
    ///   - evaluated: receives the members and elements this schema evaluated, when `track` is set.
    ///   - track: whether the caller needs those annotations (it or an ancestor at the same
    ///     instance has `unevaluated*`).
    /// - Returns: whether the instance is valid.
    mutating func validate(_ index: Int, _ instance: JSON, _ evaluated: inout SchemaEvaluated, track: Bool) -> Bool {
        let node = nodes[index]
        if let boolean = node.boolean {
            if !boolean && collecting { report(.falseSchema, keyword: "false", node: node) }
            return boolean
        }
        // A schema with unevaluated* sees only what its own subschemas evaluated, never what its
        // parent's siblings did, so it starts a fresh record and passes it up afterwards.
        if node.keywords.needsEvaluated {
            var own = SchemaEvaluated()
            let valid = validateKeywords(node, instance, &own, track: true)
            if track { evaluated.formUnion(own) }
            return valid
        }
        return validateKeywords(node, instance, &evaluated, track: track)
    }

    /// Validates in checking mode whatever the current mode, for decisions (`if`, `not`,
    /// `contains`, the branches of `anyOf`/`oneOf`) whose failures are not themselves errors.
    mutating func check(_ index: Int, _ instance: JSON, _ evaluated: inout SchemaEvaluated, track: Bool) -> Bool {
        guard collecting else { return validate(index, instance, &evaluated, track: track) }
        collecting = false
        defer { collecting = true }
        return validate(index, instance, &evaluated, track: track)
    }

    private mutating func validateKeywords(
        _ node: SchemaNode, _ instance: JSON, _ evaluated: inout SchemaEvaluated, track: Bool
    ) -> Bool {
        // A value of the wrong type, or not one of the allowed values, fails for one reason;
        // reporting its missing properties or its length as well would only bury that reason.
        if !node.keywords.types.isEmpty && !node.keywords.types.matches(instance) {
            if collecting {
                report(.typeMismatch(expected: node.keywords.typeNames, found: instance), keyword: "type", node: node)
            }
            return false
        }
        if let allowed = node.keywords.allowedValues, !allowed.contains(instance) {
            if collecting { reportValueNotAllowed(instance, allowed: allowed, node: node) }
            return false
        }

        var valid = true
        switch instance {
        case .object(let members):
            if node.keywords.hasObjectKeywords {
                valid = validateObject(node, members, &evaluated, track: track)
            }
        case .array(let elements):
            if node.keywords.hasArrayKeywords {
                valid = validateArray(node, elements, &evaluated, track: track)
            }
        case .string(let string):
            if node.keywords.hasStringKeywords { valid = validateString(node, string) }
        case .number(let number):
            if node.keywords.hasNumberKeywords { valid = validateNumber(node, number) }
        case .null, .bool:
            break
        }
        if !valid && !collecting { return false }

        if node.keywords.hasInPlaceKeywords {
            if !validateInPlace(node, instance, &evaluated, track: track) {
                if !collecting { return false }
                valid = false
            }
        }

        if node.keywords.needsEvaluated {
            if !validateUnevaluated(node, instance, &evaluated) {
                valid = false
            }
        }
        return valid
    }

    /// `$ref`, `allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`, `dependentSchemas`: the
    /// keywords that apply subschemas to this same instance.
    ///
    /// Subschemas that must hold for this schema to hold (`$ref`, `allOf`, the chosen of
    /// `then`/`else`, `dependentSchemas`) write their annotations straight into `evaluated`. When
    /// one fails, this schema fails and its annotations are dropped by the caller, exactly as the
    /// specification wants; while collecting, keeping them means `unevaluatedProperties` does not
    /// also call every property of a broken branch unknown.
    private mutating func validateInPlace(
        _ node: SchemaNode, _ instance: JSON, _ evaluated: inout SchemaEvaluated, track: Bool
    ) -> Bool {
        var valid = true
        if let ref = node.keywords.ref {
            if !validate(ref, instance, &evaluated, track: track) {
                if !collecting { return false }
                valid = false
            }
        }
        for subschema in node.keywords.allOf {
            if !validate(subschema, instance, &evaluated, track: track) {
                if !collecting { return false }
                valid = false
            }
        }
        if !node.keywords.anyOf.isEmpty {
            if !validateAnyOf(node, instance, &evaluated, track: track) {
                if !collecting { return false }
                valid = false
            }
        }
        if !node.keywords.oneOf.isEmpty {
            if !validateOneOf(node, instance, &evaluated, track: track) {
                if !collecting { return false }
                valid = false
            }
        }
        if let not = node.keywords.not {
            // `not` never contributes annotations: it passes only when its subschema fails.
            var ignored = SchemaEvaluated()
            if check(not, instance, &ignored, track: false) {
                if !collecting { return false }
                report(.notSchemaMatched, keyword: "not", node: node, explanation: nodes[not].explanation)
                valid = false
            }
        }
        if let condition = node.keywords.ifSchema {
            var conditionEvaluated = SchemaEvaluated()
            if check(condition, instance, &conditionEvaluated, track: track) {
                if track { evaluated.formUnion(conditionEvaluated) }
                if let then = node.keywords.thenSchema, !validate(then, instance, &evaluated, track: track) {
                    if !collecting { return false }
                    valid = false
                }
            } else if let otherwise = node.keywords.elseSchema, !validate(otherwise, instance, &evaluated, track: track)
            {
                if !collecting { return false }
                valid = false
            }
        }
        if !node.keywords.dependentSchemas.isEmpty, case .object(let members) = instance {
            for dependent in node.keywords.dependentSchemas where members[dependent.property] != nil {
                if !validate(dependent.schema, instance, &evaluated, track: track) {
                    if !collecting { return false }
                    valid = false
                }
            }
        }
        return valid
    }

    // MARK: descending into members and elements

    /// Validates a member's value against `schema`, with the path extended while collecting.
    mutating func validateChild(_ schema: Int, _ value: JSON, token: @autoclosure () -> PathToken) -> Bool {
        if depth >= Self.maxDepth {
            if collecting {
                path.append(token())
                report(.nestingTooDeep(limit: Self.maxDepth), keyword: "", node: nodes[schema])
                path.removeLast()
            }
            return false
        }
        depth += 1
        defer { depth -= 1 }
        // Annotations belong to one instance location; a child value starts its own.
        var childEvaluated = SchemaEvaluated()
        guard collecting else { return validate(schema, value, &childEvaluated, track: false) }
        path.append(token())
        defer { path.removeLast() }
        return validate(schema, value, &childEvaluated, track: false)
    }

    // MARK: reporting (collecting mode only)

    /// The current instance path, plus `extra` when given.
    func currentPointer(appending extra: PathToken? = nil) -> JSONPointer {
        var tokens = path.map(\.text)
        if let extra { tokens.append(extra.text) }
        return JSONPointer(tokens: tokens)
    }

    /// Records a violation of `keyword` of `node` at the current instance path (plus `member`,
    /// for problems about one member's name).
    mutating func report(
        _ problem: SchemaViolation.Problem, keyword: String, node: SchemaNode, member: String? = nil,
        part: SourceMap.Part = .value, explanation: String? = nil
    ) {
        violations.append(
            SchemaViolation(
                instancePath: currentPointer(appending: member.map(PathToken.key)), part: part, keyword: keyword,
                schemaPath: keyword.isEmpty || keyword == "false" ? node.location : node.location.appending(keyword),
                problem: problem, schemaDescription: explanation ?? node.explanation))
    }

    private mutating func reportValueNotAllowed(_ instance: JSON, allowed: [JSON], node: SchemaNode) {
        var suggestion: String?
        if case .string(let string) = instance, allowed.count > 1 {
            suggestion = Suggestion.closest(to: string, among: allowed.lazy.compactMap(\.stringValue))
        }
        report(
            .valueNotAllowed(instance, allowed: allowed, suggestion: suggestion),
            keyword: node.keywords.isConst ? "const" : "enum", node: node)
    }

    /// The property names the schema at `index` knows at this place: its `properties` and, when
    /// `inPlace` is set, those of every subschema applied to the same instance (`allOf`, `$ref`,
    /// `if`/`then`/`else`, the branches of `anyOf`/`oneOf`, …). Used only for suggestions.
    func knownPropertyNames(of index: Int, inPlace: Bool) -> [String] {
        var names: [String] = []
        var seenNames: Set<String> = []
        var visited: Set<Int> = []
        var pending = [index]
        while let next = pending.popLast() {
            guard visited.insert(next).inserted else { continue }
            let keywords = nodes[next].keywords
            for name in keywords.propertyOrder where seenNames.insert(name).inserted { names.append(name) }
            if inPlace { pending.append(contentsOf: keywords.inPlaceSubschemas.reversed()) }
        }
        return names
    }
}
