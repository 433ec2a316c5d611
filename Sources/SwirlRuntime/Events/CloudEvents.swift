import Foundation
public import SwirlCore

/// Building CloudEvents envelopes, the one way every part of Swirl does it (`emit` tasks,
/// `swirl emit`, lifecycle events).
public enum CloudEvents {
    /// `attributes` with the context attributes every event needs filled in when absent: `id` (a
    /// new UUID), `specversion` 1.0, `time` (from `time`), and `datacontenttype` JSON when there
    /// is data. The given attributes keep their order after those.
    public static func envelope(_ attributes: OrderedDictionary<String, JSON>, time: Double) -> JSON {
        var envelope = OrderedDictionary<String, JSON>()
        envelope["id"] = attributes["id"] ?? .string(UUID().uuidString.lowercased())
        envelope["specversion"] = attributes["specversion"] ?? "1.0"
        envelope["time"] = attributes["time"] ?? .string(ISO8601Timestamp.format(time))
        for (name, value) in attributes where envelope[name] == nil { envelope[name] = value }
        if envelope["data"] != nil, envelope["datacontenttype"] == nil { envelope["datacontenttype"] = "application/json" }
        return .object(envelope)
    }
}
