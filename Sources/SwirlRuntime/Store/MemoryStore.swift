/// A store in memory: for tests and `--ephemeral` runs. States are kept encoded, as a database
/// would keep them, so a test that resumes from it proves the encoding round-trips.
public actor MemoryStore: Store {
    private var states: [String: [UInt8]] = [:]
    private var histories: [String: [HistoryEntry]] = [:]
    /// Every checkpoint ever saved, in order, for tests that resume from each one.
    public private(set) var checkpoints: [(runID: String, state: [UInt8])] = []

    public init() {}

    public func checkpoint(_ state: RunState, history: [HistoryEntry]) async throws {
        let encoded = try RunStateCoding.encode(state)
        states[state.runID] = encoded
        checkpoints.append((state.runID, encoded))
        histories[state.runID, default: []] += history
    }

    public func load(runID: String) async throws -> RunState? {
        try states[runID].map(RunStateCoding.decode)
    }

    public func history(runID: String) async throws -> [HistoryEntry] {
        histories[runID] ?? []
    }
}
