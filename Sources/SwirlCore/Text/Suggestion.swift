/// Finds the known name a misspelt one most likely meant ("methd" → "method"); every stage that
/// reports an unknown name (schema properties, `then` targets, `use` references, jq names) uses it.
public enum Suggestion {
    /// The candidate closest to `name` by edit distance (letters compared without case, adjacent
    /// swaps counting as one edit), when it is close enough to be a likely typo: at most one edit
    /// for names up to five characters, two up to eight, three beyond, and never more than a third
    /// of the longer name (so `"c"` suggests nothing, while `"iff"` suggests `"if"`). Ties go to
    /// the first candidate.
    public static func closest(to name: String, among candidates: some Sequence<String>) -> String? {
        let target = Array(name.lowercased().unicodeScalars)
        let limit = target.count <= 5 ? 1 : target.count <= 8 ? 2 : 3
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != name {
            let other = Array(candidate.lowercased().unicodeScalars)
            let distance = editDistance(target, other, limit: limit)
            if distance <= limit, distance * 3 <= max(target.count, other.count),
                distance < (best?.distance ?? Int.max)
            {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// Optimal string alignment distance, giving up (returning `limit + 1`) once no alignment can
    /// stay within `limit`.
    public static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > limit { return limit + 1 }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
