import Foundation
import SwirlCore
import SwirlPostgres
import SwirlRuntime

/// How `swirl runs` prints runs and history: tables for people, JSON for scripts.
enum RunsOutput {
    /// Runs a store call, turning its failure into an environment error (exit 2).
    static func storeCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw EnvironmentFailure(message: error.description)
        }
    }

    /// Opens the store for one short job, runs it, and closes the store, whatever happens.
    static func reading<T>(_ options: StoreOptions, _ body: (any OpenedStore) async throws -> T) async throws -> T {
        let opened = try await options.open(poolSize: 1)
        do {
            let value = try await storeCall { try await body(opened) }
            await opened.close()
            return value
        } catch {
            await opened.close()
            throw error
        }
    }

    /// Sends a control request and explains a refusal.
    static func control(_ request: ControlRequest, id: String, store: StoreOptions) async throws {
        let reply = try await reading(store) { try await $0.request(request, runID: id) }
        switch reply {
        case .accepted: break
        case .notFound: throw EnvironmentFailure(message: "no run has the id '\(id)'")
        case .notApplicable(let status): throw EnvironmentFailure(message: "run \(id) is \(status.rawValue): nothing to \(request.rawValue)")
        }
    }

    static func time(_ seconds: Double) -> String {
        ISO8601Timestamp.format(seconds)
    }

    /// A value in one line, cut to fit a table.
    static func excerpt(_ value: JSON?, limit: Int = 60) -> String {
        guard let value else { return "" }
        let text = value.serialized()
        return text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    static func summary(_ run: RunRecord) -> JSON {
        var object: OrderedDictionary<String, JSON> = [
            "id": .string(run.id), "status": .string(run.status.rawValue),
            "workflow": [
                "namespace": .string(run.definition.namespace), "name": .string(run.definition.name),
                "version": .string(run.definition.version), "hash": .string(run.definition.hash),
            ],
            "createdAt": .string(time(run.createdAt)), "updatedAt": .string(time(run.updatedAt)),
        ]
        if let ended = run.endedAt { object["endedAt"] = .string(time(ended)) }
        if let parent = run.parentID { object["parent"] = .string(parent) }
        return .object(object)
    }

    static func details(_ run: RunRecord) -> JSON {
        guard case .object(var object) = summary(run) else { return .null }
        object["input"] = run.input
        if let output = run.output { object["output"] = output }
        if let error = run.error { object["error"] = error.json }
        if let wakeAt = run.wakeAt { object["wakeAt"] = .string(time(wakeAt)) }
        if let owner = run.leaseOwner { object["leaseOwner"] = .string(owner) }
        if let expiry = run.leaseExpiresAt { object["leaseExpiresAt"] = .string(time(expiry)) }
        object["claims"] = .number(Double(run.claims))
        object["takeovers"] = .number(Double(run.takeovers))
        if let control = run.control { object["requested"] = .string(control.rawValue) }
        if let key = run.idempotencyKey { object["idempotencyKey"] = .string(key) }
        return .object(object)
    }

    static func entry(_ entry: HistoryEntry) -> JSON {
        var object: OrderedDictionary<String, JSON> = ["time": .string(time(entry.time)), "kind": .string(entry.kind)]
        if let task = entry.task { object["task"] = .string(task) }
        if let key = entry.stepKey { object["stepKey"] = .string(key) }
        if let attempt = entry.attempt { object["attempt"] = .number(Double(attempt)) }
        if let data = entry.data { object["data"] = data.value }
        return .object(object)
    }

    /// Columns padded to their widest cell.
    static func table(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ") + "\n"
        }
        return ([line(header)] + rows.map(line)).joined()
    }
}
