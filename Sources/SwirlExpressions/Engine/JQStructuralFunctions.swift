import SwirlCore

/// The builtins on the shape of values: `length`, `type`, `keys`, `has`, `contains`, the path
/// functions, `add`, and sorting, grouping and extremes, with jq 1.7.1's results and messages.
extension JQNativeFunction {
    static let structuralFunctions: [JQNativeFunction] = [
        JQNativeFunction("length") { input throws(JQEvalError) in
            switch input {
            case .null: return .number(0)
            case .number(let number): return .number(number.magnitude)
            case .string(let text): return .number(Double(text.unicodeScalars.count))
            case .array(let elements): return .number(Double(elements.count))
            case .object(let members): return .number(Double(members.count))
            case .bool: throw JQValue.failure(input, "has no length")
            }
        },
        JQNativeFunction("type") { input in .string(input.typeName) },
        JQNativeFunction("keys") { input throws(JQEvalError) in
            switch input {
            case .object(let members): return .array(JQValue.sortedKeys(members).map { .string($0) })
            case .array(let elements): return .array(elements.indices.map { .number(Double($0)) })
            default: throw JQValue.failure(input, "has no keys")
            }
        },
        JQNativeFunction("keys_unsorted") { input throws(JQEvalError) in
            switch input {
            case .object(let members): return .array(members.keys.map { .string($0) })
            case .array(let elements): return .array(elements.indices.map { .number(Double($0)) })
            default: throw JQValue.failure(input, "has no keys")
            }
        },
        JQNativeFunction("has") { input, key throws(JQEvalError) in
            switch (input, key) {
            case (.object(let members), .string(let name)):
                return .bool(members[name] != nil)
            case (.array(let elements), .number(let number)):
                guard !number.isNaN else { return .bool(false) }
                let position = Int(max(min(number, Double(Int32.max)), Double(Int32.min)))
                return .bool(position >= 0 && position < elements.count)
            default:
                throw .raised(.string("Cannot check whether \(input.typeName) has a \(key.typeName) key"))
            }
        },
        JQNativeFunction("contains") { input, part throws(JQEvalError) in
            guard kind(input) == kind(part) else {
                throw JQValue.failure(input, part, "cannot have their containment checked")
            }
            return .bool(contains(input, part))
        },
        JQNativeFunction("getpath") { input, path throws(JQEvalError) in try JQPath.get(input, path: path) },
        JQNativeFunction("setpath") { input, path, value throws(JQEvalError) in try JQPath.set(input, path: path, to: value) }
            .nesting(.placedValue),
        JQNativeFunction("delpaths") { input, paths throws(JQEvalError) in try JQPath.delete(input, paths: paths) },
        JQNativeFunction("add") { input throws(JQEvalError) in
            let values: [JSON]
            switch input {
            case .array(let elements): values = elements
            case .object(let members): values = Array(members.values)
            default: throw .raised(.string("Cannot iterate over \(JQValue.quoted(input))"))
            }
            var sum = JSON.null
            for value in values {
                sum = try JQValue.add(sum, value)
            }
            return sum
        },
        JQNativeFunction("bsearch") { input, target throws(JQEvalError) in
            guard case .array(let elements) = input else { throw JQValue.failure(input, "cannot be searched from") }
            // The index of an element equal to `target` in the sorted array, or -1 - the index
            // it would be inserted at.
            var low = 0
            var high = elements.count
            while low < high {
                let middle = (low + high) / 2
                let order = JQValue.compare(elements[middle], target)
                if order == 0 { return .number(Double(middle)) }
                if order < 0 { low = middle + 1 } else { high = middle }
            }
            return .number(Double(-1 - low))
        },
        JQNativeFunction("builtins") { _ throws(JQEvalError) in
            .array(JQPrelude.shared.signatures.filter { !$0.hasPrefix("_") }.sorted().map { .string($0) })
        },
        JQNativeFunction("sort") { input throws(JQEvalError) in
            guard case .array(let elements) = input else {
                throw JQValue.failure(input, "cannot be sorted, as it is not an array")
            }
            return .array(sorted(elements, by: elements).map(\.value))
        },
        JQNativeFunction("_sort_by_impl") { input, keys throws(JQEvalError) in
            let (values, order) = try pairs(input, keys, "cannot be sorted, as they are not both arrays")
            return .array(sorted(values, by: order).map(\.value))
        },
        JQNativeFunction("_group_by_impl") { input, keys throws(JQEvalError) in
            let (values, order) = try pairs(input, keys, "cannot be sorted, as they are not both arrays")
            var groups: [JSON] = []
            var group: [JSON] = []
            var groupKey: JSON?
            for (key, value) in sorted(values, by: order) {
                if let current = groupKey, !JQValue.equal(current, key) {
                    groups.append(.array(group))
                    group = []
                }
                groupKey = key
                group.append(value)
            }
            if !group.isEmpty { groups.append(.array(group)) }
            return .array(groups)
        }.nesting(.result),
        JQNativeFunction("min") { input throws(JQEvalError) in try extreme(input, input, minimum: true) },
        JQNativeFunction("max") { input throws(JQEvalError) in try extreme(input, input, minimum: false) },
        JQNativeFunction("_min_by_impl") { input, keys throws(JQEvalError) in try extreme(input, keys, minimum: true) },
        JQNativeFunction("_max_by_impl") { input, keys throws(JQEvalError) in try extreme(input, keys, minimum: false) },
    ]

