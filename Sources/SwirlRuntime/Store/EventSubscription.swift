public import SwirlCore

/// What a run waiting in `listen`s waits for, as a store keeps it beside the run: one filter for each filter of
/// its listens that an event could still satisfy.
///
/// A store matches a delivered event against the subscriptions of the listening runs to say how many it
/// matched; the run itself decides what it consumes when it wakes, with its whole filters. So a subscription
/// keeps only a filter's literal attributes, and says whether they decide: a filter that also matches
/// attributes with expressions, or correlates events, can only be ruled out by them.
public struct EventSubscription: Hashable, Sendable {
    public struct Filter: Hashable, Sendable {
        /// Attributes matched by literal value (``EventPattern``), in the document's order.
        public var attributes: OrderedDictionary<String, JSON>
        /// Whether the literal attributes are the whole filter: `false` when expressions or correlations also
        /// take part, which only the run can evaluate.
        public var decisive: Bool

        public init(attributes: OrderedDictionary<String, JSON>, decisive: Bool) {
            self.attributes = attributes
            self.decisive = decisive
        }
    }

    /// The filters; an event that passes any of them may be consumed.
    public var filters: [Filter]

    public init(filters: [Filter]) {
        self.filters = filters
    }

    /// A listening run that did not say what it waits for (a row written before subscriptions were kept): any
    /// event may match.
    public static let unknown = EventSubscription(filters: [Filter(attributes: [:], decisive: false)])

    /// What a subscription makes of an event.
    public enum Match: Hashable, Sendable {
        /// A filter passes on literal attributes alone.
        case matched
        /// A filter's literal attributes pass, but expressions or correlations the run evaluates decide.
        case possible
        case unmatched
    }

    public func match(_ event: JSON) -> Match {
        var result = Match.unmatched
        for filter in filters where EventPattern.matches(event, filter.attributes.lazy.map { (key: $0.key, value: $0.value) }) {
            if filter.decisive { return .matched }
            result = .possible
        }
        return result
    }

    // MARK: stored form

    /// The subscription as stores keep it: compact JSON text.
    public var text: String {
        JSON.array(
            filters.map { filter in
                .object(["with": .object(filter.attributes), "decisive": .bool(filter.decisive)])
            }
        ).serialized()
    }

    /// The subscription stored as `text`; ``unknown`` for text this version cannot read.
    public init(text: String) {
        guard let items = (try? JSON(parsing: text))?.arrayValue else {
            self = .unknown
            return
        }
        var filters: [Filter] = []
        for item in items {
            guard let attributes = item["with"]?.objectValue, case .bool(let decisive)? = item["decisive"] else {
                self = .unknown
                return
            }
            filters.append(Filter(attributes: attributes, decisive: decisive))
        }
        self.filters = filters
    }
}

/// How many listening runs a delivered event concerns (``EventDelivery/stored(sequence:listeners:)``).
public struct ListenerCount: Hashable, Sendable {
    /// Runs whose listens match the event on its attributes alone.
    public var matched: Int
    /// Runs whose listens match it on its attributes, where expressions or correlations the run evaluates
    /// when it wakes have the last word.
    public var possible: Int

    public init(matched: Int = 0, possible: Int = 0) {
        self.matched = matched
        self.possible = possible
    }

    /// Counts the subscriptions of the listening runs that `event` matches; `nil` stands for ``EventSubscription/unknown``.
    public init(event: JSON, subscriptions: some Sequence<EventSubscription?>) {
        self.init()
        for subscription in subscriptions {
            switch (subscription ?? .unknown).match(event) {
            case .matched: matched += 1
            case .possible: possible += 1
            case .unmatched: break
            }
        }
    }
}
