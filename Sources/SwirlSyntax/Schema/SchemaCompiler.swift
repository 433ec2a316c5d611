import Foundation
import SwirlCore

/// Turns a schema document into the node table a ``JSONSchema`` validates with.
///
/// Two passes. The first walks every subschema to learn the base URI at each place and the
/// resources (`$id`) and anchors (`$anchor`) the document defines. The second compiles schemas
/// on demand, memoised by their JSON Pointer in the document, so a `$ref` is resolved exactly
/// once and recursive schemas become cycles in the table instead of infinite trees.
struct SchemaCompiler {
    private let document: JSON
    private(set) var nodes: [SchemaNode?] = []
    private var indexByLocation: [JSONPointer: Int] = [:]
    /// Absolute URI (no fragment) of each schema resource → where it is in the document.
    private var resources: [String: JSONPointer] = [:]
    /// `resource#anchor` → where the anchored schema is.
    private var anchors: [String: JSONPointer] = [:]
    /// The base URI in effect at each subschema found by the first pass.
    private var baseByLocation: [JSONPointer: SchemaURI] = [:]
    /// Patterns by source text, so a pattern written many times compiles once.
    private var patterns: [String: SchemaPattern] = [:]

    /// Keywords whose value is one subschema.
    private static let singleSubschemaKeywords: Set<String> = [
        "additionalProperties", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "items", "contains",
        "not", "if", "then", "else",
    ]
    /// Keywords whose value is an array of subschemas.
    private static let arraySubschemaKeywords: Set<String> = ["allOf", "anyOf", "oneOf", "prefixItems"]
    /// Keywords whose value is an object of subschemas.
    private static let mapSubschemaKeywords: Set<String> = [
        "properties", "patternProperties", "dependentSchemas", "$defs", "definitions",
    ]

    init(document: JSON) {
        self.document = document
    }

    /// Compiles the whole document.
    /// - Returns: the node table and the root's index in it.
    /// - Throws: ``SchemaCompileError`` at the first problem.
    mutating func compile() throws(SchemaCompileError) -> (nodes: [SchemaNode], root: Int) {
        resources[SchemaURI.defaultBase.description] = .root
        try scan(document, at: .root, base: SchemaURI.defaultBase)
        let root = try compile(document, at: .root)
        let table = nodes.map { node in
            guard let node else { preconditionFailure("every reserved schema slot is filled before compile returns") }
            return node
        }
        try Self.checkCycles(table)
        return (table, root)
    }

    // MARK: first pass: bases, resources, anchors

    private mutating func scan(_ value: JSON, at location: JSONPointer, base: SchemaURI) throws(SchemaCompileError) {
        guard case .object(let members) = value else { return }
        var base = base
        if case .string(let id)? = members["$id"] {
            let resolved = base.resolving(SchemaURI(parsing: id))
            guard resolved.fragment == nil || resolved.fragment == "" else {
                throw .invalidKeyword("$id", at: location.appending("$id"), expected: "a URI without a fragment")
            }
            base = resolved.withoutFragment
            resources[base.description] = location
        }
        for keyword in ["$anchor", "$dynamicAnchor"] {
            if case .string(let anchor)? = members[keyword] {
                anchors[base.description + "#" + anchor] = location
            }
        }
        baseByLocation[location] = base
        for (keyword, member) in members {
            if Self.singleSubschemaKeywords.contains(keyword) {
                try scan(member, at: location.appending(keyword), base: base)
            } else if Self.arraySubschemaKeywords.contains(keyword), case .array(let elements) = member {
                for (index, element) in elements.enumerated() {
                    try scan(element, at: location.appending(keyword).appending(index), base: base)
                }
            } else if Self.mapSubschemaKeywords.contains(keyword), case .object(let entries) = member {
                for (name, entry) in entries {
                    try scan(entry, at: location.appending(keyword).appending(name), base: base)
                }
            }
        }
    }

