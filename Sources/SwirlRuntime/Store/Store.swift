public import SwirlCore

/// Where runs are kept: their latest state (the checkpoint) and their history.
///
/// The interpreter saves a ``RunState`` at every checkpoint; resuming loads the latest one.
/// Memory, SQLite and PostgreSQL stores implement the same protocol and pass the same tests.
public protocol Store: Sendable {
    /// Saves the run's state, replacing the previous checkpoint, and appends `history`.
    func checkpoint(_ state: RunState, history: [HistoryEntry]) async throws
    /// The latest checkpoint of a run, or `nil` for an unknown run.
    func load(runID: String) async throws -> RunState?
    /// Everything recorded about a run, oldest first.
    func history(runID: String) async throws -> [HistoryEntry]
}

/// One line of a run's history: for people and tools, never read by execution.
public struct HistoryEntry: Hashable, Sendable, Codable {
    public var time: Double
    /// `run.started`, `task.completed`, `run.faulted`, …
    public var kind: String
    /// The task's pointer, when the entry is about a task.
    public var task: String?
    public var data: StoredJSON?

    public init(time: Double, kind: String, task: String? = nil, data: JSON? = nil) {
        self.time = time
        self.kind = kind
        self.task = task
        self.data = data.map(StoredJSON.init)
    }
}
