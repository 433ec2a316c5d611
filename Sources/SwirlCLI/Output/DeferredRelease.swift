import Dispatch

/// Frees large values away from the command's own work.
///
/// A validated document is a tree of many small allocations (its JSON, source map and
/// program); freeing one node at a time costs about a tenth of validating it. The command does
/// not need that work done before it prints and exits, so the last reference goes to a
/// background queue: it frees there while other files are checked, and whatever is still
/// waiting when the process exits is never freed one node at a time (the system takes the
/// whole address space back at once).
enum DeferredRelease {
    private static let queue = DispatchQueue(label: "swirl.deferred-release", qos: .utility)

    /// Drops `value` on the background queue.
    static func release<Value: Sendable>(_ value: consuming Value) {
        let held = value
        queue.async { withExtendedLifetime(held) {} }
    }
}