    /// The base URI at `location`: recorded by the first pass, or (for a `$ref` into a place the
    /// first pass did not visit) worked out by applying every `$id` on the way down.
    private func base(at location: JSONPointer) -> SchemaURI {
        if let base = baseByLocation[location] { return base }
        var base = SchemaURI.defaultBase
        var current = document
        var walked = JSONPointer.root
        for token in location.tokens {
            if let known = baseByLocation[walked] {
                base = known
            } else if case .string(let id)? = current["$id"] {
                base = base.resolving(SchemaURI(parsing: id)).withoutFragment
            }
            guard let next = JSONPointer(tokens: [token]).resolve(in: current) else { break }
            current = next
            walked = walked.appending(token)
        }
        if case .string(let id)? = current["$id"] {
            base = base.resolving(SchemaURI(parsing: id)).withoutFragment
        }
        return base
    }

    // MARK: second pass: nodes

    private mutating func compile(_ value: JSON, at location: JSONPointer) throws(SchemaCompileError) -> Int {
        if let index = indexByLocation[location] { return index }
        let index = nodes.count
        indexByLocation[location] = index
        nodes.append(nil)
        switch value {
        case .bool(let flag):
            nodes[index] = SchemaNode(location: location, index: index, boolean: flag)
        case .object(let members):
            let keywords = try compileKeywords(members, at: location)
            nodes[index] = SchemaNode(location: location, index: index, keywords: keywords)
        default:
            throw .notASchema(value, at: location)
        }
        return index
    }

