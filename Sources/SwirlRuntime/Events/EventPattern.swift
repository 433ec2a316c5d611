import Foundation
public import SwirlCore
import Synchronization

/// How an event filter's literal attributes match an event, the one rule `listen`, `schedule.on` and the
/// stores' subscriptions share: a string is the attribute's whole value, or a regular expression that matches
/// all of it; any other value must be equal.
public enum EventPattern {
    /// Whether every attribute of `attributes` matches `event`.
    public static func matches(_ event: JSON, _ attributes: some Sequence<(key: String, value: JSON)>) -> Bool {
        attributes.allSatisfy { name, expected in
            let value = event[name] ?? .null
            if case .string(let pattern) = expected {
                return value.stringValue.map { fullMatch(pattern, $0) } ?? false
            }
            return value == expected
        }
    }

    /// Whether `text` equals `pattern` or matches it as a whole regular expression. A pattern that is not a
    /// valid regular expression matches only itself.
    public static func fullMatch(_ pattern: String, _ text: String) -> Bool {
        if JSON.sameCodePoints(pattern, text) { return true }
        guard let expression = compiled(pattern) else { return false }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Compiled patterns, by pattern text: a listen offered many events, and a delivery matched against many
    /// subscriptions, compile each pattern once. Patterns come from workflow definitions, so the set is small;
    /// it is emptied when it reaches ``cacheLimit`` all the same.
    private static let cache = Mutex<[String: Compiled]>([:])
    static let cacheLimit = 512

    private static func compiled(_ pattern: String) -> NSRegularExpression? {
        if let found = cache.withLock({ $0[pattern] }) { return found.expression }
        let expression = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$")
        cache.withLock { cache in
            if cache.count >= cacheLimit { cache.removeAll() }
            cache[pattern] = Compiled(expression: expression)
        }
        return expression
    }

    /// A compiled pattern (or none, for text that is not a regular expression). NSRegularExpression is
    /// immutable once made and safe to match from any thread.
    private struct Compiled: @unchecked Sendable {
        let expression: NSRegularExpression?
    }
}
