public import SwirlRuntime

/// Reading runs and their history.
extension PostgresStore {
    public func run(id: String) async throws -> RunRecord? {
        let rows = try await self.perform("reading a run") { connection, _ in
            try connection.query(PostgresStatements.run, [id])
        }
        return try rows.first.map(Self.record(from:))
    }

    public func runs(_ query: RunQuery) async throws -> [RunRecord] {
        let parameters = [query.status?.rawValue, query.workflow, query.parentID, String(max(0, query.limit))]
        let rows = try await self.perform("listing runs") { connection, _ in
            try connection.query(PostgresStatements.runs, parameters)
        }
        return try rows.map(Self.record(from:))
    }

    public func history(runID: String) async throws -> [HistoryEntry] {
        let rows = try await self.perform("reading a run's history") { connection, _ in
            try connection.query(PostgresStatements.history, [runID])
        }
        var entries: [HistoryEntry] = []
        for row in rows {
            guard let batch = row["entries"] else {
                entries.append(try Self.historyEntry(from: row))
                continue
            }
            guard let batchEntries = HistoryBatch.entries(batch) else {
                throw PostgresStoreDataError(what: "a run's history")
            }
            entries += batchEntries
        }
        return entries
    }

    public func nextWake(excludingOwner owner: String?) async throws -> Double? {
        let rows = try await self.perform("reading the next wake-up") { connection, _ in
            try connection.query(PostgresStatements.nextWake, [owner])
        }
        return PGText.double(rows.first?["wake_at"])
    }
}
