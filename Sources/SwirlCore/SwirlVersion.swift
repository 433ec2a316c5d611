/// The version of Swirl, reported by `swirl --version` and as `$runtime.version`.
public enum SwirlVersion {
    public static let current = "0.1.0"
    /// The DSL versions Swirl reads.
    public static let supportedDSL = "1.0.x"
}
