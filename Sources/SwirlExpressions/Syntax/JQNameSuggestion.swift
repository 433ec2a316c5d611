import SwirlCore

/// Picks the name someone probably meant when they wrote one that is not defined.
enum JQNameSuggestion {
    /// The candidate closest to `name` by optimal string alignment distance (a Levenshtein
    /// distance that also counts swapping two neighbours as one edit, so `lenght` is one edit
    /// from `length`), or `nil` when none is close enough to be a typo: at most one edit for names
    /// of up to three characters, two for longer ones.
    ///
    /// Letter case counts as no edit, so `$Input` finds `$input` and `NaN` finds `nan`.
    ///
    /// Ties go to a `preferred` candidate (one with the arity of the call), then to the
    /// alphabetically first, so the answer never depends on the order of `candidates`.
    static func closest(to name: String, among candidates: [(name: String, preferred: Bool)]) -> String? {
        let target = Array(name.lowercased().unicodeScalars)
        let limit = target.count <= 3 ? 1 : 2
        var best: (distance: Int, preferred: Bool, name: String)?
        for candidate in candidates where candidate.name != name {
            // Most candidates differ in length by more than the limit; skip them before allocating.
            guard abs(candidate.name.unicodeScalars.count - target.count) <= limit else { continue }
            let scalars = Array(candidate.name.lowercased().unicodeScalars)
            let distance = Suggestion.editDistance(target, scalars, limit: limit)
            guard distance <= limit else { continue }
            if let current = best {
                if distance > current.distance { continue }
                if distance == current.distance {
                    if current.preferred && !candidate.preferred { continue }
                    if current.preferred == candidate.preferred && current.name <= candidate.name { continue }
                }
            }
            best = (distance, candidate.preferred, candidate.name)
        }
        return best?.name
    }
}
