import Foundation
import SwirlSyntax
import SwirlTestSupport

/// Lists workflow files in the source tree, for parameterised tests built from folders.
enum FixtureFiles {
    static let fixtures = PackageRoot.path("Tests/WorkflowsTests/Fixtures")

    /// The `.yaml`, `.yml` and `.json` files directly in `directory`, sorted, as full paths.
    static func workflows(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { ["yaml", "yml", "json"].contains(($0 as NSString).pathExtension) }.sorted().map {
            directory + "/" + $0
        }
    }

    static var examples: [String] { WorkflowDirectory.workflowFiles(under: PackageRoot.path("Workflows")) }
    static var valid: [String] { workflows(in: fixtures + "/valid") }
    static var invalid: [String] { workflows(in: fixtures + "/invalid") }
    static var warnings: [String] { workflows(in: fixtures + "/warnings") }
}
