public import SwirlCompiler
public import SwirlCore
public import SwirlExpressions

/// How a run ended.
public enum RunOutcome: Hashable, Sendable {
    case completed(JSON)
    case faulted(WorkflowError)
    case cancelled
}

/// Something worth telling a person watching a run (`swirl run` prints these on stderr).
public struct RunProgress: Sendable {
    public enum Kind: Sendable {
        case waiting(until: Double)
        case completed
        case faulted(WorkflowError)
    }

    public var kind: Kind
    public var time: Double
}

/// Runs a compiled workflow: drives the ``RunStateMachine``, sleeps on the injected clock,
/// and checkpoints the state into the store after every step.
///
/// It lives on ``JQActor`` because the machine evaluates expressions through libjq, which must
/// stay on one thread; activities (from the activities issue on) will run concurrently
/// elsewhere and report back here.
@JQActor
public final class Interpreter {
    public let program: Program
    private let bundle: ExpressionBundle
    private let store: any Store
    private let clock: any RuntimeClock
    /// Told about waits and the end of the run.
    public var onProgress: (@Sendable (RunProgress) -> Void)?

    /// Prepares `program` to run: compiles all its expressions into one jq program.
    /// - Throws: `JQError` when libjq rejects an expression the checker accepted (a defect).
    public init(program: Program, store: any Store, clock: any RuntimeClock = SystemClock()) throws(JQError) {
        self.program = program
        self.store = store
        self.clock = clock
        self.bundle = try ExpressionBundle(
            sources: program.expressions.map { ExpressionSource($0.text, scopedVariables: $0.scopedVariables) },
            engine: JQEngine())
    }

    /// Starts a new run with `input` and runs it to its end.
    public func run(input: JSON, runID: String, seed: UInt64 = 0) async throws -> RunOutcome {
        var state = RunState(runID: runID, input: input, startedAt: clock.now(), seed: seed)
        try await store.checkpoint(state, history: [HistoryEntry(time: state.startedAt, kind: "run.started", data: input)])
        return try await drive(&state, first: .start)
    }

    /// Continues a run from its last checkpoint.
    public func resume(_ state: RunState) async throws -> RunOutcome {
        var state = state
        switch state.status {
        case .completed: return .completed(state.output?.value ?? .null)
        case .faulted: return .faulted(state.error ?? WorkflowError(.runtime, title: "Faulted"))
        case .cancelled: return .cancelled
        case .pending: return try await drive(&state, first: .start)
        default: return try await drive(&state, first: .timerFired)
        }
    }

    private func drive(_ state: inout RunState, first: RunStateMachine.Event) async throws -> RunOutcome {
        let bundle = self.bundle
        let machine = RunStateMachine(program: program) { id, data, arguments throws(JQError) in
            try bundle.evaluate(id, on: data, arguments: arguments)
        }
        var event = first
        while true {
            let now = clock.now()
            let actions = machine.handle(event, state: &state, now: now)
            var wake: Double??
            var outcome: RunOutcome?
            for action in actions {
                switch action {
                case .checkpoint:
                    try await store.checkpoint(state, history: history(for: actions, at: now))
                case .park(let wakeAt):
                    wake = .some(wakeAt)
                case .complete(let output):
                    outcome = .completed(output)
                    onProgress?(RunProgress(kind: .completed, time: now))
                case .fault(let error):
                    outcome = .faulted(error)
                    onProgress?(RunProgress(kind: .faulted(error), time: now))
                case .cancelled:
                    outcome = .cancelled
                }
            }
            if let outcome { return outcome }
            guard case .some(let wakeAt?) = wake else {
                // Nothing can wake the run (events arrive with the activities issue): it stays parked.
                return .faulted(WorkflowError(.runtime, title: "Run parked with nothing to wake it", instance: "/"))
            }
            onProgress?(RunProgress(kind: .waiting(until: wakeAt), time: now))
            do {
                try await clock.sleep(until: wakeAt)
            } catch {
                var cancelled = state
                _ = machine.handle(.cancel, state: &cancelled, now: clock.now())
                state = cancelled
                try await store.checkpoint(state, history: [HistoryEntry(time: clock.now(), kind: "run.cancelled")])
                return .cancelled
            }
            event = .timerFired
        }
    }

    private func history(for actions: [RunStateMachine.Action], at time: Double) -> [HistoryEntry] {
        actions.compactMap { action in
            switch action {
            case .complete(let output): HistoryEntry(time: time, kind: "run.completed", data: output)
            case .fault(let error): HistoryEntry(time: time, kind: "run.faulted", task: error.instance, data: error.json)
            case .park(let wakeAt): HistoryEntry(time: time, kind: "run.waiting", data: wakeAt.map { .number($0) } ?? .null)
            default: nil
            }
        }
    }
}
