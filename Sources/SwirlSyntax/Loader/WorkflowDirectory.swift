import Foundation

/// Finds the workflow files in a directory tree, as `swirl validate DIR` checks them.
public enum WorkflowDirectory {
    /// The extensions of workflow files.
    public static let extensions: Set<String> = ["yaml", "yml", "json"]

    /// Companion files of an example (`order.input.json`, `order.expected.json`) hold data for
    /// running it, not workflows.
    public static let companionSuffixes = [".input.json", ".expected.json", ".input.yaml", ".expected.yaml"]

    /// Whether a file name is an example's companion data rather than a workflow.
    public static func isCompanion(_ name: String) -> Bool {
        companionSuffixes.contains { name.hasSuffix($0) }
    }

    /// The workflow files under `directory` (hidden directories and companion files skipped),
    /// sorted, with paths starting with `directory` as given.
    public static func workflowFiles(under directory: String) -> [String] {
        let base = URL(fileURLWithPath: directory)
        guard
            let enumerator = FileManager.default.enumerator(
                at: base, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        var found: [String] = []
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        for case let url as URL in enumerator where extensions.contains(url.pathExtension.lowercased()) {
            guard !isCompanion(url.lastPathComponent),
                (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true
            else { continue }
            // Report paths as the user would write them: relative to the directory they named.
            let relative = url.standardizedFileURL.path.dropFirst(base.standardizedFileURL.path.count)
            found.append(prefix + relative.drop(while: { $0 == "/" }))
        }
        return found.sorted()
    }
}
