/// A notification sent with `NOTIFY` (or `pg_notify`) on a channel the connection `LISTEN`s to.
public struct PGNotification: Sendable, Hashable {
    /// The channel's name.
    public var channel: String
    /// The payload; empty when the sender gave none.
    public var payload: String
    /// The process id of the server backend that sent it.
    public var processID: Int32

    /// Creates a notification (for tests).
    ///
    /// - Parameters:
    ///   - channel: The channel's name.
    ///   - payload: The payload.
    ///   - processID: The sending backend's process id.
    public init(channel: String, payload: String, processID: Int32) {
        self.channel = channel
        self.payload = payload
        self.processID = processID
    }
}
