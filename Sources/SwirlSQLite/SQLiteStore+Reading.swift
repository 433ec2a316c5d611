import SwirlCore
public import SwirlRuntime

/// Reading runs and their history, and turning rows back into the store's records.
extension SQLiteStore {
    public func run(id: String) async throws -> RunRecord? {
        try await self.read("reading a run") { connection in
            try connection.query(SQLiteStatements.run, [.text(id)]).first.map(Self.record(from:))
        }
    }

    public func runs(_ query: RunQuery) async throws -> [RunRecord] {
        let parameters: [SQLiteValue] = [
            .optional(query.status?.rawValue), .optional(query.workflow), .optional(query.parentID),
            .integer(Int64(max(0, query.limit))),
        ]
        return try await self.read("listing runs") { connection in
            try connection.query(SQLiteStatements.runs, parameters).map(Self.record(from:))
        }
    }

    public func history(runID: String) async throws -> [HistoryEntry] {
        try await self.read("reading a run's history") { connection in
            var entries: [HistoryEntry] = []
            for row in try connection.query(SQLiteStatements.history, [.text(runID)]) {
                guard let batch = row[8].text else {
                    entries.append(
                        HistoryEntry(
                            time: row[2].real ?? 0, kind: row[3].text ?? "", task: row[4].text, stepKey: row[5].text,
                            attempt: row[6].integer.map { Int($0) }, data: try Self.json(row[7], "a history entry's data")))
                    continue
                }
                guard let batchEntries = HistoryBatch.entries(batch) else {
                    throw SQLiteStoreDataError(what: "a run's history")
                }
                entries += batchEntries
            }
            return entries
        }
    }

    public func nextWake(excludingOwner owner: String?) async throws -> Double? {
        try await self.read("reading the next wake-up") { connection in
            try connection.query(SQLiteStatements.nextWake, [.optional(owner)]).first?[0].real
        }
    }

    /// A run record from the columns of ``SQLiteStatements`` `recordColumns`, in their order.
    static func record(from row: SQLiteRow) throws -> RunRecord {
        guard let status = row[5].text.flatMap(RunStatus.init(rawValue:)) else {
            throw SQLiteStoreDataError(what: "a run status")
        }
        return RunRecord(
            id: row[0].text ?? "",
            definition: DefinitionRecord.Reference(
                namespace: row[2].text ?? "", name: row[3].text ?? "", version: row[4].text ?? "",
                hash: row[1].text ?? ""),
            status: status,
            input: try Self.json(row[6], "a run's input") ?? .null,
            output: try Self.json(row[7], "a run's output"),
            error: try Self.workflowError(row[8]),
            parentID: row[9].text,
            idempotencyKey: row[10].text,
            createdAt: row[11].real ?? 0,
            updatedAt: row[12].real ?? 0,
            endedAt: row[13].real,
            wakeAt: row[14].real,
            leaseOwner: row[15].text,
            leaseExpiresAt: row[16].real,
            claims: row[17].integer.map { Int($0) } ?? 0,
            takeovers: row[18].integer.map { Int($0) } ?? 0,
            control: row[19].text.flatMap(ControlRequest.init(rawValue:))
        )
    }

    static func json(_ value: SQLiteValue, _ what: String) throws -> JSON? {
        guard let text = value.text else {
            return nil
        }
        do {
            return try JSON(parsing: text)
        } catch {
            throw SQLiteStoreDataError(what: what)
        }
    }

    static func workflowError(_ value: SQLiteValue) throws -> WorkflowError? {
        guard let json = try Self.json(value, "a run's error") else {
            return nil
        }
        guard let error = WorkflowError(json: json) else {
            throw SQLiteStoreDataError(what: "a run's error")
        }
        return error
    }
}
