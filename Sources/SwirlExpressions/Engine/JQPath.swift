import SwirlCore

/// Reading, writing and deleting inside a value by key and by path, as jq 1.7.1 does: `.[k]`,
/// slices, `getpath`, `setpath` and `delpaths`, with jq's rules for `null` (indexing it gives
/// `null`, writing into it makes an object or an array) and jq's error messages.
///
/// A path is an array of keys: strings for object members, numbers for array elements, and
/// `{"start": s, "end": e}` objects for slices of arrays.
enum JQPath {
    /// The longest array a write may make by writing past its end (`.[1000000000] = 1` would
    /// otherwise allocate gigabytes of `null`s).
    static let maximumArrayLength = 1 << 24

    // MARK: - Reading

    /// `value[key]`.
    static func index(_ value: JSON, _ key: JSON) throws(JQEvalError) -> JSON {
        switch (value, key) {
        case (.object(let members), .string(let name)):
            return members[name] ?? .null
        case (.array(let elements), .number(let number)):
            guard let position = elementIndex(number, count: elements.count), elements.indices.contains(position) else {
                return .null
            }
            return elements[position]
        case (.array, .object), (.string, .object):
            return try slice(value, bounds: key)
        case (.array(let elements), .array(let part)):
            return .array(indexes(of: part, in: elements).map { .number(Double($0)) })
        case (.null, .string), (.null, .number), (.null, .object):
            return .null
        case (_, .string(let name)) where name.utf8.count < 30:
            throw .raised(.string("Cannot index \(value.typeName) with string \"\(name)\""))
        default:
            throw .raised(.string("Cannot index \(value.typeName) with \(key.typeName)"))
        }
    }

    /// Where `number` points in an array of `count` elements: truncated toward zero, counted from
    /// the end when negative; `nil` for NaN.
    static func elementIndex(_ number: Double, count: Int) -> Int? {
        guard !number.isNaN else { return nil }
        let position = Int(max(min(number, Double(Int32.max)), Double(Int32.min)))
        return position < 0 ? position + count : position
    }

    /// Where `part` starts in `elements`, each place it occurs (overlaps included); none for an
    /// empty `part`.
    static func indexes(of part: [JSON], in elements: [JSON]) -> [Int] {
        guard !part.isEmpty, part.count <= elements.count else { return [] }
        return (0...(elements.count - part.count)).filter { start in
            part.indices.allSatisfy { JQValue.equal(elements[start + $0], part[$0]) }
        }
    }

    /// `value[from:to]` for a slice key `{"start": from, "end": to}`.
    static func slice(_ value: JSON, bounds key: JSON) throws(JQEvalError) -> JSON {
        switch value {
        case .null:
            return .null
        case .array(let elements):
            let (start, end) = try sliceBounds(key, count: elements.count)
            return .array(Array(elements[start..<end]))
        case .string(let text):
            let scalars = text.unicodeScalars
            let (start, end) = try sliceBounds(key, count: scalars.count)
            let from = scalars.index(scalars.startIndex, offsetBy: start)
            let to = scalars.index(from, offsetBy: end - start)
            return .string(String(scalars[from..<to]))
        default:
            throw .raised(.string("Cannot index \(value.typeName) with object"))
        }
    }

    /// The slice key for `[from:to]`.
    static func sliceKey(from: JSON, to: JSON) -> JSON {
        .object(["start": from, "end": to])
    }

    /// The element range a slice key selects in `count` elements: bounds counted from the end when
    /// negative, clamped, the start rounded down and the end up.
    static func sliceBounds(_ key: JSON, count: Int) throws(JQEvalError) -> (Int, Int) {
        // Both bounds must be there, `null` for an open end, as `[from:to]` makes them.
        guard case .object(let members) = key, let startValue = members["start"], let endValue = members["end"] else {
            throw .raised(.string("Array/string slice indices must be integers"))
        }
        var from = 0.0
        var to = Double(count)
        switch startValue {
        case .null: break
        case .number(let number): from = number
        default: throw .raised(.string("Array/string slice indices must be integers"))
        }
        switch endValue {
        case .null: break
        case .number(let number): to = number
        default: throw .raised(.string("Array/string slice indices must be integers"))
        }
        let length = Double(count)
        if from.isNaN { from = 0 }
        if from < 0 { from += length }
        from = min(max(from, 0), length)
        let start = Int(from.rounded(.down))
        if to.isNaN { to = length }
        if to < 0 { to += length }
        if to < 0 { to = Double(start) }
        to = min(to, length)
        let end = max(Int(to.rounded(.up)), start)
        return (start, min(end, count))
    }

    /// `getpath(path)`: `null` where the path leaves the value.
    static func get(_ root: JSON, path: JSON) throws(JQEvalError) -> JSON {
        guard case .array(let keys) = path else { throw .raised(.string("Path must be specified as an array")) }
        var value = root
        for key in keys {
            if case .null = value { return .null }
            value = try index(value, key)
        }
        return value
    }

    // MARK: - Writing

    /// `setpath(path; new)`.
    static func set(_ root: JSON, path: JSON, to new: JSON) throws(JQEvalError) -> JSON {
        guard case .array(let keys) = path else { throw .raised(.string("Path must be specified as an array")) }
        var value = root
        try set(&value, keys[...], to: new)
        return value
    }

