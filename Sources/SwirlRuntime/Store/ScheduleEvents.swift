public import SwirlCore
import SwirlExpressions

/// `schedule.on`: which events start a run of a scheduled workflow, and with which input.
///
/// The consumption strategy is the one a `listen` task's `to` takes, matched on the events the store keeps, in
/// the order it stored them, from the moment the schedule was registered. `one` and `any` start a run for each
/// matching event; `all` starts one when an event has matched each of its filters (one event per filter, the
/// first to match), then begins again. A run's input is the array of the events that triggered it, in arrival
/// order, each the whole CloudEvent (DSL-NOTES 1.13). `any` without filters matches every event.
///
/// A schedule has no run to evaluate expressions in, so its filters match attributes by literal value only: a
/// string is the whole value or a regular expression matching all of it, as in `listen`; anything else must be
/// equal. Runtime expressions in `with`, `correlate` and `until` are refused when the schedule is registered.
public struct ScheduleEvents: Hashable, Sendable {
    /// The document's `schedule.on`, as written.
    public let strategy: JSON
    private let kind: Kind
    private let filters: [[(name: String, value: JSON)]]

    private enum Kind: Hashable, Sendable {
        case one, any, all
    }

    public static func == (left: Self, right: Self) -> Bool { left.strategy == right.strategy }
    public func hash(into hasher: inout Hasher) { hasher.combine(strategy.serialized()) }

    /// - Throws: ``ScheduleTrigger/Unsupported`` for a strategy this runtime cannot match without a run.
    public init(_ strategy: JSON) throws(ScheduleTrigger.Unsupported) {
        guard let object = strategy.objectValue else {
            throw ScheduleTrigger.Unsupported(description: "schedule.on must be an object with one, any or all")
        }
        if object["until"] != nil {
            throw ScheduleTrigger.Unsupported(description: "schedule.on.until is not supported: each matching event starts a run")
        }
        let lists: [JSON]
        if let one = object["one"] {
            kind = .one
            lists = [one]
        } else if let all = object["all"] {
            kind = .all
            lists = all.arrayValue ?? []
        } else if let any = object["any"] {
            kind = .any
            lists = any.arrayValue ?? []
        } else {
            throw ScheduleTrigger.Unsupported(description: "schedule.on must name one, any or all")
        }
        var filters: [[(name: String, value: JSON)]] = []
        for (index, filter) in lists.enumerated() {
            let place = kind == .one ? "schedule.on.one" : "schedule.on.\(kind)[\(index)]"
            if filter["correlate"] != nil {
                throw ScheduleTrigger.Unsupported(description: "\(place).correlate is not supported in a schedule (there is no run to correlate with)")
            }
            var attributes: [(name: String, value: JSON)] = []
            for (name, value) in filter["with"]?.objectValue ?? [:] {
                if case .string(let text) = value, RuntimeExpression.unwrap(text) != nil {
                    throw ScheduleTrigger.Unsupported(description: "\(place).with.\(name) is an expression; a schedule matches literal attributes only")
                }
                attributes.append((name, value))
            }
            filters.append(attributes)
        }
        if kind == .all && filters.isEmpty {
            throw ScheduleTrigger.Unsupported(description: "schedule.on.all needs at least one filter")
        }
        self.strategy = strategy
        self.filters = filters
    }

    /// How far an `all` schedule has got: for each filter, the event that matched it, if any.
    public typealias Progress = [JSON?]

    /// Offers the stored events that follow the schedule's cursor, in order, from `progress` on.
    /// - Returns: the inputs of the runs to start, each with the sequence number of the event that completed it,
    ///   and the progress after the last event.
    public func offer(_ events: [StoredEvent], progress: Progress?) -> (fires: [(input: JSON, sequence: Int64)], progress: Progress?) {
        var fires: [(input: JSON, sequence: Int64)] = []
        var matched: Progress = progress ?? Array(repeating: nil, count: filters.count)
        if matched.count != filters.count { matched = Array(repeating: nil, count: filters.count) }
        for stored in events {
            switch kind {
            case .one, .any:
                if filters.isEmpty || filters.contains(where: { Self.matches(stored.event, $0) }) {
                    fires.append((.array([stored.event]), stored.sequence))
                }
            case .all:
                guard let index = filters.indices.first(where: { matched[$0] == nil && Self.matches(stored.event, filters[$0]) })
                else { continue }
                matched[index] = stored.event
                if matched.allSatisfy({ $0 != nil }) {
                    fires.append((.array(matched.compactMap { $0 }), stored.sequence))
                    matched = Array(repeating: nil, count: filters.count)
                }
            }
        }
        return (fires, kind == .all ? matched : nil)
    }

    /// ``Progress`` as stores keep it (JSON text), and back.
    public static func encode(_ progress: Progress?) -> String? {
        progress.map { JSON.array($0.map { $0 ?? .null }).serialized() }
    }

    public static func decode(_ text: String?) -> Progress? {
        guard let text, let items = (try? JSON(parsing: text))?.arrayValue else { return nil }
        return items.map { $0 == .null ? JSON?.none : $0 }
    }

    private static func matches(_ event: JSON, _ attributes: [(name: String, value: JSON)]) -> Bool {
        EventPattern.matches(event, attributes.lazy.map { (key: $0.name, value: $0.value) })
    }
}
