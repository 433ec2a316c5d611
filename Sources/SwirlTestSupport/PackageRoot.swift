import Foundation

/// Paths in the source tree, found from this file's own location so tests work from any
/// working directory.
public enum PackageRoot {
    /// The package's root directory (the one holding Package.swift).
    public static let path: String = {
        var url = URL(fileURLWithPath: #filePath)
        // Sources/SwirlTestSupport/PackageRoot.swift → the root is three levels up.
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `relative` resolved against the package root.
    public static func path(_ relative: String) -> String {
        path + "/" + relative
    }
}
