import SwirlCore

/// The history entries of one checkpoint as one JSON text, for stores that keep a checkpoint's entries together
/// (one row per checkpoint rather than one per entry): an array of objects with the members `time`, `kind`, and
/// when present `task`, `stepKey`, `attempt` and `data`, in the order of the entries.
public enum HistoryBatch {
    public static func text(of entries: [HistoryEntry]) -> String {
        JSON.array(
            entries.map { entry in
                var object: OrderedDictionary<String, JSON> = ["time": .number(entry.time), "kind": .string(entry.kind)]
                if let task = entry.task { object["task"] = .string(task) }
                if let stepKey = entry.stepKey { object["stepKey"] = .string(stepKey) }
                if let attempt = entry.attempt { object["attempt"] = .number(Double(attempt)) }
                if let data = entry.data { object["data"] = data.value }
                return .object(object)
            }
        ).serialized()
    }

    /// The entries of a batch, or `nil` when `text` is not one.
    public static func entries(_ text: String) -> [HistoryEntry]? {
        guard case .array(let items)? = try? JSON(parsing: text) else {
            return nil
        }
        var entries: [HistoryEntry] = []
        entries.reserveCapacity(items.count)
        for item in items {
            guard case .number(let time)? = item["time"], case .string(let kind)? = item["kind"] else {
                return nil
            }
            var entry = HistoryEntry(time: time, kind: kind, task: item["task"]?.stringValue, stepKey: item["stepKey"]?.stringValue)
            if case .number(let attempt)? = item["attempt"], let exact = Int(exactly: attempt) {
                entry.attempt = exact
            }
            if let data = item["data"] {
                entry.data = StoredJSON(data)
            }
            entries.append(entry)
        }
        return entries
    }
}
