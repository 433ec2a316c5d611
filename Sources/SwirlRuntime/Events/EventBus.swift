public import Foundation
public import SwirlCore

/// Carries CloudEvents to the runs listening in this process: what `emit` tasks publish and
/// what `swirl emit` delivers reach every run subscribed at that moment.
public actor EventBus {
    private var subscribers: [UUID: AsyncStream<JSON>.Continuation] = [:]

    public init() {}

    /// A stream of every event published from now on, and the token to stop it.
    public func subscribe() -> (token: UUID, events: AsyncStream<JSON>) {
        let (stream, continuation) = AsyncStream.makeStream(of: JSON.self)
        let token = UUID()
        subscribers[token] = continuation
        return (token, stream)
    }

    public func unsubscribe(_ token: UUID) {
        subscribers.removeValue(forKey: token)?.finish()
    }

    /// Hands `event` to every subscriber.
    public func publish(_ event: JSON) {
        for continuation in subscribers.values { continuation.yield(event) }
    }
}

/// `emit`: completes the event's envelope, publishes it, and outputs it.
public struct EmitActivity: Activity {
    let bus: EventBus
    let clock: any RuntimeClock

    public init(bus: EventBus, clock: any RuntimeClock = SystemClock()) {
        self.bus = bus
        self.clock = clock
    }

    public func run(_ request: ActivityRequest) async throws(WorkflowError) -> JSON {
        guard case .object(let attributes)? = request.arguments.value["event"]?["with"] else {
            throw WorkflowError(.configuration, title: "Invalid event", detail: "emit.event.with is missing", instance: request.task)
        }
        // The envelope the DSL expects back: given attributes, with id, specversion and time
        // filled in when absent (DSL-NOTES §1.3 "emit").
        let event = CloudEvents.envelope(attributes, time: clock.now())
        await bus.publish(event)
        return event
    }
}
