import ArgumentParser
import Foundation
import SwirlCore
import SwirlExpressions
import SwirlPostgres
import SwirlRuntime

/// `swirl worker`: serves the runs of a database until stopped.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Claim and run the workflows of a database until stopped.",
        discussion: """
            Any number of workers, on any number of machines, may share one database: each run is \
            held by one worker at a time under a lease, checkpointed at every side-effecting task, \
            and taken over from its last checkpoint when its worker dies. Workers also start the \
            runs of the schedules registered with 'swirl start' (each fire time once, in UTC). SIGTERM or SIGINT stops \
            claiming, lets the runs in hand reach a checkpoint within the grace period, releases \
            the rest to other workers, and exits 0. A jq expression that runs past --jq-timeout (or \
            what remains of its task's or workflow's timeout) fails its task with a timeout error; one \
            that even a halt cannot stop makes the worker exit 1, for its supervisor to restart it.
            """
    )

    @OptionGroup var store: StoreOptions

    @OptionGroup var activityOptions: ActivityOptions

    @Option(help: "How many runs to drive at once.")
    var concurrency = 16

    @Option(help: "How many threads the runs advance on, at most one per core (default: one per core).")
    var threads: Int?

    @Option(help: "Seconds a lease lasts without a heartbeat (heartbeats come every third of it).")
    var leaseSeconds = 30.0

    @Option(help: "Seconds a stopping worker waits for its runs to reach a checkpoint before releasing them.")
    var grace = 10.0

    @Flag(help: "Print nothing on stderr but errors.")
    var quiet = false

    func validate() throws {
        if concurrency < 1 { throw ValidationError("--concurrency must be at least 1.") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
        if leaseSeconds < 1 { throw ValidationError("--lease-seconds must be at least 1.") }
    }

    func run() async throws {
        let setup = try activityOptions.setup(defaultDefinitions: nil, quiet: quiet)
        let opened = try await store.open(poolSize: min(max(2, concurrency / 2), 8))
        var configuration = Worker.Configuration(
            concurrency: concurrency, leaseSeconds: leaseSeconds, graceSeconds: grace, threads: threads ?? 0)
        configuration.pollSeconds = 5
        let quiet = self.quiet
        let serving = Task { @WorkerActor in
            let worker = Worker(
                store: opened, library: WorkflowLibrary(catalog: setup.catalog), activities: setup.activities,
                secrets: setup.secrets, environment: setup.environment, configuration: configuration)
            worker.onLog = { Terminal.writeError("swirl worker: \($0)\n") }
            if !quiet {
                worker.onProgress = { progress in
                    switch progress.kind {
                    case .completed: Terminal.writeError("swirl worker: run \(progress.runID) completed\n")
                    case .faulted(let error):
                        Terminal.writeError("swirl worker: run \(progress.runID) faulted: \(error.title ?? error.type)\n")
                    default: break
                    }
                }
                worker.onScheduledRun = { started in
                    Terminal.writeError(
                        "swirl worker: schedule \(started.scheduleID) started run \(started.runID) "
                            + "(fire time \(RunsOutput.time(started.fireAt)))\n")
                }
                Terminal.writeError("swirl worker: \(configuration.owner) serving up to \(configuration.concurrency) runs\n")
            }
            try await worker.run()
        }
        let interrupt = Interrupt { serving.cancel() }
        defer { interrupt.cancel() }
        _ = await serving.result
        // A cancelled activity's child may still be between SIGTERM and SIGKILL: none outlives the worker.
        await ProcessActivities.endChildren()
        await setup.shutdown()
        await opened.close()
        if !quiet { Terminal.writeError("swirl worker: stopped\n") }
    }
}
