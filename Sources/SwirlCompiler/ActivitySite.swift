public import SwirlCore

/// One task of a program that an activity performs, as the compiler's walk met it: the activity
/// kind it compiled the task to and where the task is.
///
/// The walk reports these whether or not it builds the program, so a caller that only validates
/// (`swirl validate`, which warns about kinds this build cannot run) reads the same kinds a run
/// would look up, from the one place that turns a task into its kind.
public struct ActivitySite: Hashable, Sendable {
    /// ``ActivityCall/kind``: `call:grpc`, `run:shell`, `emit`, `call:log:1.0.0@default` …
    public var kind: String
    /// The task (`/do/0/rpc`, or `/use/functions/name` for a function's task).
    public var pointer: JSONPointer

    public init(kind: String, pointer: JSONPointer) {
        self.kind = kind
        self.pointer = pointer
    }
}
