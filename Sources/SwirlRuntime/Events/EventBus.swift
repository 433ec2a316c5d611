public import Foundation
public import SwirlCore

/// Carries CloudEvents within one process: what a test hands it reaches every subscriber at
/// that moment (an ``Interpreter`` delivers them to its store).
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
