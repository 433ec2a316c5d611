/// Files of the source tree that Swirl carries inside its binary, so an installed `swirl` needs
/// nothing beside it. `Schema/` is the source of truth; the target links to it.
public enum EmbeddedResources {
    /// `Schema/workflow.schema.json`: the JSON Schema of the workflow DSL, as UTF-8 bytes.
    public static var workflowSchema: [UInt8] { PackageResources.workflow_schema_json }
}
