public import SwirlCore
public import SwirlRuntime

/// Durable CloudEvents.
extension PostgresStore {
    /// Stores the event and nudges every listening run, under the exclusive event lock, in one pipelined
    /// transaction (one round trip); counts the runs whose subscriptions match it.
    ///
    /// A retry after a lost reply whose first attempt was committed finds the event stored and answers
    /// `duplicate`.
    public func deliver(event: JSON) async throws -> EventDelivery {
        let text = event.serialized()
        if text.utf8.count > self.limits.event {
            throw StoreError.tooLarge("the event", size: text.utf8.count, limit: self.limits.event)
        }
        let key = Self.eventKey(event)
        let lockKeys = [String(PostgresLocks.namespace), String(self.eventLockKey)]
        let results = try await self.perform("storing an event") { connection, _ in
            try connection.pipeline([
                (PostgresStatements.lockEvents, lockKeys),
                (PostgresStatements.deliver, [key.source, key.id, key.type, text]),
            ])
        }
        // One row for the stored event, then one per listening run it nudged.
        guard let sequence = results[1].lazy.compactMap({ $0["seq"].flatMap { Int64($0) } }).first else {
            return .duplicate
        }
        self.notifications.workIsDue()
        let subscriptions = results[1].lazy.filter { PGText.bool($0["listener"]) }.map { $0["subscription"].map(EventSubscription.init(text:)) }
        return .stored(sequence: sequence, listeners: ListenerCount(event: event, subscriptions: subscriptions))
    }

    public func events(after sequence: Int64, limit: Int) async throws -> [StoredEvent] {
        let rows = try await self.perform("reading events") { connection, _ in
            try connection.query(PostgresStatements.events, [String(sequence), String(max(0, limit))])
        }
        return try rows.map { row in
            StoredEvent(
                sequence: row["seq"].flatMap { Int64($0) } ?? 0,
                event: try Self.json(row["event"], "an event") ?? .null,
                storedAt: PGText.double(row["stored_at"]) ?? 0)
        }
    }

    @discardableResult
    public func purgeEvents(storedBefore time: Double) async throws -> Int {
        try await self.perform("removing events") { connection, _ in
            try connection.execute(PostgresStatements.purgeEvents.sql, [String(time)])
        }
    }
}
