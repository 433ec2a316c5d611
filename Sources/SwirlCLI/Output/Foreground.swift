import ArgumentParser
import Foundation
import SwirlCore
import SwirlExpressions
import SwirlPostgres
import SwirlRuntime
import Synchronization

/// A run shown in the terminal as it goes: progress lines on stderr, the output on stdout, and
/// the exit code; shared by `swirl run` and `swirl runs resume`.
struct Foreground: Sendable {
    /// How the foreground part of a run ended.
    enum Ending: Sendable {
        case ended(RunOutcome)
        /// Ctrl-C stopped the process; the durable run goes on elsewhere or later.
        case interrupted(runID: String)
    }

    var quiet: Bool
    var style: JSON.Layout
    /// The store as `--db` named it, for the commands printed to continue a run (`nil`: found the same way).
    var database: String? = nil
    /// Where in the workflow file a fault happened (``WorkflowFile/Compiled/describe(_:colored:)``), printed
    /// before its problem details unless quiet; `nil` when the file is not at hand.
    var locateFault: (@Sendable (WorkflowError) -> String?)? = nil

    /// How long a run's timer must be for the foreground to say that the run may be left meanwhile.
    static let longWait: Double = 10

    /// Prints the run id, so a person can find the run again.
    func announce(_ runID: String) {
        if !quiet { Terminal.writeError("swirl: run \(runID)\n") }
    }

    /// The progress handler for the run: one line per task phase, and the total time at the end.
    func progressHandler() -> @Sendable (RunProgress) -> Void {
        let quiet = self.quiet
        let started = ContinuousClock.now
        return { progress in
            guard !quiet else { return }
            switch progress.kind {
            case .waiting:
                // Each waiting task has its own line already.
                break
            case .completed:
                Terminal.writeError("swirl: workflow completed in \(Self.formatDuration(Self.seconds(since: started)))\n")
            case .faulted(let error):
                // The whole error follows at the end; this line says when, even for a fault no task reported (a
                // workflow timeout).
                Terminal.writeError(
                    "swirl: workflow faulted in \(Self.formatDuration(Self.seconds(since: started))): "
                        + "\(error.title ?? error.type) (\(error.status))\n")
            case .task(let event):
                Terminal.writeError(Self.progressLine(event))
            }
        }
    }

    /// Runs `body` (an in-memory run); Ctrl-C or SIGTERM cancels the task, and so the run. Child
    /// processes still running when it ends are ended and waited for.
    func interruptible(_ body: @escaping @Sendable (@escaping @Sendable (RunProgress) -> Void) async throws -> RunOutcome)
        async throws -> Ending
    {
        let progress = progressHandler()
        let execution = Task { try await body(progress) }
        let interrupt = Interrupt { execution.cancel() }
        defer { interrupt.cancel() }
        let result = await execution.result
        await ProcessActivities.endChildren()
        return .ended(try result.get())
    }

    /// Serves the durable run `runID` (and the child runs it starts) in this process until it
    /// ends. Ctrl-C stops serving: in-flight activities are cancelled and the run is released,
    /// to be continued by `swirl runs resume` or any worker.
    @WorkerActor
    func serve(runID: String, store: any Store, library: WorkflowLibrary, setup: RuntimeSetup, events: EventLines?)
        async throws -> Ending
    {
        var configuration = Worker.Configuration()
        configuration.graceSeconds = 0
        let worker = Worker(
            store: store, library: library, activities: setup.activities, secrets: setup.secrets,
            environment: setup.environment, configuration: configuration)
        let progress = progressHandler()
        let quiet = self.quiet
        let resume = "swirl runs resume \(runID)" + (database.map { " --db '\($0)'" } ?? "")
        worker.onProgress = { event in
            guard event.runID == runID else { return }
            progress(event)
            // A long wait costs nothing but a row: the person may go, and come back for it.
            if !quiet, case .task(let task) = event.kind, case .waiting(let until) = task.kind, until - task.time >= Self.longWait {
                Terminal.writeError(
                    "swirl: run \(runID) waits until \(ISO8601Timestamp.format(until)); Ctrl-C leaves it, and '\(resume)' "
                        + "or a 'swirl worker' on the same store carries on when it is due\n")
            }
        }
        if let events { worker.onLifecycleEvent = { events.write($0) } }
        if !quiet { worker.onLog = { Terminal.writeError("swirl: \($0)\n") } }
        let serving = Task { @WorkerActor in try await worker.serve(runID: runID) }
        let interrupt = Interrupt { serving.cancel() }
        defer { interrupt.cancel() }
        let result = await serving.result
        await ProcessActivities.endChildren()
        do {
            guard let outcome = try result.get() else { return .interrupted(runID: runID) }
            return .ended(outcome)
        } catch is CancellationError {
            return .interrupted(runID: runID)
        }
    }

    /// Prints how the run ended and picks the exit code.
    func finish(_ ending: Ending, database: String?) throws {
        switch ending {
        case .ended(.completed(let value)):
            Terminal.writeOutput(value.serialized(style) + "\n")
        case .ended(.faulted(let error)):
            if !quiet, let located = locateFault?(error) { Terminal.writeError(located) }
            Terminal.writeError(error.json.serialized(.pretty) + "\n")
            throw ExitCode.invalidWorkflow
        case .ended(.cancelled):
            Terminal.writeError("swirl: the run was cancelled\n")
            throw ExitCode(Interrupt.exitCode)
        case .interrupted(let runID):
            let db = database.map { " --db '\($0)'" } ?? ""
            Terminal.writeError("swirl: stopped; run \(runID) is kept: 'swirl runs resume \(runID)\(db)' continues it\n")
            throw ExitCode(Interrupt.exitCode)
        }
    }

    /// One line per task phase: `  /do/0/greet completed in 0.4 ms`.
    static func progressLine(_ event: TaskEvent) -> String {
        let what: String
        switch event.kind {
        case .started: what = "started"
        case .completed(let duration): what = "completed in " + formatDuration(duration)
        case .skipped: what = "skipped"
        case .faulted(let error): what = "faulted: \(error.title ?? error.type) (\(error.status))"
        case .retrying(let attempt, let at, let error):
            what = "retry \(attempt) in \(formatDuration(at - event.time)) after \(error.title ?? error.type) (\(error.status))"
        case .waiting(let until): what = "waiting \(formatDuration(until - event.time))"
        }
        return "swirl: \(event.task) \(what)" + (event.detail.map { " (\($0))" } ?? "") + "\n"
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func formatDuration(_ seconds: Double) -> String {
        if seconds < 1 { return String(format: "%.1f ms", seconds * 1000) }
        return String(format: "%.2f s", seconds)
    }
}

/// SIGINT and SIGTERM handlers, active until cancelled. Besides running the action, a signal
/// halts the jq expressions being evaluated: one that never ends would otherwise keep the
/// process from ever reaching the action's effect.
final class Interrupt {
    private let sources: [any DispatchSourceSignal]

    /// The last of the two signals received, 0 before any.
    private static let received = Atomic<Int32>(0)

    /// 128 + the signal that stopped the process, as a shell reports it: 130 for SIGINT (also
    /// when the run was cancelled by other means), 143 for SIGTERM.
    static var exitCode: Int32 {
        let number = received.load(ordering: .relaxed)
        return 128 + (number == 0 ? SIGINT : number)
    }

    init(_ action: @escaping @Sendable () -> Void) {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                Interrupt.received.store(number, ordering: .relaxed)
                action()
                ExpressionLimits.shared.interrupt()
            }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
