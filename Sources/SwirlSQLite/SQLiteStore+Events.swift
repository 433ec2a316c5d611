public import SwirlCore
public import SwirlRuntime

/// Durable CloudEvents.
extension SQLiteStore {
    /// Stores the event once per source and id and nudges every listening run, in one write transaction.
    public func deliver(event: JSON) async throws -> EventDelivery {
        let text = event.serialized()
        if text.utf8.count > self.limits.event {
            throw StoreError.tooLarge("the event", size: text.utf8.count, limit: self.limits.event)
        }
        let source = event["source"]?.stringValue ?? ""
        let id = event["id"]?.stringValue ?? ""
        let type = event["type"]?.stringValue
        let clock = self.clock
        let stored = try await self.write("storing an event") { connection -> (sequence: Int64, subscriptions: [String?])? in
            let now = clock.now()
            guard
                let row = try connection.query(
                    SQLiteStatements.insertEvent, [.text(source), .text(id), .optional(type), .text(text), .real(now)]
                ).first
            else {
                return nil
            }
            let listeners = try connection.query(SQLiteStatements.nudgeListenersCounted, [.real(now)])
            return (row[0].integer ?? 0, listeners.map { $0[0].text })
        }
        guard let stored else {
            return .duplicate
        }
        self.wakeups.notify()
        let subscriptions = stored.subscriptions.lazy.map { $0.map(EventSubscription.init(text:)) }
        return .stored(sequence: stored.sequence, listeners: ListenerCount(event: event, subscriptions: subscriptions))
    }

    public func events(after sequence: Int64, limit: Int) async throws -> [StoredEvent] {
        try await self.read("reading events") { connection in
            try connection.query(SQLiteStatements.events, [.integer(sequence), .integer(Int64(max(0, limit)))]).map { row in
                StoredEvent(
                    sequence: row[0].integer ?? 0, event: try Self.json(row[1], "an event") ?? .null,
                    storedAt: row[2].real ?? 0)
            }
        }
    }

    @discardableResult
    public func purgeEvents(storedBefore time: Double) async throws -> Int {
        try await self.write("removing events") { connection in
            try connection.execute(SQLiteStatements.purgeEvents, [.real(time)])
        }
    }
}
