import Dispatch
import Synchronization

/// Frees large values away from the command's own work.
///
/// A validated document is a tree of many small allocations (its JSON, source map and
/// program); freeing one node at a time costs several percent of validating it. The command
/// does not need that work done before it prints and exits, so the value moves into a box that
/// a background queue empties: it is freed there while other files are checked, and whatever
/// is still waiting when the process exits is never freed one node at a time (the system takes
/// the whole address space back at once).
enum DeferredRelease {
    private static let queue = DispatchQueue(label: "swirl.deferred-release", qos: .utility)

    /// Holds the value until the queue takes it out, so the queue frees it whichever thread
    /// lets go of the box last.
    private final class Box<Value: Sendable>: Sendable {
        let slot: Mutex<Value?>

        init(_ value: consuming Value) {
            slot = Mutex(Optional(value))
        }
    }

    /// Moves `value` to the background queue, which frees it. The caller must hand over its
    /// last reference (`release(consume value)`), or its own copy is freed where it ends.
    static func release<Value: Sendable>(_ value: consuming Value) {
        let box = Box(value)
        queue.async {
            let taken = box.slot.withLock { $0.take() }
            withExtendedLifetime(taken) {}
        }
    }
}
