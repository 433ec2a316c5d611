import SwirlCore
import SwirlRuntime

/// Reading rows back into the store's records.
extension PostgresStore {
    static func record(from row: PGRows.Row) throws -> RunRecord {
        guard let status = row["status"].flatMap(RunStatus.init(rawValue:)) else {
            throw PostgresStoreDataError(what: "a run status")
        }
        return RunRecord(
            id: row["id"] ?? "",
            definition: DefinitionRecord.Reference(
                namespace: row["namespace"] ?? "", name: row["name"] ?? "", version: row["version"] ?? "",
                hash: row["definition_hash"] ?? ""),
            status: status,
            input: try Self.json(row["input"], "a run's input") ?? .null,
            output: try Self.json(row["output"], "a run's output"),
            error: try Self.workflowError(row["error"]),
            parentID: row["parent_id"],
            idempotencyKey: row["idempotency_key"],
            createdAt: PGText.double(row["created_at"]) ?? 0,
            updatedAt: PGText.double(row["updated_at"]) ?? 0,
            endedAt: PGText.double(row["ended_at"]),
            wakeAt: PGText.double(row["wake_at"]),
            leaseOwner: row["lease_owner"],
            leaseExpiresAt: PGText.double(row["lease_expires_at"]),
            claims: row["claims"].flatMap { Int($0) } ?? 0,
            takeovers: row["takeovers"].flatMap { Int($0) } ?? 0,
            control: row["control"].flatMap(ControlRequest.init(rawValue:))
        )
    }

    static func json(_ text: String?, _ what: String) throws -> JSON? {
        guard let text else {
            return nil
        }
        do {
            return try JSON(parsing: text)
        } catch {
            throw PostgresStoreDataError(what: what)
        }
    }

    static func workflowError(_ text: String?) throws -> WorkflowError? {
        guard let json = try Self.json(text, "a run's error") else {
            return nil
        }
        guard let error = WorkflowError(json: json) else {
            throw PostgresStoreDataError(what: "a run's error")
        }
        return error
    }

    static func historyEntry(from row: PGRows.Row) throws -> HistoryEntry {
        HistoryEntry(
            time: PGText.double(row["time"]) ?? 0,
            kind: row["kind"] ?? "",
            task: row["task"],
            stepKey: row["step_key"],
            attempt: row["attempt"].flatMap { Int($0) },
            data: try Self.json(row["data"], "a history entry's data"))
    }

    /// The `source` and `id` that identify an event: its deduplication key, empty strings when missing.
    static func eventKey(_ event: JSON) -> (source: String, id: String, type: String?) {
        (event["source"]?.stringValue ?? "", event["id"]?.stringValue ?? "", event["type"]?.stringValue)
    }
}