    private mutating func compileKeywords(
        _ members: OrderedDictionary<String, JSON>, at location: JSONPointer
    ) throws(SchemaCompileError) -> SchemaKeywords {
        var keywords = SchemaKeywords()
        for (keyword, value) in members {
            // Built only where needed: most members are annotations (`title`, `description`).
            var here: JSONPointer { location.appending(keyword) }
            switch keyword {
            case "title": keywords.title = value.stringValue
            case "description": keywords.description = value.stringValue
            case "type":
                let names: [JSON]
                switch value {
                case .string: names = [value]
                case .array(let elements): names = elements
                default: throw .invalidKeyword(keyword, at: here, expected: "a type name or an array of type names")
                }
                for name in names {
                    guard case .string(let text) = name, let type = SchemaTypes(name: text) else {
                        throw .invalidKeyword(
                            keyword, at: here,
                            expected: #"one of "null", "boolean", "object", "array", "number", "string", "integer""#)
                    }
                    keywords.types.insert(type)
                    keywords.typeNames.append(text)
                }
            case "enum":
                guard case .array(let values) = value else {
                    throw .invalidKeyword(keyword, at: here, expected: "an array")
                }
                keywords.allowedValues = values
            case "const":
                keywords.allowedValues = [value]
                keywords.isConst = true
            case "$ref", "$dynamicRef":
                // `$dynamicRef` is resolved like `$ref` (statically): see JSONSchema's gaps.
                guard case .string(let reference) = value else {
                    throw .invalidKeyword(keyword, at: here, expected: "a URI reference string")
                }
                let target = try resolve(reference, from: location, keywordAt: here)
                guard let targetValue = target.resolve(in: document) else {
                    throw .unresolvedReference(reference, at: here)
                }
                keywords.ref = try compile(targetValue, at: target)
            case "allOf", "anyOf", "oneOf":
                guard case .array(let elements) = value, !elements.isEmpty else {
                    throw .invalidKeyword(keyword, at: here, expected: "a non-empty array of schemas")
                }
                var indices: [Int] = []
                for (offset, element) in elements.enumerated() {
                    indices.append(try compile(element, at: here.appending(offset)))
                }
                switch keyword {
                case "allOf": keywords.allOf = indices
                case "anyOf": keywords.anyOf = indices
                default: keywords.oneOf = indices
                }
            case "prefixItems":
                guard case .array(let elements) = value, !elements.isEmpty else {
                    throw .invalidKeyword(keyword, at: here, expected: "a non-empty array of schemas")
                }
                for (offset, element) in elements.enumerated() {
                    keywords.prefixItems.append(try compile(element, at: here.appending(offset)))
                }
            case "items":
                if case .array = value {
                    throw .invalidKeyword(keyword, at: here, expected: "a schema (use \"prefixItems\" for tuples)")
                }
                keywords.items = try compile(value, at: here)
            case "not": keywords.not = try compile(value, at: here)
            case "if": keywords.ifSchema = try compile(value, at: here)
            case "then": keywords.thenSchema = try compile(value, at: here)
            case "else": keywords.elseSchema = try compile(value, at: here)
            case "contains": keywords.contains = try compile(value, at: here)
            case "additionalProperties": keywords.additionalProperties = try compile(value, at: here)
            case "propertyNames": keywords.propertyNames = try compile(value, at: here)
            case "unevaluatedProperties": keywords.unevaluatedProperties = try compile(value, at: here)
            case "unevaluatedItems": keywords.unevaluatedItems = try compile(value, at: here)
            case "properties":
                guard case .object(let entries) = value else {
                    throw .invalidKeyword(keyword, at: here, expected: "an object of schemas")
                }
                for (name, entry) in entries {
                    keywords.properties[name] = try compile(entry, at: here.appending(name))
                    keywords.propertyOrder.append(name)
                }
            case "patternProperties":
                guard case .object(let entries) = value else {
                    throw .invalidKeyword(keyword, at: here, expected: "an object of schemas")
                }
                for (source, entry) in entries {
                    let pattern = try pattern(source, at: here.appending(source))
                    keywords.patternProperties.append(
                        .init(pattern: pattern, schema: try compile(entry, at: here.appending(source))))
                }
            case "dependentSchemas":
                guard case .object(let entries) = value else {
                    throw .invalidKeyword(keyword, at: here, expected: "an object of schemas")
                }
                for (name, entry) in entries {
                    keywords.dependentSchemas.append(
                        .init(property: name, schema: try compile(entry, at: here.appending(name))))
                }
            case "$defs", "definitions":
                // Compiled even when nothing refers to them, so a mistake in a definition is
                // found when the schema is built rather than on the first document that uses it.
                guard case .object(let entries) = value else {
                    throw .invalidKeyword(keyword, at: here, expected: "an object of schemas")
                }
                for (name, entry) in entries {
                    _ = try compile(entry, at: here.appending(name))
                }
            case "required":
                keywords.required = try stringArray(value, keyword: keyword, at: here)
            case "dependentRequired":
                guard case .object(let entries) = value else {
                    throw .invalidKeyword(keyword, at: here, expected: "an object of arrays of property names")
                }
                for (name, entry) in entries {
                    keywords.dependentRequired.append(
                        .init(
                            property: name, required: try stringArray(entry, keyword: keyword, at: here.appending(name))
                        ))
                }
            case "minimum": keywords.minimum = try number(value, keyword: keyword, at: here)
            case "maximum": keywords.maximum = try number(value, keyword: keyword, at: here)
            case "exclusiveMinimum": keywords.exclusiveMinimum = try number(value, keyword: keyword, at: here)
            case "exclusiveMaximum": keywords.exclusiveMaximum = try number(value, keyword: keyword, at: here)
            case "multipleOf":
                let divisor = try number(value, keyword: keyword, at: here)
                guard divisor > 0 else { throw .invalidKeyword(keyword, at: here, expected: "a number greater than 0") }
                keywords.multipleOf = divisor
            case "minLength": keywords.minLength = try count(value, keyword: keyword, at: here)
            case "maxLength": keywords.maxLength = try count(value, keyword: keyword, at: here)
            case "minItems": keywords.minItems = try count(value, keyword: keyword, at: here)
            case "maxItems": keywords.maxItems = try count(value, keyword: keyword, at: here)
            case "minContains": keywords.minContains = try count(value, keyword: keyword, at: here)
            case "maxContains": keywords.maxContains = try count(value, keyword: keyword, at: here)
            case "minProperties": keywords.minProperties = try count(value, keyword: keyword, at: here)
            case "maxProperties": keywords.maxProperties = try count(value, keyword: keyword, at: here)
            case "uniqueItems":
                guard case .bool(let flag) = value else {
                    throw .invalidKeyword(keyword, at: here, expected: "a Boolean")
                }
                keywords.uniqueItems = flag
            case "pattern":
                guard case .string(let source) = value else {
                    throw .invalidKeyword(keyword, at: here, expected: "a regular expression string")
                }
                keywords.pattern = try pattern(source, at: here)
            case "format":
                guard case .string(let name) = value else {
                    throw .invalidKeyword(keyword, at: here, expected: "a string")
                }
                // Formats this validator does not know are annotations, as the specification allows.
                keywords.format = SchemaFormat(rawValue: name)
            default:
                // Annotations ($comment, default, examples, deprecated, readOnly, …), identifiers
                // handled by the first pass, and keywords of other vocabularies.
                break
            }
        }
        keywords.finish()
        return keywords
    }

    // MARK: references

    /// The document location `reference` (written in the schema at `location`) points at.
    private func resolve(
        _ reference: String, from location: JSONPointer, keywordAt here: JSONPointer
    ) throws(SchemaCompileError) -> JSONPointer {
        let target = base(at: location).resolving(SchemaURI(parsing: reference))
        let resource = target.withoutFragment.description
        guard let resourceLocation = resources[resource] else {
            throw .unsupportedReference(reference, resolved: resource, at: here)
        }
        // Foundation's decoder bridges to NSString; most fragments (`/$defs/task`) have nothing to decode.
        let raw = target.fragment ?? ""
        let fragment = raw.utf8.contains(UInt8(ascii: "%")) ? raw.removingPercentEncoding ?? "" : raw
        if fragment.isEmpty { return resourceLocation }
        if fragment.hasPrefix("/") {
            guard let pointer = try? JSONPointer(parsing: fragment) else {
                throw .unresolvedReference(reference, at: here)
            }
            return JSONPointer(tokens: resourceLocation.tokens + pointer.tokens)
        }
        guard let anchored = anchors[resource + "#" + fragment] else {
            throw .unresolvedReference(reference, at: here)
        }
        return anchored
    }

    /// Refuses schemas whose in-place applicators (`$ref`, `allOf`, `if`, …) form a loop: such a
    /// loop applies schemas to the same value forever.
    private static func checkCycles(_ nodes: [SchemaNode]) throws(SchemaCompileError) {
        enum Mark { case unvisited, active, done }
        var marks = [Mark](repeating: .unvisited, count: nodes.count)
        var stack: [Int] = []
        func visit(_ index: Int) -> [Int]? {
            switch marks[index] {
            case .done: return nil
            case .active:
                let start = stack.firstIndex(of: index) ?? 0
                return Array(stack[start...]) + [index]
            case .unvisited:
                marks[index] = .active
                stack.append(index)
                for next in nodes[index].keywords.inPlaceSubschemas {
                    if let cycle = visit(next) { return cycle }
                }
                stack.removeLast()
                marks[index] = .done
                return nil
            }
        }
        for index in nodes.indices {
            if let cycle = visit(index) {
                throw .referenceCycle(through: cycle.map { nodes[$0].location })
            }
        }
    }

    // MARK: keyword values

    private mutating func pattern(
        _ source: String, at location: JSONPointer
    ) throws(SchemaCompileError)
        -> SchemaPattern
    {
        if let cached = patterns[source] { return cached }
        do {
            let compiled = try SchemaPattern(source)
            patterns[source] = compiled
            return compiled
        } catch {
            throw .invalidPattern(source, at: location, reason: error.reason)
        }
    }

    private func number(
        _ value: JSON, keyword: String, at location: JSONPointer
    ) throws(SchemaCompileError)
        -> Double
    {
        guard case .number(let number) = value, number.isFinite else {
            throw .invalidKeyword(keyword, at: location, expected: "a number")
        }
        return number
    }

    private func count(_ value: JSON, keyword: String, at location: JSONPointer) throws(SchemaCompileError) -> Int {
        guard case .number(let number) = value, number >= 0, SchemaTypes.isInteger(number), number < 1e15 else {
            throw .invalidKeyword(keyword, at: location, expected: "a non-negative integer")
        }
        return Int(number)
    }

    private func stringArray(
        _ value: JSON, keyword: String, at location: JSONPointer
    ) throws(SchemaCompileError)
        -> [String]
    {
        guard case .array(let elements) = value else {
            throw .invalidKeyword(keyword, at: location, expected: "an array of property names")
        }
        var names: [String] = []
        for element in elements {
            guard case .string(let name) = element else {
                throw .invalidKeyword(keyword, at: location, expected: "an array of property names")
            }
            names.append(name)
        }
        return names
    }
}
