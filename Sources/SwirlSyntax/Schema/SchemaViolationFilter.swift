import SwirlCore

/// Removes violations that only repeat or follow from others, so each root cause is reported once.
enum SchemaViolationFilter {
    /// `violations` without:
    /// - exact repeats (the same message at the same place, as when a `$ref` and its sibling
    ///   both require a property);
    /// - a missing required property when an unknown property of the same object is a near miss
    ///   of its name (`methd` explains the missing `method`; the suggestion already says so);
    /// - anything else about a value whose type is wrong.
    ///
    /// The order of the rest is kept.
    static func simplified(_ violations: [SchemaViolation]) -> [SchemaViolation] {
        guard violations.count > 1 else { return violations }
        struct Key: Hashable {
            var path: JSONPointer
            var part: SourceMap.Part
            var message: String
        }
        var misspelt: Set<JSONPointer> = []
        var wrongType: Set<JSONPointer> = []
        for violation in violations {
            switch violation.problem {
            case .unknownProperty(_, let suggestion?):
                if let parent = violation.instancePath.parent { misspelt.insert(parent.appending(suggestion)) }
            case .typeMismatch where violation.part == .value:
                wrongType.insert(violation.instancePath)
            default:
                break
            }
        }
        var seen: Set<Key> = []
        return violations.filter { violation in
            switch violation.problem {
            case .missingProperty(let name), .dependentPropertyMissing(let name, _):
                if misspelt.contains(violation.instancePath.appending(name)) { return false }
            case .typeMismatch:
                break
            default:
                if violation.part == .value && wrongType.contains(violation.instancePath) { return false }
            }
            return seen.insert(Key(path: violation.instancePath, part: violation.part, message: violation.message))
                .inserted
        }
    }
}