    /// Writes `new` at `keys` inside `value`, making objects and arrays where `value` is `null`.
    /// The child is taken out of its parent while it is rewritten, so a value held only here is
    /// updated in place rather than copied at every level.
    static func set(_ value: inout JSON, _ keys: ArraySlice<JSON>, to new: JSON) throws(JQEvalError) {
        // Each key is a level of recursion here, and of nesting in the result.
        guard keys.count <= maximumPathLength else {
            throw .limitExceeded("a path of \(keys.count) keys is longer than the \(maximumPathLength) a value may nest")
        }
        try write(&value, keys, to: new)
    }

    /// The longest path ``set(_:_:to:)`` writes at: as deep as an evaluation lets values nest.
    static let maximumPathLength = JQLimits().nesting

    private static func write(_ value: inout JSON, _ keys: ArraySlice<JSON>, to new: JSON) throws(JQEvalError) {
        guard let key = keys.first else {
            value = new
            return
        }
        let rest = keys.dropFirst()
        if case .object = key {
            var part = try index(value, key)
            try write(&part, rest, to: new)
            try setKey(&value, key, to: part)
            return
        }
        var child = try index(value, key)
        if !rest.isEmpty {
            try setKey(&value, key, to: .null)
            try write(&child, rest, to: new)
        } else {
            child = new
        }
        try setKey(&value, key, to: child)
    }

    /// `value[key] = new` for one key.
    static func setKey(_ value: inout JSON, _ key: JSON, to new: JSON) throws(JQEvalError) {
        switch (value, key) {
        case (.object(var members), .string(let name)):
            value = .null
            members[name] = new
            value = .object(members)
        case (.null, .string(let name)):
            value = .object([name: new])
        case (.array, .number(let number)), (.null, .number(let number)):
            guard !number.isNaN else { throw .raised(.string("Cannot set array element at NaN index")) }
            var elements = value.arrayValue ?? []
            value = .null
            let position = elementIndex(number, count: elements.count) ?? 0
            guard position >= 0 else { throw .raised(.string("Out of bounds negative array index")) }
            guard position < maximumArrayLength else {
                throw .raised(.string("Array index \(position) is too large: arrays are limited to \(maximumArrayLength) elements"))
            }
            if position >= elements.count {
                elements.append(contentsOf: repeatElement(JSON.null, count: position - elements.count + 1))
            }
            elements[position] = new
            value = .array(elements)
        case (.array, .object), (.null, .object):
            var elements = value.arrayValue ?? []
            let (start, end) = try sliceBounds(key, count: elements.count)
            guard case .array(let replacement) = new else {
                throw .raised(.string("A slice of an array can only be assigned another array"))
            }
            value = .null
            elements.replaceSubrange(start..<end, with: replacement)
            value = .array(elements)
        case (.string, .object):
            throw .raised(.string("Cannot update string slices"))
        default:
            throw .raised(.string("Cannot update field at \(key.typeName) index of \(value.typeName)"))
        }
    }

    // MARK: - Deleting

    /// `delpaths(paths)`: the paths are sorted first, so deleting one element does not shift the
    /// positions the others name.
    static func delete(_ root: JSON, paths: JSON) throws(JQEvalError) -> JSON {
        guard case .array(let list) = paths else { throw .raised(.string("Paths must be specified as an array")) }
        var sorted: [[JSON]] = []
        sorted.reserveCapacity(list.count)
        for path in list {
            guard case .array(let keys) = path else {
                throw .raised(.string("Path must be specified as array, not \(path.typeName)"))
            }
            sorted.append(keys)
        }
        sorted.sort { JQValue.compare(.array($0), .array($1)) < 0 }
        guard let first = sorted.first else { return root }
        if first.isEmpty { return .null }
        return try delete(root, sorted[...], depth: 0)
    }

    /// Deletes the sorted `paths`, all longer than `depth`, from `value`: keys ending a path are
    /// removed together; the others recurse into their child.
    private static func delete(_ value: JSON, _ paths: ArraySlice<[JSON]>, depth: Int) throws(JQEvalError) -> JSON {
        var value = value
        var removed: [JSON] = []
        var index = paths.startIndex
        while index < paths.endIndex {
            let key = paths[index][depth]
            var end = index
            while end < paths.endIndex, JQValue.equal(paths[end][depth], key) {
                end += 1
            }
            if paths[index].count == depth + 1 {
                removed.append(key)
            } else {
                let child = try self.index(value, key)
                if !child.isNull {
                    let rewritten = try delete(child, paths[index..<end], depth: depth + 1)
                    try setKey(&value, key, to: rewritten)
                }
            }
            index = end
        }
        return try deleteKeys(value, removed)
    }

    /// Removes the sorted keys from an object or array; slices of an array go with its elements.
    private static func deleteKeys(_ value: JSON, _ keys: [JSON]) throws(JQEvalError) -> JSON {
        if keys.isEmpty { return value }
        switch value {
        case .null:
            return value
        case .array(let elements):
            var doomed = Array(repeating: false, count: elements.count)
            for key in keys {
                switch key {
                case .number(let number):
                    if let position = elementIndex(number, count: elements.count), elements.indices.contains(position) {
                        doomed[position] = true
                    }
                case .object:
                    let (start, end) = try sliceBounds(key, count: elements.count)
                    for position in start..<end {
                        doomed[position] = true
                    }
                default:
                    throw .raised(.string("Cannot delete \(key.typeName) element of array"))
                }
            }
            return .array(elements.indices.filter { !doomed[$0] }.map { elements[$0] })
        case .object(var members):
            for key in keys {
                guard case .string(let name) = key else {
                    throw .raised(.string("Cannot delete \(key.typeName) field of object"))
                }
                members.removeValue(forKey: name)
            }
            return .object(members)
        default:
            throw .raised(.string("Cannot delete fields from \(value.typeName)"))
        }
    }
}
