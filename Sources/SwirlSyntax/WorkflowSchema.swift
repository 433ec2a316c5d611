import SwirlCore
import SwirlResources

/// The DSL's JSON Schema (`Schema/workflow.schema.json`), carried inside the binary.
public enum WorkflowSchema {
    /// The schema's text, exactly as in the source tree.
    public static var text: String { String(decoding: EmbeddedResources.workflowSchema, as: UTF8.self) }

    /// The compiled schema, built once per process on first use.
    ///
    /// The embedded schema is part of Swirl itself and a test compiles it, so a failure here is
    /// a defect in Swirl, not in the user's input.
    public static let compiled: JSONSchema = {
        do {
            return try JSONSchema(try JSON(parsing: text))
        } catch {
            preconditionFailure("the embedded workflow schema does not compile: \(error)")
        }
    }()

    /// Starts building ``compiled`` on a helper thread and returns at once, for a command that
    /// will validate a workflow: the schema compiles while the command parses its arguments and
    /// reads its files, and the first use of ``compiled`` waits only for what is left.
    public static func compileInBackground() {
        _ = HelperThread { _ = compiled }
    }
}