    /// jq tells `true` from `false` when it checks that two values are of one kind.
    private static func kind(_ value: JSON) -> Int {
        JQValue.rank(value)
    }

    /// Whether `whole` contains `part`: objects by key, arrays by every element of `part` being
    /// contained in some element of `whole`, strings by substring (of UTF-8 bytes), the rest by
    /// equality.
    static func contains(_ whole: JSON, _ part: JSON) -> Bool {
        switch (whole, part) {
        case (.object(let members), .object(let wanted)):
            return wanted.allSatisfy { key, value in
                members[key].map { contains($0, value) } ?? false
            }
        case (.array(let elements), .array(let wanted)):
            return wanted.allSatisfy { value in elements.contains { contains($0, value) } }
        case (.string(let text), .string(let wanted)):
            return wanted.isEmpty || containsBytes(Array(text.utf8), Array(wanted.utf8))
        default:
            return kind(whole) == kind(part) && JQValue.equal(whole, part)
        }
    }

    private static func containsBytes(_ text: [UInt8], _ wanted: [UInt8]) -> Bool {
        guard wanted.count <= text.count else { return false }
        for start in 0...(text.count - wanted.count) where text[start] == wanted[0] {
            if text[start..<start + wanted.count].elementsEqual(wanted) { return true }
        }
        return false
    }

    /// The values and their sort keys, checked to be arrays of one length.
    private static func pairs(_ input: JSON, _ keys: JSON, _ problem: String) throws(JQEvalError) -> ([JSON], [JSON]) {
        guard case .array(let values) = input, case .array(let order) = keys, values.count == order.count else {
            throw JQValue.failure(input, keys, problem)
        }
        return (values, order)
    }

    /// `values` in the order of their `keys`; equal keys keep their values' order.
    private static func sorted(_ values: [JSON], by keys: [JSON]) -> [(key: JSON, value: JSON)] {
        var pairs = Array(zip(keys, values).enumerated())
        pairs.sort { a, b in
            let order = JQValue.compare(a.element.0, b.element.0)
            return order != 0 ? order < 0 : a.offset < b.offset
        }
        return pairs.map { (key: $0.element.0, value: $0.element.1) }
    }

    /// The value with the least (or greatest) key: the first of equal least keys, the last of
    /// equal greatest ones; `null` for an empty array.
    private static func extreme(_ input: JSON, _ keys: JSON, minimum: Bool) throws(JQEvalError) -> JSON {
        guard case .array(let values) = input, case .array(let order) = keys else {
            throw JQValue.failure(input, keys, "cannot be iterated over")
        }
        guard values.count == order.count else { throw JQValue.failure(input, keys, "have wrong length") }
        guard var best = values.indices.first else { return .null }
        for index in values.indices.dropFirst() where (JQValue.compare(order[index], order[best]) < 0) == minimum {
            best = index
        }
        return values[best]
    }
}
