public import SwirlCore

/// A `listen` task: which events to wait for, and how to read them.
public struct Listen: Sendable {
    public var strategy: EventStrategy
    /// `data` (default), `envelope` or `raw`.
    public var read: String
    /// `foreach`: what runs for each consumed event, one at a time.
    public var iterator: ListenIterator?

    public init(strategy: EventStrategy, read: String, iterator: ListenIterator? = nil) {
        self.strategy = strategy
        self.read = read
        self.iterator = iterator
    }
}

/// A listen's `foreach`: a scope run once per consumed event, in order, with the event and its
/// position bound; its output (through `output.as`) replaces the event in the listen's output.
public struct ListenIterator: Sendable {
    public var item: String
    public var at: String
    /// The body, or `nil` when `foreach` only transforms or exports.
    public var body: Int?
    public var output: DataFlow
    public var export: DataFlow
}

/// How many events, and which, a `listen` consumes.
public indirect enum EventStrategy: Sendable {
    /// One event matching the filter.
    case one(EventFilter)
    /// One event for each filter.
    case all([EventFilter])
    /// Events matching any filter (every event when there are none); without `until`, the first.
    case any([EventFilter], until: EventUntil?)
}

/// When a `listen … any` stops.
public enum EventUntil: Sendable {
    /// Evaluated after each consumed event, on the array of events consumed so far.
    case expression(ExpressionID)
    /// Events matching this strategy stop the listening; they are not part of the output.
    case strategy(EventStrategy)
}

/// An event filter: attributes to match, and correlation keys.
public struct EventFilter: Sendable {
    public var attributes: OrderedDictionary<String, AttributeMatch>
    public var correlations: OrderedDictionary<String, Correlation>
}

/// How one attribute of an event is matched.
public enum AttributeMatch: Sendable {
    /// An expression evaluated with `.` bound to the attribute's value; true matches.
    case expression(ExpressionID)
    /// A string is a regular expression the whole value must match (or an equal string); any
    /// other value must be equal.
    case literal(JSON)
}

/// A correlation key: `from` extracts a value from the event; it must equal `expect`, or, when
/// there is none, the value the first correlated event had.
public struct Correlation: Sendable {
    public var from: ExpressionID
    public var expect: ValueTemplate?
}
