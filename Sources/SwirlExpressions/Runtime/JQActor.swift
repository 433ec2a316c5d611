/// The global actor whose code runs on ``JQThreadExecutor/shared``, the one thread libjq is used
/// from in the whole process.
///
/// Mark a type or function `@JQActor` to keep the ``JQEngine``, ``ExpressionBundle``s and libjq
/// values it owns on that thread. A `@JQActor` class is `Sendable`, so one compiled bundle can be
/// shared by every workflow run, each of which reaches it with `await`:
///
/// ```swift
/// @JQActor final class WorkflowExpressions {
///     let bundle: ExpressionBundle
///     init(sources: [ExpressionSource]) throws(JQError) {
///         bundle = try ExpressionBundle(sources: sources, engine: JQEngine())
///     }
/// }
/// ```
@globalActor
public actor JQActor {
    /// The actor's only instance.
    public static let shared = JQActor()

    private init() {}

    /// ``JQThreadExecutor/shared``, so that every job of this actor runs on its thread.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        JQThreadExecutor.shared.asUnownedSerialExecutor()
    }
}
