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
}
